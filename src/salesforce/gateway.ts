/**
 * Everything the service asks of the org, in as few API requests as possible (design
 * principle 4): one read per batch (the snapshot resource of the org package) and one write
 * per batch (a composite request: Task inserts and updates in sObject Collections, records
 * the rules create upserted on their unique key, with the Tasks that reference them).
 *
 * It keeps to what Salesforce documents (docs/local-org.md lists the rules, the local org
 * enforces them): no search inside /composite; no upsert on Task.Aircall_Id__c, an External
 * ID that is not Unique, which would need View All Data; at most 25 subrequests per composite,
 * 5 of them collections, 200 records per collection; no external id field in an upsert body.
 */
import type { Connection } from 'jsforce';
import type { ReadPath } from '../config';
import { phoneSearchForms, samePhoneNumber } from '../aircall/phone';
import type { SnapshotRequest, SnapshotResponse } from '../org-api/snapshot';
import { OrgNames } from '../org-api/names';
import { RestSnapshotReader } from '../org-api/rest-snapshot';
import {
  SNAPSHOT_FAILED,
  SNAPSHOT_CLASS,
  SNAPSHOT_MAPPING,
  SNAPSHOT_MAX_ENTRIES,
  SNAPSHOT_MAX_TERMS_PER_NUMBER,
  snapshotResponseSchema
} from '../org-api/snapshot';
import { SETTINGS_FIELDS, SETTINGS_OBJECT } from '../settings/schema';
import type { SettingsRow } from '../settings/parse';
import type { CandidateRecord, LogPlan, MatchKind, OpenRelatedRecord, OrgUser, RecordRef } from '../rules/types';
import type { FollowUpPlan } from '../rules/call-record';
import { OrgError, toOrgError } from './errors';
import { CALL_RECORD_KEY, CALL_RECORD_OBJECT, TASK_CALL_RECORD_RELATIONSHIP } from '../call-record/schema';
import type { TranscriptFile } from '../rules/call-record';
import { TranscriptFiles } from './transcript-files';

export const RECORD_KEY_FIELD = 'Aircall_Key__c';
export const TASK_KEY_FIELD = 'Aircall_Id__c';
/** Composite limits ("Composite", resources_composite_composite_post). */
const MAX_SUBREQUESTS = 25;
const MAX_COLLECTION_SUBREQUESTS = 5;
/** sObject Collections: at most 200 records per request (resources_composite_sobjects_collections). */
const MAX_COLLECTION_RECORDS = 200;
const EPOCH = '1970-01-01T00:00:00.000Z';
/** Retries are the worker's (with backoff and dead letters), never jsforce's. */
const NO_RETRY = { retry: { maxRetries: 0 } };

/** The idempotency key of a record created for a phone number. */
export const numberKey = (e164: string): string => `number:${e164}`;
/** The idempotency key of a Case created for a call (R9). */
export const caseKey = (externalId: string): string => `case:${externalId}`;

interface CompositeResponse {
  compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string }[];
}
interface QueryResponse {
  records: Record<string, unknown>[];
}
interface CollectionResult {
  id?: string | null;
  success: boolean;
  errors?: { statusCode?: string; message?: string; fields?: string[] }[];
}

export interface Identity {
  readonly userId: string;
  readonly orgId: string;
}

export interface ReadNumber {
  readonly e164: string;
  /** Countries to read national formats in (the line's). */
  readonly hints: readonly (string | null)[];
}

export interface ReadRequest {
  readonly numbers: readonly ReadNumber[];
  readonly emails: readonly string[];
  /** Aircall_Id__c of the batch's items. */
  readonly externalIds: readonly string[];
  /** For an insight card: the records' owners and Accounts, and their last calls (card-details.ts). */
  readonly details?: boolean;
  /** For a settings preview: the open records of this kind, whatever Related_Record__c says. */
  readonly related?: 'Case' | 'Opportunity';
}

/** What an insight card shows beyond the match (read with `details`; related titles always come). */
export interface CardDetails {
  readonly records: ReadonlyMap<string, { readonly ownerName: string | null; readonly accountName: string | null }>;
  /** Open Cases and Opportunities by Id: CaseNumber, Subject or Name, Status or StageName. */
  readonly related: ReadonlyMap<
    string,
    { readonly number: string | null; readonly title: string | null; readonly status: string | null }
  >;
  /** The newest Aircall Task per record Id. */
  readonly lastCalls: ReadonlyMap<string, SnapshotResponse['lastCalls'][number]>;
}

export interface ExistingTask {
  readonly id: string;
  readonly whoId: string | null;
  readonly whatId: string | null;
}

/** One snapshot, in the engine's shapes. */
export interface OrgRead {
  /** The org-default settings row, or null when there is none. */
  readonly settingsRow: SettingsRow | null;
  /** Per number: the records holding it (confirmed), plus a record this service created for it. */
  readonly candidates: ReadonlyMap<string, CandidateRecord[]>;
  readonly relatedKind: 'Case' | 'Opportunity' | null;
  /** Open Cases or Opportunities per Contact Id. */
  readonly openRelated: ReadonlyMap<string, OpenRelatedRecord[]>;
  readonly users: readonly OrgUser[];
  /** Tasks already logged, by Aircall_Id__c. */
  readonly tasks: ReadonlyMap<string, ExistingTask>;
  readonly integrationUserId: string;
  readonly details: CardDetails;
}

