/**
 * The one description of the snapshot resource (force-app AircallSnapshotResource.cls): the
 * service's single read per batch. The gateway sends SnapshotRequest and parses the answer
 * with snapshotResponseSchema (the boundary); the local org answers it with
 * snapshot-local.ts; src/org-api/snapshot.test.ts checks the Apex class reads and writes the
 * same keys.
 */
import { z } from 'zod';

export const SNAPSHOT_CLASS = 'AircallSnapshotResource';
/** The class's urlMapping, below /services/apexrest. */
export const SNAPSHOT_MAPPING = '/aircall/v1/snapshot';

/** Entries per list in one request (the Apex refuses more: governor limits). */
export const SNAPSHOT_MAX_ENTRIES = 200;
/** At most this many numbers per SOSL search (the query's length usually caps it first: phone-search.ts). */
export const SNAPSHOT_MAX_NUMBERS_PER_SEARCH = 100;
/** SOSL searches one Apex transaction may run ("Execution Governors and Limits": 20). */
export const APEX_SOSL_PER_TRANSACTION = 20;
export const SNAPSHOT_MAX_TERMS_PER_NUMBER = 8;
/** Over 4,000 characters a SearchQuery loses its logical operators (SOSL syntax reference). */
export const SOSL_MAX_QUERY_LENGTH = 4000;

export interface SnapshotRequest {
  /** The numbers to match, each with the forms a phone field may hold it in. */
  readonly numbers: readonly { readonly terms: readonly string[] }[];
  /** Agents' emails, for the owner (R12). */
  readonly emails: readonly string[];
  /** Aircall_Id__c of the batch's calls and messages: their Tasks, if already logged. */
  readonly externalIds: readonly string[];
  /** Aircall_Key__c of the records the service may have created (`number:+E164`). */
  readonly keys: readonly string[];
  /**
   * One number per search, so that each record found is known to hold that number even when
   * the user cannot read the field that holds it (phone-search.ts). Absent: false.
   */
  readonly isolate?: boolean;
  /**
   * For an insight card (src/cards/): each record found also with its owner's and its
   * Account's (a Lead's company) names, and the last call logged on each. Absent: false.
   */
  readonly details?: boolean;
  /**
   * For a settings preview (src/preview/): the open records of this kind, whatever
   * Related_Record__c says. Absent: as Related_Record__c says.
   */
  readonly related?: 'Case' | 'Opportunity';
}

const id = z.string().regex(/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/, 'not a Salesforce Id');
const text = z.string().nullable();

export const snapshotResponseSchema = z.object({
  userId: id,
  orgId: id,
  settings: z.record(z.string(), z.unknown()).nullable(),
  records: z.array(
    z.object({
      sobject: z.enum(['Contact', 'Lead', 'Account']),
      id,
      name: text,
      accountId: id.nullable(),
      isPersonAccount: z.boolean(),
      personContactId: id.nullable(),
      lastModifiedDate: z.string(),
      phones: z.array(z.string()),
      /** Indexes (in the request's numbers) of the numbers of the searches that found it. */
      numbers: z.array(z.number().int().nonnegative()).default([]),
      /** With `details`: the owner's name, and the Account's name (a Lead's Company). */
      ownerName: text.optional(),
      accountName: text.optional()
    })
  ),
  related: z.object({
    kind: z.enum(['Case', 'Opportunity']).nullable(),
    records: z.array(
      z.object({
        contactId: id,
        id,
        lastModifiedDate: z.string(),
        /** CaseNumber; an Opportunity has none. Absent from an org whose package predates cards. */
        number: text.optional(),
        /** The Case's Subject or the Opportunity's Name. */
        title: text.optional(),
        /** The Case's Status or the Opportunity's StageName. */
        status: text.optional()
      })
    )
  }),
  /** With `details`: the last call or message logged on each record found (its newest Task). */
  lastCalls: z
    .array(
      z.object({
        recordId: id,
        createdDate: z.string(),
        ownerName: text,
        subject: text,
        type: text,
        description: text
      })
    )
    .default([]),
  // aircallEmail: absent from an org whose package predates the mapping (R12).
  users: z.array(
    z.object({ id, email: z.string(), aircallEmail: z.string().nullish(), isActive: z.boolean(), name: text })
  ),
  tasks: z.array(z.object({ id, externalId: z.string(), whoId: id.nullable(), whatId: id.nullable() })),
  keyed: z.array(z.object({ key: z.string(), sobject: z.enum(['Contact', 'Lead', 'Account', 'Case']), id })),
  /**
   * Indexes (in the request's numbers) of the numbers whose search could not be settled
   * within the resource's limits (phone-search.ts): the service reads them again. Absent
   * from an org whose package predates it.
   */
  unresolved: z.array(z.number().int().nonnegative()).default([]),
  /** `Object.Field` of the phone fields the integration user cannot read: numbers held there are never found. */
  unreadablePhoneFields: z.array(z.string()).default([])
});
export type SnapshotResponse = z.infer<typeof snapshotResponseSchema>;

/** The request keys the Apex reads, and the response keys it writes (checked against the class). */
export const SNAPSHOT_REQUEST_KEYS = [
  'numbers',
  'emails',
  'externalIds',
  'keys',
  'isolate',
  'details',
  'related'
] as const satisfies readonly (keyof SnapshotRequest)[];
export const SNAPSHOT_RESPONSE_KEYS = Object.keys(snapshotResponseSchema.shape) as (keyof SnapshotResponse)[];

/** Phone characters only: what the resource keeps of a search term. */
export const cleanTerm = (term: string): string => term.replace(/[^0-9+() .-]/g, '').trim();
/** Whether a cleaned term can be searched: SOSL refuses a one-character term (SearchException). */
export const searchableTerm = (term: string): boolean => term.replace(/\D/g, '').length >= 2;

/** The snapshot resource's answer when a read fails inside it (AircallSnapshotResource's catch-all). */
export const SNAPSHOT_FAILED = 'SNAPSHOT_FAILED';
