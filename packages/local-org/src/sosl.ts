/**
 * SOSL over the search index: `FIND {…} IN PHONE FIELDS | ALL FIELDS RETURNING Obj(fields
 * WHERE … ORDER BY … LIMIT n), …`. Phone matching (docs/local-org.md): a term's digits match
 * a phone field whose digits are equal, or end with the term's digits when the term has at
 * least 7 digits. Text matching: whole words, case-insensitive, `*` for a prefix.
 */
import { SfError } from './errors';
import type { Access } from './permissions';
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

/**
 * Characters reserved in a SearchQuery: "Escaping special characters & | ! ( ) { } [ ] ^ " ~
 * * ? : \ ' + -" (Example Text Searches, sforce_api_calls_sosl_examples; FIND {SearchQuery},
 * sforce_api_calls_sosl_find). Used literally, each must follow a backslash, inside double
 * quotes too. Unescaped, a real org fails the search; `"` (phrases), `*` and `?` (wildcards)
 * and `(` `)` (grouping) have their syntactic meaning, every other one is an error. The exact
 * status and text are not documented: MALFORMED_SEARCH (400) is the closest documented form.
 */
const RESERVED = new Set([
  '&',
  '|',
  '!',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  '^',
  '"',
  '~',
  '*',
  '?',
  ':',
  '\\',
  "'",
  '+',
  '-'
]);

/** Escapes every reserved character of a literal search term (what a client must send). */
export function escapeSearchTerm(term: string): string {
  return [...term].map((c) => (RESERVED.has(c) ? `\\${c}` : c)).join('');
}

interface SearchTerm {
  /** The term's text, escapes resolved, a trailing `*` kept as the prefix wildcard. */
  readonly text: string;
}

/**
 * Reads a SearchQuery (the text between FIND's braces, or parameterizedSearch's `q`): words
 * and double-quoted phrases joined by OR or AND. Refuses what Salesforce refuses (reserved
 * characters unescaped) and what the local org cannot search faithfully (grouping
 * parentheses, `?`, a `*` anywhere but at the end, AND NOT): an error, never a wrong answer.
 */
export function parseSearchQuery(query: string): { terms: string[]; combine: 'OR' | 'AND' } {
  const terms: SearchTerm[] = [];
  const operators: string[] = [];
  let i = 0;
  const at = (n: number) => `at character ${n + 1}`;
  const unsupported = (what: string, n: number) =>
    malformed(`${what} (${at(n)}) is valid SOSL that the local org does not support`);
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    let text = '';
    let quoted = false;
    let bare = '';
    if (c === '"') {
      quoted = true;
      i += 1;
      let closed = false;
      while (i < query.length) {
        const d = query[i]!;
        if (d === '\\') {
          if (i + 1 >= query.length) throw malformed(`a backslash ends the search query (${at(i)})`);
          text += query[i + 1];
          i += 2;
          continue;
        }
        if (d === '"') {
          closed = true;
          i += 1;
          break;
        }
        if (d === '*' && (i + 1 >= query.length || query[i + 1] === '"')) {
          text += '*';
          i += 1;
          continue;
        }
        if (d === '*' || d === '?') throw unsupported(`the wildcard '${d}' inside a term`, i);
        if (RESERVED.has(d))
          throw malformed(
            `line 1:${i + 1} the reserved character '${d}' must be escaped with a backslash, inside double quotes too (sforce_api_calls_sosl_examples)`
          );
        text += d;
        i += 1;
      }
      if (!closed) throw malformed(`unterminated double quote in the search query (${at(query.length - 1)})`);
    } else {
      while (i < query.length && !/\s/.test(query[i]!)) {
        const d = query[i]!;
        if (d === '\\') {
          if (i + 1 >= query.length) throw malformed(`a backslash ends the search query (${at(i)})`);
          text += query[i + 1];
          bare += 'x';
          i += 2;
          continue;
        }
        if (d === '(' || d === ')') throw unsupported('grouping parentheses', i);
        if (d === '*' && (i + 1 >= query.length || /\s/.test(query[i + 1]!))) {
          text += '*';
          bare += '*';
          i += 1;
          continue;
        }
        if (d === '*' || d === '?') throw unsupported(`the wildcard '${d}' inside a term`, i);
        if (RESERVED.has(d))
          throw malformed(
            `line 1:${i + 1} the reserved character '${d}' must be escaped with a backslash (sforce_api_calls_sosl_examples)`
          );
        text += d;
        bare += d;
        i += 1;
      }
    }
    const upper = bare.toUpperCase();
    if (!quoted && (upper === 'OR' || upper === 'AND')) {
      operators.push(upper);
      continue;
    }
    if (!quoted && upper === 'NOT') throw unsupported('AND NOT', i - 3);
    // A one-character term cannot be searched: Apex throws a SearchException ("search term
    // must be longer than one character"); the docs stored here do not give the REST answer.
    if (text.replace(/\*$/, '').trim().length < 2)
      throw malformed(`search term must be longer than one character: ${text || '""'}`);
    terms.push({ text });
  }
  if (terms.length === 0) throw malformed('search term must be longer than one character');
  const mixed = new Set(operators);
  if (mixed.size > 1) throw unsupported('AND and OR in one query without grouping', 0);
  return { terms: terms.map((t) => t.text), combine: mixed.has('AND') ? 'AND' : 'OR' };
}

