/**
 * What the local Aircall does, rule by rule, as Aircall documents it (src/server.ts and
 * src/cards.ts cite the pages; where the docs are silent the test pins our choice).
 */
import type { RunningLocalAircall } from '../src';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Company, MAX_BLOCKS, MAX_TEXT, QUERY_CAP, demoAi, demoCompany, startLocalAircall } from '../src';

let clock = Date.UTC(2026, 10, 2, 9, 0, 30);
let aircall: RunningLocalAircall;
const AUTH = `Basic ${Buffer.from('id:token').toString('base64')}`;
const get = (path: string, auth: string | null = AUTH) =>
  fetch(`${aircall.url}${path}`, { headers: auth ? { authorization: auth } : {} });

beforeAll(async () => {
  const company = new Company('id', 'token');
  for (let i = 0; i < QUERY_CAP + 30; i += 1) company.addCall({ started_at: 1_700_000_000 + i, direction: 'inbound' });
  aircall = await startLocalAircall({ company, rateLimit: 1000, now: () => clock });
});
afterAll(() => aircall.close());

describe('authentication (Basic base64(api_id:api_token))', () => {
  it('401 without credentials, 403 with wrong ones', async () => {
    expect((await get('/v1/numbers', null)).status).toBe(401);
    expect((await get('/v1/numbers', `Basic ${Buffer.from('id:nope').toString('base64')}`)).status).toBe(403);
    expect((await get('/v1/numbers')).status).toBe(200);
  });
});

describe('GET /v1/calls paging', () => {
  it('serves at most 50 a page, in start order, with the meta Aircall documents', async () => {
    const res = await get('/v1/calls?per_page=80&from=1700000000&to=1700000099');
    const body = (await res.json()) as { calls: { started_at: number }[]; meta: Record<string, unknown> };
    expect(body.calls).toHaveLength(50);
    expect(body.calls[0]!.started_at).toBe(1_700_000_000);
    expect(body.meta).toMatchObject({ count: 50, total: 100, current_page: 1, per_page: 50, previous_page_link: null });
    expect(String(body.meta.next_page_link)).toContain('page=2');
  });

  it('stops silently at 10,000 items: past them no next page, and total says 10,000', async () => {
    const last = await get(`/v1/calls?per_page=50&page=${QUERY_CAP / 50}`);
    const body = (await last.json()) as { calls: unknown[]; meta: { total: number; next_page_link: string | null } };
    expect(body.calls).toHaveLength(50);
    expect(body.meta).toMatchObject({ total: QUERY_CAP, next_page_link: null });
    const past = (await (await get(`/v1/calls?per_page=50&page=${QUERY_CAP / 50 + 1}`)).json()) as { calls: unknown[] };
    expect(past.calls).toEqual([]);
  });
});

