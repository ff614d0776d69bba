/**
 * Everything the service asks of the org, in as few API requests as possible
 * (design principle 4): lookups for a whole batch of calls in one composite request, open
 * Cases or Opportunities in one query, and every write of a batch in composite requests of up
 * to 25 idempotent upserts.
 */
import type { Connection } from 'jsforce';
import { phoneSearchForms, samePhoneNumber } from '../aircall/phone';
import { SETTINGS_FIELDS, SETTINGS_OBJECT } from '../settings/schema';
import type { SettingsRow } from '../settings/parse';
import type { CandidateRecord, LogPlan, OpenRelatedRecord, OrgUser, RecordRef } from '../rules/types';
import { OrgError, toOrgError } from './errors';

export const RECORD_KEY_FIELD = 'Aircall_Key__c';
const MAX_SUBREQUESTS = 25;
const NUMBERS_PER_SEARCH = 20;
const USER_CACHE_MS = 10 * 60_000;
/** Retries are the worker's (with backoff and dead letters), never jsforce's. */
const NO_RETRY = { retry: { maxRetries: 0 } };

interface CompositeResponse {
  compositeResponse: { body: unknown; httpStatusCode: number; referenceId: string }[];
}
interface SearchResponse {
  searchRecords: Record<string, unknown>[];
}
interface QueryResponse {
  records: Record<string, unknown>[];
}

export interface Identity {
  readonly userId: string;
  readonly orgId: string;
}

export interface LookupRequest {
  readonly numbers: readonly { e164: string; hints: readonly (string | null)[] }[];
  readonly emails: readonly string[];
}

export interface LookupResult {
  readonly candidates: Map<string, CandidateRecord[]>;
  readonly users: OrgUser[];
}

export interface WriteItem {
  readonly key: string;
  readonly plan: LogPlan;
  /** The number a created record is for: its idempotency key. */
  readonly e164: string;
  /** The Task already exists: leave out create-only fields. */
  readonly taskExists: boolean;
}

export type WriteResult =
  | {
      readonly ok: true;
      readonly taskId: string;
      readonly created: { sobject: string; id: string } | null;
      /** The related Case or Opportunity the Task was put on (created or existing). */
      readonly relatedId: string | null;
    }
  | { readonly ok: false; readonly error: OrgError; readonly taskStep: boolean };

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

const errorOf = (body: unknown, status: number): OrgError => {
  const first = (Array.isArray(body) ? body[0] : body) as
    { errorCode?: string; message?: string; fields?: string[] } | undefined;
  return new OrgError(
    first?.errorCode ?? `HTTP_${status}`,
    first?.message ?? `HTTP ${status}`,
    first?.fields ?? [],
    status
  );
};

export class OrgGateway {
  private personAccounts = false;
  private readonly userCache = new Map<string, { users: OrgUser[]; at: number }>();
  identity: Identity = { userId: '', orgId: '' };
  /** Requests this gateway sent, by purpose (each is one API request). */
  readonly requests = new Map<string, number>();

  constructor(
    readonly conn: Connection,
    private readonly version: string,
    private readonly now: () => number = Date.now
  ) {}

  private count(purpose: string): void {
    this.requests.set(purpose, (this.requests.get(purpose) ?? 0) + 1);
  }

  get apiUsage(): { used: number; limit: number } | undefined {
    return this.conn.limitInfo?.apiUsage;
  }

  private async call<T>(purpose: string, fn: () => Promise<T>): Promise<T> {
    this.count(purpose);
    try {
      return await fn();
    } catch (error) {
      throw toOrgError(error);
    }
  }

  private get base(): string {
    return `/services/data/v${this.version}`;
  }

