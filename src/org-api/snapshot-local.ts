/**
 * AircallSnapshotResource for the local org, which cannot run Apex: the same reads, in the
 * same order, with the same refusals, written against the local org's Apex context. It does
 * not reimplement the org: its searches and queries are the local org's own SOSL and SOQL in
 * user mode (the integration user's object permissions, field-level security and sharing),
 * its two exactly-once reads run in system mode as the Apex's `without sharing` inner class
 * does, and describe answers isAccessible() per field. So it cannot be more lenient than the
 * org it stands for: a search the org refuses fails here as it would in Apex, and is answered
 * like the Apex's catch-all (500 SNAPSHOT_FAILED). Kept beside the description (snapshot.ts)
 * so that the two change together; the Apex class is the product, this is its stand-in.
 */
import { SETTINGS_FIELDS, SETTINGS_OBJECT } from '../settings/schema';
import {
  APEX_SOSL_PER_TRANSACTION,
  SNAPSHOT_FAILED,
  SNAPSHOT_MAX_ENTRIES,
  SNAPSHOT_MAX_TERMS_PER_NUMBER,
  cleanTerm,
  searchableTerm
} from './snapshot';
import type { SnapshotResponse } from './snapshot';
import { SNAPSHOT_MAPPING } from './snapshot';
import { OrgNames } from './names';
import { FoundRecords, MATCHED_OBJECTS, SearchPlan, returningClause, saturated, snapshotRecord } from './phone-search';
import { soqlString as quote } from './soql';
import {
  DETAIL_FIELDS,
  idsOf,
  lastCallsFrom,
  lastCallsSoql,
  recordDetailsSoql,
  relatedDetailsSoql,
  taskOwnerIds,
  withDetails,
  withRelatedDetails
} from './card-details';

type Row = Record<string, unknown>;

/** What the local org gives a handler (structurally its ApexContext). */
export interface LocalApexContext {
  readonly userId: string;
  readonly orgId: string;
  query(soql: string): Row[];
  querySystem(soql: string): Row[];
  search(sosl: string): Row[];
  describe(sobject: string): {
    readonly fields: readonly { readonly name: string; readonly type: string; readonly accessible: boolean }[];
  } | null;
}

class Refusal extends Error {}

