/**
 * Reconciliation as `serve` runs it, over HTTP end to end: `aircall-sf serve` as a process on a
 * local org, with the local Aircall's API configured. /readyz and /metrics say what it found.
 */
import type { RunningLocalAircall } from '@aircall-sf/local-aircall';
import { demoCompany, startLocalAircall } from '@aircall-sf/local-aircall';
import type { TestOrg } from '../helpers/local-org';
import { setOrgSettings, testOrg } from '../helpers/local-org';
import type { ServeProcess } from '../helpers/serve';
import { spawnServe } from '../helpers/serve';
import { integrationLogin } from '../helpers/service';

const NOW = Math.floor(Date.now() / 1000);
const HOOK_URL = 'https://aircall.acme.example/webhooks/aircall';
let org: TestOrg;
let aircall: RunningLocalAircall;

beforeAll(async () => {
  org = await testOrg({ seed: 'none' });
  await setOrgSettings(org, { Unknown_Number__c: 'Contact' });
  aircall = await startLocalAircall({ company: demoCompany({ calls: 12, from: NOW - 1800, to: NOW - 60, seed: 7 }) });
});
afterAll(async () => {
  await aircall.close();
  await org.close();
});

function serveWithApi(): ServeProcess {
  return spawnServe({
    HOST: '127.0.0.1',
    SF_INSTANCE_URL: org.instanceUrl,
    SF_ACCESS_TOKEN: integrationLogin(org).accessToken,
    AIRCALL_WEBHOOK_TOKEN: 'test-webhook-token',
    AIRCALL_API_URL: aircall.url,
    AIRCALL_API_ID: 'local-api-id',
    AIRCALL_API_TOKEN: 'local-api-token',
    AIRCALL_WEBHOOK_URL: HOOK_URL,
    AIRCALL_SF_BATCH_WINDOW_MS: '200'
  });
}

async function baseUrl(serve: ServeProcess): Promise<string> {
  return (await serve.waitFor(/POST (http:\/\/127\.0\.0\.1:\d+)\/webhooks\/aircall/))[1]!;
}

/** Polls `probe` until it returns a value (reconciliation runs at start, then every 5 minutes). */
async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The calls a Task is written for: internal calls (both ends company lines) never are. */
const external = () =>
  aircall.company.calls.filter((c) => !aircall.company.numbers.some((n) => n.digits === c.raw_digits));
const metrics = async (base: string) => (await fetch(`${base}/metrics`)).text();

describe('serve reconciles with the Aircall API', () => {
  it('at start: logs the calls no webhook brought, re-enables the webhook Aircall disabled, and is ready', async () => {
    const hook = aircall.company.createWebhook({ url: HOOK_URL, events: ['call.ended'] });
    aircall.company.disableWebhook(hook.webhook_id);
    const serve = serveWithApi();
    try {
      const base = await baseUrl(serve);
      const text = await until(async () => {
        const m = await metrics(base);
        return /aircall_reconcile_runs_total\{outcome="ok"\} 1/.test(m) ? m : undefined;
      }, 'the first reconciliation');
      expect(text).toContain('aircall_webhook_reenabled_total 1');
      expect(text).toContain('aircall_webhook_active 1');
      expect(aircall.company.webhooks.get(hook.webhook_id)!.active).toBe(true);

      const fed = Number(/aircall_reconcile_calls_fed_total (\d+)/.exec(text)![1]);
      expect(fed).toBe(aircall.company.calls.length);
      const ids = await until(async () => {
        const tasks = await org.conn.query<{ Aircall_Id__c: string }>('SELECT Aircall_Id__c FROM Task');
        return tasks.records.length >= external().length ? tasks.records.map((t) => t.Aircall_Id__c) : undefined;
      }, 'the Tasks');
      expect(ids.sort()).toEqual(
        external()
          .map((c) => `call:${c.id}`)
          .sort()
      );

      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        readPath: 'apex',
        apiShare: { pressure: 'normal', used24h: expect.any(Number) as number, cap: null }
      });
      expect(await serve.stop()).toBe(0);
    } finally {
      serve.cleanup();
    }
  }, 60_000);

  it("answers 503 on /readyz, saying how to fix it, when the service's webhook is gone from Aircall", async () => {
    aircall.company.webhooks.clear();
    const serve = serveWithApi();
    try {
      const base = await baseUrl(serve);
      const body = await until(async () => {
        const res = await fetch(`${base}/readyz`);
        return res.status === 503 ? ((await res.json()) as { status: string; reason: string }) : undefined;
      }, '/readyz to report the webhook');
      expect(body.status).toBe('not ready');
      expect(body.reason).toContain(HOOK_URL);
      expect(body.reason).toContain('aircall-sf aircall-webhook --url URL');
      expect(await metrics(base)).toContain('aircall_webhook_active -1');
      // This process's inbox is new, so it feeds every call again: each finds its Task and
      // updates it, none is logged twice.
      await until(async () => {
        const m = await metrics(base);
        const done = /aircall_items_logged_total\{kind="call"\} (\d+)/.exec(m);
        return /aircall_inbox_depth 0\b/.test(m) && done && Number(done[1]) >= external().length ? m : undefined;
      }, 'the calls fed again to be written');
      const tasks = await org.conn.query<{ Aircall_Id__c: string }>('SELECT Aircall_Id__c FROM Task');
      expect(tasks.records.map((t) => t.Aircall_Id__c).sort()).toEqual(
        external()
          .map((c) => `call:${c.id}`)
          .sort()
      );
    } finally {
      serve.cleanup();
    }
  }, 60_000);
});
