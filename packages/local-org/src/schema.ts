/**
 * The local org's schema: the standard objects the product touches, with the field types,
 * required fields and platform rules that matter, plus every custom object and field found
 * under force-app (loading force-app is deploying the package).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'picklist'
  | 'reference'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'percent'
  | 'date'
  | 'datetime'
  | 'phone'
  | 'email'
  | 'url'
  | 'base64';

export interface FieldDef {
  readonly name: string;
  readonly label: string;
  readonly type: FieldType;
  readonly length?: number;
  /** Required on create when false and neither defaulted nor derived. */
  readonly nillable: boolean;
  readonly createable: boolean;
  readonly updateable: boolean;
  readonly defaultValue?: string | number | boolean;
  readonly picklist?: readonly string[];
  readonly restricted?: boolean;
  readonly referenceTo?: readonly string[];
  readonly relationshipName?: string;
  readonly externalId?: boolean;
  readonly unique?: boolean;
  readonly custom: boolean;
  /** A field the platform fills (Name of a Contact, IsClosed, CaseNumber…). */
  readonly derived?: boolean;
  /** An Auto Number name field: its display format (`CR-{0000}`) and first number. */
  readonly autoNumber?: { readonly format: string; readonly start: number };
}

export interface ChildRelationship {
  readonly relationshipName: string;
  readonly childSObject: string;
  readonly field: string;
}

export interface ObjectDef {
  readonly name: string;
  readonly label: string;
  readonly keyPrefix: string;
  readonly custom: boolean;
  readonly customSetting: boolean;
  readonly fields: Map<string, FieldDef>;
  readonly children: ChildRelationship[];
  /** Objects SOSL searches. */
  readonly searchable: boolean;
}

export interface Schema {
  readonly objects: Map<string, ObjectDef>;
  readonly byPrefix: Map<string, ObjectDef>;
  readonly personAccounts: boolean;
  object(name: string): ObjectDef | undefined;
  field(object: ObjectDef, name: string): FieldDef | undefined;
}

type Spec = Partial<FieldDef> & { name: string; type: FieldType };

const field = (spec: Spec): FieldDef => ({
  label: spec.name.replace(/__c$/, '').replace(/_/g, ' '),
  nillable: true,
  createable: true,
  updateable: true,
  custom: false,
  ...spec
});
const str = (name: string, length = 255, extra: Partial<FieldDef> = {}) =>
  field({ name, type: 'string', length, ...extra });
const phone = (name: string) => field({ name, type: 'phone', length: 40 });
const ref = (name: string, referenceTo: string[], relationshipName: string, extra: Partial<FieldDef> = {}) =>
  field({ name, type: 'reference', referenceTo, relationshipName, length: 18, ...extra });
const derived = (name: string, type: FieldType, extra: Partial<FieldDef> = {}) =>
  field({ name, type, createable: false, updateable: false, derived: true, ...extra });
const bool = (name: string, defaultValue: boolean, extra: Partial<FieldDef> = {}) =>
  field({ name, type: 'boolean', nillable: false, defaultValue, ...extra });
const pick = (name: string, values: string[], extra: Partial<FieldDef> = {}) =>
  field({ name, type: 'picklist', picklist: values, length: 255, ...extra });
const required = { nillable: false } as const;

const SYSTEM = (owned: boolean): FieldDef[] => [
  derived('Id', 'id', { nillable: false, length: 18 }),
  derived('IsDeleted', 'boolean', { nillable: false }),
  derived('CreatedDate', 'datetime', { nillable: false }),
  derived('CreatedById', 'reference', { referenceTo: ['User'], relationshipName: 'CreatedBy', nillable: false }),
  derived('LastModifiedDate', 'datetime', { nillable: false }),
  derived('LastModifiedById', 'reference', {
    referenceTo: ['User'],
    relationshipName: 'LastModifiedBy',
    nillable: false
  }),
  derived('SystemModstamp', 'datetime', { nillable: false }),
  ...(owned ? [ref('OwnerId', ['User'], 'Owner', { nillable: false, derived: false })] : [])
];

