/**
 * Object and field access of a user, from the permission sets deployed with the SFDX folders
 * (`permissionsets/*.permissionset-meta.xml`), for users created with `permissionSets`.
 *
 * What the local org applies, and where it comes from:
 * - field-level security on custom fields, shared by Task and Event (fields on Activity), a
 *   missing entry meaning no access (reference/salesforce.md §7, from the Object Reference's Task
 *   page); a custom setting readable with the set's custom-setting access (reference/salesforce.md
 *   §8, Help platform.cs_schema_settings), its fields carrying no FLS of their own;
 * - object permissions (Read, Create, Edit; Edit implies Read) on custom objects and on Account,
 *   Contact, Lead, Case and Opportunity; Tasks and Events created and edited under the "Edit
 *   Tasks" user permission (EditTask), which the package's permission sets grant;
 * - "View All Data" (user permission ViewAllData).
 * The docs stored here do not state the second point, nor what the API answers to a refused
 * operation: the local org's answers are its own choice, the closest documented forms, so a
 * client must not rely on their text. A field the user cannot read is "No such column"
 * (INVALID_FIELD, the documented answer to an unknown field); a read-only one is refused with
 * INVALID_FIELD_FOR_INSERT_UPDATE; an object operation with 403 INSUFFICIENT_ACCESS_OR_READONLY.
 * - record sharing, for the objects given an org-wide default of Private (the `sharing`
 *   option): a user sees a record it owns, every record with "View All Data" or the object's
 *   "View All", and nothing else ("Set an Access Mode for Database Operations",
 *   apex_classes_enforce_usermode: "user mode ... always respects the user's sharing rules",
 *   system mode follows the class's sharing keyword; the AccessLevel class reference). An
 *   OpportunityContactRole is visible when its Opportunity is ("Controlled by Parent").
 * Not modelled (docs/local-org.md, known differences): profiles (standard fields and other
 * standard objects are open to every user), permission set groups, muting, the role
 * hierarchy, sharing rules, manual shares and teams (a Private object is owner-only here).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SfError } from './errors';
import type { ForceAppSource } from './schema';
import { forceAppDir, namespaced } from './schema';

export interface PermissionSetDef {
  readonly name: string;
  readonly objects: ReadonlyMap<string, { read: boolean; create: boolean; edit: boolean; viewAll: boolean }>;
  /** `Object.Field` → access. */
  readonly fields: ReadonlyMap<string, { read: boolean; edit: boolean }>;
  readonly userPermissions: ReadonlySet<string>;
}

const tag = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
const blocks = (xml: string, name: string): string[] =>
  [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1] as string);
const yes = (xml: string, name: string) => tag(xml, name) === 'true';

/** The permission sets of every `main/default/permissionsets` folder under the SFDX roots. */
export function loadPermissionSets(roots: readonly ForceAppSource[]): Map<string, PermissionSetDef> {
  const sets = new Map<string, PermissionSetDef>();
  for (const source of roots) {
    const { path: root, namespace } = forceAppDir(source);
    // A namespaced package's sets name its objects and fields with the namespace.
    const ns = (name: string) => namespaced(name, namespace);
    const field = (ref: string) => ref.split('.').map(ns).join('.');
    const dir = join(root, 'main', 'default', 'permissionsets');
    if (!existsSync(dir)) continue;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.permissionset-meta.xml'))) {
      const xml = readFileSync(join(dir, file), 'utf8');
      const name = file.replace(/\.permissionset-meta\.xml$/, '');
      const objects = new Map<string, { read: boolean; create: boolean; edit: boolean; viewAll: boolean }>();
      for (const b of blocks(xml, 'objectPermissions')) {
        objects.set(ns(tag(b, 'object') ?? ''), {
          read: yes(b, 'allowRead'),
          create: yes(b, 'allowCreate'),
          edit: yes(b, 'allowEdit'),
          viewAll: yes(b, 'viewAllRecords')
        });
      }
      // Custom settings are read through "Custom Setting Definitions" access, not object permissions.
      for (const b of blocks(xml, 'customSettingAccesses')) {
        if (yes(b, 'enabled'))
          objects.set(ns(tag(b, 'name') ?? ''), { read: true, create: false, edit: false, viewAll: false });
      }
      const fields = new Map<string, { read: boolean; edit: boolean }>();
      for (const b of blocks(xml, 'fieldPermissions')) {
        fields.set(field(tag(b, 'field') ?? ''), { read: yes(b, 'readable'), edit: yes(b, 'editable') });
      }
      const userPermissions = new Set(
        blocks(xml, 'userPermissions')
          .filter((b) => yes(b, 'enabled'))
          .map((b) => tag(b, 'name') ?? '')
      );
      sets.set(name, { name, objects, fields, userPermissions });
    }
  }
  return sets;
}

