/**
 * Nothing wedges it: a poison event, a hung org, a broken disk, a lone surrogate, a contact
 * detail the org refuses, a body nested 5,000 deep, tokens in query strings and in bad JSON,
 * live calls whose call.ended never comes. Each case runs ordinary calls alongside over the
 * real server, inbox and local org, and asserts they are all logged, the service stays
 * responsive, and org requests stay within a budget per call.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { callData, envelope } from '../fixtures/aircall-builders';
import type { TestService } from '../helpers/service';
import { WEBHOOK_TOKEN, testService } from '../helpers/service';

const phone = (n: number) =>
  `+33 7 ${String(n)
    .padStart(8, '0')
    .replace(/(\d{2})(?=\d)/g, '$1 ')}`;

/** Known Contacts for the ordinary calls, so each is logged on an existing record. */
async function contacts(svc: TestService, from: number, count: number): Promise<void> {
  await svc.org.conn
    .sobject('Contact')
    .create(Array.from({ length: count }, (_, i) => ({ LastName: `Known ${from + i}`, Phone: phone(from + i) })));
}

async function ordinaryCalls(svc: TestService, from: number, count: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const id = from + i;
    expect((await svc.post(envelope('call.ended', callData({ id, raw_digits: phone(id) })))).status).toBe(200);
    keys.push(`call:${id}`);
  }
  return keys;
}

const apiUsed = (svc: TestService) => svc.org.org.apiUsed;

describe('a poison event among ordinary calls', () => {
  it('a started_at of 1e16 ends as a dead letter naming it; the 30 ordinary calls are logged within budget', async () => {
    const svc = await testService();
    try {
      await contacts(svc, 31_000, 30);
      const before = apiUsed(svc);
      await svc.post(envelope('call.ended', callData({ id: 31_999, started_at: 1e16 })));
      const keys = await ordinaryCalls(svc, 31_000, 30);
      await svc.settle();
      expect(await svc.pipeline.inbox.counts(keys)).toEqual({ pending: 0, logged: 30, skipped: 0, dead: 0 });
      const poison = (await svc.pipeline.inbox.item('call:31999'))!;
      expect(poison.state).toBe('dead');
      expect(poison.lastError).toContain('data.started_at');
      // Settings, lookup and write per batch, a few batches: far under 3 requests a call.
      expect(apiUsed(svc) - before).toBeLessThan(3 * 30);
    } finally {
      await svc.close();
    }
  });

  it('an id with a lone surrogate: 200, kept under a key of its own, a dead letter; its batch mates are logged', async () => {
    const svc = await testService();
    try {
      await contacts(svc, 32_000, 5);
      const body = JSON.stringify(envelope('call.ended', callData({ id: 'PLACEHOLDER' }))).replace(
        '"PLACEHOLDER"',
        '"\\ud800"'
      );
      expect((await svc.post(body)).status).toBe(200);
      const keys = await ordinaryCalls(svc, 32_000, 5);
      await svc.settle();
      expect(await svc.pipeline.inbox.counts(keys)).toMatchObject({ logged: 5, dead: 0 });
      const dead = await svc.pipeline.inbox.deadLetters();
      expect(dead).toHaveLength(1);
      expect(dead[0]!.key).toMatch(/^call:unreadable-[0-9a-f]{16}$/);
      expect(dead[0]!.lastError).toContain('data.id');
    } finally {
      await svc.close();
    }
  });
});

describe('a dead letter an operator can trust', () => {
  it('is logged at error level with its code, and a retry keeps one copy of its reason', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }
    );
    const svc = await testService({ logger });
    try {
      await svc.post(envelope('call.ended', callData({ id: 34_001, started_at: 1e16 })));
      await svc.settle();
      const first = (await svc.pipeline.inbox.item('call:34001'))!;
      expect(first.state).toBe('dead');
      expect(first.lastError).toMatch(/^AIRCALL_PAYLOAD_INVALID: .*data\.started_at/);
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 50, msg: 'dead letter', item: 'call:34001', code: 'AIRCALL_PAYLOAD_INVALID' })
      );
      for (let round = 0; round < 2; round += 1) {
        expect(await svc.pipeline.inbox.retry('call:34001')).toBe(1);
        svc.pipeline.worker.notify();
        await svc.settle();
      }
      const again = (await svc.pipeline.inbox.item('call:34001'))!;
      expect(again.state).toBe('dead');
      expect(again.lastError!.split('cannot read')).toHaveLength(2);
    } finally {
      await svc.close();
    }
  });
});

