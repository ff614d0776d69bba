/**
 * The snapshot without the package's Apex: the same answer as AircallSnapshotResource, built
 * from documented REST resources as the integration user, for orgs that cannot run the
 * package's Apex (Group and Professional Editions run Apex only in a security-reviewed managed
 * package: ISVforce Guide, "Using Apex in Group and Professional Editions") and as the
 * fallback when the Apex resource is missing or fails.
 *
 * Requests per read: the phone search (`POST /parameterizedSearch`, one per search of the
 * shared plan, phone-search.ts: one for up to about 70 numbers) and one `/composite` of at
 * most 5 queries (resources_composite_composite_post: "Up to 5 of these subrequests can be
 * sObject Collections or query operations"): the agents' users, the Tasks already logged, the
 * Contacts matched or created with their open Cases and Opportunity roles (child subqueries),
 * the Leads and the Accounts created; the settings row is an sObject retrieve by its Id once
 * known (not one of the 5), else a sixth query in a second composite. The phone fields come
 * from describe, read once every DESCRIBE_TTL_MS: a REST describe lists only the fields the
 * user can read.
 *
 * Differences from the Apex path (docs/local-org.md and docs/architecture.md say the same):
 * every read runs with the integration user's sharing, so a Task or a created record on a
 * record it cannot see is not found (the Apex reads those two in system mode); which rows an
 * object's limit keeps is the search's relevance, not the newest first (parameterizedSearch
 * has no ORDER BY per object); the phone fields the user cannot read cannot be named.
 */
import { SETTINGS_FIELDS, SETTINGS_OBJECT } from '../settings/schema';
import type { SnapshotRequest, SnapshotResponse } from './snapshot';
import { SNAPSHOT_MAX_TERMS_PER_NUMBER, cleanTerm, searchableTerm } from './snapshot';
import {
  FoundRecords,
  MATCHED_OBJECTS,
  SEARCH_OBJECT_LIMIT,
  SearchPlan,
  returnedFields,
  saturated,
  searchFilter,
  snapshotRecord
} from './phone-search';
import type { MatchedObject } from './phone-search';
import { soqlString as quote } from './soql';
import {
  DETAIL_FIELDS,
  idsOf,
  lastCallsFrom,
  lastCallsSoql,
  recordDetailsSoql,
  taskOwnerIds,
  withDetails,
  withRelatedDetails
} from './card-details';

type Row = Record<string, unknown>;

/** One REST request (counted by the gateway as one API request). */
export type RestCall = (
  purpose: string,
  request: { method: 'GET' | 'POST'; url: string; body?: unknown }
) => Promise<unknown>;

/** Searches one read may run before the rest is read again (each is one API request). */
export const REST_SEARCH_BUDGET = 6;
/** How long the phone fields read by describe are reused. */
export const DESCRIBE_TTL_MS = 10 * 60_000;
/** Query subrequests one composite may hold. */
const COMPOSITE_QUERIES = 5;

interface Describe {
  readonly at: number;
  readonly person: boolean;
  readonly phones: ReadonlyMap<MatchedObject, readonly string[]>;
}

interface QueryBody {
  records: Row[];
}

