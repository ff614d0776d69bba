/**
 * How the snapshot's phone search is split into SOSL searches, shared by the Apex resource's
 * stand-in and the REST-only read path (and written again in AircallPhoneSearch.cls, which
 * test/service/snapshot.test.ts keeps in step):
 *
 * - Each search ORs the quoted forms of as many numbers as fit in SOSL_MAX_QUERY_LENGTH, every
 *   reserved character escaped with a backslash ("Example Text Searches",
 *   sforce_api_calls_sosl_examples: unescaped, `+ - ( )` fail the search, inside quotes too).
 * - Each object returns at most SEARCH_OBJECT_LIMIT rows, newest first, so that one object
 *   cannot use up the 2,000 rows SOSL returns in all (sforce_api_calls_sosl_limits).
 * - An object that returns its full limit may have left out records of the other numbers of
 *   that search (a switchboard number held by hundreds of records): the search is split in two
 *   and each half searched again, down to one number, whose newest records are what R5 needs.
 *   Numbers a budget of searches could not settle are reported unresolved; the gateway reads
 *   them again in a later request, so no number is ever matched on a partial answer.
 *
 * Pure: the caller runs each search and reports its rows.
 */
import type { SnapshotResponse } from './snapshot';
import { SOSL_MAX_QUERY_LENGTH, SNAPSHOT_MAX_NUMBERS_PER_SEARCH } from './snapshot';

/** Rows per object in one search: 3 objects × 200 stay well under SOSL's 2,000. */
export const SEARCH_OBJECT_LIMIT = 200;

/**
 * Reserved in a SearchQuery (sforce_api_calls_sosl_examples: "Escaping special characters
 * & | ! ( ) { } [ ] ^ " ~ * ? : \ ' + -").
 */
