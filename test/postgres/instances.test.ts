/**
 * Three `serve` processes on one PostgreSQL, behind a stand-in for a load balancer: a business
 * day's webhooks spread over them (the deliveries of one call reach different instances), two
 * calls from one unknown number sent to two instances at the same moment, and an instance
 * killed with -9 and restarted every 150 deliveries. A delivery that fails (the instance is
 * gone) is sent again to another, as Aircall retries. One Task per call with all its updates,
 * one record per number.
 */
import pg from 'pg';
import { callData, envelope } from '../fixtures/aircall-builders';
import { businessDay } from '../helpers/day';
import type { TestOrg } from '../helpers/local-org';
import { setOrgSettings, testOrg } from '../helpers/local-org';
import { testDatabase } from '../helpers/postgres';
import type { ServeProcess } from '../helpers/serve';
import { spawnServe } from '../helpers/serve';
import { integrationLogin } from '../helpers/service';

const TOKEN = 'instances-token';

interface Instance {
  serve: ServeProcess;
  url: string | null;
}

describe('three instances on one PostgreSQL', () => {
  let org: TestOrg;
  let db: pg.Client;
  let databaseUrl = '';
  const instances: Instance[] = [];

  beforeAll(async () => {
    org = await testOrg();
    await setOrgSettings(org, { Unknown_Number__c: 'Contact' });
    databaseUrl = await testDatabase();
    db = new pg.Client({ connectionString: databaseUrl });
  });
  afterAll(async () => {
    for (const instance of instances) instance.serve.cleanup();
    await db.end().catch(() => undefined);
    await org.close();
  });

  const start = async (): Promise<Instance> => {
    const serve = spawnServe({
      SF_INSTANCE_URL: org.instanceUrl,
      SF_ACCESS_TOKEN: integrationLogin(org).accessToken,
      AIRCALL_WEBHOOK_TOKEN: TOKEN,
      DATABASE_URL: databaseUrl,
      AIRCALL_SF_BATCH_WINDOW_MS: '200'
    });
    const instance: Instance = { serve, url: null };
    const [, url] = await serve.waitFor(/running: POST (http:\/\/[^ ]+)\/webhooks\/aircall/);
    instance.url = url!;
    return instance;
  };

  /** One delivery, to instance `i` first and, while it fails, to the next ones (Aircall retries). */
  const deliver = async (body: Record<string, unknown>, i: number): Promise<void> => {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const instance = instances[(i + attempt) % instances.length]!;
      if (instance.url) {
        try {
          const res = await fetch(`${instance.url}/webhooks/aircall`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body)
          });
          if (res.status === 200) return;
        } catch {
          // The instance is gone (killed): the next one.
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('no instance accepted a delivery');
  };

  it('logs every call once, with all its updates, under kill -9, with the events spread across them', async () => {
    for (let i = 0; i < 3; i += 1) instances.push(await start());
    await db.connect();
    const { events } = businessDay({ calls: 300, numbers: 80, seed: 21, start: 1_763_800_000 });
    const signed = events.map((e) => ({ ...e, token: TOKEN }));
    // Two calls from one new number, at the same moment, on two instances: five times.
    const pairs = Array.from({ length: 5 }, (_, k) => {
      const raw = `+33 7 99 00 00 ${String(10 + k)}`;
      return [0, 1].map((n) => ({
        ...envelope('call.ended', callData({ id: 77_000_000 + k * 2 + n, raw_digits: raw })),
        token: TOKEN
      }));
    });
    let killed = 0;
    for (let from = 0; from < signed.length; from += 25) {
      // 25 deliveries at a time, round robin over the instances.
      await Promise.all(signed.slice(from, from + 25).map((body, n) => deliver(body, from + n)));
      if (from % 150 === 0 && from > 0) {
        const victim = killed % instances.length;
        killed += 1;
        instances[victim]!.serve.child.kill('SIGKILL');
        instances[victim]!.url = null;
        instances[victim]!.serve.cleanup();
        instances[victim] = await start();
      }
      const pair = pairs[from / 25];
      if (pair) await Promise.all(pair.map((body, n) => deliver(body, n)));
    }
    expect(killed).toBeGreaterThanOrEqual(3);

    // Every final item logged, skipped or dead (none dead), whichever instance took it.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { rows } = await db.query<{ n: number }>(
        "SELECT COUNT(*)::INTEGER AS n FROM aircall_items WHERE state = 'pending' AND final = 1 AND version > processed_version"
      );
      if (rows[0]!.n === 0) break;
      if (Date.now() > deadline) throw new Error(`${rows[0]!.n} items still waiting`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const states = await db.query<{ state: string; n: number }>(
      "SELECT state, COUNT(*)::INTEGER AS n FROM aircall_items WHERE kind = 'call' GROUP BY state"
    );
    expect(states.rows.find((r) => r.state === 'dead')).toBeUndefined();
    const logged = await db.query<{ key: string }>(
      "SELECT key FROM aircall_items WHERE kind = 'call' AND state = 'logged' ORDER BY key"
    );

    const tasks = await org.conn
      .query<{ Aircall_Id__c: string; Description: string | null; WhoId: string | null }>(
        "SELECT Aircall_Id__c, Description, WhoId FROM Task WHERE Aircall_Id__c LIKE 'call:%'"
      )
      .run({ autoFetch: true, maxFetch: 10_000 });
    const ids = tasks.records.map((t) => t.Aircall_Id__c);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(logged.rows.map((r) => r.key));
    // Late comments, wherever they arrived, are on their call's Task.
    const byId = new Map(tasks.records.map((t) => [t.Aircall_Id__c, t]));
    const comments = events.filter((e) => e.event === 'call.commented');
    expect(comments.length).toBeGreaterThan(10);
    for (const e of comments) {
      const data = e.data as { id: number; comments: { content: string }[] };
      const task = byId.get(`call:${data.id}`);
      if (task) expect(task.Description).toContain(data.comments[0]!.content);
    }
    // One record per number, and both calls of each pair on it.
    const contacts = await org.conn
      .query<{ Id: string; Aircall_Key__c: string }>(
        "SELECT Id, Aircall_Key__c FROM Contact WHERE Aircall_Key__c LIKE 'number:%'"
      )
      .run({ autoFetch: true });
    const keys = contacts.records.map((c) => c.Aircall_Key__c);
    expect(new Set(keys).size).toBe(keys.length);
    for (let k = 0; k < pairs.length; k += 1) {
      const who = [0, 1].map((n) => byId.get(`call:${77_000_000 + k * 2 + n}`)?.WhoId);
      expect(who[0]).toBeTruthy();
      expect(who[1]).toBe(who[0]);
    }
  }, 300_000);
});