export function parseSosl(sosl: string): SearchSpec {
  const m = /^\s*FIND\s+\{((?:[^}\\]|\\.)*)\}\s*(.*)$/is.exec(sosl);
  if (!m) throw malformed(`No search term found. The search term must be enclosed in braces.`);
  const termText = m[1]!;
  let rest = m[2]!.trim();
  const parsed = parseSearchQuery(termText);
  const terms = parsed.terms;
  let combine = parsed.combine;
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

/** SOSL Limits on Search Results (sforce_api_calls_sosl_limits): 2,000 rows from API v28.0. */
export const MAX_SEARCH_ROWS = 2000;

/** An overall limit spread evenly over objects with these counts; what one cannot use goes to the others. */
export function evenShares(counts: readonly number[], limit: number): number[] {
  const shares = counts.map(() => 0);
  let left = limit;
  for (let open = counts.filter((c) => c > 0).length; left > 0 && open > 0;) {
    const each = Math.max(1, Math.floor(left / open));
    open = 0;
    for (let i = 0; i < counts.length && left > 0; i += 1) {
      const take = Math.min(each, counts[i]! - shares[i]!, left);
      shares[i]! += take;
      left -= take;
      if (shares[i]! < counts[i]!) open += 1;
    }
  }
  return shares;
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

  /**
   * The rows of a search, as `access`'s user when given (user mode: objects, fields and
   * records it cannot see do not exist for it; permissions.ts), else unrestricted.
   */
  search(spec: SearchSpec, access?: Access): Rec[] {
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
    // LIMIT n (sforce_api_calls_sosl_limit): at most 2,000 rows. "Object limits are evaluated
    // in the order they are included in the query, and the maximum query limit is adjusted
    // after each object is processed"; with an overall limit and no object limits, "results
    // are evenly distributed among the objects returned". Which rows survive within an object
    // is by relevance on Salesforce and undocumented; here it is the object's ORDER BY, else
    // creation order (docs/local-org.md, known differences).
    const overall = Math.min(spec.limit ?? MAX_SEARCH_ROWS, MAX_SEARCH_ROWS);
    const perObject: Rec[][] = [];
    for (const r of returning) {
      const def = this.store.schema.object(r.object);
      if (!def) throw new SfError(400, 'INVALID_TYPE', `sObject type '${r.object}' is not supported.`);
      const idsOfObject = new Set(
        [...matched].filter((id) => id.startsWith(def.keyPrefix) && this.store.table(def.name).has(id))
      );
      if (idsOfObject.size === 0) continue;
      const soql = `SELECT ${r.fields} FROM ${def.name} ${r.clauses}`.trim();
      perObject.push(this.soql.run(soql, { ids: idsOfObject, ...(access ? { access } : {}) }).records);
    }
    const evenly = spec.limit !== undefined && !returning.some((r) => /(^|\s)LIMIT\s/i.test(` ${r.clauses}`));
    const shares = evenly
      ? evenShares(
          perObject.map((rows) => rows.length),
          overall
        )
      : null;
    const out: Rec[] = [];
    perObject.forEach((rows, i) => out.push(...rows.slice(0, shares ? shares[i] : Math.max(0, overall - out.length))));
    return out;
  }
}
