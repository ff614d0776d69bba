/**
 * The reads an insight card adds to a snapshot (SnapshotRequest.details), described once for
 * the three readers: AircallCardDetails.cls runs the same queries in user mode, the local
 * stand-in (snapshot-local.ts) and the REST path (rest-snapshot.ts) build them here. They cost
 * no request of their own: they run inside the snapshot's one Apex call, or ride in the REST
 * path's composite. None of them may fail the snapshot the Task is logged with: a query the
 * integration user may not run (a field it cannot read: user mode enforces field-level
 * security, apex_classes_enforce_usermode) leaves that part of the card out.
 */
import type { SnapshotResponse } from './snapshot';
import { soqlString as quote } from './soql';

type Row = Record<string, unknown>;
type FoundRecord = SnapshotResponse['records'][number];
export type LastCall = SnapshotResponse['lastCalls'][number];

/**
 * Per object: the fields of a card (the owner, and the Account or a Lead's company). `Owner.Name`
 * reads the polymorphic owner (a user or a queue) through the Name object (Object Reference,
 * sforce_api_objects_name: "allows retrieval of the owner name, whether the owner is a user or a
 * group (queue)").
 */
export const DETAIL_FIELDS = {
  Contact: ['Owner.Name', 'Account.Name'],
  Lead: ['Owner.Name', 'Company'],
  Account: ['Owner.Name']
} as const;

/** How many Tasks the last-call query reads at most (the newest per record is kept). */
export const LAST_CALLS_LIMIT = 1000;

const inList = (ids: readonly string[]) => `(${ids.map(quote).join(', ')})`;

/** The record ids of one object found by the search. */
export function idsOf(records: readonly FoundRecord[], sobject: keyof typeof DETAIL_FIELDS): string[] {
  return records.filter((r) => r.sobject === sobject).map((r) => r.id);
}

export function recordDetailsSoql(sobject: keyof typeof DETAIL_FIELDS, ids: readonly string[]): string {
  return `SELECT Id, ${DETAIL_FIELDS[sobject].join(', ')} FROM ${sobject} WHERE Id IN ${inList(ids)}`;
}

/** The Ids a Task of a found record may name: the record, and a person account's person contact. */
export function taskOwnerIds(records: readonly FoundRecord[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of records) {
    out.set(r.id, r.id);
    if (r.personContactId) out.set(r.personContactId, r.id);
  }
  return out;
}

/** The open Cases' or Opportunities' number, title and status (AircallCardDetails.relatedDetails). */
export function relatedDetailsSoql(kind: 'Case' | 'Opportunity', ids: readonly string[]): string {
  return kind === 'Case'
    ? `SELECT Id, CaseNumber, Subject, Status FROM Case WHERE Id IN ${inList(ids)}`
    : `SELECT Id, Name, StageName FROM Opportunity WHERE Id IN ${inList(ids)}`;
}

/** The related records with their number, title and status, from the rows of relatedDetailsSoql. */
export function withRelatedDetails(
  related: SnapshotResponse['related'],
  rows: readonly Row[]
): SnapshotResponse['related'] {
  const byId = new Map(rows.map((r) => [String(r.Id), r]));
  return {
    kind: related.kind,
    records: related.records.map((record) => {
      const row = byId.get(record.id);
      if (!row) return record;
      return related.kind === 'Case'
        ? { ...record, number: str(row.CaseNumber), title: str(row.Subject), status: str(row.Status) }
        : { ...record, number: null, title: str(row.Name), status: str(row.StageName) };
    })
  };
}

export function lastCallsSoql(ids: readonly string[]): string {
  return (
    'SELECT WhoId, WhatId, CreatedDate, Owner.Name, Subject, Aircall_Type__c, Description FROM Task ' +
    `WHERE Aircall_Id__c != NULL AND (WhoId IN ${inList(ids)} OR WhatId IN ${inList(ids)}) ` +
    `ORDER BY CreatedDate DESC LIMIT ${LAST_CALLS_LIMIT}`
  );
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const nestedName = (row: Row, rel: string): string | null => str((row[rel] as Row | null | undefined)?.Name);

/** The records with their owner's and Account's names, from the rows of recordDetailsSoql. */
export function withDetails(records: readonly FoundRecord[], rows: readonly Row[]): FoundRecord[] {
  const byId = new Map(rows.map((r) => [String(r.Id), r]));
  return records.map((record) => {
    const row = byId.get(record.id);
    if (!row) return record;
    return {
      ...record,
      ownerName: nestedName(row, 'Owner'),
      accountName:
        record.sobject === 'Lead' ? str(row.Company) : record.sobject === 'Contact' ? nestedName(row, 'Account') : null
    };
  });
}

/** The newest Task per record, from the rows of lastCallsSoql (newest first). */
export function lastCallsFrom(rows: readonly Row[], owners: ReadonlyMap<string, string>): LastCall[] {
  const out = new Map<string, LastCall>();
  for (const row of rows) {
    const recordId = owners.get(String(row.WhoId)) ?? owners.get(String(row.WhatId));
    if (!recordId || out.has(recordId)) continue;
    out.set(recordId, {
      recordId,
      createdDate: String(row.CreatedDate),
      ownerName: nestedName(row, 'Owner'),
      subject: str(row.Subject),
      type: str(row.Aircall_Type__c),
      description: str(row.Description)
    });
  }
  return [...out.values()];
}
