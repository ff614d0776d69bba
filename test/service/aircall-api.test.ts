/**
 * The Aircall API client over HTTP against the local Aircall: paging through the 10,000 cap,
 * the rate limit shared with other integrations, 5xx storms, bad credentials, webhooks.
 * Time is simulated: the client's waits move the clock both sides read.
 */
import type { RunningLocalAircall } from '@aircall-sf/local-aircall';
import { demoCompany, startLocalAircall } from '@aircall-sf/local-aircall';
import { AircallApi } from '../../src/aircall-api/client';

let clock = Date.UTC(2026, 10, 2, 9, 0, 0);
const now = () => clock;
const sleep = (ms: number) => {
  clock += ms;
  return Promise.resolve();
};
const DAY_START = Math.floor(clock / 1000) - 86_400;

let aircall: RunningLocalAircall;
const client = (over: Partial<ConstructorParameters<typeof AircallApi>[0]> = {}, events = {}) =>
  new AircallApi(
    { url: aircall.url, apiId: 'local-api-id', apiToken: 'local-api-token', now, sleep, backoffBaseMs: 100, ...over },
    events
  );

beforeAll(async () => {
  const company = demoCompany({ calls: 10_500, from: DAY_START, to: DAY_START + 86_400, seed: 3 });
  aircall = await startLocalAircall({ company, rateLimit: 120, now });
});
afterAll(() => aircall.close());

describe('AircallApi against the local Aircall', () => {
  it('lists more than 10,000 calls of one window, each once, through the cap and the rate limit', async () => {
    let limited = 0;
    // A share above the company's limit, so the 429 path runs; a real one leaves room for others.
    const api = client({ requestsPerMinute: 600 }, { rateLimited: () => (limited += 1) });
    const ids: unknown[] = [];
    for await (const call of api.calls(DAY_START, DAY_START + 86_400)) ids.push(call.id);
    expect(ids).toHaveLength(10_500);
    expect(new Set(ids).size).toBe(10_500);
    expect(limited).toBeGreaterThan(0);
    expect(aircall.stats.limited).toBe(limited);
  }, 60_000);

  it('keeps to its share of the budget: at 60 a minute it never meets the limit', async () => {
    const before = aircall.stats.limited;
    const api = client({ requestsPerMinute: 60 });
    let n = 0;
    for await (const call of api.calls(DAY_START, DAY_START + 3600)) n += call.id === undefined ? 0 : 1;
    expect(n).toBeGreaterThan(300);
    expect(aircall.stats.limited).toBe(before);
  }, 60_000);

  it('survives a storm of 503s', async () => {
    aircall.setFailureRate(0.4);
    let retried = 0;
    try {
      const api = client({ requestsPerMinute: 120, maxAttempts: 20 }, { retried: () => (retried += 1) });
      let n = 0;
      for await (const call of api.calls(DAY_START, DAY_START + 7200)) n += call.id === undefined ? 0 : 1;
      expect(n).toBe(aircall.company.calls.filter((c) => c.started_at <= DAY_START + 7200).length);
      expect(retried).toBeGreaterThan(0);
    } finally {
      aircall.setFailureRate(0);
    }
  }, 60_000);

  it('says what to fix when the credentials are wrong', async () => {
    await expect(client({ apiToken: 'wrong' }).numbers()).rejects.toMatchObject({ code: 'AIRCALL_API_AUTH' });
  });

  it("reads the company's lines", async () => {
    expect(await client().numbers()).toEqual(['+33176000000', '+16465550100']);
  });

  it('creates a webhook, finds it disabled by Aircall, and re-enables it with its events', async () => {
    const api = client();
    const created = await api.createWebhook({
      url: 'https://example.com/webhooks/aircall',
      custom_name: 'aircall-sf',
      events: ['call.ended', 'message.received']
    });
    expect(created).toMatchObject({ active: true, events: ['call.ended', 'message.received'] });
    expect(created.token).toMatch(/\w{16,}/);
    aircall.company.disableWebhook(created.webhook_id);
    const found = (await api.webhooks()).find((w) => w.webhook_id === created.webhook_id)!;
    expect(found.active).toBe(false);
    const enabled = await api.updateWebhook(created.webhook_id, {
      url: found.url,
      active: true,
      events: ['call.ended', 'message.received']
    });
    expect(enabled).toMatchObject({ active: true, events: ['call.ended', 'message.received'] });
  });
});

describe('insight cards: first in the budget, once, never queued', () => {
  const TITLE = [{ type: 'title', text: 'Alice Martin' }] as const;

  it('posts a card at once, one request, even while paced requests wait their turn', async () => {
    const api = client({ requestsPerMinute: 6 });
    const id = aircall.company.calls[0]!.id;
    const before = aircall.stats.requests;
    // A paced request first: the next paced slot is now 10 s away; the card does not wait for it.
    await api.numbers();
    const start = clock;
    expect(await api.postInsightCard(id, TITLE, clock + 1500)).toEqual({ posted: true });
    expect(clock).toBe(start);
    expect(aircall.stats.requests - before).toBe(2);
    expect(aircall.company.cards.get(id)!.at(-1)!.contents).toEqual(TITLE);
  });

  it('drops a card when the share of the last minute is used, without a request; paced requests make room for cards', async () => {
    const api = client({ requestsPerMinute: 2 });
    const id = aircall.company.calls[1]!.id;
    expect(await api.postInsightCard(id, TITLE, clock + 1500)).toEqual({ posted: true });
    expect(await api.postInsightCard(id, TITLE, clock + 1500)).toEqual({ posted: true });
    const before = aircall.stats.requests;
    expect(await api.postInsightCard(id, TITLE, clock + 1500)).toMatchObject({ posted: false, reason: 'budget' });
    expect(aircall.stats.requests).toBe(before);
    // The paced requests wait until the cards' minute has passed.
    const start = clock;
    await api.numbers();
    expect(clock - start).toBeGreaterThanOrEqual(60_000);
  });

  it('says why a card was not posted: a late card is not sent, an unknown call, an error, each with one request at most', async () => {
    const api = client({ requestsPerMinute: 60 });
    const before = aircall.stats.requests;
    expect(await api.postInsightCard(1, TITLE, clock - 1)).toMatchObject({ posted: false, reason: 'late' });
    expect(aircall.stats.requests).toBe(before);
    expect(await api.postInsightCard(42, TITLE, clock + 1500)).toMatchObject({
      posted: false,
      reason: 'call_not_found'
    });
    const id = aircall.company.calls[2]!.id;
    expect(await api.postInsightCard(id, [{ type: 'title', text: 'x'.repeat(300) }], clock + 1500)).toMatchObject({
      posted: false,
      reason: 'refused'
    });
    aircall.setFailureRate(1);
    try {
      expect(await api.postInsightCard(id, TITLE, clock + 1500)).toMatchObject({
        posted: false,
        reason: 'unavailable'
      });
    } finally {
      aircall.setFailureRate(0);
    }
    expect(aircall.stats.requests - before).toBe(3);
  });
});
