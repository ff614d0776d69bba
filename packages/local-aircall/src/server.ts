/**
 * The Aircall Public API over HTTP, from Aircall's API reference (developer.aircall.io) and the
 * open-source clients that quote it (README), each rule saying where the docs are silent:
 * - Basic auth `base64(api_id:api_token)`: no header 401, wrong credentials 403.
 * - A rate limit per company (120 requests a minute by default), over a fixed minute window.
 *   When it is reached: 429 with `X-AircallApi-Limit`, `-Remaining` and `-Reset` (unix
 *   seconds; the docs leave s or ms unclear, the local Aircall sends seconds). The docs give the
 *   headers only "when the rate limit has been reached", so other answers carry none.
 * - `GET /v1/calls`: `page` from 1, `per_page` default 20 and at most 50, `from`/`to` (unix s,
 *   on the call's start), `order` asc (default) or desc; `{calls, meta:{count, total,
 *   current_page, per_page, next_page_link, previous_page_link}}`. At most 10,000 items per
 *   query, silently: past them a page is empty and `next_page_link` null. What `total` says
 *   past the cap is not documented: here it is capped too, so a client cannot learn the real
 *   count and must page through smaller windows. A `per_page` over 50 is served as 50 (the
 *   docs give the maximum, not the answer to more).
 * - `GET /v1/calls/:id` → `{call}`; `GET /v1/numbers` with the same paging.
 * - Users are at `GET /v2/users` (aircall.md §6), same `{users, meta}` envelope and 1-based
 *   paging; Aircall sunset `GET /v1/users` on 2026-09-30 (airbytehq/airbyte, the source-aircall
 *   users stream's migration to the User V2 API), so `/v1/users` is answered like any unknown
 *   path (what Aircall answers there now is not documented). Every other resource is `/v1` only.
 * - Insight cards: `POST /v1/calls/:id/insight_cards` (cards.ts, with what the docs leave open).
 * - Aircall AI: `GET /v1/calls/:id/transcription|summary|topics|sentiments|action_items` return
 *   what `Company.addAi` holds, verbatim (the shapes: public code quoting the reference; the
 *   answer for a call with no AI is not documented: 404 here). `sendAi` delivers the five
 *   events (`transcription.created`, …) to the subscribed webhooks; their `data` is the
 *   endpoint's object, UNVERIFIED (no capture is public).
 * - Webhooks: `POST /v1/webhooks` → 201 `{webhook}` (every event when `events` is omitted),
 *   `GET /v1/webhooks`, `GET|PUT|DELETE /v1/webhooks/:id`; `PUT {active:true}` re-enables.
 * Error bodies are `{error, troubleshoot}`: their form is not documented.
 * Also not documented, and the local Aircall's choice: the webhook list and a PUT's answer carry
 * the whole webhook, token included (the docs say only that GET of one webhook returns it); a
 * webhook created without `custom_name` is named "Webhook"; `events: ['*']` stands for every
 * event. A client must not depend on these.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { readCard } from './cards';
import { AI_ENDPOINTS } from './company';
import type { AiEndpoint, AircallCall, Company, Json } from './company';

export const DEFAULT_RATE_LIMIT = 120;
export const MAX_PER_PAGE = 50;
export const QUERY_CAP = 10_000;

export interface LocalAircallOptions {
  readonly company: Company;
  /** Requests a minute for the company (Aircall: 120). */
  readonly rateLimit?: number;
  /** The clock, in ms (tests move it). */
  readonly now?: () => number;
  /** Fail this share of requests with a 503 (0 to 1), for storms. */
  readonly failureRate?: number;
}