const inList = (values: readonly string[]) => `(${values.map(quote).join(', ')})`;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export class RestSnapshotReader {
  private describeCache: Describe | null = null;
  /** The org-default settings row's Id, once a read found it: then read by Id, not by a query. */
  private settingsId: string | null = null;

  constructor(
    private readonly call: RestCall,
    private readonly version: string,
    private readonly now: () => number = Date.now
  ) {}

  private get base(): string {
    return `/services/data/v${this.version}`;
  }

  private async describe(): Promise<Describe> {
    if (this.describeCache && this.now() - this.describeCache.at < DESCRIBE_TTL_MS) return this.describeCache;
    const phones = new Map<MatchedObject, string[]>();
    let person = false;
    for (const object of MATCHED_OBJECTS) {
      const body = (await this.call('describe', {
        method: 'GET',
        url: `${this.base}/sobjects/${object}/describe`
      })) as {
        fields: { name: string; type: string }[];
      };
      phones.set(
        object,
        body.fields
          .filter((f) => f.type === 'phone')
          .map((f) => f.name)
          .sort()
      );
      if (object === 'Account') person = body.fields.some((f) => f.name === 'IsPersonAccount');
    }
    this.describeCache = { at: this.now(), person, phones };
    return this.describeCache;
  }

  private async search(
    termsByNumber: string[][],
    describe: Describe,
    isolate: boolean
  ): Promise<{ records: SnapshotResponse['records']; unresolved: number[] }> {
    const found = new FoundRecords();
    const plan = new SearchPlan(termsByNumber, REST_SEARCH_BUDGET, isolate);
    const sobjects = MATCHED_OBJECTS.map((object) => {
      const where = searchFilter(object);
      return {
        name: object,
        fields: returnedFields(object, describe.phones.get(object) ?? [], describe.person),
        limit: SEARCH_OBJECT_LIMIT,
        ...(where ? { where } : {})
      };
    });
    for (let next = plan.next(); next; next = plan.next()) {
      const body = (await this.call('search', {
        method: 'POST',
        url: `${this.base}/parameterizedSearch`,
        body: { q: next.query, in: 'PHONE', sobjects, overallLimit: 2000 }
      })) as { searchRecords: Row[] };
      const rows = body.searchRecords;
      plan.report(next, saturated(rows));
      for (const row of rows) {
        const type = (row.attributes as { type: MatchedObject }).type;
        found.add(snapshotRecord(row, describe.phones.get(type) ?? [], describe.person), next.numbers);
      }
    }
    return { records: found.records, unresolved: plan.unresolved };
  }

  /** Runs queries (and the settings retrieve) in composites of at most COMPOSITE_QUERIES queries. */
  private async composite(
    queries: readonly { ref: string; soql: string }[],
    retrieve: { ref: string; url: string } | null
  ): Promise<Map<string, { status: number; body: unknown }>> {
    const out = new Map<string, { status: number; body: unknown }>();
    const requests = queries.map((q) => ({
      method: 'GET',
      url: `${this.base}/query?q=${encodeURIComponent(q.soql)}`,
      referenceId: q.ref
    }));
    for (let start = 0; start < Math.max(requests.length, 1); start += COMPOSITE_QUERIES) {
      const part: { method: string; url: string; referenceId: string }[] = requests.slice(
        start,
        start + COMPOSITE_QUERIES
      );
      if (start === 0 && retrieve) part.push({ method: 'GET', url: retrieve.url, referenceId: retrieve.ref });
      if (part.length === 0) continue;
      const body = (await this.call('composite-read', {
        method: 'POST',
        url: `${this.base}/composite`,
        body: { allOrNone: false, compositeRequest: part }
      })) as { compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string }[] };
      for (const r of body.compositeResponse) out.set(r.referenceId, { status: r.httpStatusCode, body: r.body });
    }
    return out;
  }

  async read(request: SnapshotRequest, identity: { userId: string; orgId: string }): Promise<SnapshotResponse> {
    const termsByNumber = request.numbers.map((n) =>
      n.terms.slice(0, SNAPSHOT_MAX_TERMS_PER_NUMBER).map(cleanTerm).filter(searchableTerm)
    );
    const describe = await this.describe();
    const { records, unresolved } = termsByNumber.some((t) => t.length > 0)
      ? await this.search(termsByNumber, describe, request.isolate === true)
      : { records: [], unresolved: [] };
    const contactIds = records.filter((r) => r.sobject === 'Contact' && !r.isPersonAccount).map((r) => r.id);
    const settingsFields = SETTINGS_FIELDS.map((f) => f.apiName);
    const queries: { ref: string; soql: string }[] = [];
    if (request.emails.length > 0)
      queries.push({
        ref: 'users',
        soql: `SELECT Id, Email, Aircall_Email__c, IsActive, Name FROM User WHERE Email IN ${inList(request.emails)} OR Aircall_Email__c IN ${inList(request.emails)} ORDER BY CreatedDate LIMIT 2000`
      });
    if (request.externalIds.length > 0)
      queries.push({
        ref: 'tasks',
        soql: `SELECT Id, Aircall_Id__c, WhoId, WhatId FROM Task WHERE Aircall_Id__c IN ${inList(request.externalIds)} ORDER BY CreatedDate, Id LIMIT 2000`
      });
    const contactWhere = [
      contactIds.length > 0 ? `Id IN ${inList(contactIds)}` : null,
      request.keys.length > 0 ? `Aircall_Key__c IN ${inList(request.keys)}` : null
    ].filter(Boolean);
    if (contactWhere.length > 0)
      queries.push({
        ref: 'contacts',
        soql:
          'SELECT Id, Aircall_Key__c, ' +
          '(SELECT Id, LastModifiedDate FROM Cases WHERE IsClosed = false ORDER BY LastModifiedDate DESC LIMIT 200), ' +
          '(SELECT OpportunityId, Opportunity.LastModifiedDate FROM OpportunityContactRoles WHERE Opportunity.IsClosed = false LIMIT 200) ' +
          `FROM Contact WHERE ${contactWhere.join(' OR ')} LIMIT 2000`
      });
    if (request.keys.length > 0)
      for (const object of ['Lead', 'Account'])
        queries.push({
          ref: `keyed${object}`,
          soql: `SELECT Id, Aircall_Key__c FROM ${object} WHERE Aircall_Key__c IN ${inList(request.keys)} LIMIT 2000`
        });
    // An insight card's details (card-details.ts): queries of their own, whose failure (a field the
    // user cannot read) leaves that part of the card out and never fails the read.
    const details = request.details === true;
    const owners = taskOwnerIds(records);
    const detailQueries: { ref: string; soql: string }[] = [];
    if (details) {
      for (const object of Object.keys(DETAIL_FIELDS) as (keyof typeof DETAIL_FIELDS)[]) {
        const ids = idsOf(records, object);
        if (ids.length > 0) detailQueries.push({ ref: `details${object}`, soql: recordDetailsSoql(object, ids) });
      }
      if (contactIds.length > 0)
        detailQueries.push(
          {
            ref: 'detailsCase',
            soql: `SELECT Id, CaseNumber, Subject, Status FROM Case WHERE IsClosed = false AND ContactId IN ${inList(contactIds)}`
          },
          {
            ref: 'detailsOpportunity',
            soql: `SELECT OpportunityId, Opportunity.Name, Opportunity.StageName FROM OpportunityContactRole WHERE Opportunity.IsClosed = false AND ContactId IN ${inList(contactIds)}`
          }
        );
      if (owners.size > 0) detailQueries.push({ ref: 'lastCalls', soql: lastCallsSoql([...owners.keys()]) });
    }
    queries.push(...detailQueries);
    const settingsQuery = {
      ref: 'settings',
      soql: `SELECT Id, ${settingsFields.join(', ')} FROM ${SETTINGS_OBJECT} WHERE SetupOwnerId = ${quote(identity.orgId)} LIMIT 1`
    };
    const byId = this.settingsId
      ? { ref: 'settings', url: `${this.base}/sobjects/${SETTINGS_OBJECT}/${this.settingsId}` }
      : null;
    let results = await this.composite(byId ? queries : [settingsQuery, ...queries], byId);
    if (byId && results.get('settings')?.status === 404) {
      // The row was deleted (or replaced): find it again by the query.
      this.settingsId = null;
      results = new Map([...results, ...(await this.composite([settingsQuery], null))]);
    }
    const rowsOf = (ref: string): Row[] => {
      const r = results.get(ref);
      if (!r) return [];
      if (r.status >= 300) {
        const first = (Array.isArray(r.body) ? r.body[0] : r.body) as { errorCode?: string; message?: string };
        throw Object.assign(new Error(`${ref}: ${first?.message ?? `HTTP ${r.status}`}`), {
          errorCode: first?.errorCode ?? `ERROR_HTTP_${r.status}`
        });
      }
      if (ref === 'settings' && byId) return [r.body as Row];
      return (r.body as QueryBody).records;
    };
    /** A detail query's rows; none when it failed (detailQueries). */
    const detailRows = (ref: string): Row[] => {
      const r = results.get(ref);
      return r && r.status < 300 ? (r.body as QueryBody).records : [];
    };
    const settingsRow = rowsOf('settings')[0];
    this.settingsId = settingsRow ? String(settingsRow.Id) : null;
    const settings = settingsRow ? Object.fromEntries(settingsFields.map((f) => [f, settingsRow[f] ?? null])) : null;
    const keyed: SnapshotResponse['keyed'] = [];
    const contacts = rowsOf('contacts');
    for (const c of contacts)
      if (typeof c.Aircall_Key__c === 'string' && request.keys.includes(c.Aircall_Key__c))
        keyed.push({ key: c.Aircall_Key__c, sobject: 'Contact', id: String(c.Id) });
    for (const object of ['Lead', 'Account'] as const)
      for (const r of rowsOf(`keyed${object}`))
        keyed.push({ key: String(r.Aircall_Key__c), sobject: object, id: String(r.Id) });
    const kind = request.related ?? settings?.Related_Record__c;
    const related: SnapshotResponse['related'] = { kind: null, records: [] };
    if (kind === 'Case' || kind === 'Opportunity') {
      related.kind = kind;
      for (const c of contacts) {
        const children = (c[kind === 'Case' ? 'Cases' : 'OpportunityContactRoles'] as QueryBody | null)?.records ?? [];
        for (const child of children)
          related.records.push(
            kind === 'Case'
              ? { contactId: String(c.Id), id: String(child.Id), lastModifiedDate: String(child.LastModifiedDate) }
              : {
                  contactId: String(c.Id),
                  id: String(child.OpportunityId),
                  lastModifiedDate: str((child.Opportunity as Row | null)?.LastModifiedDate) ?? ''
                }
          );
      }
    }
    return {
      userId: identity.userId,
      orgId: identity.orgId,
      settings,
      records: details
        ? withDetails(records, [
            ...detailRows('detailsContact'),
            ...detailRows('detailsLead'),
            ...detailRows('detailsAccount')
          ])
        : records,
      related: details
        ? withRelatedDetails(related, [
            ...detailRows('detailsCase'),
            ...detailRows('detailsOpportunity').map((r) => ({ Id: r.OpportunityId, ...(r.Opportunity as Row) }))
          ])
        : related,
      lastCalls: details ? lastCallsFrom(detailRows('lastCalls'), owners) : [],
      users: rowsOf('users').map((r) => ({
        id: String(r.Id),
        email: String(r.Email),
        aircallEmail: str(r.Aircall_Email__c),
        isActive: r.IsActive === true,
        name: str(r.Name)
      })),
      tasks: rowsOf('tasks').map((r) => ({
        id: String(r.Id),
        externalId: String(r.Aircall_Id__c),
        whoId: str(r.WhoId),
        whatId: str(r.WhatId)
      })),
      keyed,
      unresolved,
      unreadablePhoneFields: []
    };
  }
}
