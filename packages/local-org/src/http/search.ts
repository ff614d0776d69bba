/** `/search?q=SOSL` and `/parameterizedSearch` (GET and POST), both run by the SOSL engine. */
import { SfError } from '../errors';
import type { LocalOrg } from '../org';
import { parseSosl } from '../sosl';
import type { Rec } from '../store';
import { text } from '../values';
import type { Reply } from './reply';
import { asRecord, ok } from './reply';

export function search(org: LocalOrg, params: URLSearchParams): Reply {
  return ok({ searchRecords: org.search.search(parseSosl(params.get('q') ?? '')) });
}

export function parameterizedSearch(org: LocalOrg, method: string, params: URLSearchParams, body: unknown): Reply {
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
  const escaped = q.replace(/[{}\\]/g, (c) => `\\${c}`);
  const returning = objects
    .map(
      (o) =>
        `${o.name}(${o.fields}${o.where ? ` WHERE ${o.where}` : ''}${o.limit !== undefined ? ` LIMIT ${o.limit}` : ''})`
    )
    .join(', ');
  const sosl = `FIND {${escaped}} IN ${scope.toUpperCase()} FIELDS${returning ? ` RETURNING ${returning}` : ''}${overall !== undefined ? ` LIMIT ${overall}` : ''}`;
  return ok({ searchRecords: org.search.search(parseSosl(sosl)) });
}