describe('rate limit per company', () => {
  it('answers 429 with the X-AircallApi headers once the minute is used, and serves again after the reset', async () => {
    const small = await startLocalAircall({ company: new Company('id', 'token'), rateLimit: 2, now: () => clock });
    try {
      const hit = (path: string) => fetch(`${small.url}${path}`, { headers: { authorization: AUTH } });
      expect((await hit('/v1/numbers')).status).toBe(200);
      expect((await hit('/v1/numbers')).headers.get('x-aircallapi-limit')).toBeNull();
      const limited = await hit('/v1/numbers');
      expect(limited.status).toBe(429);
      expect(limited.headers.get('x-aircallapi-limit')).toBe('2');
      expect(limited.headers.get('x-aircallapi-remaining')).toBe('0');
      const reset = Number(limited.headers.get('x-aircallapi-reset'));
      expect(reset * 1000).toBeGreaterThan(clock);
      clock = reset * 1000;
      expect((await hit('/v1/numbers')).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('webhooks', () => {
  const send = (method: string, path: string, body: unknown) =>
    fetch(`${aircall.url}${path}`, {
      method,
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(body)
    });

  it('POST without events subscribes to every event; a PUT without events does so again', async () => {
    const created = await send('POST', '/v1/webhooks', { url: 'https://example.com/hook' });
    expect(created.status).toBe(201);
    const { webhook } = (await created.json()) as { webhook: { webhook_id: string; events: string[] } };
    expect(webhook.events).toEqual(['*']);
    const narrowed = (await (
      await send('PUT', `/v1/webhooks/${webhook.webhook_id}`, { events: ['call.ended'] })
    ).json()) as {
      webhook: { events: string[] };
    };
    expect(narrowed.webhook.events).toEqual(['call.ended']);
    const widened = (await (await send('PUT', `/v1/webhooks/${webhook.webhook_id}`, { active: true })).json()) as {
      webhook: { events: string[] };
    };
    expect(widened.webhook.events).toEqual(['*']);
  });

  it('refuses a webhook without url (422)', async () => {
    expect((await send('POST', '/v1/webhooks', { custom_name: 'x' })).status).toBe(422);
  });
});

describe('users (User V2 API)', () => {
  it('lists users at /v2/users with 1-based paging; /v1/users, sunset, and v2 calls are not served', async () => {
    const company = new Company('id', 'token');
    for (let i = 0; i < 51; i += 1) company.addUser({ name: `Agent ${i}`, email: `agent${i}@example.com` });
    const own = await startLocalAircall({ company, rateLimit: 1000, now: () => clock });
    try {
      const at = (path: string) => fetch(`${own.url}${path}`, { headers: { authorization: AUTH } });
      const first = (await (await at('/v2/users?per_page=50')).json()) as {
        users: { id: number; email: string }[];
        meta: Record<string, unknown>;
      };
      expect(first.users).toHaveLength(50);
      expect(first.users[0]!.email).toBe('agent0@example.com');
      expect(first.meta).toMatchObject({ total: 51, current_page: 1 });
      const second = (await (await at('/v2/users?per_page=50&page=2')).json()) as { users: unknown[] };
      expect(second.users).toHaveLength(1);
      expect((await at('/v1/users')).status).toBe(404);
      expect((await at('/v2/calls')).status).toBe(404);
    } finally {
      await own.close();
    }
  });
});

describe('insight cards (developer.aircall.io/docs/insight-cards)', () => {
  const post = (path: string, body: unknown) =>
    fetch(`${aircall.url}${path}`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(body)
    });
  const callId = () => aircall.company.calls[0]!.id;

  it('keeps a card of the documented blocks on the call, in order; 201', async () => {
    // The documented example's three block types.
    const contents = [
      { type: 'title', text: 'Jane Doe', link: 'https://acme.my.salesforce.com/003000000000001' },
      { type: 'shortText', label: 'Account', text: 'Acme' },
      { type: 'link', label: 'Open in Salesforce', link: 'https://acme.my.salesforce.com/003000000000001' }
    ];
    const res = await post(`/v1/calls/${callId()}/insight_cards`, { contents });
    expect(res.status).toBe(201);
    await post(`/v1/calls/${callId()}/insight_cards`, { contents: [{ type: 'title', text: 'Second' }] });
    expect(aircall.company.cards.get(callId())!.map((c) => c.contents)).toEqual([
      contents,
      [{ type: 'title', text: 'Second' }]
    ]);
  });

  it('answers 404 for a call that does not exist, as GET /v1/calls/:id does', async () => {
    expect((await post('/v1/calls/42/insight_cards', { contents: [{ type: 'title', text: 'x' }] })).status).toBe(404);
  });

  it.each([
    ['no contents', {}],
    ['empty contents', { contents: [] }],
    ['an unknown block type', { contents: [{ type: 'image', text: 'x' }] }],
    ['a title without text', { contents: [{ type: 'title' }] }],
    ['a link without label', { contents: [{ type: 'link', link: 'https://example.com' }] }],
    ['a property the block does not have', { contents: [{ type: 'title', text: 'x', label: 'y' }] }],
    ['a link that is not http(s)', { contents: [{ type: 'title', text: 'x', link: 'javascript:alert(1)' }] }],
    ['a text over the limit', { contents: [{ type: 'title', text: 'x'.repeat(MAX_TEXT + 1) }] }],
    ['too many blocks', { contents: Array.from({ length: MAX_BLOCKS + 1 }, () => ({ type: 'title', text: 'x' })) }]
  ])('refuses %s (422) and keeps nothing', async (_what, body) => {
    const before = aircall.company.cards.get(callId())?.length ?? 0;
    const res = await post(`/v1/calls/${callId()}/insight_cards`, body);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { troubleshoot: string }).troubleshoot).toMatch(/contents|body/);
    expect(aircall.company.cards.get(callId())?.length ?? 0).toBe(before);
  });
});

describe('Aircall AI (developer.aircall.io/docs/ai-assist; shapes quoted from the reference by public code)', () => {
  it('serves what Aircall AI made of a call, endpoint by endpoint, verbatim', async () => {
    const call = aircall.company.calls[0]!;
    const summary = { summary: { id: 1, call_id: call.id, created_at: '2026-11-02T09:00:00Z', content: 'A quote.' } };
    const topics = { topic: { id: 2, call_id: call.id, created_at: '2026-11-02T09:00:01Z', content: ['pricing'] } };
    aircall.company.addAi(call.id, 'summary', summary);
    aircall.company.addAi(call.id, 'topics', topics);
    const got = await get(`/v1/calls/${call.id}/summary`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(summary);
    expect(await (await get(`/v1/calls/${call.id}/topics`)).json()).toEqual(topics);
  });

  it('answers 404 (our choice: undocumented) for a call with no AI of that kind, and for an unknown call', async () => {
    const call = aircall.company.calls[1]!;
    const none = await get(`/v1/calls/${call.id}/sentiments`);
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ troubleshoot: `No sentiments for call ${call.id}` });
    expect((await get('/v1/calls/999999999/summary')).status).toBe(404);
    expect((await get(`/v1/calls/${call.id}/transcript`)).status).toBe(404); // /transcription is the path
  });
});

describe('Aircall AI events, sent to the webhooks subscribed to them (UNVERIFIED data: the endpoint objects)', () => {
  it("sends each kind a call holds, in Aircall's order, with the webhook's token, to active subscribed webhooks only", async () => {
    const received: Record<string, unknown>[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/webhooks/aircall`;
    try {
      const call = aircall.company.calls[2]!;
      demoAi(aircall.company, call.id, 'Jane Doe', 1);
      const subscribed = aircall.company.createWebhook({ url, events: ['summary.created', 'topics.created'] });
      aircall.company.createWebhook({ url, events: ['call.ended'] });
      aircall.company.disableWebhook(aircall.company.createWebhook({ url }).webhook_id);
      expect(await aircall.sendAi(call.id)).toBe(2);
      expect(received.map((e) => e.event)).toEqual(['summary.created', 'topics.created']);
      expect(received[0]).toMatchObject({
        resource: 'summary',
        token: subscribed.token,
        data: { call_id: call.id, content: expect.stringContaining('Jane Doe') as unknown }
      });
      const all = aircall.company.createWebhook({ url });
      received.length = 0;
      aircall.company.webhooks.delete(subscribed.webhook_id);
      expect(await aircall.sendAi(call.id)).toBe(5);
      expect(received.map((e) => e.event)).toEqual([
        'transcription.created',
        'summary.created',
        'topics.created',
        'sentiment.created',
        'action_item.created'
      ]);
      expect(received.every((e) => e.token === all.token)).toBe(true);
      // A call with no AI sends nothing.
      expect(await aircall.sendAi(aircall.company.calls[3]!.id)).toBe(0);
    } finally {
      await new Promise((r) => hook.close(r));
    }
  });

  it('the demo company has Aircall AI on some answered calls, none on unanswered ones', () => {
    const company = demoCompany({ calls: 60, seed: 7 });
    const withAi = company.calls.filter((c) => company.ai.has(c.id));
    expect(withAi.length).toBeGreaterThan(3);
    expect(withAi.every((c) => typeof c.answered_at === 'number')).toBe(true);
  });
});
