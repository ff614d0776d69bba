/**
 * sObject resources: `/sobjects` (describe global), `/sobjects/T` (basic info, create),
 * `/sobjects/T/describe`, `/sobjects/T/{id}` (retrieve, update, delete) and
 * `/sobjects/T/{externalIdField}/{value}` (upsert, retrieve, delete by external id).
 */
import { SfError, notFound } from '../errors';
import { canonicalId } from '../ids';
import type { LocalOrg } from '../org';
import type { FieldDef, ObjectDef } from '../schema';
import { SETUP_OBJECTS } from '../schema';
import type { Rec } from '../store';
import type { Ctx, Reply } from './reply';
import { asRecord, ok } from './reply';
import { readValue } from '../values';

export function objectOrThrow(org: LocalOrg, name: string | undefined): ObjectDef {
  const def = name ? org.store.schema.object(name) : undefined;
  if (!def) throw notFound();
  return def;
}

export function sobjects(
  org: LocalOrg,
  method: string,
  parts: string[],
  query: URLSearchParams,
  body: unknown,
  ctx: Ctx
): Reply {
  const store = org.store;
  const actor = org.actor(ctx.userId);
  if (parts.length === 0) {
    return ok({
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: [...store.schema.objects.values()].map((o) => describeBrief(o, ctx))
    });
  }
  const def = objectOrThrow(org, parts[0]);
  if (parts.length === 1) {
    if (method === 'POST') {
      const id = store.insert(def.name, asRecord(body), actor);
      return {
        status: 201,
        body: { id, success: true, errors: [] },
        headers: { Location: `/services/data/v${ctx.version}/sobjects/${def.name}/${id}` }
      };
    }
    return ok({ objectDescribe: describeBrief(def, ctx), recentItems: [] });
  }
  if (parts[1] === 'describe' && parts.length === 2) return ok(describe(org, def, ctx));
  if (parts.length === 2) {
    const id = parts[1]!;
    // An sObject sub-resource the local org does not serve (listviews, quickActions, updated…)
    // is not a record Id: 404 NOT_FOUND as for any resource that does not exist, not MALFORMED_ID.
    if (!looksLikeId(org, id)) throw notFound();
    if (method === 'GET') return ok(retrieve(org, def, id, query.get('fields'), ctx));
    if (method === 'PATCH') {
      store.update(def.name, id, asRecord(body), actor);
      return { status: 204 };
    }
    if (method === 'DELETE') {
      store.delete(def.name, id);
      return { status: 204 };
    }
    throw notFound();
  }
  // /sobjects/T/{id}/{blobField}: the content of a blob field, as bytes (sObject Blob Retrieve,
  // resources_sobject_blob_retrieve: "Retrieves the specified blob field from an individual record").
  // The docs give no content type, only that it "isn't JSON or XML" (dome_sobject_blob_retrieve):
  // application/octetstream is the local org's choice.
  const blob = method === 'GET' ? blobField(org, parts) : null;
  if (blob) {
    const id = String(retrieve(org, def, parts[1]!, 'Id', ctx).Id);
    const content = store.table(def.name).get(id)?.[blob.name];
    if (typeof content !== 'string') throw notFound();
    return {
      status: 200,
      body: Buffer.from(content, 'base64'),
      headers: { 'Content-Type': 'application/octetstream' }
    };
  }
  // /sobjects/T/{externalIdField}/{value…}: the value may contain slashes (jsforce does not encode it).
  const fieldName = parts[1]!;
  const value = parts.slice(2).join('/');
  if (method === 'PATCH') {
    const field = store.schema.field(def, fieldName);
    // "Do not specify Id or an external ID field in the request body or an error is generated"
    // (resources_sobject_upsert_patch, API v55.0 and earlier pages). The error text is not
    // documented: this is the closest documented form.
    const inBody = Object.keys(asRecord(body)).find((k) => k.toLowerCase() === fieldName.toLowerCase() || k === 'Id');
    if (inBody)
      throw org.refuse(
        'upsert-body-external-id',
        new SfError(
          400,
          'INVALID_FIELD',
          `The external ID field ${inBody} must not be set in the request body of an upsert.`,
          [inBody]
        )
      );
    checkUpsertAccess(org, def, field, ctx);
    if (query.get('updateOnly') === 'true') {
      const ids = store.findByUnique(def.name, fieldName, value);
      if (ids.length === 0)
        throw new SfError(404, 'NOT_FOUND', 'Provided external ID field does not exist or is not accessible');
    }
    const result = store.upsert(def.name, fieldName, value, asRecord(body), actor);
    return {
      status: result.created ? 201 : 200,
      body: { id: result.id, success: true, errors: [], created: result.created }
    };
  }
  const field = store.schema.field(def, fieldName);
  if (!field?.externalId) throw notFound();
  const ids = store.findByUnique(def.name, field.name, value);
  if (ids.length > 1) throw new SfError(300, 'MULTIPLE_CHOICES', 'More than one record found', ids);
  if (!ids[0]) throw notFound();
  if (method === 'GET') return ok(retrieve(org, def, ids[0], query.get('fields'), ctx));
  if (method === 'DELETE') {
    store.delete(def.name, ids[0]);
    return { status: 204 };
  }
  throw notFound();
}