export const TASK_STATUSES: readonly { value: string; closed: boolean; isDefault?: boolean }[] = [
  { value: 'Not Started', closed: false, isDefault: true },
  { value: 'In Progress', closed: false },
  { value: 'Completed', closed: true },
  { value: 'Waiting on someone else', closed: false },
  { value: 'Deferred', closed: false }
];
export const CASE_STATUSES: readonly { value: string; closed: boolean; isDefault?: boolean }[] = [
  { value: 'New', closed: false, isDefault: true },
  { value: 'Working', closed: false },
  { value: 'Escalated', closed: false },
  { value: 'Closed', closed: true }
];
export const OPPORTUNITY_STAGES: readonly { value: string; closed: boolean; won: boolean; probability: number }[] = [
  { value: 'Prospecting', closed: false, won: false, probability: 10 },
  { value: 'Qualification', closed: false, won: false, probability: 10 },
  { value: 'Needs Analysis', closed: false, won: false, probability: 20 },
  { value: 'Proposal/Price Quote', closed: false, won: false, probability: 75 },
  { value: 'Negotiation/Review', closed: false, won: false, probability: 90 },
  { value: 'Closed Won', closed: true, won: true, probability: 100 },
  { value: 'Closed Lost', closed: true, won: false, probability: 0 }
];
const statusObject = (extra: FieldDef[] = []) => [
  str('ApiName', 255, { createable: false, updateable: false }),
  str('MasterLabel', 255, { createable: false, updateable: false }),
  field({ name: 'IsClosed', type: 'boolean', createable: false, updateable: false }),
  field({ name: 'IsDefault', type: 'boolean', createable: false, updateable: false }),
  field({ name: 'SortOrder', type: 'int', createable: false, updateable: false }),
  ...extra
];

interface StandardSpec {
  name: string;
  label: string;
  keyPrefix: string;
  owned: boolean;
  searchable?: boolean;
  fields: FieldDef[];
  /** A read-only setup object (rows are seeded, not created over the API). */
  setup?: boolean;
}

