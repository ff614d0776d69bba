/**
 * `/composite` (up to 25 subrequests in one transaction or not, with `@{ref}` references)
 * and `/composite/batch` (independent subrequests, each counted as one API request).
 */
import { SfError } from '../errors';
import type { Rec } from '../store';
import { text } from '../values';
import type { Ctx, Reply, Resources } from './reply';
import { asRecord, errorReply, ok } from './reply';
import { blobField } from './sobjects';

/**
 * "The sObject Blob Get resource isn't compatible with Composite API requests, because it
 * returns binary data instead of data in JSON or XML formats" (resources_sobject_blob_retrieve),
 * so /composite and /composite/batch refuse a GET of a blob field. How the platform answers is
 * not documented: the closest documented form of an unsupported subrequest.
 */
function refuseBlobGet(org: Resources['org'], method: string, rest: string): void {
  const parts = rest.split('/');
  if (method !== 'GET' || parts[0] !== 'sobjects' || !blobField(org, parts.slice(1))) return;
  throw org.refuse(
    'composite-blob-get',
    new SfError(
      400,
      'INVALID_API_INPUT',
      `Composite does not support sObject Blob Get (/${rest}): its answer is binary, not JSON. Send it as a request of its own.`
    )
  );
}

/**
 * What /composite runs ("Send Multiple Requests Using Composite", resources_composite_composite_post):
 * "All sObject resources (/services/data/vXX.X/sobjects/), including sObject Rows by External
 * ID", "The Query resource", "The QueryAll resource" and "sObject Collections"; "Up to 5 of
 * these subrequests can be sObject Collections or query operations". Anything else (search,
 * Apex REST, composite inside composite, limits) is refused. The status and text of these
 * refusals are not documented: the closest documented form.
 */
function checkCompositeResources(org: Resources['org'], subrequests: readonly Rec[]): void {
  let heavy = 0;
  for (const sub of subrequests) {
    const url = text(sub.url);
    const m = /^\/services\/data\/v\d+\.\d\/([^/?]+)(?:\/([^/?]+))?/.exec(url);
    const head = m?.[1];
    const supported =
      head === 'sobjects' || head === 'query' || head === 'queryAll' || (head === 'composite' && m?.[2] === 'sobjects');
    if (!supported)
      throw org.refuse(
        'composite-resources',
        new SfError(
          400,
          'INVALID_API_INPUT',
          `Composite does not support the resource of ${url}: only sObject resources, Query, QueryAll and sObject Collections.`
        )
      );
    if (head !== 'sobjects') heavy += 1;
  }
  if (heavy > 5)
    throw org.refuse(
      'composite-5-queries-or-collections',
      new SfError(
        400,
        'INVALID_API_INPUT',
        `Composite may contain at most 5 Query, QueryAll or sObject Collections subrequests; this one has ${heavy}.`
      )
    );
}