describe('a contact detail the org would refuse', () => {
  it.each([
    ['an invalid email', 'not an email'],
    ['an email over 80 characters', `${'x'.repeat(80)}@example.com`]
  ])('%s: the Contact is created without it, the trace says so, the call is logged', async (_label, email) => {
    const svc = await testService();
    try {
      await svc.setSettings({ Unknown_Number__c: 'Contact' });
      const id = 33_000 + email.length;
      await svc.post(
        envelope(
          'call.ended',
          callData({
            id,
            raw_digits: phone(id),
            contact: { id: 1, first_name: 'Ada', last_name: 'Refused', emails: [{ label: 'Work', value: email }] }
          })
        )
      );
      await svc.settle();
      expect((await svc.pipeline.inbox.item(`call:${id}`))?.state).toBe('logged');
      const created = await svc.org.conn.query<{ Email: string | null }>(
        "SELECT Email FROM Contact WHERE LastName = 'Refused'"
      );
      expect(created.records).toEqual([expect.objectContaining({ Email: null })]);
      const task = await svc.org.conn.query<{ Aircall_Trace__c: string }>(
        `SELECT Aircall_Trace__c FROM Task WHERE Aircall_Id__c = 'call:${id}'`
      );
      expect(task.records[0]!.Aircall_Trace__c).toContain('is not one Salesforce accepts: left out');
    } finally {
      await svc.close();
    }
  });
});