function standardObjects(personAccounts: boolean): StandardSpec[] {
  const personFields = personAccounts
    ? [
        str('FirstName', 40),
        str('LastName', 80),
        str('Salutation', 40),
        phone('PersonMobilePhone'),
        phone('PersonHomePhone'),
        phone('PersonOtherPhone'),
        phone('PersonAssistantPhone'),
        field({ name: 'PersonEmail', type: 'email', length: 80 }),
        derived('PersonContactId', 'reference', { referenceTo: ['Contact'], relationshipName: 'PersonContact' }),
        derived('IsPersonAccount', 'boolean', { nillable: false })
      ]
    : [];
  const contactPerson = personAccounts ? [derived('IsPersonAccount', 'boolean', { nillable: false })] : [];
  return [
    {
      name: 'Organization',
      label: 'Organization',
      keyPrefix: '00D',
      owned: false,
      setup: true,
      fields: [
        str('Name', 80),
        str('InstanceName', 5),
        field({ name: 'IsSandbox', type: 'boolean' }),
        field({ name: 'TrialExpirationDate', type: 'datetime' }),
        str('NamespacePrefix', 15),
        str('OrganizationType', 40),
        str('TimeZoneSidKey', 40)
      ]
    },
    {
      name: 'User',
      label: 'User',
      keyPrefix: '005',
      owned: false,
      fields: [
        str('Username', 80, { ...required, unique: true }),
        field({ name: 'Email', type: 'email', length: 128, ...required }),
        str('FirstName', 40),
        str('LastName', 80, required),
        derived('Name', 'string', { length: 121 }),
        str('Alias', 8),
        bool('IsActive', true),
        str('TimeZoneSidKey', 40),
        str('Title', 80)
      ]
    },
    {
      name: 'RecordType',
      label: 'Record Type',
      keyPrefix: '012',
      owned: false,
      setup: true,
      fields: [
        str('Name', 80),
        str('DeveloperName', 80),
        str('SobjectType', 40),
        field({ name: 'IsPersonType', type: 'boolean' }),
        field({ name: 'IsActive', type: 'boolean' })
      ]
    },
    {
      name: 'Account',
      label: 'Account',
      keyPrefix: '001',
      owned: true,
      searchable: true,
      fields: [
        // Name is required for business accounts and derived for person accounts: checked in rules.ts.
        str('Name', 255),
        phone('Phone'),
        phone('Fax'),
        str('Type', 255),
        str('Industry', 255),
        field({ name: 'Website', type: 'url', length: 255 }),
        str('BillingCity', 40),
        str('BillingCountry', 80),
        field({ name: 'Description', type: 'textarea', length: 32000 }),
        ref('RecordTypeId', ['RecordType'], 'RecordType'),
        ref('ParentId', ['Account'], 'Parent'),
        ...personFields
      ]
    },
    {
      name: 'Contact',
      label: 'Contact',
      keyPrefix: '003',
      owned: true,
      searchable: true,
      fields: [
        str('Salutation', 40),
        str('FirstName', 40),
        str('LastName', 80, required),
        derived('Name', 'string', { length: 121 }),
        ref('AccountId', ['Account'], 'Account'),
        str('Title', 128),
        phone('Phone'),
        phone('MobilePhone'),
        phone('HomePhone'),
        phone('OtherPhone'),
        phone('AssistantPhone'),
        phone('Fax'),
        field({ name: 'Email', type: 'email', length: 80 }),
        str('LeadSource', 255),
        field({ name: 'Description', type: 'textarea', length: 32000 }),
        ...contactPerson
      ]
    },
    {
      name: 'Lead',
      label: 'Lead',
      keyPrefix: '00Q',
      owned: true,
      searchable: true,
      fields: [
        str('Salutation', 40),
        str('FirstName', 40),
        str('LastName', 80, required),
        derived('Name', 'string', { length: 121 }),
        str('Company', 255, required),
        str('Title', 128),
        phone('Phone'),
        phone('MobilePhone'),
        phone('Fax'),
        field({ name: 'Email', type: 'email', length: 80 }),
        pick(
          'Status',
          ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'],
          { nillable: false, defaultValue: 'Open - Not Contacted' }
        ),
        str('LeadSource', 255),
        derived('IsConverted', 'boolean', { nillable: false }),
        field({ name: 'Description', type: 'textarea', length: 32000 })
      ]
    },
    {
      name: 'Case',
      label: 'Case',
      keyPrefix: '500',
      owned: true,
      searchable: true,
      fields: [
        derived('CaseNumber', 'string', { length: 30 }),
        ref('ContactId', ['Contact'], 'Contact'),
        ref('AccountId', ['Account'], 'Account'),
        pick(
          'Status',
          CASE_STATUSES.map((s) => s.value),
          { nillable: false, defaultValue: 'New' }
        ),
        derived('IsClosed', 'boolean', { nillable: false }),
        str('Origin', 255),
        pick('Priority', ['High', 'Medium', 'Low'], { defaultValue: 'Medium' }),
        str('Subject', 255),
        field({ name: 'Description', type: 'textarea', length: 32000 }),
        str('SuppliedPhone', 40),
        field({ name: 'SuppliedEmail', type: 'email', length: 80 }),
        str('SuppliedName', 80)
      ]
    },
    {
      name: 'Opportunity',
      label: 'Opportunity',
      keyPrefix: '006',
      owned: true,
      searchable: true,
      fields: [
        str('Name', 120, required),
        ref('AccountId', ['Account'], 'Account'),
        pick(
          'StageName',
          OPPORTUNITY_STAGES.map((s) => s.value),
          { nillable: false }
        ),
        field({ name: 'CloseDate', type: 'date', nillable: false }),
        field({ name: 'Amount', type: 'currency' }),
        derived('IsClosed', 'boolean', { nillable: false }),
        derived('IsWon', 'boolean', { nillable: false }),
        field({ name: 'Probability', type: 'percent' }),
        // Set on create only: it makes the primary OpportunityContactRole.
        ref('ContactId', ['Contact'], 'Contact', { updateable: false }),
        field({ name: 'Description', type: 'textarea', length: 32000 })
      ]
    },
    {
      name: 'OpportunityContactRole',
      label: 'Opportunity Contact Role',
      keyPrefix: '00K',
      owned: false,
      fields: [
        ref('OpportunityId', ['Opportunity'], 'Opportunity', { nillable: false, updateable: false }),
        ref('ContactId', ['Contact'], 'Contact', { nillable: false }),
        str('Role', 255),
        bool('IsPrimary', false)
      ]
    },
    {
      name: 'Task',
      label: 'Task',
      keyPrefix: '00T',
      owned: true,
      fields: [
        str('Subject', 255),
        pick(
          'Status',
          TASK_STATUSES.map((s) => s.value),
          { nillable: false, defaultValue: 'Not Started' }
        ),
        pick('Priority', ['High', 'Normal', 'Low'], { nillable: false, defaultValue: 'Normal' }),
        field({ name: 'ActivityDate', type: 'date' }),
        ref('WhoId', ['Contact', 'Lead'], 'Who'),
        ref('WhatId', ['Account', 'Opportunity', 'Case'], 'What'),
        derived('AccountId', 'reference', { referenceTo: ['Account'], relationshipName: 'Account' }),
        field({ name: 'Description', type: 'textarea', length: 32000 }),
        pick('TaskSubtype', ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'], {
          restricted: true,
          updateable: false
        }),
        pick('Type', ['Call', 'Email', 'Meeting', 'Other', 'SMS']),
        pick('CallType', ['Inbound', 'Internal', 'Outbound'], { restricted: true }),
        field({ name: 'CallDurationInSeconds', type: 'int' }),
        str('CallObject', 255),
        str('CallDisposition', 255),
        derived('IsClosed', 'boolean', { nillable: false }),
        derived('CompletedDateTime', 'datetime')
      ]
    },
    {
      name: 'TaskStatus',
      label: 'Task Status',
      keyPrefix: '01J',
      owned: false,
      setup: true,
      fields: statusObject()
    },
    {
      name: 'CaseStatus',
      label: 'Case Status',
      keyPrefix: '01K',
      owned: false,
      setup: true,
      fields: statusObject()
    },
    {
      name: 'OpportunityStage',
      label: 'Opportunity Stage',
      keyPrefix: '01L',
      owned: false,
      setup: true,
      fields: statusObject([
        field({ name: 'IsWon', type: 'boolean', createable: false, updateable: false }),
        field({ name: 'IsActive', type: 'boolean', createable: false, updateable: false }),
        field({ name: 'DefaultProbability', type: 'percent', createable: false, updateable: false })
      ])
    }
  ];
}

