/**
 * A backfill past Aircall's 10,000-item cap in one window, through the real pipeline into a local
 * org, the local Aircall over HTTP. The company's other integrations take part of its 120
 * requests a minute, so the service's share meets the limit and waits for the reset. Time on the
 * Aircall side is simulated (the client's waits move the clock both sides read), so the test
 * runs in seconds; the org side runs in real time.
 */
import { join } from 'node:path';
import type { RunningLocalAircall } from '@aircall-sf/local-aircall';
import { demoCompany, startLocalAircall } from '@aircall-sf/local-aircall';
import { AircallApi } from '../../src/aircall-api/client';
import { backfill } from '../../src/cli/backfill';
import type { TestService } from '../helpers/service';
import { testService } from '../helpers/service';

const CALLS = 10_500;
let clock = Date.UTC(2026, 10, 2, 9, 0, 0);
const now = () => clock;
const sleep = (ms: number) => {
  clock += ms;
  return Promise.resolve();
};
const TO = Math.floor(clock / 1000) - 3600;
const FROM = TO - 86_400;

let svc: TestService;
let aircall: RunningLocalAircall;
let waits = 0;
const api = () =>
  new AircallApi(
    { url: aircall.url, apiId: 'local-api-id', apiToken: 'local-api-token', requestsPerMinute: 120, now, sleep },
    { rateLimited: () => (waits += 1) }
  );

beforeAll(async () => {
  svc = await testService({ org: { seed: 'none' } });
  await svc.setSettings({ Unknown_Number__c: 'Contact' });
  const company = demoCompany({ calls: CALLS, from: FROM, to: TO, seed: 17, externalNumbers: 400 });
  // 90 of the company's 120 requests a minute are left to this service.
  aircall = await startLocalAircall({ company, rateLimit: 90, now });
});
afterAll(async () => {
  await aircall.close();
  await svc.close();
});

function run() {
  const err: string[] = [];
  const out: string[] = [];
  const result = backfill({
    api: api(),
    pipeline: svc.pipeline,
    from: FROM,
    to: TO,
    progressFile: join(svc.dataDir, `backfill-${FROM}-${TO}.json`),
    timeoutMs: 300_000,
    rateLimitWaits: () => waits,
    io: { out: (line) => out.push(line), err: (line) => err.push(line) }
  });
  return { result, out, err };
}

const internal = () =>
  new Set(
    aircall.company.calls
      .filter((c) => aircall.company.numbers.some((n) => n.digits === c.raw_digits))
      .map((c) => `call:${c.id}`)
  );

describe('a backfill of more than 10,000 calls in one window', () => {
  it('logs each call once, never an internal one, through the cap and the rate limit', async () => {
    const { result, out, err } = run();
    const line = await result;
    const skipped = internal().size;
    expect(skipped).toBeGreaterThan(0);
    expect(line).toEqual({
      calls: CALLS,
      logged: CALLS - skipped,
      skipped,
      failed: 0,
      alreadyLogged: 0,
      alreadySkipped: 0
    });
    expect(JSON.parse(out.at(-1)!)).toEqual(line);
    expect(waits).toBeGreaterThan(0);
    expect(aircall.stats.limited).toBe(waits);
    expect(err.at(-1)).toMatch(
      new RegExp(
        `^backfill: ${CALLS} calls fetched, ${CALLS - skipped} logged, ${skipped} skipped, ${waits} rate-limit waits`
      )
    );

    const tasks = await svc.org.conn.query<{ Aircall_Id__c: string }>('SELECT Aircall_Id__c FROM Task', {
      autoFetch: true,
      maxFetch: 20_000
    });
    const ids = tasks.records.map((t) => t.Aircall_Id__c);
    expect(ids).toHaveLength(CALLS - skipped);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => internal().has(id))).toEqual([]);
    // One Contact per unknown number, however many of its calls were in one backfill.
    const contacts = await svc.org.conn.query<{ Phone: string }>('SELECT Phone FROM Contact', {
      autoFetch: true,
      maxFetch: 20_000
    });
    expect(contacts.records.length).toBeGreaterThan(300);
    expect(new Set(contacts.records.map((c) => c.Phone)).size).toBe(contacts.records.length);
  }, 300_000);

  it('run again, it logs nothing twice and costs the org next to nothing', async () => {
    const apiBefore = svc.org.org.apiUsed;
    const { result } = run();
    expect(await result).toMatchObject({ calls: CALLS, failed: 0 });
    // The settings' check before it starts, and nothing per call.
    expect(svc.org.org.apiUsed - apiBefore).toBeLessThanOrEqual(1);
    expect((await svc.org.conn.query('SELECT COUNT() FROM Task')).totalSize).toBe(CALLS - internal().size);
  }, 300_000);
});