const RESERVED = /[&|!(){}[\]^"~*?:\\'+-]/g;

/** A literal search term with every reserved character escaped. */
export const escapeSearchTerm = (term: string): string => term.replace(RESERVED, (c) => `\\${c}`);

/** The SearchQuery for some numbers: their terms, quoted and escaped, joined by OR. */
export function searchQuery(termsByNumber: readonly (readonly string[])[], numbers: readonly number[]): string {
  return numbers
    .flatMap((n) => termsByNumber[n] ?? [])
    .map((t) => `"${escapeSearchTerm(t)}"`)
    .join(' OR ');
}

export interface PlannedSearch {
  /** Indexes of the numbers this search covers. */
  readonly numbers: readonly number[];
  /** The SearchQuery (the text between FIND's braces, or parameterizedSearch's q). */
  readonly query: string;
}

export class SearchPlan {
  private readonly queue: number[][] = [];
  private readonly unsettled = new Set<number>();
  private used = 0;

  /**
   * @param termsByNumber the cleaned search forms of each number (a number without any is skipped)
   * @param budget the searches this plan may run (Apex: its share of the 20 SOSL per transaction)
   * @param isolate one number per search: every record found is attributed to its number
   */
  constructor(
    private readonly termsByNumber: readonly (readonly string[])[],
    private readonly budget: number,
    isolate = false
  ) {
    const perSearch = isolate ? 1 : SNAPSHOT_MAX_NUMBERS_PER_SEARCH;
    let group: number[] = [];
    for (let n = 0; n < termsByNumber.length; n += 1) {
      if ((termsByNumber[n] ?? []).length === 0) continue;
      const longer = searchQuery(termsByNumber, [...group, n]);
      if (group.length > 0 && (longer.length > SOSL_MAX_QUERY_LENGTH || group.length >= perSearch)) {
        this.queue.push(group);
        group = [];
      }
      group.push(n);
    }
    if (group.length > 0) this.queue.push(group);
    for (const g of this.queue) for (const n of g) this.unsettled.add(n);
  }

  /** The next search to run, or null when done (or out of budget). */
  next(): PlannedSearch | null {
    if (this.used >= this.budget) return null;
    const numbers = this.queue.shift();
    if (!numbers) return null;
    this.used += 1;
    return { numbers, query: searchQuery(this.termsByNumber, numbers) };
  }

  /**
   * What a search returned: `saturated` when an object returned SEARCH_OBJECT_LIMIT rows.
   * A saturated search of several numbers is split in two and searched again.
   */
  report(search: PlannedSearch, saturated: boolean): void {
    if (saturated && search.numbers.length > 1) {
      const half = Math.ceil(search.numbers.length / 2);
      this.queue.unshift([...search.numbers.slice(0, half)], [...search.numbers.slice(half)]);
      return;
    }
    for (const n of search.numbers) this.unsettled.delete(n);
  }

  /** Numbers no search settled: read them again in another request. */
  get unresolved(): number[] {
    return [...this.unsettled].sort((a, b) => a - b);
  }

  get searches(): number {
    return this.used;
  }
}

export const MATCHED_OBJECTS = ['Contact', 'Lead', 'Account'] as const;
export type MatchedObject = (typeof MATCHED_OBJECTS)[number];
type Row = Record<string, unknown>;
type SnapshotRecord = SnapshotResponse['records'][number];

/** The fields a search returns for an object: identity, recency and the readable phone fields. */
export function returnedFields(object: MatchedObject, phones: readonly string[], person: boolean): string[] {
  const fields = ['Id', 'Name', 'LastModifiedDate'];
  if (object === 'Contact') fields.push('AccountId');
  if (person && object !== 'Lead') fields.push('IsPersonAccount');
  if (person && object === 'Account') fields.push('PersonContactId');
  return [...fields, ...phones];
}

/** The WHERE of an object's search: converted Leads are read-only and never matched. */
export const searchFilter = (object: MatchedObject): string | null =>
  object === 'Lead' ? 'IsConverted = false' : null;

/** `Obj(fields WHERE … ORDER BY LastModifiedDate DESC LIMIT n)`, for a SOSL RETURNING. */
export function returningClause(object: MatchedObject, phones: readonly string[], person: boolean): string {
  const where = searchFilter(object);
  return `${object}(${returnedFields(object, phones, person).join(', ')}${where ? ` WHERE ${where}` : ''} ORDER BY LastModifiedDate DESC LIMIT ${SEARCH_OBJECT_LIMIT})`;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** One search row (attributes.type set) as a snapshot record. */
export function snapshotRecord(row: Row, phones: readonly string[], person: boolean): SnapshotRecord {
  const sobject = (row.attributes as { type: MatchedObject }).type;
  return {
    sobject,
    id: String(row.Id),
    name: str(row.Name),
    accountId: sobject === 'Contact' ? str(row.AccountId) : null,
    isPersonAccount: person && row.IsPersonAccount === true,
    personContactId: sobject === 'Account' ? str(row.PersonContactId) : null,
    lastModifiedDate: String(row.LastModifiedDate),
    phones: phones.map((f) => str(row[f])).filter((p): p is string => p !== null),
    numbers: []
  };
}

/**
 * Records once each, with the numbers one of which each holds: a record holds a number of
 * every search that found it, so a later, narrower search narrows them (the intersection).
 */
export class FoundRecords {
  private readonly byId = new Map<string, SnapshotRecord & { numbers: number[] }>();

  add(record: SnapshotRecord, numbers: readonly number[]): void {
    const known = this.byId.get(record.id);
    if (!known) {
      this.byId.set(record.id, { ...record, numbers: [...numbers] });
      return;
    }
    const both = known.numbers.filter((n) => numbers.includes(n));
    if (both.length > 0) known.numbers = both;
  }

  get records(): SnapshotRecord[] {
    return [...this.byId.values()].map((r) => ({ ...r, numbers: [...r.numbers].sort((a, b) => a - b) }));
  }
}

/** Whether a search's rows filled some object's limit (phone-search's saturation). */
export function saturated(rows: readonly Row[]): boolean {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const type = (r.attributes as { type: string }).type;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
  return [...counts.values()].some((n) => n >= SEARCH_OBJECT_LIMIT);
}
