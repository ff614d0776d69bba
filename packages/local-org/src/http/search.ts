/** `/search?q=SOSL` and `/parameterizedSearch` (GET and POST), both run by the SOSL engine. */
import { SfError } from '../errors';
import type { LocalOrg } from '../org';
import type { SearchSpec } from '../sosl';
import { MAX_SEARCH_ROWS, parseSearchQuery, parseSosl } from '../sosl';
import type { Rec } from '../store';
import { text } from '../values';
import type { Reply } from './reply';
import { asRecord, ok } from './reply';

/** The REST API runs every search as the calling user: its access and sharing apply. */
export function search(org: LocalOrg, params: URLSearchParams, userId: string): Reply {
  return ok({ searchRecords: org.search.search(parseSosl(params.get('q') ?? ''), org.accessOf(userId)) });
}

/**
 * Parameterized Search (resources_search_parameterized): `q` is "a search string" and "SOSL
 * clauses aren't supported". The page does not say whether its reserved characters must be
 * escaped as in FIND's SearchQuery; the local org reads `q` by FIND's rules (strict: a `+`
 * unescaped is refused), docs/local-org.md says so. `in`, `fields`,
 * `sobjects[].fields|where|limit` and `overallLimit` become the search's scope and RETURNING.
 */
export function parameterizedSearch(
  org: LocalOrg,
  method: string,
  params: URLSearchParams,
  body: unknown,
  userId: string
): Reply {
  let q: string;
  let scope = 'ALL';
  let objects: { name: string; fields: string; where?: string; limit?: number }[] = [];
  let overall: number | undefined;
  if (method === 'POST') {
    const b = asRecord(body);
    q = text(b.q);
    scope = text(b.in, 'ALL');
    overall = b.overallLimit === undefined ? undefined : Number(b.overallLimit);
    const defaults = Array.isArray(b.fields) ? (b.fields as string[]).join(',') : 'Id';
    objects = ((b.sobjects as Rec[] | undefined) ?? []).map((s) => ({
      name: String(s.name),
      fields: Array.isArray(s.fields) ? (s.fields as string[]).join(',') : defaults,
      ...(s.where ? { where: text(s.where) } : {}),
      ...(s.limit !== undefined ? { limit: Number(s.limit) } : {})
    }));
  } else {
    q = params.get('q') ?? '';
    scope = params.get('in') ?? 'ALL';
    overall = params.get('overallLimit') ? Number(params.get('overallLimit')) : undefined;
    const defaults = params.get('fields') ?? 'Id';
    objects = params.getAll('sobject').map((name) => ({
      name,
      fields: params.get(`${name}.fields`) ?? defaults,
      ...(params.get(`${name}.limit`) ? { limit: Number(params.get(`${name}.limit`)) } : {})
    }));
  }
  if (!q) throw new SfError(400, 'MALFORMED_SEARCH', 'Search term must be specified (q)');
  const upperScope = scope.toUpperCase();
  if (!['ALL', 'PHONE', 'NAME', 'EMAIL'].includes(upperScope))
    throw new SfError(400, 'MALFORMED_SEARCH', `in must be ALL, PHONE, NAME or EMAIL, not ${scope}`);
  for (const o of objects)
    if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 1 || o.limit > MAX_SEARCH_ROWS))
      throw new SfError(400, 'MALFORMED_SEARCH', `${o.name}.limit must be a whole number from 1 to ${MAX_SEARCH_ROWS}`);
  const { terms, combine } = parseSearchQuery(q);
  const spec: SearchSpec = {
    terms,
    // Over 4,000 characters the operators are removed (sforce_api_calls_sosl_syntax), as in FIND.
    combine: q.length > 4000 ? 'OR' : combine,
    scope: upperScope as SearchSpec['scope'],
    returning: objects.map((o) => ({
      object: o.name,
      fields: o.fields,
      clauses: `${o.where ? `WHERE ${o.where}` : ''}${o.limit !== undefined ? ` LIMIT ${o.limit}` : ''}`.trim()
    })),
    ...(overall !== undefined ? { limit: overall } : {}),
    ...(q.length > 10000 ? { tooLong: true } : {})
  };
  return ok({ searchRecords: org.search.search(spec, org.accessOf(userId)) });
}
