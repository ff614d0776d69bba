/**
 * Aircall's Public API, read so that no call Aircall knows about is missed (Aircall's API
 * reference, as quoted in packages/local-aircall/README.md), and written to for insight cards
 * (developer.aircall.io/docs/insight-cards): Basic auth, a request budget that leaves the rest of
 * the company's 120 requests a minute to its other integrations, retries with backoff on 429
 * (until `X-AircallApi-Reset`) and 5xx, and calls listed through time windows small enough that
 * the silent 10,000-item cap of a query never hides one. Answers are checked at the boundary.
 */
import { z } from 'zod';
import { AircallSfError, ERROR_CODES } from '../errors';

export const AIRCALL_API_DEFAULT_URL = 'https://api.aircall.io';
/** Requests a minute Aircall allows a company, all integrations together. */
export const AIRCALL_COMPANY_RATE_LIMIT = 120;
/** The most items one query reaches; past them, pages are silently empty. */
export const AIRCALL_QUERY_CAP = 10_000;
export const AIRCALL_MAX_PER_PAGE = 50;

export interface AircallApiConfig {
  readonly url: string;
  readonly apiId: string;
  readonly apiToken: string;
  /** This service's share of the company's requests a minute (default 60 of 120). */
  readonly requestsPerMinute?: number;
  /** Attempts per request on 429, 5xx and network errors (default 8). */
  readonly maxAttempts?: number;
  /** First retry delay, doubled each time (default 1000 ms). */
  readonly backoffBaseMs?: number;
  /** Longest wait for a rate-limit reset before retrying anyway (default 65 s). */
  readonly maxResetWaitMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface ClientEvents {
  /** A 429: how long the client waits before the next attempt. */
  rateLimited?(waitMs: number): void;
  /** A 5xx or network failure, retried. */
  retried?(status: number | 'network', attempt: number): void;
}

const meta = z.object({
  count: z.number(),
  total: z.number(),
  current_page: z.number(),
  per_page: z.number(),
  next_page_link: z.string().nullable()
});
/** Calls stay unparsed objects here: the webhook boundary (aircall/read.ts) reads them. */
const callsPage = z.object({ calls: z.array(z.record(z.string(), z.unknown())), meta });
const numbersPage = z.object({
  numbers: z.array(z.object({ id: z.number(), digits: z.string() }).passthrough()),
  meta
});
const webhookSchema = z
  .object({
    webhook_id: z.string(),
    url: z.string(),
    active: z.boolean(),
    events: z.array(z.string()).optional(),
    token: z.string().optional()
  })
  .passthrough();
const webhooksPage = z.object({ webhooks: z.array(webhookSchema), meta });
/**
 * The User V2 API's page: the same envelope, but the only example of its meta we found has no
 * `per_page` nor `next_page_link` (airbytehq/airbyte, source-aircall's users stream tests), so
 * paging stops at a short page or a null link, whichever comes first.
 */
const userSchema = z
  .object({ id: z.number(), name: z.string().nullish(), email: z.string().nullish(), available: z.boolean().nullish() })
  .passthrough();
const usersPage = z.object({
  users: z.array(userSchema),
  meta: z.object({ next_page_link: z.string().nullish() }).passthrough()
});
export interface AircallApiUser {
  readonly id: number;
  readonly name: string | null;
  readonly email: string | null;
}
export type AircallWebhook = z.infer<typeof webhookSchema>;
export type AircallApiCall = Record<string, unknown> & { id?: unknown; started_at?: unknown };

/** An insight card's blocks (developer.aircall.io/docs/insight-cards). */
export type InsightBlock =
  | { readonly type: 'title'; readonly text: string; readonly link?: string }
  | { readonly type: 'shortText'; readonly text: string; readonly label?: string; readonly link?: string }
  | { readonly type: 'link'; readonly link: string; readonly label: string };

/** Why a card was not posted: each is counted, none is retried later (a card is only worth it live). */
/** Aircall AI's endpoints under /v1/calls/:id/. */
export const AI_ENDPOINTS = ['transcription', 'summary', 'topics', 'sentiments', 'action_items'] as const;
export type AiEndpoint = (typeof AI_ENDPOINTS)[number];
const aiAnswer = z.record(z.string(), z.unknown());

export type CardDrop = 'budget' | 'late' | 'call_not_found' | 'refused' | 'unavailable';
export type CardOutcome =
  { readonly posted: true } | { readonly posted: false; readonly reason: CardDrop; readonly detail: string };

export class AircallApi {
  private readonly intervalMs: number;
  private readonly perMinute: number;
  private nextSlot = 0;
  /** When each request of the last minute was sent, cards and the rest together. */
  private sent: number[] = [];
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly config: AircallApiConfig,
    private readonly events: ClientEvents = {}
  ) {
    this.perMinute = config.requestsPerMinute ?? AIRCALL_COMPANY_RATE_LIMIT / 2;
    this.intervalMs = 60_000 / this.perMinute;
    this.now = config.now ?? Date.now;
    this.sleep = config.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /**
   * Waits for this client's next slot in its share of the company's budget. The rest
   * (reconciliation, backfill, webhook checks) is paced one slot per interval; a card takes
   * a slot at once and pushes the paced requests back by one (see `cardSlot`).
   */
  private async budget(): Promise<void> {
    const now = this.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await this.sleep(slot - now);
    this.record(this.now());
  }

  private record(at: number): void {
    this.sent.push(at);
    if (this.sent.length > 4 * this.perMinute) this.sent = this.sent.filter((t) => t > at - 60_000);
  }

  /** Requests sent in the last minute. */
  private sentLastMinute(now: number): number {
    let n = 0;
    for (let i = this.sent.length - 1; i >= 0 && this.sent[i]! > now - 60_000; i -= 1) n += 1;
    return n;
  }

  /**
   * A slot for a card, now or never: cards come first, so one goes while the last minute holds
   * fewer than the share's requests, and the paced requests move back one interval to make
   * room; a card never waits for a slot (it is only worth something while the call rings).
   */
  private cardSlot(): boolean {
    const now = this.now();
    if (this.sentLastMinute(now) >= this.perMinute) return false;
    this.nextSlot = Math.max(this.nextSlot, now) + this.intervalMs;
    this.record(now);
    return true;
  }

  /**
   * Posts an insight card on a live call, once: no retry (a retry would cost a second request
   * for a card that is late already), no wait for the budget. `deadline` (ms): past it the
   * card is dropped unsent.
   */
  async postInsightCard(callId: number, contents: readonly InsightBlock[], deadline: number): Promise<CardOutcome> {
    if (this.now() > deadline) return { posted: false, reason: 'late', detail: 'the call no longer rings or runs' };
    if (!this.cardSlot())
      return {
        posted: false,
        reason: 'budget',
        detail: `AIRCALL_API_REQUESTS_PER_MINUTE (${this.perMinute}) is used up`
      };
    const auth = `Basic ${Buffer.from(`${this.config.apiId}:${this.config.apiToken}`).toString('base64')}`;
    let res: Response;
    try {
      res = await fetch(new URL(`/v1/calls/${callId}/insight_cards`, this.config.url), {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ contents }),
        signal: AbortSignal.timeout(Math.max(1, deadline - this.now()))
      });
    } catch (error) {
      return { posted: false, reason: 'unavailable', detail: (error as Error).message };
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return { posted: true };
    if (res.status === 401 || res.status === 403)
      throw new AircallSfError(
        ERROR_CODES.AIRCALL_API_AUTH,
        `Aircall refused the credentials (${res.status}): check AIRCALL_API_ID and AIRCALL_API_TOKEN (Aircall: Integrations & API > API keys).`
      );
    if (res.status === 404) return { posted: false, reason: 'call_not_found', detail: `Aircall has no call ${callId}` };
    if (res.status === 429) return { posted: false, reason: 'budget', detail: "Aircall's rate limit (429)" };
    if (res.status >= 500) return { posted: false, reason: 'unavailable', detail: `Aircall answered ${res.status}` };
    return { posted: false, reason: 'refused', detail: `Aircall answered ${res.status}: ${text.slice(0, 200)}` };
  }

