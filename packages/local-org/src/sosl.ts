/**
 * SOSL over the search index: `FIND {…} IN PHONE FIELDS | ALL FIELDS RETURNING Obj(fields
 * WHERE … ORDER BY … LIMIT n), …`. Phone matching (docs/local-org.md): a term's digits match
 * a phone field whose digits are equal, or end with the term's digits when the term has at
 * least 7 digits. Text matching: whole words, case-insensitive, `*` for a prefix.
 */
import { SfError } from './errors';
import type { SoqlEngine } from './soql';
import type { Rec, Store } from './store';
import { MIN_PHONE_DIGITS, textKeys } from './store';
import { digitsOf } from './values';

export interface Returning {
  readonly object: string;
  readonly fields: string;
  /** WHERE / ORDER BY / LIMIT text, passed to the SOQL engine. */
  readonly clauses: string;
}

export interface SearchSpec {
  readonly terms: readonly string[];
  readonly combine: 'OR' | 'AND';
  readonly scope: 'ALL' | 'PHONE' | 'NAME' | 'EMAIL';
  readonly returning: readonly Returning[];
  readonly limit?: number;
  /** Over 10,000 characters a SearchQuery returns no rows (sforce_api_calls_sosl_syntax). */
  readonly tooLong?: boolean;
}

const malformed = (message: string) => new SfError(400, 'MALFORMED_SEARCH', message);

export function parseSosl(sosl: string): SearchSpec {
  const m = /^\s*FIND\s+\{((?:[^}\\]|\\.)*)\}\s*(.*)$/is.exec(sosl);
  if (!m) throw malformed(`No search term found. The search term must be enclosed in braces.`);
  const termText = m[1]!;
  let rest = m[2]!.trim();
  const pieces = termText.match(/"[^"]*"|\S+/g) ?? [];
  const terms: string[] = [];
  let combine: 'OR' | 'AND' = 'OR';
  for (const piece of pieces) {
    const upper = piece.toUpperCase();
    if (upper === 'OR' || upper === 'AND') {
      combine = upper;
      continue;
    }
    terms.push(piece.replace(/^"|"$/g, ''));
  }
  if (terms.length === 0) throw malformed('search term must be longer than one character');
  // "If the SearchQuery string is longer than 10,000 characters, no result rows are returned.
  // If SearchQuery is longer than 4,000 characters, any logical operators are removed. For
  // example, the AND operator ... will default to the OR operator" (sforce_api_calls_sosl_syntax).
  if (termText.length > 4000) combine = 'OR';
  const tooLong = termText.length > 10000;
  let scope: SearchSpec['scope'] = 'ALL';
  const inMatch = /^IN\s+(ALL|PHONE|NAME|EMAIL)\s+FIELDS\s*/i.exec(rest);
  if (inMatch) {
    scope = inMatch[1]!.toUpperCase() as SearchSpec['scope'];
    rest = rest.slice(inMatch[0].length);
  }
  const returning: Returning[] = [];
  let limit: number | undefined;
  const ret = /^RETURNING\s+/i.exec(rest);
  if (ret) {
    rest = rest.slice(ret[0].length);
    // Obj or Obj(fields …), comma-separated; parentheses may nest in WHERE.
    while (rest.length > 0) {
      const name = /^([A-Za-z_][A-Za-z0-9_]*)\s*/.exec(rest);
      if (!name) break;
      rest = rest.slice(name[0].length);
      let inner = '';
      if (rest.startsWith('(')) {
        let depth = 0;
        let i = 0;
        for (; i < rest.length; i += 1) {
          if (rest[i] === '(') depth += 1;
          if (rest[i] === ')') depth -= 1;
          if (depth === 0) break;
        }
        if (depth !== 0) throw malformed('unbalanced parentheses in RETURNING');
        inner = rest.slice(1, i).trim();
        rest = rest.slice(i + 1).trim();
      }
      const split = /\s(WHERE|ORDER\s+BY|LIMIT|OFFSET)\s/i.exec(` ${inner} `);
      const fields = (split ? ` ${inner} `.slice(0, split.index) : inner).trim() || 'Id';
      const clauses = split ? ` ${inner} `.slice(split.index).trim() : '';
      returning.push({ object: name[1]!, fields, clauses });
      if (rest.startsWith(',')) rest = rest.slice(1).trim();
      else break;
    }
  }
  const lim = /^LIMIT\s+(\d+)\s*$/i.exec(rest);
  if (lim) {
    limit = Number(lim[1]);
    rest = '';
  }
  if (rest.trim()) throw malformed(`unexpected text in search: ${rest.trim().slice(0, 40)}`);
  return {
    terms,
    combine,
    scope,
    returning,
    ...(limit !== undefined ? { limit } : {}),
    ...(tooLong ? { tooLong } : {})
  };
}

const DEFAULT_OBJECTS = ['Account', 'Contact', 'Lead', 'Case', 'Opportunity'];

export class SearchEngine {
  constructor(
    private readonly store: Store,
    private readonly soql: SoqlEngine
  ) {}

  private idsForTerm(term: string, scope: SearchSpec['scope']): Set<string> {
    const out = new Set<string>();
    const digits = digitsOf(term);
    const phoneLike = digits.length > 0 && /^[\d\s+().-]+\*?$/.test(term);
    if (scope === 'PHONE' || (scope === 'ALL' && phoneLike)) {
      if (digits.length >= MIN_PHONE_DIGITS || scope === 'PHONE') {
        for (const id of this.store.searchIds(`#${digits}`)) out.add(id);
      }
      if (scope === 'PHONE') return out;
    }
    for (const word of textKeys(term.replace(/\*$/, ''))) {
      if (term.endsWith('*')) {
        for (const key of this.store.searchKeys(word)) for (const id of this.store.searchIds(key)) out.add(id);
      } else {
        for (const id of this.store.searchIds(word)) out.add(id);
      }
    }
    return out;
  }

  search(spec: SearchSpec): Rec[] {
    if (spec.tooLong) return [];
    let ids: Set<string> | null = null;
    for (const term of spec.terms) {
      const found = this.idsForTerm(term, spec.scope);
      if (ids === null) ids = found;
      else if (spec.combine === 'OR') for (const id of found) ids.add(id);
      else {
        const previous: Set<string> = ids;
        ids = new Set([...previous].filter((id) => found.has(id)));
      }
    }
    const matched = ids ?? new Set<string>();
    const returning = spec.returning.length
      ? spec.returning
      : DEFAULT_OBJECTS.map((object) => ({ object, fields: 'Id', clauses: '' }));
    const out: Rec[] = [];
    for (const r of returning) {
      const def = this.store.schema.object(r.object);
      if (!def) throw new SfError(400, 'INVALID_TYPE', `sObject type '${r.object}' is not supported.`);
      const idsOfObject = new Set(
        [...matched].filter((id) => id.startsWith(def.keyPrefix) && this.store.table(def.name).has(id))
      );
      if (idsOfObject.size === 0) continue;
      const soql = `SELECT ${r.fields} FROM ${def.name} ${r.clauses}`.trim();
      const result = this.soql.execute(this.soql.parse(soql), soql, { ids: idsOfObject });
      out.push(...result.records);
    }
    return spec.limit !== undefined ? out.slice(0, spec.limit) : out.slice(0, 2000);
  }
}