/** Objects whose access comes from object permissions; every other standard object is open. */
const CRM_OBJECTS = new Set(['Account', 'Contact', 'Lead', 'Case', 'Opportunity']);
const ACTIVITIES = new Set(['Task', 'Event']);
const isCustom = (name: string) => name.endsWith('__c');

export type ObjectOperation = 'read' | 'create' | 'edit';

/** An object's org-wide default for internal users: Private, Public Read Only, Public Read/Write. */
export type SharingModel = 'Private' | 'Read' | 'ReadWrite';

/** Objects whose records are visible when their parent is (OWD "Controlled by Parent"). */
const CONTROLLED_BY_PARENT: Readonly<Record<string, { object: string; field: string }>> = {
  OpportunityContactRole: { object: 'Opportunity', field: 'OpportunityId' }
};

export interface Sharing {
  readonly userId: string;
  readonly orgWideDefaults: ReadonlyMap<string, SharingModel>;
  /** The record with this Id, of any object (for "Controlled by Parent"). */
  readonly byId: (id: unknown) => { object: { name: string }; rec: Record<string, unknown> } | undefined;
}

/** What one user may do, as the union of its permission sets. */
export class Access {
  constructor(
    readonly permissionSets: readonly PermissionSetDef[],
    private readonly onRefuse: (rule: string, error: SfError) => SfError,
    /** Custom settings have no field-level security: their fields go with the setting. */
    private readonly isCustomSetting: (object: string) => boolean = () => false,
    private readonly sharing?: Sharing
  ) {}

  /** Whether the user sees this record under the sharing model (reads in user mode). */
  canSee(object: string, rec: Readonly<Record<string, unknown>>): boolean {
    const sharing = this.sharing;
    if (!sharing || this.viewAllData) return true;
    const parent = CONTROLLED_BY_PARENT[object];
    if (parent) {
      const found = sharing.byId(rec[parent.field]);
      return found ? this.canSee(found.object.name, found.rec) : false;
    }
    if ((sharing.orgWideDefaults.get(object) ?? 'ReadWrite') !== 'Private') return true;
    if (this.permissionSets.some((s) => s.objects.get(object)?.viewAll === true)) return true;
    return rec.OwnerId === sharing.userId;
  }

  get viewAllData(): boolean {
    return this.permissionSets.some((s) => s.userPermissions.has('ViewAllData'));
  }

  canObject(object: string, op: ObjectOperation): boolean {
    if (ACTIVITIES.has(object)) {
      return op === 'read' || this.permissionSets.some((s) => s.userPermissions.has('EditTask'));
    }
    if (!isCustom(object) && !CRM_OBJECTS.has(object)) return true;
    return this.permissionSets.some((s) => {
      const o = s.objects.get(object);
      if (!o) return false;
      return op === 'read' ? o.read || o.edit : op === 'create' ? o.create : o.edit;
    });
  }

  canReadField(object: string, field: string): boolean {
    if (!isCustom(field)) return true;
    if (this.isCustomSetting(object)) return this.canObject(object, 'read');
    return this.permissionSets.some((s) => s.fields.get(`${object}.${field}`)?.read === true);
  }

  canEditField(object: string, field: string): boolean {
    if (!isCustom(field)) return true;
    if (this.isCustomSetting(object)) return this.canObject(object, 'edit');
    return this.permissionSets.some((s) => s.fields.get(`${object}.${field}`)?.edit === true);
  }

  /** Throws what the platform answers when the user may not do `op` on `object`. */
  requireObject(object: string, op: ObjectOperation): void {
    if (this.canObject(object, op)) return;
    throw this.onRefuse(
      'object permissions',
      new SfError(
        403,
        'INSUFFICIENT_ACCESS_OR_READONLY',
        `insufficient access rights on object: the user may not ${op} ${object} records`
      )
    );
  }

  /** Throws what the platform answers when a written field is hidden or read-only for the user. */
  requireEditable(object: string, field: string): void {
    if (!this.canReadField(object, field)) {
      throw this.onRefuse(
        'field-level security',
        new SfError(400, 'INVALID_FIELD', `No such column '${field}' on sobject of type ${object}`)
      );
    }
    if (!this.canEditField(object, field)) {
      throw this.onRefuse(
        'field-level security',
        new SfError(
          400,
          'INVALID_FIELD_FOR_INSERT_UPDATE',
          `Unable to create/update fields: ${field}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [field]
        )
      );
    }
  }

  /** Records a refusal of a read (the SOQL engine throws its own error text). */
  refuseRead(error: SfError): SfError {
    return this.onRefuse('field-level security', error);
  }
}
