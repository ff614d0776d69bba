/**
 * The three permission sets of the contract (§1), rendered from one declarative table so the
 * field lists follow the fields under force-app: a new Activity field is granted everywhere
 * it belongs the next time `npm run metadata` runs.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  AGENTS_CONTROLLER,
  MANAGE_PERMISSION,
  SETTINGS_CONTROLLER,
  CALLS_CONTROLLER,
  SERVICE_CONTROLLER,
  SERVICE_CREDENTIAL,
  SERVICE_PRINCIPAL
} from '../../src/org-api/contract';
import { SNAPSHOT_CLASS } from '../../src/org-api/snapshot';
import { SETTINGS_OBJECT } from '../../src/settings/schema';
import { CALL_RECORD_FIELDS, CALL_RECORD_OBJECT } from '../../src/call-record/schema';

type Access = 'read' | 'edit';
interface ObjectAccess {
  readonly object: string;
  readonly create?: boolean;
  readonly edit?: boolean;
  /** Object-level View All: sharing hides none of its records from this user. */
  readonly viewAll?: boolean;
}
export interface PermissionSetSpec {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  readonly classes: readonly string[];
  readonly customPermissions: readonly string[];
  readonly settingsAccess: boolean;
  readonly objects: readonly ObjectAccess[];
  readonly fields: ReadonlyMap<string, Access>;
  readonly userPermissions: readonly string[];
  readonly tabs: readonly string[];
  /** External Credential principals (`Credential-Principal`) whose callouts the user may make. */
  readonly externalPrincipals?: readonly string[];
}

export const SETTINGS_TAB = 'Aircall_Settings';

/** Custom fields of an object under force-app, as Object.Field (Activity fields go on Task and Event). */
function customFields(defaultDir: string, object: string): string[] {
  const names = readdirSync(join(defaultDir, 'objects', object, 'fields'))
    .filter((f) => f.endsWith('.field-meta.xml'))
    .map((f) => f.replace('.field-meta.xml', ''))
    .sort();
  const owners = object === 'Activity' ? ['Event', 'Task'] : [object];
  return owners.flatMap((owner) => names.map((n) => `${owner}.${n}`));
}

function fieldMap(entries: readonly (readonly [readonly string[], Access])[]): Map<string, Access> {
  const map = new Map<string, Access>();
  for (const [fields, access] of entries) for (const f of fields) map.set(f, access);
  return map;
}

/**
 * Standard fields the service writes when it creates records (R3, R9, R11) or reads to match
 * numbers (R4). Required fields (LastName, Company, Name, Subject of a Task) and the call
 * fields of Task are not subject to field-level security, so they are not listed.
 */
const WRITTEN_STANDARD_FIELDS = [
  'Contact.Phone',
  'Contact.Email',
  'Contact.Description',
  'Lead.Phone',
  'Lead.Email',
  'Lead.Description',
  'Lead.LeadSource',
  'Account.Phone',
  'Account.Description',
  'Case.Subject',
  'Case.Origin',
  'Case.SuppliedPhone',
  'Case.ContactId',
  'Case.AccountId',
  'Event.Description',
  'Task.Description'
];
const READ_STANDARD_FIELDS = [
  'Contact.AccountId',
  'Contact.MobilePhone',
  'Contact.HomePhone',
  'Contact.OtherPhone',
  'Contact.AssistantPhone',
  'Contact.Fax',
  'Lead.MobilePhone',
  'Lead.Fax',
  'Account.Fax'
];