export interface RunningLocalAircall {
  readonly url: string;
  readonly company: Company;
  /** Requests answered, 429s included. */
  readonly stats: { requests: number; limited: number; failed: number };
  /** Sets the share of requests answered 503 from now on. */
  setFailureRate(rate: number): void;
  /**
   * Sends the call's Aircall AI events (Company.aiEnvelopes) to every active webhook subscribed
   * to them, as Aircall delivers webhooks (a POST of the JSON envelope); returns how many were
   * answered 2xx. The service's answer is not retried here.
   */
  sendAi(callId: number): Promise<number>;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const error = (status: number, message: string, troubleshoot: string): Reply => ({
  status,
  body: { error: message, troubleshoot }
});

function page<T>(items: readonly T[], key: string, base: string, params: URLSearchParams): Reply {
  const pageNo = Math.max(1, Number(params.get('page') ?? 1) || 1);
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Number(params.get('per_page') ?? 20) || 20));
  const reachable = items.slice(0, QUERY_CAP);
  const start = (pageNo - 1) * perPage;
  const slice = reachable.slice(start, start + perPage);
  const link = (p: number) => {
    const next = new URLSearchParams(params);
    next.set('page', String(p));
    next.set('per_page', String(perPage));
    return `${base}?${next.toString()}`;
  };
  return {
    status: 200,
    body: {
      [key]: slice,
      meta: {
        count: slice.length,
        total: reachable.length,
        current_page: pageNo,
        per_page: perPage,
        next_page_link: start + perPage < reachable.length ? link(pageNo + 1) : null,
        previous_page_link: pageNo > 1 ? link(pageNo - 1) : null
      }
    }
  };
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch {
        reject(new Error('not JSON'));
      }
    });
    req.on('error', reject);
  });
}