const KEYED = ['Contact', 'Lead', 'Account', 'Case'] as const;
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function entries(request: Row, key: string): unknown[] {
  const value = request[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Refusal(`${key} must be a list.`);
  if (value.length > SNAPSHOT_MAX_ENTRIES)
    throw new Refusal(`${key} has ${value.length} entries; at most ${SNAPSHOT_MAX_ENTRIES}.`);
  return value;
}

function strings(request: Row, key: string): string[] {
  return entries(request, key).map((item) => {
    if (typeof item !== 'string') throw new Refusal(`${key} must hold strings only.`);
    return item;
  });
}

function searchTerms(request: Row): string[][] {
  return entries(request, 'numbers').map((entry) => {
    const terms = entry && typeof entry === 'object' ? (entry as Row).terms : undefined;
    if (!Array.isArray(terms) || terms.length > SNAPSHOT_MAX_TERMS_PER_NUMBER)
      throw new Refusal(
        `numbers must hold objects with terms, a list of at most ${SNAPSHOT_MAX_TERMS_PER_NUMBER} strings.`
      );
    return terms.map((t) => (typeof t === 'string' ? cleanTerm(t) : '')).filter(searchableTerm);
  });
}

/** The phone fields of an object the user can read (isAccessible()), standard and custom. */
function phoneFields(ctx: LocalApexContext, sobject: string): string[] {
  return (ctx.describe(sobject)?.fields ?? [])
    .filter((f) => f.type === 'phone' && f.accessible)
    .map((f) => f.name)
    .sort();
}

function search(
  ctx: LocalApexContext,
  termsByNumber: string[][],
  isolate: boolean
): { records: SnapshotResponse['records']; unresolved: number[] } {
  if (termsByNumber.length === 0) return { records: [], unresolved: [] };
  const person = (ctx.describe('Account')?.fields ?? []).some((f) => f.name === 'IsPersonAccount');
  const phones = new Map(MATCHED_OBJECTS.map((o) => [o, phoneFields(ctx, o)] as const));
  const returning = MATCHED_OBJECTS.map((o) => returningClause(o, phones.get(o)!, person)).join(', ');
  const found = new FoundRecords();
  const plan = new SearchPlan(termsByNumber, APEX_SOSL_PER_TRANSACTION, isolate);
  for (let next = plan.next(); next; next = plan.next()) {
    const rows = ctx.search(`FIND {${next.query}} IN PHONE FIELDS RETURNING ${returning}`);
    plan.report(next, saturated(rows));
    for (const row of rows)
      found.add(snapshotRecord(row, phones.get((row.attributes as { type: 'Contact' }).type)!, person), next.numbers);
  }
  return { records: found.records, unresolved: plan.unresolved };
}

function related(ctx: LocalApexContext, kind: unknown, contactIds: Set<string>): SnapshotResponse['related'] {
  if ((kind !== 'Case' && kind !== 'Opportunity') || contactIds.size === 0) return { kind: null, records: [] };
  const ids = [...contactIds].map(quote).join(', ');
  if (kind === 'Case') {
    const rows = ctx.query(
      `SELECT Id, ContactId, LastModifiedDate FROM Case WHERE IsClosed = false AND ContactId IN (${ids}) ORDER BY LastModifiedDate DESC LIMIT 2000`
    );
    return {
      kind,
      records: rows.map((r) => ({
        contactId: String(r.ContactId),
        id: String(r.Id),
        lastModifiedDate: String(r.LastModifiedDate)
      }))
    };
  }
  const rows = ctx.query(
    `SELECT OpportunityId, ContactId, Opportunity.LastModifiedDate FROM OpportunityContactRole WHERE Opportunity.IsClosed = false AND ContactId IN (${ids}) LIMIT 2000`
  );
  return {
    kind,
    records: rows.map((r) => ({
      contactId: String(r.ContactId),
      id: String(r.OpportunityId),
      lastModifiedDate: str((r.Opportunity as Row | null)?.LastModifiedDate) ?? ''
    }))
  };
}

/**
 * AircallCardDetails' `readable`: a user-mode query, or no rows when the user may not run it (a
 * field it cannot read). A governor limit still ends the request, as in Apex.
 */
function readable(ctx: LocalApexContext, soql: string): Row[] {
  try {
    return ctx.query(soql);
  } catch (error) {
    if (error instanceof Error && error.name === 'System.LimitException') throw error;
    return [];
  }
}

/** AircallCardDetails.recordDetails: owners and Accounts. */
function recordDetails(ctx: LocalApexContext, records: SnapshotResponse['records']): SnapshotResponse['records'] {
  const rows = (Object.keys(DETAIL_FIELDS) as (keyof typeof DETAIL_FIELDS)[]).flatMap((sobject) => {
    const ids = idsOf(records, sobject);
    return ids.length > 0 ? readable(ctx, recordDetailsSoql(sobject, ids)) : [];
  });
  return withDetails(records, rows);
}

/** AircallCardDetails.relatedDetails: the open records' number, title and status. */
function relatedDetails(ctx: LocalApexContext, related: SnapshotResponse['related']): SnapshotResponse['related'] {
  if (!related.kind || related.records.length === 0) return related;
  return withRelatedDetails(
    related,
    readable(
      ctx,
      relatedDetailsSoql(
        related.kind,
        related.records.map((r) => r.id)
      )
    )
  );
}

/** AircallCardDetails.lastCalls: the newest Task of each record. */
function lastCalls(ctx: LocalApexContext, records: SnapshotResponse['records']): SnapshotResponse['lastCalls'] {
  const owners = taskOwnerIds(records);
  return owners.size > 0 ? lastCallsFrom(readable(ctx, lastCallsSoql([...owners.keys()])), owners) : [];
}

function read(ctx: LocalApexContext, request: Row): SnapshotResponse {
  const terms = searchTerms(request);
  const emails = strings(request, 'emails');
  const emailList = emails.map(quote).join(', ');
  const externalIds = strings(request, 'externalIds');
  const keys = strings(request, 'keys');
  // A settings preview may ask for the open records of a kind the settings do not name.
  const asked = request.related;
  if (asked != null && asked !== 'Case' && asked !== 'Opportunity')
    throw new Refusal('related must be Case or Opportunity.');
  const fields = SETTINGS_FIELDS.map((f) => f.apiName);
  const settingsRow = ctx.query(
    `SELECT ${fields.join(', ')} FROM ${SETTINGS_OBJECT} WHERE SetupOwnerId = ${quote(ctx.orgId)} LIMIT 1`
  )[0];
  const settings = settingsRow ? Object.fromEntries(fields.map((f) => [f, settingsRow[f] ?? null])) : null;
  const kind = asked ?? settings?.Related_Record__c;
  const found = search(ctx, terms, request.isolate === true);
  const { unresolved } = found;
  const details = request.details === true && found.records.length > 0;
  const records = details ? recordDetails(ctx, found.records) : found.records;
  const contactIds = new Set(records.filter((r) => r.sobject === 'Contact' && !r.isPersonAccount).map((r) => r.id));
  const keyed: SnapshotResponse['keyed'] = [];
  if (keys.length > 0) {
    for (const sobject of KEYED) {
      const rows = ctx.querySystem(
        `SELECT Id, Aircall_Key__c FROM ${sobject} WHERE Aircall_Key__c IN (${keys.map(quote).join(', ')}) LIMIT 2000`
      );
      for (const r of rows) keyed.push({ key: String(r.Aircall_Key__c), sobject, id: String(r.Id) });
    }
  }
  for (const k of keyed) if (k.sobject === 'Contact') contactIds.add(k.id);
  const users =
    emails.length === 0
      ? []
      : ctx
          .query(
            `SELECT Id, Email, Aircall_Email__c, IsActive, Name FROM User WHERE Email IN (${emailList}) OR Aircall_Email__c IN (${emailList}) ORDER BY CreatedDate LIMIT 2000`
          )
          .map((r) => ({
            id: String(r.Id),
            email: String(r.Email),
            aircallEmail: str(r.Aircall_Email__c),
            isActive: r.IsActive === true,
            name: str(r.Name)
          }));
  const tasks =
    externalIds.length === 0
      ? []
      : ctx
          .querySystem(
            `SELECT Id, Aircall_Id__c, WhoId, WhatId FROM Task WHERE Aircall_Id__c IN (${externalIds.map(quote).join(', ')}) ORDER BY CreatedDate, Id LIMIT 2000`
          )
          .map((r) => ({
            id: String(r.Id),
            externalId: String(r.Aircall_Id__c),
            whoId: str(r.WhoId),
            whatId: str(r.WhatId)
          }));
  return {
    userId: ctx.userId,
    orgId: ctx.orgId,
    settings,
    records,
    related: details ? relatedDetails(ctx, related(ctx, kind, contactIds)) : related(ctx, kind, contactIds),
    users,
    tasks,
    keyed,
    unresolved,
    lastCalls: details ? lastCalls(ctx, records) : [],
    unreadablePhoneFields: MATCHED_OBJECTS.flatMap((o) =>
      (ctx.describe(o)?.fields ?? []).filter((f) => f.type === 'phone' && !f.accessible).map((f) => `${o}.${f.name}`)
    ).sort()
  };
}

/** POST /services/apexrest/aircall/v1/snapshot on the local org. */
export function localSnapshot(
  request: { readonly body: string },
  ctx: LocalApexContext
): { status: number; body: unknown } {
  try {
    let body: unknown;
    try {
      body = JSON.parse(request.body) as unknown;
    } catch (error) {
      throw new Refusal(`The request body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new Refusal('The request body must be a JSON object.');
    return { status: 200, body: read(ctx, body as Row) };
  } catch (error) {
    if (error instanceof Refusal)
      return { status: 400, body: [{ errorCode: 'INVALID_REQUEST', message: error.message }] };
    // A governor limit's LimitException cannot be caught in Apex: it ends the request as the
    // framework's 500 APEX_ERROR, so the stand-in lets it through too.
    if (error instanceof Error && error.name === 'System.LimitException') throw error;
    // As the Apex's catch-all: a SearchException, QueryException or NoAccessException of a
    // read is answered, never left to the framework's 500 APEX_ERROR.
    const message = error instanceof Error ? error.message : String(error);
    return { status: 500, body: [{ errorCode: SNAPSHOT_FAILED, message }] };
  }
}

/**
 * The local org's `apexRest` option for this package, deployed with a namespace or without:
 * the Apex runs inside its namespace and spells the package's names locally, so the stand-in
 * does too and its context translates (names.ts) to the org's spelling and back.
 */
export function localApexRest(names: OrgNames = new OrgNames(null)): Record<string, typeof localSnapshot> {
  const inNamespace = (ctx: LocalApexContext): LocalApexContext =>
    names.namespace
      ? {
          userId: ctx.userId,
          orgId: ctx.orgId,
          query: (soql) => names.fromOrg(ctx.query(names.text(soql))) as Row[],
          querySystem: (soql) => names.fromOrg(ctx.querySystem(names.text(soql))) as Row[],
          search: (sosl) => names.fromOrg(ctx.search(names.text(sosl))) as Row[],
          describe: (sobject) => {
            const described = ctx.describe(names.name(sobject));
            return described && { fields: described.fields.map((f) => ({ ...f, name: names.local(f.name) })) };
          }
        }
      : ctx;
  return { [names.apexRestPath(SNAPSHOT_MAPPING)]: (request, ctx) => localSnapshot(request, inNamespace(ctx)) };
}

export const LOCAL_APEX_REST = localApexRest();