  /**
   * What Aircall AI said of a call, from one of its endpoints (GET /v1/calls/:id/transcription,
   * summary, topics, sentiments or action_items; developer.aircall.io/docs/ai-assist), or null
   * when there is none (404: no AI on the plan or the number, or not generated yet).
   */
  async callAi(callId: string, endpoint: AiEndpoint): Promise<Record<string, unknown> | null> {
    return this.request('GET', `/v1/calls/${encodeURIComponent(callId)}/${endpoint}`, aiAnswer, undefined, true);
  }

  async request<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T>;
  async request<T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    body: unknown,
    missingIsNull: true
  ): Promise<T | null>;
  async request<T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
    missingIsNull = false
  ): Promise<T | null> {
    const maxAttempts = this.config.maxAttempts ?? 8;
    const auth = `Basic ${Buffer.from(`${this.config.apiId}:${this.config.apiToken}`).toString('base64')}`;
    for (let attempt = 1; ; attempt += 1) {
      await this.budget();
      let res: Response;
      try {
        res = await fetch(new URL(path, this.config.url), {
          method,
          headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) })
        });
      } catch (error) {
        if (attempt >= maxAttempts) throw this.unavailable(`${method} ${path}: ${(error as Error).message}`);
        this.events.retried?.('network', attempt);
        await this.sleep(this.backoff(attempt));
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw new AircallSfError(
          ERROR_CODES.AIRCALL_API_AUTH,
          `Aircall refused the credentials (${res.status}): check AIRCALL_API_ID and AIRCALL_API_TOKEN (Aircall: Integrations & API > API keys).`
        );
      }
      if (res.status === 429 || res.status >= 500) {
        if (attempt >= maxAttempts)
          throw this.unavailable(`${method} ${path} answered ${res.status} ${maxAttempts} times`);
        const wait = res.status === 429 ? this.resetWait(res) : this.backoff(attempt);
        if (res.status === 429) this.events.rateLimited?.(wait);
        else this.events.retried?.(res.status, attempt);
        await res.arrayBuffer().catch(() => undefined);
        await this.sleep(wait);
        continue;
      }
      if (res.status === 404 && missingIsNull) {
        await res.arrayBuffer().catch(() => undefined);
        return null;
      }
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        throw new AircallSfError(
          ERROR_CODES.AIRCALL_API_REFUSED,
          `Aircall answered ${res.status} to ${method} ${path}: ${text.slice(0, 200)}`
        );
      }
      const json: unknown = res.status === 204 ? {} : await res.json();
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new AircallSfError(
          ERROR_CODES.AIRCALL_API_REFUSED,
          `Aircall's answer to ${method} ${path} is not what its API reference describes: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`
        );
      }
      return parsed.data;
    }
  }

  private backoff(attempt: number): number {
    const base = this.config.backoffBaseMs ?? 1000;
    return base * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
  }

  /** Until the reset the 429 names (unix seconds, or ms when it looks like ms), bounded. */
  private resetWait(res: Response): number {
    const max = this.config.maxResetWaitMs ?? 65_000;
    const reset = Number(res.headers.get('x-aircallapi-reset'));
    if (!Number.isFinite(reset) || reset <= 0) return Math.min(max, 60_000);
    const resetMs = reset > 1e12 ? reset : reset * 1000;
    return Math.min(max, Math.max(0, resetMs - this.now()) + 250);
  }

  private unavailable(message: string): AircallSfError {
    return new AircallSfError(
      ERROR_CODES.AIRCALL_API_UNAVAILABLE,
      `Aircall's API is unavailable: ${message}; try again later.`
    );
  }

  /**
   * Every call that started in [from, to] (unix s), oldest first, each once. A window whose
   * query reaches the cap is split in two until each half is under it.
   */
  async *calls(from: number, to: number): AsyncGenerator<AircallApiCall> {
    const first = await this.callsPage(from, to, 1);
    if (first.meta.total >= AIRCALL_QUERY_CAP && to > from) {
      const mid = Math.floor((from + to) / 2);
      yield* this.calls(from, mid);
      yield* this.calls(mid + 1, to);
      return;
    }
    let page = first;
    for (let n = 1; ; n += 1) {
      for (const call of page.calls) yield call;
      if (page.meta.next_page_link === null) return;
      page = await this.callsPage(from, to, n + 1);
    }
  }

  private callsPage(from: number, to: number, page: number) {
    const q = new URLSearchParams({
      from: String(from),
      to: String(to),
      order: 'asc',
      per_page: String(AIRCALL_MAX_PER_PAGE),
      page: String(page)
    });
    return this.request('GET', `/v1/calls?${q.toString()}`, callsPage);
  }

  /** The company's lines, in E.164 where Aircall gives it, else as displayed. */
  async numbers(): Promise<string[]> {
    const out: string[] = [];
    for (let page = 1; ; page += 1) {
      const p = await this.request('GET', `/v1/numbers?per_page=${AIRCALL_MAX_PER_PAGE}&page=${page}`, numbersPage);
      for (const n of p.numbers) out.push(typeof n.e164_digits === 'string' ? n.e164_digits : n.digits);
      if (p.meta.next_page_link === null) return out;
    }
  }

  /** The company's users (agents), from the User V2 API (`/v1/users` was sunset on 2026-09-30). */
  async users(): Promise<AircallApiUser[]> {
    const out: AircallApiUser[] = [];
    for (let page = 1; ; page += 1) {
      const p = await this.request('GET', `/v2/users?per_page=${AIRCALL_MAX_PER_PAGE}&page=${page}`, usersPage);
      for (const u of p.users) out.push({ id: u.id, name: u.name ?? null, email: u.email ?? null });
      if (p.users.length < AIRCALL_MAX_PER_PAGE || p.meta.next_page_link === null) return out;
    }
  }

  async webhooks(): Promise<AircallWebhook[]> {
    const out: AircallWebhook[] = [];
    for (let page = 1; ; page += 1) {
      const p = await this.request('GET', `/v1/webhooks?per_page=${AIRCALL_MAX_PER_PAGE}&page=${page}`, webhooksPage);
      out.push(...p.webhooks);
      if (p.meta.next_page_link === null) return out;
    }
  }

  createWebhook(input: { url: string; custom_name: string; events: readonly string[] }): Promise<AircallWebhook> {
    return this.request('POST', '/v1/webhooks', z.object({ webhook: webhookSchema }), input).then((r) => r.webhook);
  }

  /** Re-enables a webhook and sets its events (a PUT without events would subscribe it to all). */
  updateWebhook(
    id: string,
    input: { url: string; active: boolean; events: readonly string[] }
  ): Promise<AircallWebhook> {
    return this.request(
      'PUT',
      `/v1/webhooks/${encodeURIComponent(id)}`,
      z.object({ webhook: webhookSchema }),
      input
    ).then((r) => r.webhook);
  }
}