export function permissionSets(defaultDir: string): PermissionSetSpec[] {
  const activity = customFields(defaultDir, 'Activity');
  // The call record's fields (L1), from its description: generated in the same run.
  const callRecord = CALL_RECORD_FIELDS.map((f) => `${CALL_RECORD_OBJECT}.${f.apiName}`);
  const keys = ['Account', 'Case', 'Contact', 'Lead'].flatMap((o) => customFields(defaultDir, o));
  // User.Aircall_Email__c: the agent mapping (R12), set by the admin in the panel, read by the service.
  const users = customFields(defaultDir, 'User');
  return [
    {
      name: 'Aircall_Admin',
      label: 'Aircall Admin',
      description:
        'Edit the Aircall call logging settings in the Aircall Settings tab, see the Aircall fields and calls, and see the guidance to add the Activities component (R13).',
      classes: [AGENTS_CONTROLLER, CALLS_CONTROLLER, SERVICE_CONTROLLER, SETTINGS_CONTROLLER],
      customPermissions: [MANAGE_PERMISSION],
      settingsAccess: true,
      objects: [{ object: CALL_RECORD_OBJECT }],
      fields: fieldMap([
        [activity, 'read'],
        [callRecord, 'read'],
        [users, 'edit']
      ]),
      userPermissions: [],
      tabs: [CALL_RECORD_OBJECT, SETTINGS_TAB],
      // The panel's preview, API share and health: callouts through the Aircall_Service credential.
      externalPrincipals: [`${SERVICE_CREDENTIAL}-${SERVICE_PRINCIPAL}`]
    },
    {
      name: 'Aircall_Integration',
      label: 'Aircall Integration',
      description:
        'For the Aircall service user: the snapshot resource, the settings, View All on Contacts, Leads, Accounts and Cases (a record hidden by sharing would be duplicated), create them, read Opportunities, create and edit Tasks. No View All Data.',
      classes: [SNAPSHOT_CLASS],
      customPermissions: [],
      settingsAccess: true,
      // Records are created by upsert on Aircall_Key__c (Unique), so a retry updates instead of
      // duplicating: create + edit. View All on the matched objects: a phone search that cannot
      // see a record would create a duplicate of it (docs/rules.md, "Access"). Not View All
      // Data: Tasks are found by the snapshot resource's system-mode read instead.
      objects: [
        { object: 'Account', create: true, edit: true, viewAll: true },
        // Upserted on its Aircall id: View All so that no call record is hidden from the upsert.
        { object: CALL_RECORD_OBJECT, create: true, edit: true, viewAll: true },
        { object: 'Case', create: true, edit: true, viewAll: true },
        { object: 'Contact', create: true, edit: true, viewAll: true },
        { object: 'Lead', create: true, edit: true, viewAll: true },
        { object: 'Opportunity' }
      ],
      fields: fieldMap([
        [READ_STANDARD_FIELDS, 'read'],
        [WRITTEN_STANDARD_FIELDS, 'edit'],
        [activity, 'edit'],
        [callRecord, 'edit'],
        [keys, 'edit'],
        [users, 'read']
      ]),
      userPermissions: ['ApiEnabled', 'EditTask'],
      tabs: []
    },
    {
      name: 'Aircall_User',
      label: 'Aircall User',
      description: 'See the Aircall fields of activities and the Aircall calls in the Activity-tab helper.',
      classes: [CALLS_CONTROLLER, SETTINGS_CONTROLLER],
      customPermissions: [],
      settingsAccess: true,
      objects: [{ object: CALL_RECORD_OBJECT }],
      fields: fieldMap([
        [activity, 'read'],
        [callRecord, 'read']
      ]),
      userPermissions: [],
      tabs: [CALL_RECORD_OBJECT]
    }
  ];
}

const el = (name: string, body: string) => `<${name}>${body}</${name}>`;

export function permissionSetXml(spec: PermissionSetSpec): string {
  const parts: string[] = [];
  for (const c of [...spec.classes].sort()) parts.push(el('classAccesses', el('apexClass', c) + el('enabled', 'true')));
  for (const p of spec.customPermissions) parts.push(el('customPermissions', el('enabled', 'true') + el('name', p)));
  if (spec.settingsAccess) parts.push(el('customSettingAccesses', el('enabled', 'true') + el('name', SETTINGS_OBJECT)));
  parts.push(el('description', spec.description));
  for (const principal of spec.externalPrincipals ?? [])
    parts.push(
      el('externalCredentialPrincipalAccesses', el('enabled', 'true') + el('externalCredentialPrincipal', principal))
    );
  for (const [field, access] of [...spec.fields].sort(([a], [b]) => a.localeCompare(b))) {
    parts.push(
      el('fieldPermissions', el('editable', String(access === 'edit')) + el('field', field) + el('readable', 'true'))
    );
  }
  parts.push(el('hasActivationRequired', 'false'), el('label', spec.label));
  for (const o of spec.objects) {
    parts.push(
      el(
        'objectPermissions',
        el('allowCreate', String(Boolean(o.create))) +
          el('allowDelete', 'false') +
          el('allowEdit', String(Boolean(o.edit))) +
          el('allowRead', 'true') +
          el('modifyAllRecords', 'false') +
          el('object', o.object) +
          el('viewAllRecords', String(Boolean(o.viewAll)))
      )
    );
  }
  for (const t of spec.tabs) parts.push(el('tabSettings', el('tab', t) + el('visibility', 'Visible')));
  for (const u of spec.userPermissions) parts.push(el('userPermissions', el('enabled', 'true') + el('name', u)));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">\n${parts.join('\n')}\n</PermissionSet>\n`;
}