/** What the platform derives from a file's content, on its version and on its document. */
const fileFacts = (): FieldDef[] => [
  derived('ContentSize', 'int'),
  derived('FileExtension', 'string', { length: 40 }),
  derived('FileType', 'string', { length: 20 })
];

/**
 * Salesforce Files, as far as a file attached to a record goes (Object Reference:
 * ContentVersion, ContentDocument, ContentDocumentLink). Inserting a ContentVersion with
 * PathOnClient and VersionData creates its ContentDocument; with FirstPublishLocationId it is
 * shared with that record through a ContentDocumentLink (store.ts afterInsert). Not modelled:
 * new versions of a document, libraries, the owner's own link, file sharing and "Query All
 * Files" (docs/local-org.md). `linkable` are the objects a file may be linked to: the
 * LinkedEntityId and FirstPublishLocationId lookups are polymorphic.
 */
function fileObjects(linkable: string[]): StandardSpec[] {
  return [
    {
      name: 'ContentVersion',
      label: 'Content Version',
      keyPrefix: '068',
      owned: true,
      fields: [
        // Required here: whether the platform fills a missing Title from PathOnClient is not in
        // the docs stored here, so the local org refuses it (strict).
        str('Title', 255, required),
        str('PathOnClient', 500, { ...required, updateable: false }),
        // "You can insert or update blob data using a non-multipart message, but you are limited
        // to 50 MB of text data or 37.5 MB of base64-encoded data" (dome_sobject_insert_update_blob).
        field({ name: 'VersionData', type: 'base64', nillable: false, updateable: false }),
        field({ name: 'Description', type: 'textarea', length: 1000 }),
        str('ReasonForChange', 1000),
        pick('ContentLocation', ['S'], { restricted: true, defaultValue: 'S', updateable: false }),
        ref('FirstPublishLocationId', linkable, 'FirstPublishLocation', { updateable: false }),
        derived('ContentDocumentId', 'reference', {
          referenceTo: ['ContentDocument'],
          relationshipName: 'ContentDocument'
        }),
        derived('IsLatest', 'boolean', { nillable: false }),
        derived('VersionNumber', 'string', { length: 20 }),
        ...fileFacts()
      ]
    },
    {
      name: 'ContentDocument',
      label: 'Content Document',
      keyPrefix: '069',
      owned: true,
      fields: [
        str('Title', 255, required),
        derived('LatestPublishedVersionId', 'reference', {
          referenceTo: ['ContentVersion'],
          relationshipName: 'LatestPublishedVersion'
        }),
        ...fileFacts()
      ]
    },
    {
      name: 'ContentDocumentLink',
      label: 'Content Document Link',
      keyPrefix: '06A',
      owned: false,
      fields: [
        ref('ContentDocumentId', ['ContentDocument'], 'ContentDocument', { ...required, updateable: false }),
        ref('LinkedEntityId', linkable, 'LinkedEntity', { ...required, updateable: false }),
        // V viewer, C collaborator, I inferred (the object reference's ShareType values).
        pick('ShareType', ['V', 'C', 'I'], { ...required, restricted: true }),
        pick('Visibility', ['AllUsers', 'InternalUsers', 'SharedUsers'], { restricted: true })
      ]
    }
  ];
}