export interface WriteItem {
  readonly key: string;
  readonly plan: LogPlan;
  /** The number a created record is for: its idempotency key. */
  readonly e164: string;
  /** The Task already logged for this call (from the snapshot or the inbox): updated, never inserted. */
  readonly taskId: string | null;
  /** L2: the follow-up Tasks to insert (those the snapshot did not find already). */
  readonly followUps?: readonly FollowUpPlan[];
}

export type WriteResult =
  | {
      readonly ok: true;
      /** Null when only the call record is written (L1 RecordOnly). */
      readonly taskId: string | null;
      /** The Aircall Call record (L1), when one is written. */
      readonly callRecordId: string | null;
      readonly created: { sobject: string; id: string } | null;
      /** The related Case or Opportunity the Task was put on (created or existing). */
      readonly relatedId: string | null;
    }
  | { readonly ok: false; readonly error: OrgError; readonly taskStep: boolean };

const errorOf = (body: unknown, status: number): OrgError => {
  const first = (Array.isArray(body) ? body[0] : body) as
    { errorCode?: string; statusCode?: string; message?: string; fields?: string[] } | undefined;
  return new OrgError(
    first?.errorCode ?? first?.statusCode ?? `HTTP_${status}`,
    first?.message ?? `HTTP ${status}`,
    first?.fields ?? [],
    status
  );
};

function toCandidate(r: SnapshotResponse['records'][number]): CandidateRecord {
  const base = { id: r.id, name: r.name, lastModifiedDate: r.lastModifiedDate, phones: r.phones };
  if (r.sobject === 'Contact')
    return { ...base, kind: 'Contact', accountId: r.accountId, isPersonContact: r.isPersonAccount };
  if (r.sobject === 'Lead') return { ...base, kind: 'Lead' };
  return r.isPersonAccount
    ? { ...base, kind: 'PersonAccount', accountId: r.id, personContactId: r.personContactId }
    : { ...base, kind: 'Account', accountId: r.id };
}

interface Subrequest {
  method: string;
  url: string;
  referenceId: string;
  body?: unknown;
}

/** In `auto`, how long the REST path is used after the Apex resource failed, before trying it again. */
export const APEX_RETRY_MS = 10 * 60_000;
/** Rounds of re-reading numbers a read left unresolved (each a request). */
const UNRESOLVED_ROUNDS = 3;

/** Answers of the Apex resource that mean it is missing or cannot answer: read through REST. */
function apexUnavailable(error: OrgError): boolean {
  return (
    ['NOT_FOUND', 'NOT_IMPLEMENTED', 'APEX_ERROR', SNAPSHOT_FAILED, 'SNAPSHOT_UNREADABLE'].includes(error.code) ||
    error.status === 404 ||
    error.status >= 500
  );
}

export class OrgGateway {
  identity: Identity = { userId: '', orgId: '' };
  /** Requests this gateway sent, by purpose (each is one API request). */
  readonly requests = new Map<string, number>();
  private readonly rest: RestSnapshotReader;
  private readonly files: TranscriptFiles;
  /** In `auto`: until when the REST path is used, and why. */
  private apexDownUntil = 0;
  private apexDownReason: string | null = null;
  /** The phone fields the integration user cannot read, as the last Apex read named them. */
  unreadablePhoneFields: readonly string[] = [];

  constructor(
    readonly conn: Connection,
    private readonly version: string,
    readonly readPath: ReadPath = 'auto',
    private readonly now: () => number = Date.now,
    /** The package's names as this org spells them (SF_NAMESPACE: a managed package's namespace). */
    readonly names: OrgNames = new OrgNames(null)
  ) {
    this.rest = new RestSnapshotReader((purpose, req) => this.json(purpose, req, NO_RETRY), version, now);
    // Not retried by jsforce either: a file insert retried blind could attach it twice, while a
    // failed one fails its call, whose next attempt looks for the file first.
    this.files = new TranscriptFiles(
      (req) => this.json('file', req, NO_RETRY),
      () => this.base
    );
  }

  /** One REST request of a room of its own, its body (if any) sent as JSON, counted under `purpose`. */
  private json<T>(
    purpose: string,
    req: { method: string; url: string; body?: unknown },
    options?: typeof NO_RETRY
  ): Promise<T> {
    return this.call(purpose, () =>
      this.request<T>(
        {
          method: req.method,
          url: req.url,
          ...(req.body !== undefined
            ? { body: JSON.stringify(req.body), headers: { 'Content-Type': 'application/json' } }
            : {})
        },
        options
      )
    );
  }

  /** The path batches read through now, and a warning when it is not the one configured. */
  readStatus(): { path: 'apex' | 'rest'; warning: string | null } {
    if (this.readPath === 'rest') return { path: 'rest', warning: null };
    if (this.readPath === 'auto' && this.now() < this.apexDownUntil)
      return {
        path: 'rest',
        warning: `Reading the org through the REST API (two requests a batch instead of one): the package's ${SNAPSHOT_CLASS} answered ${this.apexDownReason ?? 'an error'}. Deploy or fix the org package, or set SF_READ_PATH=rest.`
      };
    return { path: 'apex', warning: null };
  }