  /** Who the service runs as (the owner of last resort, R12) and whether person accounts exist. */
  async init(attempts = 5): Promise<Identity> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.initOnce();
      } catch (error) {
        const orgError = toOrgError(error);
        if (!orgError.transient || attempt >= attempts) throw orgError;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      }
    }
  }

  private async initOnce(): Promise<Identity> {
    const info = await this.call('identity', () =>
      this.conn.request<{ user_id: string; organization_id: string }>(
        { method: 'GET', url: `${this.conn.instanceUrl}/services/oauth2/userinfo` },
        NO_RETRY
      )
    );
    this.identity = { userId: info.user_id, orgId: info.organization_id };
    const account = await this.call('describe', () =>
      this.conn.request<{ fields: { name: string }[] }>(
        { method: 'GET', url: `${this.base}/sobjects/Account/describe` },
        NO_RETRY
      )
    );
    this.personAccounts = account.fields.some((f) => f.name === 'IsPersonAccount');
    return this.identity;
  }

  /** The org-default row of Aircall_Settings__c, or null when there is none. */
  async readSettings(): Promise<SettingsRow | null> {
    const fields = SETTINGS_FIELDS.map((f) => f.apiName).join(', ');
    const soql = `SELECT ${fields} FROM ${SETTINGS_OBJECT} WHERE SetupOwnerId = '${this.identity.orgId}' LIMIT 1`;
    const result = await this.call('settings', () =>
      this.conn.request<QueryResponse>(
        { method: 'GET', url: `${this.base}/query?q=${encodeURIComponent(soql)}` },
        NO_RETRY
      )
    );
    return result.records[0] ?? null;
  }

  private sosl(numbers: LookupRequest['numbers']): string {
    const terms = [...new Set(numbers.flatMap((n) => phoneSearchForms(n.e164)))].map((t) => `"${t}"`).join(' OR ');
    const person = this.personAccounts;
    const contact = `Contact(Id, Name, AccountId, Phone, MobilePhone, HomePhone, OtherPhone, AssistantPhone, Fax, LastModifiedDate${person ? ', IsPersonAccount' : ''})`;
    const lead = 'Lead(Id, Name, Phone, MobilePhone, Fax, LastModifiedDate WHERE IsConverted = false)';
    const account = person
      ? 'Account(Id, Name, Phone, Fax, LastModifiedDate, IsPersonAccount, PersonContactId, PersonMobilePhone, PersonHomePhone, PersonOtherPhone, PersonAssistantPhone)'
      : 'Account(Id, Name, Phone, Fax, LastModifiedDate)';
    return `FIND {${terms}} IN PHONE FIELDS RETURNING ${contact}, ${lead}, ${account}`;
  }

  private toCandidate(rec: Record<string, unknown>): CandidateRecord | null {
    const type = str((rec.attributes as { type?: string } | undefined)?.type);
    const id = str(rec.Id);
    if (!type || !id) return null;
    const base = {
      id,
      name: str(rec.Name),
      lastModifiedDate: str(rec.LastModifiedDate) ?? '1970-01-01T00:00:00.000+0000'
    };
    if (type === 'Contact') {
      return {
        ...base,
        kind: 'Contact',
        accountId: str(rec.AccountId),
        isPersonContact: rec.IsPersonAccount === true,
        phones: [rec.Phone, rec.MobilePhone, rec.HomePhone, rec.OtherPhone, rec.AssistantPhone, rec.Fax].map(str)
      };
    }
    if (type === 'Lead') return { ...base, kind: 'Lead', phones: [rec.Phone, rec.MobilePhone, rec.Fax].map(str) };
    if (type === 'Account') {
      const person = rec.IsPersonAccount === true;
      return {
        ...base,
        kind: person ? 'PersonAccount' : 'Account',
        accountId: id,
        personContactId: str(rec.PersonContactId),
        phones: [
          rec.Phone,
          rec.Fax,
          rec.PersonMobilePhone,
          rec.PersonHomePhone,
          rec.PersonOtherPhone,
          rec.PersonAssistantPhone
        ].map(str)
      };
    }
    return null;
  }

  /**
   * Candidates for every number of a batch and the users for the agents' emails, in one
   * composite request: phone searches (20 numbers each) and one User query for the emails
   * not cached.
   */
  async lookup(request: LookupRequest): Promise<LookupResult> {
    const now = this.now();
    const emails = [...new Set(request.emails.map((e) => e.toLowerCase()))];
    const uncached = emails.filter((e) => {
      const hit = this.userCache.get(e);
      return !hit || now - hit.at > USER_CACHE_MS;
    });
    const subrequests: { method: string; url: string; referenceId: string }[] = [];
    for (let i = 0; i < request.numbers.length; i += NUMBERS_PER_SEARCH) {
      const chunk = request.numbers.slice(i, i + NUMBERS_PER_SEARCH);
      subrequests.push({
        method: 'GET',
        url: `${this.base}/search?q=${encodeURIComponent(this.sosl(chunk))}`,
        referenceId: `search${i / NUMBERS_PER_SEARCH}`
      });
    }
    if (uncached.length > 0) {
      const list = uncached.map((e) => `'${e.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ');
      const soql = `SELECT Id, Email, IsActive, Name FROM User WHERE Email IN (${list})`;
      subrequests.push({
        method: 'GET',
        url: `${this.base}/query?q=${encodeURIComponent(soql)}`,
        referenceId: 'users'
      });
    }
    const candidates = new Map<string, CandidateRecord[]>(request.numbers.map((n) => [n.e164, []]));
    if (subrequests.length === 0) return { candidates, users: this.cachedUsers(emails) };
    // Several composites only when a batch has more than ~100 numbers (5 GETs per composite).
    const found: CandidateRecord[] = [];
    for (let i = 0; i < subrequests.length; i += 5) {
      const part = subrequests.slice(i, i + 5);
      const response = await this.call('lookup', () =>
        this.conn.requestPost<CompositeResponse>(`${this.base}/composite`, { allOrNone: false, compositeRequest: part })
      );
      for (const sub of response.compositeResponse) {
        if (sub.httpStatusCode >= 300) throw errorOf(sub.body, sub.httpStatusCode);
        if (sub.referenceId === 'users') {
          const records = (sub.body as QueryResponse).records;
          for (const email of uncached) this.userCache.set(email, { users: [], at: now });
          for (const r of records) {
            const email = str(r.Email)?.toLowerCase();
            if (!email) continue;
            const user: OrgUser = { id: String(r.Id), email, isActive: r.IsActive === true, name: str(r.Name) };
            this.userCache.get(email)?.users.push(user);
          }
        } else {
          for (const rec of (sub.body as SearchResponse).searchRecords) {
            const c = this.toCandidate(rec);
            if (c) found.push(c);
          }
        }
      }
    }
    // Give each number the records that hold it; the engine confirms again (R4).
    for (const n of request.numbers) {
      candidates.set(
        n.e164,
        found.filter((c) => c.phones.some((p) => samePhoneNumber(p, n.e164, n.hints)))
      );
    }
    return { candidates, users: this.cachedUsers(emails) };
  }

  private cachedUsers(emails: readonly string[]): OrgUser[] {
    return emails.flatMap((e) => this.userCache.get(e)?.users ?? []);
  }

  /** Open Cases (R8) of these Contacts, newest first, in one query. */
  async openRelated(
    kind: 'Case' | 'Opportunity',
    contactIds: readonly string[]
  ): Promise<Map<string, OpenRelatedRecord[]>> {
    const out = new Map<string, OpenRelatedRecord[]>();
    if (contactIds.length === 0) return out;
    const ids = [...new Set(contactIds)].map((id) => `'${id}'`).join(', ');
    const soql =
      kind === 'Case'
        ? `SELECT Id, ContactId, LastModifiedDate FROM Case WHERE IsClosed = false AND ContactId IN (${ids}) ORDER BY LastModifiedDate DESC`
        : `SELECT OpportunityId, ContactId, Opportunity.LastModifiedDate FROM OpportunityContactRole WHERE Opportunity.IsClosed = false AND ContactId IN (${ids})`;
    const result = await this.call('related', () =>
      this.conn.request<QueryResponse>(
        { method: 'GET', url: `${this.base}/query?q=${encodeURIComponent(soql)}` },
        NO_RETRY
      )
    );
    for (const r of result.records) {
      const contactId = String(r.ContactId);
      const record: OpenRelatedRecord =
        kind === 'Case'
          ? { id: String(r.Id), lastModifiedDate: String(r.LastModifiedDate) }
          : {
              id: String(r.OpportunityId),
              lastModifiedDate: String((r.Opportunity as { LastModifiedDate?: string } | null)?.LastModifiedDate ?? '')
            };
      out.set(contactId, [...(out.get(contactId) ?? []), record]);
    }
    return out;
  }

  /** The subrequests of one item: its created record and Case, then its Task, all upserts. */
  private subrequestsFor(
    item: WriteItem,
    index: number
  ): { method: string; url: string; referenceId: string; body: Record<string, unknown> }[] {
    const { plan } = item;
    const subs: { method: string; url: string; referenceId: string; body: Record<string, unknown> }[] = [];
    const resolve = (ref: RecordRef): string =>
      'id' in ref ? ref.id : ref.ref === 'target' ? `@{t${index}.id}` : `@{c${index}.id}`;
    const body = (fields: Readonly<Record<string, unknown>>) =>
      Object.fromEntries(
        Object.entries(fields).map(([k, v]) => [
          k,
          v && typeof v === 'object' && ('id' in v || 'ref' in v) ? resolve(v as RecordRef) : v
        ])
      );
    const upsertUrl = (sobject: string, field: string, value: string) =>
      `${this.base}/sobjects/${sobject}/${field}/${encodeURIComponent(value)}`;
    if (plan.target.kind === 'create') {
      subs.push({
        method: 'PATCH',
        url: upsertUrl(plan.target.sobject, RECORD_KEY_FIELD, `number:${item.e164}`),
        referenceId: `t${index}`,
        body: body(plan.target.fields)
      });
    }
    if (plan.related?.kind === 'create') {
      subs.push({
        method: 'PATCH',
        url: upsertUrl('Case', RECORD_KEY_FIELD, `case:${plan.externalId}`),
        referenceId: `c${index}`,
        body: body(plan.related.fields)
      });
    }
    const task: Record<string, unknown> = { ...plan.task.fields };
    delete task.Aircall_Id__c; // in the URL; Salesforce refuses it in the body
    if (item.taskExists) for (const f of plan.task.createOnly) delete task[f];
    task.WhoId = plan.task.who ? resolve(plan.task.who) : null;
    task.WhatId = plan.task.what ? resolve(plan.task.what) : null;
    subs.push({
      method: 'PATCH',
      url: upsertUrl('Task', 'Aircall_Id__c', plan.externalId),
      referenceId: `k${index}`,
      body: task
    });
    return subs;
  }

  /**
   * Writes a batch of plans as composite requests of at most 25 subrequests. Every write is
   * an upsert on an external id, so a retry after a crash anywhere creates nothing twice.
   */
  async write(items: readonly WriteItem[]): Promise<WriteResult[]> {
    const results: WriteResult[] = new Array<WriteResult>(items.length);
    let chunk: { index: number; subs: ReturnType<OrgGateway['subrequestsFor']> }[] = [];
    let size = 0;
    const flush = async () => {
      if (chunk.length === 0) return;
      const current = chunk;
      chunk = [];
      size = 0;
      let response: CompositeResponse;
      try {
        response = await this.call('write', () =>
          this.conn.request<CompositeResponse>({
            method: 'POST',
            url: `${this.base}/composite`,
            body: JSON.stringify({ allOrNone: false, compositeRequest: current.flatMap((c) => c.subs) }),
            // The owner is chosen by the rules (R12): no assignment rule may override it.
            headers: { 'Content-Type': 'application/json', 'Sforce-Auto-Assign': 'FALSE' }
          })
        );
      } catch (error) {
        const orgError = toOrgError(error);
        for (const c of current) results[c.index] = { ok: false, error: orgError, taskStep: false };
        return;
      }
      const byRef = new Map(response.compositeResponse.map((r) => [r.referenceId, r]));
      for (const c of current) {
        const failed = c.subs.map((s) => byRef.get(s.referenceId)).find((r) => !r || r.httpStatusCode >= 300);
        if (failed) {
          // A dependent subrequest answers PROCESSING_HALTED; report the root cause instead.
          const root =
            c.subs
              .map((s) => byRef.get(s.referenceId))
              .find(
                (r) => r && r.httpStatusCode >= 300 && errorOf(r.body, r.httpStatusCode).code !== 'PROCESSING_HALTED'
              ) ?? failed;
          results[c.index] = {
            ok: false,
            error: root ? errorOf(root.body, root.httpStatusCode) : new OrgError('PROCESSING_HALTED', 'no response'),
            taskStep: root?.referenceId.startsWith('k') ?? false
          };
          continue;
        }
        const task = byRef.get(`k${c.index}`)!.body as { id: string };
        const target = items[c.index]!.plan.target;
        const created =
          target.kind === 'create'
            ? { sobject: target.sobject, id: (byRef.get(`t${c.index}`)!.body as { id: string }).id }
            : null;
        const related = items[c.index]!.plan.related;
        const relatedId = !related
          ? null
          : related.kind === 'existing'
            ? related.id
            : (byRef.get(`c${c.index}`)!.body as { id: string }).id;
        results[c.index] = { ok: true, taskId: task.id, created, relatedId };
      }
    };
    for (let i = 0; i < items.length; i += 1) {
      const subs = this.subrequestsFor(items[i]!, i);
      if (size + subs.length > MAX_SUBREQUESTS) await flush();
      chunk.push({ index: i, subs });
      size += subs.length;
    }
    await flush();
    return results;
  }
}