/** "Supported Calls: delete(), describeSObjects(), query(), retrieve(), update()": no create (ContentDocument). */
export const NO_CREATE_OBJECTS = new Set(['ContentDocument']);

/** Setup objects are read-only over the REST API here. */
export const SETUP_OBJECTS = new Set(['Organization', 'RecordType', 'TaskStatus', 'CaseStatus', 'OpportunityStage']);

// ---- force-app ------------------------------------------------------------------------

/** The direct children of the root element of a small metadata XML file. */
function xmlChildren(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  const body = xml.replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const root = /<([A-Za-z]+)[^>]*>([\s\S]*)<\/\1>/.exec(body);
  if (!root?.[2]) return out;
  const re = /<([A-Za-z]+)(?:\s[^>]*)?>([\s\S]*?)<\/\1>/g;
  for (let m = re.exec(root[2]); m; m = re.exec(root[2])) out.set(m[1]!, m[2]!.trim());
  return out;
}

const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** A Text default is a formula string literal ("\"Completed\""); a checkbox default is true/false. */
function metadataDefault(type: FieldType, raw: string | undefined): string | number | boolean | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = decode(raw);
  if (type === 'boolean') return value.toLowerCase() === 'true';
  const quoted = /^"(.*)"$|^'(.*)'$/.exec(value);
  if (quoted) return quoted[1] ?? quoted[2] ?? '';
  const num = Number(value);
  return Number.isFinite(num) ? num : undefined;
}

const METADATA_TYPES: Record<string, FieldType> = {
  Text: 'string',
  TextArea: 'textarea',
  LongTextArea: 'textarea',
  Html: 'textarea',
  Url: 'url',
  Email: 'email',
  Phone: 'phone',
  Number: 'double',
  Currency: 'currency',
  Percent: 'percent',
  Checkbox: 'boolean',
  Date: 'date',
  DateTime: 'datetime',
  Picklist: 'picklist',
  Lookup: 'reference',
  MasterDetail: 'reference'
};

export function customFieldFromXml(xml: string, objectName: string): FieldDef {
  const el = xmlChildren(xml);
  const name = el.get('fullName') ?? '';
  const mdType = el.get('type') ?? 'Text';
  const type = METADATA_TYPES[mdType];
  if (!name.endsWith('__c') || !type) {
    throw new Error(`force-app: unsupported field ${objectName}.${name || '?'} of type ${mdType}`);
  }
  const length =
    mdType === 'Url'
      ? 255
      : mdType === 'Email'
        ? 80
        : mdType === 'Phone'
          ? 40
          : el.get('length')
            ? Number(el.get('length'))
            : undefined;
  const values =
    type === 'picklist'
      ? [...xml.matchAll(/<value>\s*<fullName>([^<]+)<\/fullName>/g)].map((m) => decode(m[1]!))
      : undefined;
  const target = el.get('referenceTo');
  return field({
    name,
    label: decode(el.get('label') ?? name),
    type,
    ...(length ? { length } : {}),
    nillable: el.get('required') !== 'true' && mdType !== 'MasterDetail',
    custom: true,
    externalId: el.get('externalId') === 'true',
    unique: el.get('unique') === 'true',
    ...(values ? { picklist: values, restricted: xml.includes('<restricted>true</restricted>') } : {}),
    ...(target ? { referenceTo: [target], relationshipName: name.replace(/__c$/, '__r') } : {}),
    ...(metadataDefault(type, el.get('defaultValue')) !== undefined
      ? { defaultValue: metadataDefault(type, el.get('defaultValue')) }
      : {})
  });
}