  private count(purpose: string): void {
    this.requests.set(purpose, (this.requests.get(purpose) ?? 0) + 1);
  }

  get apiUsage(): { used: number; limit: number } | undefined {
    return this.conn.limitInfo?.apiUsage;
  }

  /** The last org request's outcome: /readyz follows it, not a cache that lags an outage. */
  lastResult: { readonly ok: boolean; readonly at: number; readonly error: OrgError | null } | null = null;

  private async call<T>(purpose: string, fn: () => Promise<T>): Promise<T> {
    this.count(purpose);
    try {
      const result = await fn();
      this.lastResult = { ok: true, at: this.now(), error: null };
      return result;
    } catch (error) {
      const orgError = toOrgError(error);
      // An answer that refuses one record or query still means the org answers.
      const unreachable = orgError.code === 'NETWORK' || /^E[A-Z]+$/.test(orgError.code) || orgError.status >= 500;
      this.lastResult = unreachable
        ? { ok: false, at: this.now(), error: orgError }
        : { ok: true, at: this.now(), error: null };
      throw orgError;
    }
  }

  /**
   * One REST request with the package's names spelled as the org does (names.ts): the URL
   * (queries, external-id paths, the Apex resource's path) and the body's keys out, the
   * answer's keys back to the local names the rest of the service uses.
   */
  private async request<T>(
    req: { method: string; url: string; body?: string; headers?: Record<string, string> },
    options?: typeof NO_RETRY
  ): Promise<T> {
    const names = this.names;
    if (!names.namespace) return this.conn.request<T>(req as Parameters<Connection['request']>[0], options);
    const mapped = {
      ...req,
      url: names.text(req.url),
      ...(req.body !== undefined ? { body: JSON.stringify(names.toOrg(JSON.parse(req.body))) } : {})
    };
    return names.fromOrg(
      await this.conn.request<unknown>(mapped as Parameters<Connection['request']>[0], options)
    ) as T;
  }

  /**
   * One GET of the REST API for a room of its own (the phone-data health report), counted under
   * `purpose`: `path` is relative to the versioned base (`query?q=…`) or absolute (`/services/…`).
   */
  async get<T>(purpose: string, path: string, headers?: Record<string, string>): Promise<T> {
    const url = path.startsWith('/') ? path : `${this.base}/${path}`;
    return this.call(purpose, () => this.request<T>({ method: 'GET', url, ...(headers ? { headers } : {}) }));
  }

  /** Whether the integration user's identity is known (init answered, or a snapshot did). */
  get identified(): boolean {
    return this.identity.orgId !== '';
  }

  /** Reads the identity when start-up could not (the org was down): settings are read by the org's Id. */
  private async ensureIdentity(): Promise<void> {
    if (!this.identified) await this.init(1);
  }

  private get base(): string {
    return `/services/data/v${this.version}`;
  }