export function composite({ org, route }: Resources, rawBody: unknown, ctx: Ctx): Reply {
  const body = asRecord(rawBody);
  const subrequests = body.compositeRequest;
  if (!Array.isArray(subrequests)) throw new SfError(400, 'JSON_PARSER_ERROR', 'compositeRequest is required');
  if (subrequests.length > 25)
    throw org.refuse(
      'composite-25-subrequests',
      new SfError(400, 'INVALID_BATCH_REQUEST', 'Composite request may contain at most 25 subrequests')
    );
  checkCompositeResources(org, subrequests as Rec[]);
  const allOrNone = body.allOrNone === true;
  const refs = new Map<string, unknown>();
  const responses: Rec[] = [];
  const failed = new Set<string>();
  let firstFailure = -1;
  const resolve = (value: unknown): unknown => {
    if (typeof value === 'string') {
      return value.replace(/@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g, (_m, ref: string, path: string) => {
        if (failed.has(ref) || !refs.has(ref))
          throw new SfError(
            400,
            'PROCESSING_HALTED',
            `Invalid reference specified. No value for ${ref}${path} found in ${ref}. Provided referenceId ('${ref}') is not valid.`
          );
        let current: unknown = refs.get(ref);
        for (const step of path.match(/[A-Za-z0-9_]+|\d+/g) ?? []) current = (current as Rec | undefined)?.[step];
        // The `.` and `[]` operators reach into the referenced response "as long as it makes
        // sense in the context of the response" (resources_composite_graph_composite_subrequest):
        // a path to nothing (an index past a collection's end, the id of a record that failed in
        // a collection) has no value to substitute, and only primitive values are "referenceable
        // types" (the same page). The docs do not give the answer; the
        // closest documented form is the answer to an unknown reference.
        if (typeof current !== 'string' && typeof current !== 'number' && typeof current !== 'boolean')
          throw new SfError(
            400,
            'PROCESSING_HALTED',
            `Invalid reference specified. No value for ${ref}${path} found in ${ref}. Provided referenceId ('${ref}') is not valid.`
          );
        return String(current);
      });
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
    return value;
  };
  const runOne = (sub: Rec): Reply => {
    const referenceId = text(sub.referenceId);
    if (!/^[A-Za-z0-9_]+$/.test(referenceId))
      throw new SfError(400, 'INVALID_INPUT', `The reference ID ${referenceId} is invalid.`);
    const method = text(sub.method, 'GET').toUpperCase();
    const target = String(resolve(text(sub.url)));
    const m = /^\/services\/data\/v(\d+\.\d)\/([^?]*)(?:\?(.*))?$/.exec(target.replace(/\/{2,}/g, '/'));
    if (!m) throw new SfError(400, 'INVALID_URL', `The URL ${target} is not valid`);
    refuseBlobGet(org, method, m[2]!);
    return route(method, m[2]!, new URLSearchParams(m[3] ?? ''), resolve(sub.body), { ...ctx, version: m[1]! });
  };
  const record = (sub: Rec, reply: Reply) => {
    const referenceId = text(sub.referenceId);
    const success = reply.status < 300;
    if (success) refs.set(referenceId, reply.body ?? {});
    else failed.add(referenceId);
    responses.push({
      body: reply.body ?? null,
      httpHeaders: reply.headers ?? {},
      httpStatusCode: reply.status,
      referenceId
    });
    return success;
  };
  const attempt = (sub: Rec): Reply => {
    try {
      return runOne(sub);
    } catch (error) {
      if (error instanceof SfError) return errorReply(error);
      throw error;
    }
  };
  const store = org.store;
  if (allOrNone) {
    const rollback = new Error('rollback');
    try {
      store.transaction(() => {
        for (const sub of subrequests as Rec[]) {
          const reply = store.savepoint(() => attempt(sub));
          if (!record(sub, reply)) {
            firstFailure = responses.length - 1;
            throw rollback;
          }
        }
      });
    } catch (error) {
      if (error !== rollback) throw error;
    }
    if (firstFailure >= 0) {
      const halted = [
        {
          errorCode: 'PROCESSING_HALTED',
          message: 'The transaction was rolled back since another operation in the same transaction failed.'
        }
      ];
      const out = (subrequests as Rec[]).map((sub, i) =>
        i === firstFailure
          ? responses[i]!
          : { body: halted, httpHeaders: {}, httpStatusCode: 400, referenceId: text(sub.referenceId) }
      );
      return ok({ compositeResponse: out });
    }
    return ok({ compositeResponse: responses });
  }
  for (const sub of subrequests as Rec[])
    record(
      sub,
      store.transaction(() => attempt(sub))
    );
  return ok({ compositeResponse: responses });
}

export function batch({ org, route }: Resources, rawBody: unknown, ctx: Ctx): Reply {
  const body = asRecord(rawBody);
  const requests = (body.batchRequests as Rec[] | undefined) ?? [];
  // "Executes up to 25 subrequests in a single request" (resources_composite_batch). The
  // answer to more is not documented: the closest documented form.
  if (requests.length > 25)
    throw org.refuse(
      'batch-25-subrequests',
      new SfError(400, 'INVALID_BATCH_REQUEST', 'A batch request may contain at most 25 subrequests')
    );
  const haltOnError = body.haltOnError === true;
  let halted = false;
  let hasErrors = false;
  const results = requests.map((r) => {
    if (halted)
      return {
        statusCode: 412,
        result: [{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }]
      };
    const m = /^\/?(?:services\/data\/)?v(\d+\.\d)\/([^?]*)(?:\?(.*))?$/.exec(text(r.url));
    let reply: Reply;
    try {
      if (!m) throw new SfError(400, 'INVALID_URL', 'invalid batch url');
      refuseBlobGet(org, text(r.method, 'GET').toUpperCase(), m[2]!);
      reply = org.store.transaction(() =>
        route(text(r.method, 'GET').toUpperCase(), m[2]!, new URLSearchParams(m[3] ?? ''), r.richInput, {
          ...ctx,
          version: m[1]!
        })
      );
    } catch (error) {
      if (!(error instanceof SfError)) throw error;
      reply = errorReply(error);
    }
    if (reply.status >= 400) {
      hasErrors = true;
      if (haltOnError) halted = true;
    }
    return { statusCode: reply.status, result: reply.body ?? null };
  });
  return ok({ hasErrors, results });
}