interface ForceAppObject {
  name: string;
  label: string;
  customSetting: boolean;
  fields: FieldDef[];
  /** The name field when it is an Auto Number (CustomObject nameField, type AutoNumber). */
  autoNumber?: { format: string; start: number };
}

export function readForceApp(source: ForceAppSource): ForceAppObject[] {
  const { path: dir, namespace } = forceAppDir(source);
  const objectsDir = join(dir, 'main', 'default', 'objects');
  if (!existsSync(objectsDir)) return [];
  const out: ForceAppObject[] = [];
  for (const name of readdirSync(objectsDir).sort()) {
    const objectFile = join(objectsDir, name, `${name}.object-meta.xml`);
    const meta = existsSync(objectFile) ? xmlChildren(readFileSync(objectFile, 'utf8')) : new Map<string, string>();
    const fieldsDir = join(objectsDir, name, 'fields');
    const fields = existsSync(fieldsDir)
      ? readdirSync(fieldsDir)
          .filter((f) => f.endsWith('.field-meta.xml'))
          .sort()
          .map((f) => customFieldFromXml(readFileSync(join(fieldsDir, f), 'utf8'), name))
          .map((f) =>
            namespace
              ? {
                  ...f,
                  name: namespaced(f.name, namespace),
                  // A package's lookup points to its objects, and is reached by its relationship, by their
                  // namespaced names: `namespace_prefix__obj_or_field_name__c` ("Namespace Prefix",
                  // apex_classes_namespace_prefix), the relationship being the field's name ending `__r`
                  // ("Understanding Relationship Names, Custom Objects, and Custom Fields",
                  // sforce_api_calls_soql_relationships_and_custom_objects). Tested by test/service/namespace.test.ts.
                  ...(f.referenceTo ? { referenceTo: f.referenceTo.map((r) => namespaced(r, namespace)) } : {}),
                  ...(f.relationshipName
                    ? { relationshipName: namespaced(f.name, namespace).replace(/__c$/, '__r') }
                    : {})
                }
              : f
          )
      : [];
    const nameField = xmlChildren(`<n>${meta.get('nameField') ?? ''}</n>`);
    out.push({
      name: namespaced(name, namespace),
      label: decode(meta.get('label') ?? name),
      customSetting: meta.has('customSettingsType'),
      fields,
      ...(nameField.get('type') === 'AutoNumber'
        ? {
            autoNumber: {
              format: decode(nameField.get('displayFormat') ?? '{0}'),
              start: Number(nameField.get('startingNumber') ?? 1)
            }
          }
        : {})
    });
  }
  return out;
}

// ---- assembly ---------------------------------------------------------------------------

/**
 * An SFDX source folder to deploy, and the namespace of the package it is (none for an
 * admin's unpackaged metadata): its custom objects and fields are then `<ns>__Name__c`, its
 * Apex REST mappings below `/<ns>/` (apex_classes_annotation_rest_resource).
 */
export interface ForceAppDir {
  readonly path: string;
  readonly namespace?: string;
}
export type ForceAppSource = string | ForceAppDir;
export const forceAppDir = (source: ForceAppSource): ForceAppDir =>
  typeof source === 'string' ? { path: source } : source;

/** A custom name as a package with this namespace spells it (`Name__c` → `ns__Name__c`). */
export function namespaced(name: string, namespace: string | undefined): string {
  // `Name__c` has one `__`; `other__Name__c` already carries a namespace.
  return namespace && name.endsWith('__c') && name.split('__').length === 2 ? `${namespace}__${name}` : name;
}

