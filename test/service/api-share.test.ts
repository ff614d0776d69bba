/**
 * A1, the API share, through the real service and the local org: at the share, calls that end
 * apart are logged in one larger batch, and a late tag waits for the next new call, never lost;
 * /readyz says so (a warning, still ready) and /metrics shows it.
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import type { TestService } from '../helpers/service';
import { testService } from '../helpers/service';
import { callData, envelope } from '../fixtures/aircall-builders';

const WINDOW_MS = 200;
let svc: TestService;
/** What the service logged (pino JSON lines), to see it says what the share does. */
const logged: { level: number; msg: string }[] = [];
const logger = createLogger({
  level: 'info',
  destination: new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        logged.push(JSON.parse(line) as { level: number; msg: string });
      done();
    }
  })
});
let nextId = 8_100_000;

const digits = (n: number) => `+33 6 41 00 ${String(n % 100).padStart(2, '0')} ${String(n % 97).padStart(2, '0')}`;
const ended = (id: number, patch: Record<string, unknown> = {}) =>
  envelope('call.ended', callData({ id, raw_digits: digits(id), ...patch }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function taskOf(id: number): Promise<{ Aircall_Tags__c: string | null } | undefined> {
  const result = await svc.org.conn.query<{ Aircall_Tags__c: string | null }>(
    `SELECT Aircall_Tags__c FROM Task WHERE Aircall_Id__c = 'call:${id}'`
  );
  return result.records[0];
}

async function until(what: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

const writes = () => svc.pipeline.gateway.requests.get('write') ?? 0;

beforeAll(async () => {
  // A small org (1,000 requests a day): a share of 5 % is 50 requests.
  svc = await testService({ org: { apiLimit: 1_000 }, worker: { batchWindowMs: WINDOW_MS }, logger });
  await svc.setSettings({ API_Share__c: '5', Unknown_Number__c: 'Contact' });
  await svc.pipeline.settings.get();
}, 60_000);
afterAll(async () => {
  await svc?.close();
});

describe('the API share (A1)', () => {
  it('batches as usual under the share: calls ending apart are written apart', async () => {
    expect((await svc.pipeline.share.tick()).pressure).toBe('normal');
    const before = writes();
    const [a, b] = [(nextId += 1), (nextId += 1)];
    await svc.post(ended(a));
    await sleep(WINDOW_MS * 3);
    await svc.post(ended(b));
    await svc.settle();
    expect(writes() - before).toBe(2);
  });

  it('at the share: one larger batch, a late tag held for the next new call and not lost; /readyz warns', async () => {
    // This service's own use over the last 24 hours reaches its share (50 of 1,000).
    await svc.pipeline.inbox.addApiUse(50, Date.now());
    const state = await svc.pipeline.share.tick();
    expect(state).toMatchObject({ pressure: 'capped', cap: 50 });
    // Said once in the log, at warning level, when the pressure changed.
    expect(logged.filter((l) => l.level === 40 && /its whole share of 50/.test(l.msg))).toHaveLength(1);

    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; warnings: string[]; apiShare: { pressure: string } };
    expect(body.status).toBe('ready');
    expect(body.apiShare.pressure).toBe('capped');
    expect(body.warnings.join('\n')).toMatch(/its whole share of 50 \(API_Share__c 5 %/);
    expect(await (await fetch(`${svc.url}/metrics`)).text()).toMatch(/^aircall_api_pressure 2$/m);
    // The panel reads it too, once the service has its secret; without one it says what to set.
    const panel = await fetch(`${svc.url}/api/status`, { headers: { Authorization: 'Bearer anything' } });
    expect(panel.status).toBe(503);
    expect(await panel.json()).toMatchObject({ code: 'PANEL_SECRET_MISSING' });

    // Three calls ending apart (three usual windows each) go in one batch: one write.
    const before = writes();
    const calls = [(nextId += 1), (nextId += 1), (nextId += 1)];
    for (const id of calls) {
      await svc.post(ended(id));
      await sleep(WINDOW_MS * 3);
    }
    await svc.settle();
    expect(writes() - before).toBe(1);

    // A tag after the call was logged waits, past the ten windows an update waits otherwise.
    const tagged = calls[0]!;
    await svc.post(
      envelope(
        'call.tagged',
        callData({ id: tagged, raw_digits: digits(tagged), tags: [{ id: 1, name: 'VIP', color: '#000' }] })
      )
    );
    await sleep(WINDOW_MS * 15);
    expect((await svc.pipeline.inbox.item(`call:${tagged}`))?.state).toBe('pending');
    expect((await taskOf(tagged))?.Aircall_Tags__c).toBeNull();

    // The next new call takes it along: one write for both.
    const beforeNext = writes();
    const next = (nextId += 1);
    await svc.post(ended(next));
    await until(async () => (await taskOf(tagged))?.Aircall_Tags__c === 'VIP');
    await svc.settle();
    expect(await taskOf(next)).toBeDefined();
    expect(writes() - beforeNext).toBe(1);
  }, 30_000);
});

describe('the whole org near its daily limit because of others', () => {
  it('backs off the same way with no cap of its own, and says why', async () => {
    const other = await testService({ org: { apiLimit: 1_000 }, worker: { batchWindowMs: WINDOW_MS } });
    try {
      // Other integrations used 960 of the org's 1,000: the next answer's Sforce-Limit-Info says so.
      await other.setSettings({ Unknown_Number__c: 'Contact' });
      other.org.org.apiUsed = 960;
      await other.pipeline.settings.get();
      const state = await other.pipeline.share.tick();
      expect(state).toMatchObject({ pressure: 'capped', cap: null });
      expect(state.reason).toMatch(/The org used 96\d of its 1000 daily API requests .* most of them by others/);
      const before = other.pipeline.gateway.requests.get('write') ?? 0;
      // Three calls ending three usual windows apart: the first goes at once (nothing else is
      // flowing, so nothing could join it), the next two wait for each other. As usual: three.
      for (const id of [(nextId += 1), (nextId += 1), (nextId += 1)]) {
        await other.post(ended(id));
        await sleep(WINDOW_MS * 3);
      }
      await other.settle();
      expect((other.pipeline.gateway.requests.get('write') ?? 0) - before).toBe(2);
    } finally {
      await other.close();
    }
  }, 30_000);
});