/**
 * Whether a path segment is meant as a record Id: it starts with a key prefix of this org
 * (`001bad` is a malformed Account Id, answered MALFORMED_ID; `listviews` is a resource name).
 */
/** The blob field a GET of `sobjects/T/{id}/{field}` reads (sObject Blob Retrieve), if it is one. */
export function blobField(org: LocalOrg, parts: readonly string[]): FieldDef | null {
  if (parts.length !== 3 || !looksLikeId(org, parts[1]!)) return null;
  const def = org.store.schema.object(parts[0]!);
  const field = def ? org.store.schema.field(def, parts[2]!) : undefined;
  return field?.type === 'base64' ? field : null;
}

function looksLikeId(org: LocalOrg, value: string): boolean {
  return /^[a-zA-Z0-9]+$/.test(value) && org.store.schema.byPrefix.has(value.slice(0, 3));
}

export function retrieve(org: LocalOrg, def: ObjectDef, rawId: string, fields: string | null, ctx: Ctx): Rec {
  const id = canonicalId(rawId);
  if (!id || !id.startsWith(def.keyPrefix)) {
    throw new SfError(400, 'MALFORMED_ID', `${def.label} ID: id value of incorrect type: ${rawId}`, ['Id']);
  }
  const rec = org.store.table(def.name).get(id);
  if (!rec) throw notFound();
  const names = fields
    ? fields.split(',').map((f) => {
        const fd = org.store.schema.field(def, f.trim());
        if (!fd) throw new SfError(400, 'INVALID_FIELD', `No such column '${f.trim()}' on sobject of type ${def.name}`);
        return fd.name;
      })
    : [...def.fields.values()].map((f) => f.name);
  const out: Rec = {
    attributes: { type: def.name, url: `/services/data/v${ctx.version}/sobjects/${def.name}/${id}` }
  };
  for (const name of names) out[name] = readValue(org.store.schema.field(def, name), rec, def.name, ctx.version);
  return out;
}

function describeBrief(def: ObjectDef, ctx: Ctx): Rec {
  const setup = SETUP_OBJECTS.has(def.name);
  return {
    name: def.name,
    label: def.label,
    labelPlural: `${def.label}s`,
    keyPrefix: def.keyPrefix,
    custom: def.custom,
    customSetting: def.customSetting,
    createable: !setup,
    updateable: !setup,
    deletable: !setup && def.name !== 'User',
    queryable: true,
    searchable: def.searchable,
    urls: {
      sobject: `/services/data/v${ctx.version}/sobjects/${def.name}`,
      describe: `/services/data/v${ctx.version}/sobjects/${def.name}/describe`
    }
  };
}

/**
 * The describe of an object as the caller sees it: a field its field-level security hides is
 * left out, as the API's describe does for the running user (Apex Developer Guide,
 * "Understanding Describe Information Permissions", apex_dynamic_permissions: describe outside
 * a class "returns" only the fields the user can access; a REST describe behaves the same,
 * observed by third parties, docs/local-org.md).
 */
function describe(org: LocalOrg, def: ObjectDef, ctx: Ctx): Rec {
  const access = org.accessOf(ctx.userId);
  return {
    ...describeBrief(def, ctx),
    fields: [...def.fields.values()]
      .filter((f) => !access || access.canReadField(def.name, f.name))
      .map((f) => ({
        name: f.name,
        label: f.label,
        type: f.type,
        length: f.length ?? 0,
        nillable: f.nillable,
        createable: f.createable,
        updateable: f.updateable,
        custom: f.custom,
        externalId: f.externalId ?? false,
        unique: f.unique ?? false,
        calculated: f.derived ?? false,
        defaultedOnCreate: f.defaultValue !== undefined || f.type === 'boolean' || f.name === 'OwnerId',
        defaultValue: f.defaultValue ?? null,
        referenceTo: f.referenceTo ?? [],
        relationshipName: f.relationshipName ?? null,
        restrictedPicklist: f.restricted ?? false,
        picklistValues: (f.picklist ?? []).map((v) => ({
          value: v,
          label: v,
          active: true,
          defaultValue: v === f.defaultValue
        }))
      })),
    childRelationships: def.children.map((c) => ({
      relationshipName: c.relationshipName,
      childSObject: c.childSObject,
      field: c.field,
      cascadeDelete: false
    }))
  };
}

/**
 * "If you're upserting a record for an object that has the External ID attribute selected but
 * not the Unique attribute selected (a non-unique index), your client application must have
 * the permission View All Data" (resources_sobject_upsert_patch). The status and text of the
 * refusal are not documented: this is the closest documented form.
 */
export function checkUpsertAccess(org: LocalOrg, def: ObjectDef, field: FieldDef | undefined, ctx: Ctx): void {
  if (!field || field.name === 'Id' || !field.externalId || field.unique) return;
  if (org.hasViewAllData(ctx.userId)) return;
  throw org.refuse(
    'upsert-non-unique-external-id',
    new SfError(
      403,
      'INSUFFICIENT_ACCESS_OR_READONLY',
      `Upsert on ${def.name}.${field.name}, an External ID that is not Unique, requires the View All Data permission.`,
      [field.name]
    )
  );
}
