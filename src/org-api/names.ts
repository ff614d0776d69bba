/**
 * The package's custom names as an org with a namespace spells them. A managed package (and
 * the AppExchange security review) needs a namespace; its custom objects and fields are then
 * `<ns>__Name__c` to the API, and its Apex REST resources live below
 * `/services/apexrest/<ns>/` ("RestResource Annotation", apex_classes_annotation_rest_resource).
 * Apex inside the package keeps the local names, so the snapshot resource's answer needs no
 * mapping; everything the service sends to the REST API and reads back from it does.
 *
 * The package's names come from the one description: the settings object and its fields
 * (src/settings/schema.ts), and every `Aircall_*__c` field (the package's own prefix; an
 * admin's own custom fields, such as a phone field, have no namespace and are left alone).
 */
import { SETTINGS_FIELDS, SETTINGS_OBJECT } from '../settings/schema';
import { CALL_RECORD_FIELDS, CALL_RECORD_OBJECT } from '../call-record/schema';

/** A namespace prefix as Salesforce allows it: a letter, then up to 14 letters or digits. */
export const NAMESPACE_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,14}$/;

const SETTINGS_NAMES = new Set([SETTINGS_OBJECT, ...SETTINGS_FIELDS.map((f) => f.apiName)]);
const isPackageName = (name: string): boolean => SETTINGS_NAMES.has(name) || /^Aircall_\w+__[cr]$/.test(name);
/**
 * The call record's own fields (`Type__c`, `Contact__c` and its relationship `Contact__r`) are
 * package names only on a call record: an admin's `Type__c` on another object is not.
 */
const CALL_RECORD_NAMES = new Set(CALL_RECORD_FIELDS.flatMap((f) => [f.apiName, f.apiName.replace(/__c$/, '__r')]));
// A custom name, also inside a URL-encoded query (`%20Aircall_Id__c%20`).
const TOKEN = /(?<=^|[^A-Za-z0-9_]|%[0-9A-Fa-f]{2})[A-Za-z][A-Za-z0-9_]*__c(?![A-Za-z0-9_])/g;

export class OrgNames {
  private readonly prefix: string;

  /** @param namespace the package's namespace, or null for an unpackaged deploy */
  constructor(readonly namespace: string | null) {
    if (namespace !== null && !NAMESPACE_PATTERN.test(namespace))
      throw new Error(`${namespace} is not a namespace prefix (a letter, then up to 14 letters or digits)`);
    this.prefix = namespace ? `${namespace}__` : '';
  }

  /** A package name as the org spells it (`Aircall_Id__c` → `acme__Aircall_Id__c`). */
  name(local: string): string {
    return this.prefix && isPackageName(local) ? `${this.prefix}${local}` : local;
  }

  /** The local name of an org name (`acme__Aircall_Id__c` → `Aircall_Id__c`). */
  local(orgName: string): string {
    const bare = orgName.slice(this.prefix.length);
    return this.prefix && orgName.startsWith(this.prefix) && (isPackageName(bare) || CALL_RECORD_NAMES.has(bare))
      ? orgName.slice(this.prefix.length)
      : orgName;
  }

  /** SOQL, a URL or a path with the package's names spelled as the org does. */
  text(text: string): string {
    return this.prefix ? text.replace(TOKEN, (token) => this.name(token)) : text;
  }

  /** A record or request body with its keys (recursively) spelled as the org does. */
  toOrg(value: unknown): unknown {
    return this.prefix ? this.rename(value, (k) => this.name(k), true) : value;
  }

  /** An answer of the org with its keys (recursively) back to the local names. */
  fromOrg(value: unknown): unknown {
    return this.prefix ? this.rename(value, (k) => this.local(k), false) : value;
  }

  /** The path of an Apex REST mapping as called (`/aircall/v1/snapshot` → `/acme/aircall/v1/snapshot`). */
  apexRestPath(mapping: string): string {
    return this.namespace ? `/${this.namespace}${mapping}` : mapping;
  }

  private rename(value: unknown, key: (k: string) => string, outgoing: boolean): unknown {
    if (Array.isArray(value)) return value.map((v) => this.rename(v, key, outgoing));
    if (!value || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    const type = (record.attributes as { type?: unknown } | undefined)?.type;
    const callRecord = typeof type === 'string' && this.local(type) === CALL_RECORD_OBJECT;
    const recordKey = (k: string) =>
      !callRecord || !CALL_RECORD_NAMES.has(outgoing ? k : this.local(k))
        ? key(k)
        : outgoing
          ? `${this.prefix}${k}`
          : this.local(k);
    return Object.fromEntries(
      Object.entries(record).map(([k, v]) => [
        recordKey(k),
        // A composite subrequest's url holds names too (a query, an external-id path); a
        // record's type is a name too.
        outgoing && k === 'url' && typeof v === 'string'
          ? this.text(v)
          : k === 'attributes' && typeof type === 'string'
            ? { ...(v as object), type: outgoing ? this.name(type) : this.local(type) }
            : this.rename(v, key, outgoing)
      ])
    );
  }
}