  /** Who the service runs as (the owner of last resort, R12): one request at start-up. */
  async init(attempts = 5): Promise<Identity> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const info = await this.call('identity', () =>
          this.request<{ user_id: string; organization_id: string }>(
            { method: 'GET', url: `${this.conn.instanceUrl}/services/oauth2/userinfo` },
            NO_RETRY
          )
        );
        this.identity = { userId: info.user_id, orgId: info.organization_id };
        return this.identity;
      } catch (error) {
        const orgError = toOrgError(error);
        if (!orgError.transient || attempt >= attempts) throw orgError;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  /** The org-default row of Aircall_Settings__c, or null (readiness and the CLI's checks; batches read it in their snapshot). */
  async readSettings(): Promise<SettingsRow | null> {
    await this.ensureIdentity();
    const fields = SETTINGS_FIELDS.map((f) => f.apiName).join(', ');
    const soql = `SELECT ${fields} FROM ${SETTINGS_OBJECT} WHERE SetupOwnerId = '${this.identity.orgId}' LIMIT 1`;
    const result = await this.call('settings', () =>
      this.request<QueryResponse>({ method: 'GET', url: `${this.base}/query?q=${encodeURIComponent(soql)}` }, NO_RETRY)
    );
    return result.records[0] ?? null;
  }

  /**
   * Everything the rules need for a batch, in one request: the snapshot resource of the org
   * package (src/org-api/snapshot.ts) returns the settings row, the records holding each
   * number (every phone field, standard and custom), the open Cases or Opportunities of the
   * matched Contacts, the agents' users, the Tasks already logged for these calls and the
   * records this service created. Larger batches than the resource's 200 entries are read in
   * several requests.
   */
  async read(request: ReadRequest): Promise<OrgRead> {
    await this.ensureIdentity();
    const numbers = [...new Map(request.numbers.map((n) => [n.e164, n])).values()];
    const emails = [...new Set(request.emails.map((e) => e.toLowerCase()))];
    const externalIds = [...new Set(request.externalIds)];
    const keys = numbers.map((n) => numberKey(n.e164));
    const parts = Math.max(
      1,
      ...[numbers.length, emails.length, externalIds.length].map((n) => Math.ceil(n / SNAPSHOT_MAX_ENTRIES))
    );
    const slice = <T>(list: readonly T[], i: number) =>
      list.slice(i * SNAPSHOT_MAX_ENTRIES, (i + 1) * SNAPSHOT_MAX_ENTRIES);
    const responses: SnapshotResponse[] = [];
    // Which numbers' searches found each record (by E.164), across every request of this read.
    const foundFor = new Map<string, Set<string>>();
    // The E.164 form too: its '+' is escaped by the org side (phone-search.ts), never stripped here.
    const termsOf = (list: readonly ReadNumber[]) =>
      list.map((n) => ({ terms: [n.e164, ...phoneSearchForms(n.e164)].slice(0, SNAPSHOT_MAX_TERMS_PER_NUMBER) }));
    for (let i = 0; i < parts; i += 1) {
      const part = slice(numbers, i);
      const body = {
        numbers: termsOf(part),
        emails: slice(emails, i),
        externalIds: slice(externalIds, i),
        keys: slice(keys, i),
        ...(request.details ? { details: true } : {}),
        ...(request.related ? { related: request.related } : {})
      };
      await this.readNumbers(body, part, responses, foundFor);
    }
    // A phone field the integration user cannot read can still make the search find a record
    // that none of its readable phones confirms; left out, Unknown_Number__c would create a
    // duplicate. Such a record found by a search of one number alone holds that number.
    if (responses.some((r) => r.unreadablePhoneFields.length > 0)) {
      const confirmed = (r: SnapshotResponse['records'][number]) =>
        numbers.some((n) => r.phones.some((p) => samePhoneNumber(p, n.e164, n.hints)));
      const unconfirmed = responses.flatMap((r) => r.records).filter((r) => !confirmed(r));
      const unmatched = numbers.filter(
        (n) =>
          !responses.some((r) => r.records.some((c) => c.phones.some((p) => samePhoneNumber(p, n.e164, n.hints)))) &&
          unconfirmed.some((r) => foundFor.get(r.id)?.has(n.e164))
      );
      const ambiguous = unmatched.filter((n) =>
        unconfirmed.some((r) => foundFor.get(r.id)?.has(n.e164) && foundFor.get(r.id)!.size > 1)
      );
      if (ambiguous.length > 0)
        await this.readNumbers(
          {
            numbers: termsOf(ambiguous),
            emails: [],
            externalIds: [],
            keys: [],
            isolate: true,
            ...(request.details ? { details: true } : {}),
            ...(request.related ? { related: request.related } : {})
          },
          ambiguous,
          responses,
          foundFor
        );
    }
    return this.assemble(numbers, responses, foundFor);
  }

  /**
   * One request for these numbers, and as many more as the numbers it left unresolved need
   * (a switchboard number crowding a search): no number is matched on a partial answer.
   */
  private async readNumbers(
    first: SnapshotRequest,
    list: readonly ReadNumber[],
    responses: SnapshotResponse[],
    foundFor: Map<string, Set<string>>
  ): Promise<void> {
    let body = first;
    let asked = list;
    for (let round = 0; ; round += 1) {
      const response = await this.readPart(body);
      responses.push(response);
      for (const r of response.records) {
        // A record holds one of the numbers of each search that found it: the intersection narrows
        // it down (to one, for an isolated search).
        const of = new Set(r.numbers.map((n) => asked[n]?.e164).filter((e): e is string => !!e));
        const known = foundFor.get(r.id);
        const both = known ? [...known].filter((e) => of.has(e)) : [];
        if (!known) foundFor.set(r.id, of);
        else if (both.length > 0) foundFor.set(r.id, new Set(both));
      }
      if (response.unresolved.length === 0) return;
      if (round >= UNRESOLVED_ROUNDS)
        throw new OrgError(
          'SNAPSHOT_UNRESOLVED',
          `${response.unresolved.length} number(s) could not be searched within the org's limits after ${UNRESOLVED_ROUNDS} more reads; the batch is retried.`,
          [],
          0
        );
      asked = response.unresolved.map((n) => asked[n]!).filter(Boolean);
      body = {
        numbers: response.unresolved.map((n) => body.numbers[n]!).filter(Boolean),
        emails: [],
        externalIds: [],
        keys: [],
        ...(body.isolate ? { isolate: true } : {}),
        ...(body.details ? { details: true } : {}),
        ...(body.related ? { related: body.related } : {})
      };
    }
  }

  /** One snapshot request by the configured path, falling back to REST in `auto`. */
  private async readPart(body: SnapshotRequest): Promise<SnapshotResponse> {
    if (this.readStatus().path === 'rest') return this.rest.read(body, this.identity);
    try {
      const response = await this.readApex(body);
      this.apexDownUntil = 0;
      this.unreadablePhoneFields = response.unreadablePhoneFields;
      return response;
    } catch (error) {
      const orgError = toOrgError(error);
      if (this.readPath !== 'auto' || !apexUnavailable(orgError)) throw orgError;
      this.apexDownUntil = this.now() + APEX_RETRY_MS;
      this.apexDownReason = `${orgError.code} (${orgError.message.slice(0, 120)})`;
      return this.rest.read(body, this.identity);
    }
  }

  private async readApex(body: SnapshotRequest): Promise<SnapshotResponse> {
    const raw = await this.call('snapshot', () =>
      this.request<unknown>(
        {
          method: 'POST',
          url: `${this.conn.instanceUrl}/services/apexrest${this.names.apexRestPath(SNAPSHOT_MAPPING)}`,
          body: JSON.stringify(body),
          headers: { 'Content-Type': 'application/json' }
        },
        NO_RETRY
      )
    );
    const parsed = snapshotResponseSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new OrgError(
        'SNAPSHOT_UNREADABLE',
        `The org's ${SNAPSHOT_CLASS} answered in a shape this version cannot read (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}). Deploy the org package (force-app) of this version.`,
        [],
        0
      );
    }
    return parsed.data;
  }

  private assemble(
    numbers: readonly ReadNumber[],
    responses: readonly SnapshotResponse[],
    foundFor: ReadonlyMap<string, ReadonlySet<string>> = new Map()
  ): OrgRead {
    const first = responses[0]!;
    this.identity = { userId: first.userId, orgId: first.orgId };
    const found: CandidateRecord[] = [];
    const seen = new Set<string>();
    const openRelated = new Map<string, OpenRelatedRecord[]>();
    const users: OrgUser[] = [];
    const tasks = new Map<string, ExistingTask>();
    const keyed = new Map<string, { sobject: string; id: string }>();
    const details = {
      records: new Map<string, { ownerName: string | null; accountName: string | null }>(),
      related: new Map<string, { number: string | null; title: string | null; status: string | null }>(),
      lastCalls: new Map<string, SnapshotResponse['lastCalls'][number]>()
    };
    for (const response of responses) {
      for (const r of response.records) {
        if (r.ownerName !== undefined || r.accountName !== undefined)
          details.records.set(r.id, { ownerName: r.ownerName ?? null, accountName: r.accountName ?? null });
        if (seen.has(r.id)) continue;
        seen.add(r.id);
        found.push(toCandidate(r));
      }
      for (const c of response.lastCalls) if (!details.lastCalls.has(c.recordId)) details.lastCalls.set(c.recordId, c);
      for (const r of response.related.records) {
        details.related.set(r.id, { number: r.number ?? null, title: r.title ?? null, status: r.status ?? null });
        const list = openRelated.get(r.contactId) ?? [];
        if (!list.some((x) => x.id === r.id)) list.push({ id: r.id, lastModifiedDate: r.lastModifiedDate });
        openRelated.set(r.contactId, list);
      }
      for (const u of response.users)
        users.push({
          id: u.id,
          email: u.email.toLowerCase(),
          aircallEmail: u.aircallEmail?.toLowerCase() ?? null,
          isActive: u.isActive,
          name: u.name
        });
      // The oldest Task of a call is its Task (ordered by CreatedDate): later duplicates, if an
      // older version made any, are left alone.
      for (const t of response.tasks)
        if (!tasks.has(t.externalId)) tasks.set(t.externalId, { id: t.id, whoId: t.whoId, whatId: t.whatId });
      for (const k of response.keyed) if (k.sobject !== 'Case') keyed.set(k.key, { sobject: k.sobject, id: k.id });
    }
    // Give each number the records that hold it; the engine confirms again (R4).
    const candidates = new Map<string, CandidateRecord[]>();
    const holds = (c: CandidateRecord, n: ReadNumber) => c.phones.some((p) => samePhoneNumber(p, n.e164, n.hints));
    for (const n of numbers) {
      const list = found.filter((c) => holds(c, n));
      // No readable phone holds it, but a search of this number alone found a record none of
      // the batch's numbers confirms: it holds the number in a field the user cannot read.
      if (list.length === 0 && responses.some((r) => r.unreadablePhoneFields.length > 0))
        for (const c of found)
          if (foundFor.get(c.id)?.size === 1 && foundFor.get(c.id)!.has(n.e164) && !numbers.some((m) => holds(c, m)))
            list.push({ ...c, phones: [n.e164] });
      const created = keyed.get(numberKey(n.e164));
      if (created && !list.some((c) => c.id === created.id)) {
        list.push({ kind: created.sobject as MatchKind, id: created.id, phones: [n.e164], lastModifiedDate: EPOCH });
      }
      candidates.set(n.e164, list);
    }
    return {
      settingsRow: first.settings,
      candidates,
      relatedKind: first.related.kind,
      openRelated,
      users,
      tasks,
      integrationUserId: first.userId,
      details
    };
  }

  /** The Task's fields for an insert (with its Aircall_Id__c) or an update (without create-only fields). */
  private taskBody(item: WriteItem, resolve: (ref: RecordRef) => string): Record<string, unknown> {
    const { plan } = item;
    const task: Record<string, unknown> = { ...plan.task.fields };
    if (item.taskId) {
      delete task[TASK_KEY_FIELD];
      for (const f of plan.task.createOnly) delete task[f];
    } else task[TASK_KEY_FIELD] = plan.externalId;
    task.WhoId = plan.task.who ? resolve(plan.task.who) : null;
    task.WhatId = plan.task.what ? resolve(plan.task.what) : null;
    // The call record is upserted earlier in the same composite: the Task names it by its
    // unique external id, so a record that failed fails this Task alone (dome_upsert,
    // "relationship ... external ID"; the local org's conformance test).
    if (plan.record) task[TASK_CALL_RECORD_RELATIONSHIP] = { [CALL_RECORD_KEY]: plan.externalId };
    return task;
  }

  /** A follow-up Task (L2): on the call's record, inserted once (its key is new to the snapshot). */
  private followUpBody(item: WriteItem, followUp: FollowUpPlan, resolve: (ref: RecordRef) => string) {
    const { plan } = item;
    return {
      ...followUp.fields,
      WhoId: plan.task.who ? resolve(plan.task.who) : null,
      WhatId: plan.task.what ? resolve(plan.task.what) : null
    };
  }

  /**
   * The call record of an item, for a collection upsert on its Aircall id. Its lookups to a
   * record created in the same request name that record by its unique key, never by a
   * composite reference: a reference to a failed subrequest would fail the whole collection.
   */
  private recordBody(item: WriteItem): Record<string, unknown> {
    const record = item.plan.record!;
    const body: Record<string, unknown> = { attributes: { type: CALL_RECORD_OBJECT }, ...record.fields };
    for (const [field, ref] of Object.entries(record.links)) {
      if ('id' in ref) body[field] = ref.id;
      else
        body[field.replace(/__c$/, '__r')] = {
          [RECORD_KEY_FIELD]: ref.ref === 'target' ? numberKey(item.e164) : caseKey(item.plan.externalId)
        };
    }
    return body;
  }

  /**
   * The subrequests of an item whose Task references a record created in the same request:
   * the record (upserted on its Unique key, so a retry finds it), its Case, then the Task.
   */
  private dependentSubrequests(item: WriteItem, index: number): Subrequest[] {
    const { plan } = item;
    const subs: Subrequest[] = [];
    const resolve = (ref: RecordRef): string =>
      'id' in ref ? ref.id : ref.ref === 'target' ? `@{t${index}.id}` : `@{c${index}.id}`;
    const fields = (values: Readonly<Record<string, unknown>>) => {
      const out = Object.fromEntries(
        Object.entries(values).map(([k, v]) => [
          k,
          v && typeof v === 'object' && ('id' in v || 'ref' in v) ? resolve(v as RecordRef) : v
        ])
      );
      delete out[RECORD_KEY_FIELD]; // in the URL: Salesforce refuses the external id field in the body
      return out;
    };
    const upsertUrl = (sobject: string, value: string) =>
      `${this.base}/sobjects/${sobject}/${RECORD_KEY_FIELD}/${encodeURIComponent(value)}`;
    if (plan.target.kind === 'create') {
      subs.push({
        method: 'PATCH',
        url: upsertUrl(plan.target.sobject, numberKey(item.e164)),
        referenceId: `t${index}`,
        body: fields(plan.target.fields)
      });
    }
    if (plan.related?.kind === 'create') {
      subs.push({
        method: 'PATCH',
        url: upsertUrl('Case', caseKey(plan.externalId)),
        referenceId: `c${index}`,
        body: fields(plan.related.fields)
      });
    }
    (item.followUps ?? []).forEach((followUp, n) =>
      subs.push({
        method: 'POST',
        url: `${this.base}/sobjects/Task`,
        referenceId: `f${index}_${n}`,
        body: this.followUpBody(item, followUp, resolve)
      })
    );
    if (plan.mode === 'RecordOnly') return subs;
    subs.push(
      item.taskId
        ? {
            method: 'PATCH',
            url: `${this.base}/sobjects/Task/${item.taskId}`,
            referenceId: `k${index}`,
            body: this.taskBody(item, resolve)
          }
        : {
            method: 'POST',
            url: `${this.base}/sobjects/Task`,
            referenceId: `k${index}`,
            body: this.taskBody(item, resolve)
          }
    );
    return subs;
  }

  /**
   * Writes a batch of plans in as few composite requests as the limits allow (usually one).
   * Tasks are inserted, or updated by the Id the snapshot found, in sObject Collections; a
   * retry after a crash anywhere finds the Task in its next snapshot (SOQL sees committed
   * rows at once) and updates it. Records the rules create are upserted on their Unique key,
   * and so are the call records (L1), in a collection of their own in the same request.
   */
  async write(items: readonly WriteItem[]): Promise<WriteResult[]> {
    const results: WriteResult[] = new Array<WriteResult>(items.length);
    const independent = (item: WriteItem) => item.plan.target.kind !== 'create' && item.plan.related?.kind !== 'create';
    let batch: WriteBatch = { dependent: [], inserts: [], updates: [], records: [], followUps: [] };
    const collections = (n: number) => Math.ceil(n / MAX_COLLECTION_RECORDS);
    const shape = (b: WriteBatch) => {
      const heavy =
        collections(b.inserts.length) +
        collections(b.updates.length) +
        collections(b.records.length) +
        collections(b.followUps.length);
      return { subrequests: b.dependent.reduce((n, d) => n + d.subs.length, 0) + heavy, heavy };
    };
    const fits = (b: WriteBatch) => {
      const { subrequests, heavy } = shape(b);
      return subrequests <= MAX_SUBREQUESTS && heavy <= MAX_COLLECTION_SUBREQUESTS;
    };
    const flush = async () => {
      if (shape(batch).subrequests === 0) return;
      const current = batch;
      batch = { dependent: [], inserts: [], updates: [], records: [], followUps: [] };
      await this.send(items, current, results);
    };
    for (let i = 0; i < items.length; i += 1) {
      const item = items[i]!;
      const withTask = item.plan.mode !== 'RecordOnly';
      const next: WriteBatch = {
        dependent: independent(item)
          ? batch.dependent
          : [...batch.dependent, { index: i, subs: this.dependentSubrequests(item, i) }],
        inserts: independent(item) && withTask && !item.taskId ? [...batch.inserts, i] : batch.inserts,
        updates: independent(item) && withTask && item.taskId ? [...batch.updates, i] : batch.updates,
        records: item.plan.record ? [...batch.records, i] : batch.records,
        followUps: independent(item)
          ? [...batch.followUps, ...(item.followUps ?? []).map((_, n) => [i, n] as const)]
          : batch.followUps
      };
      if (!fits(next)) {
        await flush();
        i -= 1; // the same item, into an empty batch
        continue;
      }
      batch = next;
    }
    await flush();
    await this.attachTranscripts(items, results);
    return results;
  }

  /**
   * L1: the whole transcript of each call whose one is longer than the record's field, as a
   * file on its call record (transcript-files.ts). A file not attached fails its call, which
   * is retried with the reason: the upsert finds the record, the file is looked for again.
   */
  private async attachTranscripts(items: readonly WriteItem[], results: WriteResult[]): Promise<void> {
    const files: { index: number; recordId: string; file: TranscriptFile }[] = [];
    items.forEach((item, index) => {
      const result = results[index];
      const file = item.plan.record?.transcriptFile;
      if (result?.ok && result.callRecordId && file) files.push({ index, recordId: result.callRecordId, file });
    });
    if (files.length === 0) return;
    const outcome = await this.files.attach(files);
    for (const { index, recordId } of files) {
      const error = outcome.get(recordId);
      if (error) results[index] = { ok: false, error, taskStep: true };
    }
  }

  private async send(items: readonly WriteItem[], batch: WriteBatch, results: WriteResult[]): Promise<void> {
    // Created records and Cases first, then the call records that may name them, then the
    // Tasks that name both (composite subrequests run in order).
    const isTask = (sub: Subrequest) => sub.referenceId.startsWith('k');
    const subrequests: Subrequest[] = batch.dependent.flatMap((d) => d.subs.filter((sub) => !isTask(sub)));
    const direct = (ref: RecordRef): string => {
      if ('id' in ref) return ref.id;
      throw new Error('an independent Task references no new record');
    };
    const chunks = <T>(list: readonly T[]): T[][] =>
      Array.from({ length: Math.ceil(list.length / MAX_COLLECTION_RECORDS) }, (_, n) =>
        list.slice(n * MAX_COLLECTION_RECORDS, (n + 1) * MAX_COLLECTION_RECORDS)
      );
    /** One sObject Collections subrequest per chunk (at most 200 records each). */
    const collections = <T>(
      method: 'POST' | 'PATCH',
      url: string,
      prefix: string,
      list: readonly T[][],
      record: (entry: T) => Record<string, unknown>
    ) =>
      list.forEach((chunk, n) =>
        subrequests.push({
          method,
          url,
          referenceId: `${prefix}${n}`,
          body: { allOrNone: false, records: chunk.map(record) }
        })
      );
    const recordChunks = chunks(batch.records);
    // sObject Collections upsert: "PATCH /composite/sobjects/SObjectName/ExternalIdFieldName",
    // up to 200 records of one type, each carrying its external id (resources_composite_sobjects_collections_upsert).
    collections(
      'PATCH',
      `${this.base}/composite/sobjects/${CALL_RECORD_OBJECT}/${CALL_RECORD_KEY}`,
      'record',
      recordChunks,
      (i) => this.recordBody(items[i]!)
    );
    subrequests.push(...batch.dependent.flatMap((d) => d.subs.filter(isTask)));
    const insertChunks = chunks(batch.inserts);
    const updateChunks = chunks(batch.updates);
    const task = (i: number, withId: boolean) => ({
      attributes: { type: 'Task' },
      ...(withId ? { Id: items[i]!.taskId } : {}),
      ...this.taskBody(items[i]!, direct)
    });
    // POST inserts, PATCH updates by Id.
    collections('POST', `${this.base}/composite/sobjects`, 'insert', insertChunks, (i) => task(i, false));
    collections('PATCH', `${this.base}/composite/sobjects`, 'update', updateChunks, (i) => task(i, true));
    // L2: the follow-up Tasks of the items that need no new record, inserted in collections of their own.
    const followChunks = chunks(batch.followUps);
    collections('POST', `${this.base}/composite/sobjects`, 'follow', followChunks, ([i, k]) => ({
      attributes: { type: 'Task' },
      ...this.followUpBody(items[i]!, items[i]!.followUps![k]!, direct)
    }));
    const all = [
      ...new Set([
        ...batch.dependent.map((d) => d.index),
        ...batch.inserts,
        ...batch.updates,
        ...batch.records,
        ...batch.followUps.map(([i]) => i)
      ])
    ];
    let response: CompositeResponse;
    try {
      response = await this.call('write', () =>
        this.request<CompositeResponse>({
          method: 'POST',
          url: `${this.base}/composite`,
          body: JSON.stringify({ allOrNone: false, compositeRequest: subrequests }),
          // The owner is chosen by the rules (R12): no assignment rule may override it.
          headers: { 'Content-Type': 'application/json', 'Sforce-Auto-Assign': 'FALSE' }
        })
      );
    } catch (error) {
      const orgError = toOrgError(error);
      for (const i of all) results[i] = { ok: false, error: orgError, taskStep: false };
      return;
    }
    const byRef = new Map(response.compositeResponse.map((r) => [r.referenceId, r]));
    const missing = new OrgError('PROCESSING_HALTED', 'The org returned no result for this write.');
    /** One record's outcome in a collection subrequest: its Id, or why it failed. */
    const inCollection = (ref: string, n: number): { id: string | null } | { error: OrgError } => {
      const sub = byRef.get(ref);
      if (!sub) return { error: missing };
      if (sub.httpStatusCode >= 300 || !Array.isArray(sub.body))
        return { error: errorOf(sub.body, sub.httpStatusCode) };
      const result = (sub.body as CollectionResult[])[n];
      if (!result?.success) return { error: errorOf(result?.errors ?? [], 400) };
      return { id: result.id ?? null };
    };
    const recordOutcome = new Map<number, { id: string | null } | { error: OrgError }>();
    recordChunks.forEach((chunk, n) => chunk.forEach((i, k) => recordOutcome.set(i, inCollection(`record${n}`, k))));
    const taskOutcome = new Map<number, { id: string | null } | { error: OrgError; taskStep: boolean }>();
    const collectionResults = (ref: string, chunk: number[]) =>
      chunk.forEach((i, n) => {
        const outcome = inCollection(ref, n);
        taskOutcome.set(i, 'error' in outcome ? { ...outcome, taskStep: true } : outcome);
      });
    insertChunks.forEach((chunk, n) => collectionResults(`insert${n}`, chunk));
    updateChunks.forEach((chunk, n) => collectionResults(`update${n}`, chunk));
    const followFailure = new Map<number, OrgError>();
    followChunks.forEach((chunk, n) =>
      chunk.forEach(([i], k) => {
        const outcome = inCollection(`follow${n}`, k);
        if ('error' in outcome && !followFailure.has(i)) followFailure.set(i, outcome.error);
      })
    );
    const created = new Map<number, { sobject: string; id: string } | null>();
    const relatedIds = new Map<number, string | null>();
    for (const d of batch.dependent) {
      const subs = d.subs.map((s) => byRef.get(s.referenceId));
      const failed = subs.find((r) => !r || r.httpStatusCode >= 300);
      if (failed !== undefined || subs.includes(undefined)) {
        // A dependent subrequest answers PROCESSING_HALTED; report the root cause instead.
        const root =
          subs.find(
            (r) => r && r.httpStatusCode >= 300 && errorOf(r.body, r.httpStatusCode).code !== 'PROCESSING_HALTED'
          ) ?? failed;
        taskOutcome.set(d.index, {
          error: root ? errorOf(root.body, root.httpStatusCode) : missing,
          taskStep: root?.referenceId.startsWith('k') ?? false
        });
        continue;
      }
      const item = items[d.index]!;
      const bodyId = (ref: string) => (byRef.get(ref)?.body as { id?: string } | null | undefined)?.id;
      const target = item.plan.target;
      const related = item.plan.related;
      created.set(d.index, target.kind === 'create' ? { sobject: target.sobject, id: bodyId(`t${d.index}`)! } : null);
      relatedIds.set(d.index, related?.kind === 'create' ? (bodyId(`c${d.index}`) ?? null) : null);
      // An update by Id answers 204 with no body.
      if (item.plan.mode !== 'RecordOnly') taskOutcome.set(d.index, { id: bodyId(`k${d.index}`) ?? null });
    }
    for (const i of all) {
      const item = items[i]!;
      const task = taskOutcome.get(i);
      const record = recordOutcome.get(i);
      // The call record's failure is the cause when the Task that names it failed too.
      if (record && 'error' in record) {
        results[i] = { ok: false, error: record.error, taskStep: false };
        continue;
      }
      if (task && 'error' in task) {
        results[i] = { ok: false, error: task.error, taskStep: task.taskStep };
        continue;
      }
      // A follow-up Task the org refused: the item is retried, and the snapshot then finds
      // the follow-ups already written, so only the missing ones are inserted.
      const followUpError = followFailure.get(i);
      if (followUpError) {
        results[i] = { ok: false, error: followUpError, taskStep: true };
        continue;
      }
      const related = item.plan.related;
      results[i] = {
        ok: true,
        taskId: item.plan.mode === 'RecordOnly' ? (item.taskId ?? null) : (task?.id ?? item.taskId),
        callRecordId: record?.id ?? null,
        created: created.get(i) ?? null,
        relatedId: !related ? null : related.kind === 'existing' ? related.id : (relatedIds.get(i) ?? null)
      };
    }
  }
}

interface WriteBatch {
  readonly dependent: readonly { index: number; subs: Subrequest[] }[];
  readonly inserts: readonly number[];
  readonly updates: readonly number[];
  readonly records: readonly number[];
  /** L2: [item, follow-up] of the items that need no new record. */
  readonly followUps: readonly (readonly [number, number])[];
}
