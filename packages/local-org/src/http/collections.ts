/**
 * sObject Collections, `/composite/sobjects[/T[/externalIdField]]`: create, update, upsert,
 * delete and retrieve up to 200 records in one request, with `allOrNone`.
 */
import { checkUpsertAccess } from './sobjects';
import { SfError, notFound } from '../errors';
import type { LocalOrg } from '../org';
import type { Rec } from '../store';
import { text } from '../values';
import type { Ctx, Reply } from './reply';
import { asRecord, ok } from './reply';
import { objectOrThrow, retrieve } from './sobjects';

export function collections(
  org: LocalOrg,
  method: string,
  type: string | undefined,
  extField: string | undefined,
  params: URLSearchParams,
  body: unknown,
  ctx: Ctx
): Reply {
  const store = org.store;
  const actor = org.actor(ctx.userId);
  if (method === 'DELETE') {
    const ids = (params.get('ids') ?? '').split(',').filter(Boolean);
    const allOrNone = params.get('allOrNone') === 'true';
    return ok(
      eachRecord(org, ids, allOrNone, (id) => {
        const found = store.byId(id);
        if (!found) throw new SfError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
        store.delete(found.object.name, id);
        return { id: found.rec.Id as string };
      })
    );
  }
  const b = asRecord(body);
  if (method === 'POST' && type) {
    const def = objectOrThrow(org, type);
    const ids = (b.ids as string[] | undefined) ?? [];
    const fields = ((b.fields as string[] | undefined) ?? ['Id']).join(',');
    return ok(
      ids.map((id) => {
        try {
          return retrieve(org, def, id, fields, ctx);
        } catch {
          return null;
        }
      })
    );
  }
  const records = (b.records as Rec[] | undefined) ?? [];
  if (records.length > 200)
    throw new SfError(
      400,
      'EXCEEDED_ID_LIMIT',
      'record limit reached. cannot submit more than 200 records into this call'
    );
  const allOrNone = b.allOrNone === true;
  const typeOf = (r: Rec) => text((r.attributes as Rec | undefined)?.type, type ?? '');
  const strip = (r: Rec) => {
    const copy = { ...r };
    delete copy.attributes;
    delete copy.id;
    delete copy.Id;
    return copy;
  };
  if (method === 'POST') {
    return ok(
      eachRecord(org, records, allOrNone, (r) => ({
        id: store.insert(objectOrThrow(org, typeOf(r)).name, strip(r), actor)
      }))
    );
  }
  if (method === 'PATCH' && type && extField) {
    const def = objectOrThrow(org, type);
    checkUpsertAccess(org, def, org.store.schema.field(def, extField), ctx);
    return ok(
      eachRecord(
        org,
        records,
        allOrNone,
        (r) => {
          const value = Object.entries(r).find(([k]) => k.toLowerCase() === extField.toLowerCase())?.[1];
          if (value === undefined || value === null)
            throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${extField}]`, [extField]);
          const result = store.upsert(def.name, extField, text(value), strip(r), actor);
          return { id: result.id, created: result.created };
        },
        true
      )
    );
  }
  if (method === 'PATCH') {
    return ok(
      eachRecord(org, records, allOrNone, (r) => {
        const id = (r.id ?? r.Id) as string | undefined;
        const found = store.byId(id);
        if (!found) throw new SfError(400, 'MALFORMED_ID', `invalid record id`, ['Id']);
        store.update(found.object.name, id, strip(r), actor);
        return { id: found.rec.Id as string };
      })
    );
  }
  throw notFound();
}

/** Per-record results in input order; with allOrNone every record fails when one does. */
function eachRecord<T>(
  org: LocalOrg,
  items: T[],
  allOrNone: boolean,
  fn: (item: T) => { id: string; created?: boolean },
  /**
   * An upsert's results carry `created` on every record, failures included (false): the
   * UpsertResult of the platform's result types always has it (the closest documented form;
   * the collections page's example shows successes only).
   */
  upsert = false
): Rec[] {
  const failed = (errors: Rec[]): Rec => ({ success: false, errors, ...(upsert ? { created: false } : {}) });
  const store = org.store;
  const asError = (e: SfError) => ({ statusCode: e.errorCode, message: e.message, fields: [...e.fields] });
  const saved = (r: { id: string; created?: boolean }): Rec => ({
    id: r.id,
    success: true,
    errors: [],
    ...(r.created !== undefined ? { created: r.created } : {})
  });
  const results: Rec[] = [];
  if (!allOrNone) {
    for (const item of items) {
      try {
        const r = store.transaction(() => fn(item));
        results.push(saved(r));
      } catch (error) {
        if (!(error instanceof SfError)) throw error;
        results.push(failed([asError(error)]));
      }
    }
    return results;
  }
  const errors = new Map<number, SfError>();
  const rollback = new Error('rollback');
  try {
    store.transaction(() => {
      items.forEach((item, i) => {
        try {
          const r = store.savepoint(() => fn(item));
          results.push(saved(r));
        } catch (error) {
          if (!(error instanceof SfError)) throw error;
          errors.set(i, error);
          results.push({});
        }
      });
      if (errors.size > 0) throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  if (errors.size === 0) return results;
  return items.map((_item, i) => {
    const e = errors.get(i);
    return failed([
      e
        ? asError(e)
        : {
            statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
            message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
            fields: []
          }
    ]);
  });
}