export interface SchemaOptions {
  readonly personAccounts?: boolean;
  /** force-app folders to deploy, in order; none when empty. */
  readonly forceApps?: readonly ForceAppSource[];
}

export function buildSchema(options: SchemaOptions = {}): Schema {
  const personAccounts = options.personAccounts ?? false;
  const objects = new Map<string, ObjectDef>();
  const add = (def: Omit<ObjectDef, 'fields' | 'children'> & { fields: FieldDef[] }) => {
    const fields = new Map<string, FieldDef>();
    for (const f of def.fields) fields.set(f.name.toLowerCase(), f);
    objects.set(def.name.toLowerCase(), { ...def, fields, children: [] });
  };
  const addStandard = (spec: StandardSpec) =>
    add({
      name: spec.name,
      label: spec.label,
      keyPrefix: spec.keyPrefix,
      custom: false,
      customSetting: false,
      searchable: spec.searchable ?? false,
      fields: [...SYSTEM(spec.owned), ...spec.fields]
    });
  standardObjects(personAccounts).forEach(addStandard);
  let customIndex = 0;
  for (const custom of (options.forceApps ?? []).flatMap(readForceApp)) {
    // Fields on Activity are shared by Task and Event; this org models Task.
    const targetName = custom.name === 'Activity' ? 'Task' : custom.name;
    const existing = objects.get(targetName.toLowerCase());
    if (existing) {
      for (const f of custom.fields) existing.fields.set(f.name.toLowerCase(), f);
      continue;
    }
    if (!custom.name.endsWith('__c')) continue; // a standard object this org does not model
    const prefix = `a${String(customIndex).padStart(2, '0')}`;
    customIndex += 1;
    const base = custom.customSetting
      ? [
          str('Name', 38),
          ref('SetupOwnerId', ['Organization', 'User'], 'SetupOwner', { nillable: false, unique: true })
        ]
      : custom.autoNumber
        ? // "Auto Number ... read-only": the platform numbers each new record (CustomObject nameField).
          [derived('Name', 'string', { length: 80, nillable: false, autoNumber: custom.autoNumber })]
        : [str('Name', 80)];
    add({
      name: custom.name,
      label: custom.label,
      keyPrefix: prefix,
      custom: true,
      customSetting: custom.customSetting,
      searchable: false,
      fields: [...SYSTEM(!custom.customSetting), ...base, ...custom.fields]
    });
  }
  const linkable = [...objects.values()]
    .filter((o) => !o.customSetting && !SETUP_OBJECTS.has(o.name))
    .map((o) => o.name);
  // Files may be linked to any record: their objects come after the package's.
  fileObjects(linkable).forEach(addStandard);
  // Child relationships for subqueries: Contact.Cases, Account.Contacts, Contact.Tasks, …
  const plural: Record<string, string> = {
    Case: 'Cases',
    Contact: 'Contacts',
    Task: 'Tasks',
    Opportunity: 'Opportunities',
    OpportunityContactRole: 'OpportunityContactRoles'
  };
  for (const child of objects.values()) {
    for (const f of child.fields.values()) {
      if (f.type !== 'reference' || !f.referenceTo || f.derived || f.name === 'OwnerId') continue;
      const relationshipName = child.custom ? `${child.name.replace(/__c$/, '')}s__r` : plural[child.name];
      if (!relationshipName) continue;
      for (const parentName of f.referenceTo) {
        const parent = objects.get(parentName.toLowerCase());
        if (parent && !parent.children.some((c) => c.relationshipName === relationshipName)) {
          parent.children.push({ relationshipName, childSObject: child.name, field: f.name });
        }
      }
    }
  }
  // Task.AccountId is derived but Account.Tasks lists Tasks by it.
  objects.get('account')?.children.push({ relationshipName: 'Tasks', childSObject: 'Task', field: 'AccountId' });
  const byPrefix = new Map([...objects.values()].map((o) => [o.keyPrefix, o] as const));
  return {
    objects,
    byPrefix,
    personAccounts,
    object: (name) => objects.get(name.toLowerCase()),
    field: (object, name) => object.fields.get(name.toLowerCase())
  };
}