/** An HTTP proxy to the local org that never answers the requests `hang` picks (the socket stays open). */
async function hangingProxy(target: string, hang: (req: IncomingMessage, n: number) => boolean) {
  const held = new Set<ServerResponse>();
  let n = 0;
  const server = createServer((req, res) => {
    n += 1;
    if (hang(req, n)) {
      held.add(res);
      return;
    }
    const upstream = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => held.size,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  };
}

describe('a hung org', () => {
  it('a third of the composite requests never answered: every call logged once; the webhook stays responsive', async () => {
    const direct = await testService();
    const proxy = await hangingProxy(
      direct.org.instanceUrl,
      (req, n) => req.method === 'POST' && (req.url ?? '').endsWith('/composite') && n % 3 === 0
    );
    const svc = await testService({
      existingOrg: direct.org,
      instanceUrl: proxy.url,
      env: { SF_REQUEST_TIMEOUT_MS: '300', AIRCALL_SF_CONCURRENCY: '2' },
      worker: { maxAttempts: 50 }
    });
    try {
      await contacts(direct, 34_000, 20);
      const before = apiUsed(direct);
      const keys = await ordinaryCalls(svc, 34_000, 20);
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
      await svc.settle(60_000);
      expect(await svc.pipeline.inbox.counts(keys)).toEqual({ pending: 0, logged: 20, skipped: 0, dead: 0 });
      expect(proxy.held()).toBeGreaterThan(0);
      // Hung requests are retried, not multiplied: well under 5 org requests a call.
      expect(apiUsed(direct) - before).toBeLessThan(5 * 20);
      const tasks = await direct.org.conn.query<{ Aircall_Id__c: string }>(
        "SELECT Aircall_Id__c FROM Task WHERE Aircall_Id__c LIKE 'call:340%'"
      );
      expect(new Set(tasks.records.map((t) => t.Aircall_Id__c)).size).toBe(tasks.records.length);
      expect(tasks.records).toHaveLength(20);
    } finally {
      await svc.close();
      await proxy.close();
      await direct.close();
    }
  }, 90_000);
});

describe('a broken disk', () => {
  it('the inbox turns read-only mid-batch: no further org request, /readyz 503 with the reason; logged once it is writable again', async () => {
    // A batch waits 300 ms for company: time to break the disk between the event's arrival and its Task.
    const svc = await testService({ worker: { batchWindowMs: 300 } });
    try {
      await contacts(svc, 35_000, 10);
      const db = (svc.pipeline.inbox as unknown as { db: { pragma(s: string): unknown } }).db;
      expect((await svc.post(envelope('call.ended', callData({ id: 35_000, raw_digits: phone(35_000) })))).status).toBe(
        200
      );
      // The inbox's own connection now refuses writes, as a read-only or full disk does.
      db.pragma('query_only = ON');
      await new Promise((r) => setTimeout(r, 700));
      expect(svc.pipeline.worker.storageProblem).toContain('cannot be written');
      const ready = await fetch(`${svc.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { reason: string }).reason).toContain('cannot be written');
      expect((await svc.post(envelope('call.ended', callData({ id: 35_001, raw_digits: phone(35_001) })))).status).toBe(
        503
      );
      const spent = apiUsed(svc);
      await new Promise((r) => setTimeout(r, 500));
      expect(apiUsed(svc)).toBe(spent);
      db.pragma('query_only = OFF');
      const keys = ['call:35000', ...(await ordinaryCalls(svc, 35_001, 9))];
      await svc.settle();
      expect(await svc.pipeline.inbox.counts(keys)).toMatchObject({ logged: 10 });
      const tasks = await svc.org.conn.query("SELECT Id FROM Task WHERE Aircall_Id__c = 'call:35000'");
      expect(tasks.totalSize).toBe(1);
      expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
    } finally {
      await svc.close();
    }
  });
});

describe('the boundary', () => {
  it('a body nested 5,000 deep: 400 WEBHOOK_TOO_DEEP, never a 5xx Aircall would retry', async () => {
    const svc = await testService();
    try {
      const deep = `{"resource":"call","event":"call.ended","token":"${WEBHOOK_TOKEN}","data":${'['.repeat(5000)}${']'.repeat(5000)}}`;
      const res = await svc.post(deep);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('WEBHOOK_TOO_DEEP');
    } finally {
      await svc.close();
    }
  });

  it('never writes a token: not from a query string, not from a body that is not JSON', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      }
    });
    // At debug, so the per-request line (with the URL) is written and checked too.
    const svc = await testService({ logger: pino({ level: 'debug' }, sink) });
    try {
      await fetch(`${svc.url}/webhooks/aircall?token=SECRET-IN-QUERY`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(envelope('call.ended', callData({ id: 36_000 })))
      });
      const bad = await svc.post(`{"token":"SECRET-IN-BODY", oops`);
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).not.toContain('SECRET');
      expect(lines.join('')).not.toContain('SECRET');
      expect(lines.join('')).toContain('/webhooks/aircall?[redacted]');
    } finally {
      await svc.close();
    }
  });

  it('/metrics answers only its token when METRICS_TOKEN is set', async () => {
    const svc = await testService({ env: { METRICS_TOKEN: 'metrics-secret' } });
    try {
      expect((await fetch(`${svc.url}/metrics`)).status).toBe(401);
      const ok = await fetch(`${svc.url}/metrics`, { headers: { Authorization: 'Bearer metrics-secret' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('aircall_inbox_depth');
    } finally {
      await svc.close();
    }
  });
});

describe('live calls whose call.ended never comes', () => {
  it('are given up after the expiry (LIVE_CALL_EXPIRED, depth back to 0); a late call.ended still logs them', async () => {
    const svc = await testService({ worker: { liveCallExpiryMs: 200 } });
    try {
      await contacts(svc, 37_000, 1);
      const live = callData({ id: 37_000, raw_digits: phone(37_000), ended_at: null });
      await svc.post(envelope('call.tagged', live));
      await new Promise((r) => setTimeout(r, 600));
      svc.pipeline.worker.notify();
      await new Promise((r) => setTimeout(r, 100));
      expect(await svc.pipeline.inbox.item('call:37000')).toMatchObject({
        state: 'skipped',
        lastError: 'LIVE_CALL_EXPIRED'
      });
      expect(await svc.pipeline.inbox.depth()).toBe(0);
      await svc.post(envelope('call.ended', callData({ id: 37_000, raw_digits: phone(37_000) })));
      await svc.settle();
      expect((await svc.pipeline.inbox.item('call:37000'))?.state).toBe('logged');
    } finally {
      await svc.close();
    }
  });
});