export function startLocalAircall(options: LocalAircallOptions, port = 0): Promise<RunningLocalAircall> {
  const { company } = options;
  const now = options.now ?? Date.now;
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  let failureRate = options.failureRate ?? 0;
  let windowStart = 0;
  let used = 0;
  const stats = { requests: 0, limited: 0, failed: 0 };
  let origin = '';

  async function route(req: IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://local');
    const auth = req.headers.authorization;
    if (!auth) return error(401, 'Unauthorized', 'Send Basic auth: base64(api_id:api_token)');
    const expected = `Basic ${Buffer.from(`${company.apiId}:${company.apiToken}`).toString('base64')}`;
    if (auth !== expected) return error(403, 'Forbidden', 'Check the API ID and API token');

    const minute = Math.floor(now() / 60_000) * 60_000;
    if (minute !== windowStart) {
      windowStart = minute;
      used = 0;
    }
    if (used >= limit) {
      stats.limited += 1;
      return {
        status: 429,
        body: { error: 'Too Many Requests', troubleshoot: `At most ${limit} requests a minute per company` },
        headers: {
          'X-AircallApi-Limit': String(limit),
          'X-AircallApi-Remaining': '0',
          'X-AircallApi-Reset': String(Math.ceil((windowStart + 60_000) / 1000))
        }
      };
    }
    used += 1;
    if (failureRate > 0 && Math.random() < failureRate) {
      stats.failed += 1;
      return error(503, 'Service Unavailable', 'Try again later');
    }

    const parts = url.pathname.split('/').filter(Boolean);
    const method = req.method ?? 'GET';
    const base = `${origin}${url.pathname}`;
    const [version, resource, id] = parts;
    // One version per resource, as Aircall serves them: users on v2, the rest on v1.
    if (version !== (resource === 'users' ? 'v2' : 'v1'))
      return error(404, 'Not found', `No ${method} ${url.pathname}`);
    if (resource === 'calls' && method === 'GET' && id === undefined) {
      const from = url.searchParams.get('from');
      const to = url.searchParams.get('to');
      let calls: readonly AircallCall[] = company.calls.filter(
        (c) => (from === null || c.started_at >= Number(from)) && (to === null || c.started_at <= Number(to))
      );
      if (url.searchParams.get('order') === 'desc') calls = [...calls].reverse();
      return page(calls, 'calls', base, url.searchParams);
    }
    if (
      resource === 'calls' &&
      method === 'GET' &&
      id !== undefined &&
      (AI_ENDPOINTS as readonly string[]).includes(parts[3] ?? '') &&
      !parts[4]
    ) {
      // Aircall AI (developer.aircall.io/docs/ai-assist): what each endpoint returns for a call.
      // Not documented, the local Aircall's choice: a call Aircall AI said nothing of (no plan,
      // no transcription on the number, not generated yet) is 404, as an unknown call is.
      const call = company.call(Number(id));
      if (!call) return error(404, 'Not found', `No call ${id}`);
      const body = company.ai.get(call.id)?.[parts[3] as AiEndpoint];
      if (!body) return error(404, 'Not found', `No ${parts[3]} for call ${id}`);
      return { status: 200, body };
    }
    if (resource === 'calls' && method === 'POST' && id !== undefined && parts[3] === 'insight_cards' && !parts[4]) {
      const call = company.call(Number(id));
      if (!call) return error(404, 'Not found', `No call ${id}`);
      const card = readCard(await readBody(req));
      if ('problem' in card) return error(422, 'Unprocessable Entity', card.problem);
      company.addCard(call.id, { contents: card.contents, receivedAt: now() });
      return { status: 201, body: null };
    }
    if (resource === 'calls' && method === 'GET' && id !== undefined && parts.length === 3) {
      const call = company.call(Number(id));
      return call ? { status: 200, body: { call } } : error(404, 'Not found', `No call ${id}`);
    }
    if (resource === 'numbers' && method === 'GET' && id === undefined)
      return page(company.numbers, 'numbers', base, url.searchParams);
    if (resource === 'users' && method === 'GET' && id === undefined)
      return page(company.users, 'users', base, url.searchParams);
    if (resource === 'webhooks') {
      if (id === undefined && method === 'GET')
        return page([...company.webhooks.values()], 'webhooks', base, url.searchParams);
      if (id === undefined && method === 'POST') {
        const body = (await readBody(req)) as Json;
        if (typeof body.url !== 'string') return error(422, 'Unprocessable Entity', 'url is required');
        const webhook = company.createWebhook({
          url: body.url,
          ...(typeof body.custom_name === 'string' ? { custom_name: body.custom_name } : {}),
          ...(Array.isArray(body.events) ? { events: body.events.map(String) } : {})
        });
        return { status: 201, body: { webhook } };
      }
      const webhook = id === undefined ? undefined : company.webhooks.get(id);
      if (!webhook) return error(404, 'Not found', `No webhook ${id}`);
      if (method === 'GET') return { status: 200, body: { webhook } };
      if (method === 'DELETE') {
        company.webhooks.delete(webhook.webhook_id);
        return { status: 204, body: null };
      }
      if (method === 'PUT') {
        const body = (await readBody(req)) as Json;
        if (typeof body.url === 'string') webhook.url = body.url;
        if (typeof body.custom_name === 'string') webhook.custom_name = body.custom_name;
        if (typeof body.active === 'boolean') webhook.active = body.active;
        // Documented: a PUT without `events` subscribes the webhook to every event again.
        webhook.events = Array.isArray(body.events) ? body.events.map(String) : ['*'];
        return { status: 200, body: { webhook } };
      }
    }
    return error(404, 'Not found', `No ${method} ${url.pathname}`);
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    stats.requests += 1;
    route(req)
      .catch((e: unknown) => error(400, 'Bad Request', e instanceof Error ? e.message : String(e)))
      .then(
        (reply) => {
          res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
          res.end(reply.body === null ? '' : JSON.stringify(reply.body));
        },
        () => res.end()
      );
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
      resolve({
        url: origin,
        company,
        stats,
        async sendAi(callId) {
          let delivered = 0;
          for (const webhook of options.company.webhooks.values()) {
            if (!webhook.active) continue;
            for (const envelope of options.company.aiEnvelopes(callId, webhook, Math.floor(now() / 1000))) {
              const res = await fetch(webhook.url, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify(envelope)
              }).catch(() => null);
              await res?.arrayBuffer().catch(() => undefined);
              if (res && res.status >= 200 && res.status < 300) delivered += 1;
            }
          }
          return delivered;
        },
        setFailureRate(rate) {
          failureRate = rate;
        },
        close: () => new Promise<void>((r) => server.close(() => r()))
      });
    });
  });
}
