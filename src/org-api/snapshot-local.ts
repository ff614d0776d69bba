/**
 * AircallSnapshotResource for the local org, which cannot run Apex: the same reads, in the
 * same order, with the same refusals, written against the local org's Apex context (SOQL,
 * SOSL, describe). Kept beside the description (snapshot.ts) so that the two change together;
 * the Apex class is the product, this is its stand-in. The local org has no sharing, so user
 * mode and system mode read the same rows here (docs/local-org.md).
 */
import { SETTINGS_FIELDS, SETTINGS_OBJECT } from '../settings/schema';
import {
  SNAPSHOT_MAX_ENTRIES,
  SNAPSHOT_MAX_TERMS_PER_NUMBER,
  SNAPSHOT_NUMBERS_PER_SEARCH,
  SOSL_MAX_QUERY_LENGTH,
  cleanTerm
} from './snapshot';
import type { SnapshotResponse } from './snapshot';
import { soqlString as quote } from './soql';

type Row = Record<string, unknown>;

/** What the local org gives a handler (structurally its ApexContext). */
export interface LocalApexContext {
  readonly userId: string;
  readonly orgId: string;
  query(soql: string): Row[];
  search(sosl: string): Row[];
  describe(sobject: string): { readonly fields: readonly { readonly name: string; readonly type: string }[] } | null;
}

class Refusal extends Error {}

const MATCHED = ['Contact', 'Lead', 'Account'] as const;
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
    return terms.map((t) => (typeof t === 'string' ? cleanTerm(t) : '')).filter((t) => t.length > 0);
  });
}

function phoneFields(ctx: LocalApexContext, sobject: string): string[] {
  return (ctx.describe(sobject)?.fields ?? [])
    .filter((f) => f.type === 'phone')
    .map((f) => f.name)
    .sort();
}

function search(ctx: LocalApexContext, termsByNumber: string[][]): SnapshotResponse['records'] {
  const out: SnapshotResponse['records'] = [];
  if (termsByNumber.length === 0) return out;
  const person = (ctx.describe('Account')?.fields ?? []).some((f) => f.name === 'IsPersonAccount');
  const phones = new Map(MATCHED.map((o) => [o, phoneFields(ctx, o)] as const));
  const returning = MATCHED.map((o) => {
    const fields = ['Id', 'Name', 'LastModifiedDate'];
    if (o === 'Contact') fields.push('AccountId');
    if (person && o !== 'Lead') fields.push('IsPersonAccount');
    if (person && o === 'Account') fields.push('PersonContactId');
    fields.push(...phones.get(o)!);
    return `${o}(${fields.join(', ')}${o === 'Lead' ? ' WHERE IsConverted = false' : ''})`;
  }).join(', ');
  const seen = new Set<string>();
  for (let start = 0; start < termsByNumber.length; start += SNAPSHOT_NUMBERS_PER_SEARCH) {
    const query = termsByNumber
      .slice(start, start + SNAPSHOT_NUMBERS_PER_SEARCH)
      .flat()
      .map((t) => `"${t}"`)
      .join(' OR ');
    if (query.length === 0) continue;
    if (query.length > SOSL_MAX_QUERY_LENGTH)
      throw new Refusal(
        `The search forms of ${SNAPSHOT_NUMBERS_PER_SEARCH} numbers exceed ${SOSL_MAX_QUERY_LENGTH} characters.`
      );
    for (const row of ctx.search(`FIND {${query}} IN PHONE FIELDS RETURNING ${returning}`)) {
      const sobject = (row.attributes as { type: (typeof MATCHED)[number] }).type;
      const id = String(row.Id);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({
        sobject,
        id,
        name: str(row.Name),
        accountId: sobject === 'Contact' ? str(row.AccountId) : null,
        isPersonAccount: person && row.IsPersonAccount === true,
        personContactId: sobject === 'Account' ? str(row.PersonContactId) : null,
        lastModifiedDate: String(row.LastModifiedDate),
        phones: phones
          .get(sobject)!
          .map((f) => str(row[f]))
          .filter((p): p is string => p !== null)
      });
    }
  }
  return out;
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

function read(ctx: LocalApexContext, request: Row): SnapshotResponse {
  const terms = searchTerms(request);
  const emails = strings(request, 'emails');
  const emailList = emails.map(quote).join(', ');
  const externalIds = strings(request, 'externalIds');
  const keys = strings(request, 'keys');
  const fields = SETTINGS_FIELDS.map((f) => f.apiName);
  const settingsRow = ctx.query(
    `SELECT ${fields.join(', ')} FROM ${SETTINGS_OBJECT} WHERE SetupOwnerId = ${quote(ctx.orgId)} LIMIT 1`
  )[0];
  const settings = settingsRow ? Object.fromEntries(fields.map((f) => [f, settingsRow[f] ?? null])) : null;
  const records = search(ctx, terms);
  const contactIds = new Set(records.filter((r) => r.sobject === 'Contact' && !r.isPersonAccount).map((r) => r.id));
  const keyed: SnapshotResponse['keyed'] = [];
  if (keys.length > 0) {
    for (const sobject of KEYED) {
      const rows = ctx.query(
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
          .query(
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
    related: related(ctx, settings?.Related_Record__c, contactIds),
    users,
    tasks,
    keyed
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
    if (!(error instanceof Refusal)) throw error;
    return { status: 400, body: [{ errorCode: 'INVALID_REQUEST', message: error.message }] };
  }
}

/** The local org's `apexRest` option for this package. */
export const LOCAL_APEX_REST = { '/aircall/v1/snapshot': localSnapshot } as const;
