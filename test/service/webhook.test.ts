import { callData, envelope, messageData } from '../fixtures/aircall-builders';
import type { TestService } from '../helpers/service';
import { testService } from '../helpers/service';

let svc: TestService;
beforeAll(async () => {
  svc = await testService();
});
afterAll(async () => {
  await svc.close();
});

// Items of this file's calls in any state: stable while the worker moves them along.
const KEYS = [
  'call:1234567',
  'call:5001',
  'call:5002',
  'call:5003',
  'call:5004',
  'call:5005',
  'call:5007',
  'message:SM5008'
];
const stored = async () => Object.values(await svc.pipeline.inbox.counts(KEYS)).reduce((a, b) => a + b, 0);

describe('POST /webhooks/aircall: the contract table', () => {
  it('accepts a valid event once it is stored (and any configured token)', async () => {
    const res = await svc.post(envelope('call.ended', callData({ id: 5001 })));
    expect(res).toEqual({ status: 200, body: { status: 'accepted' } });
    expect(await svc.pipeline.inbox.item('call:5001')).toBeDefined();
  });

  it('answers ignored for an event the product does not use, and stores nothing', async () => {
    const res = await svc.post(envelope('call.ringing_on_agent', callData({ id: 5002 })));
    expect(res).toEqual({ status: 200, body: { status: 'ignored' } });
    expect(await svc.pipeline.inbox.item('call:5002')).toBeUndefined();
  });

  it.each([
    ['a wrong token', { token: 'nope' }],
    ['no token', { token: undefined }],
    ['a token of another type', { token: 42 }]
  ])('401 for %s, nothing stored', async (_label, patch) => {
    const res = await svc.post({ ...envelope('call.ended', callData({ id: 5003 })), ...patch });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('WEBHOOK_TOKEN_INVALID');
    expect(await svc.pipeline.inbox.item('call:5003')).toBeUndefined();
  });

  it('400 for a body that is not JSON, naming the problem', async () => {
    const res = await svc.post('{"resource": "call",');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'rejected', code: 'WEBHOOK_NOT_JSON' });
    expect(String(res.body.error)).toMatch(/not JSON/);
  });

  it('400 for a body that is no envelope at all; nothing stored', async () => {
    const before = await stored();
    const badEnvelope = await svc.post({ ...envelope('call.ended', callData({ id: 5004 })), data: [] });
    expect(badEnvelope.status).toBe(400);
    expect(badEnvelope.body.code).toBe('WEBHOOK_NOT_ENVELOPE');
    expect(String(badEnvelope.body.error)).toContain('data');
    expect(await stored()).toBe(before);
  });

  it('200 for an authenticated event whose data cannot be read: kept, then a dead letter naming the path', async () => {
    const res = await svc.post(envelope('call.ended', callData({ id: 5007, direction: 'sideways' })));
    expect(res).toEqual({ status: 200, body: { status: 'accepted' } });
    await svc.settle();
    const item = await svc.pipeline.inbox.item('call:5007');
    expect(item?.state).toBe('dead');
    expect(item?.lastError).toContain('data.direction');
    expect(item?.lastError).toContain('dead-letters retry');
  });

  it('200 for a message without direction and a null created_at: the event and the envelope tell', async () => {
    const res = await svc.post(
      envelope('message.received', messageData({ id: 'SM5008', direction: undefined, created_at: null }))
    );
    expect(res).toEqual({ status: 200, body: { status: 'accepted' } });
    expect((await svc.pipeline.inbox.item('message:SM5008'))?.classified).toMatchObject({ direction: 'inbound' });
  });

  it('415 for a body that is not declared as JSON', async () => {
    const res = await svc.post(JSON.stringify(envelope('call.ended', callData())), { 'Content-Type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('WEBHOOK_CONTENT_TYPE');
    expect(String(res.body.error)).toContain('application/json');
  });

  it('413 for a body over 1 MiB, nothing stored', async () => {
    const before = await stored();
    const res = await svc.post(envelope('call.ended', callData({ id: 5005, padding: 'x'.repeat(1024 * 1024) })));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('WEBHOOK_TOO_LARGE');
    expect(await svc.pipeline.inbox.item('call:5005')).toBeUndefined();
    expect(await stored()).toBe(before);
  });

  it('404 for another path and method', async () => {
    expect((await fetch(`${svc.url}/webhooks/other`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${svc.url}/webhooks/aircall`)).status).toBe(404);
  });

  it('counts what it received, accepted and rejected in /metrics', async () => {
    await svc.settle();
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    expect(text).toMatch(/salesforce_requests_total\{purpose="snapshot"\} [1-9]/);
    expect(text).toMatch(/aircall_events_rejected_total\{reason="token"\} 3/);
    expect(text).toMatch(/aircall_events_accepted_total\{event="call.ended"\} \d+/);
    expect(text).toContain('# TYPE aircall_webhook_to_task_seconds histogram');
  });

  it('the depth gauge: a kept count (SQLite) read by the worker every second, a counted one (PostgreSQL) only when scraped', async () => {
    const inbox = svc.pipeline.inbox;
    const depth = inbox.depth.bind(inbox);
    let counted = 0;
    inbox.depth = () => {
      counted += 1;
      return depth();
    };
    try {
      await new Promise((r) => setTimeout(r, 1500)); // the worker polls every 10 ms here
      expect(counted > 0).toBe(inbox.engine === 'sqlite');
      const before = counted;
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      expect(counted).toBeGreaterThan(before);
      expect(text).toMatch(/aircall_inbox_depth \d+/);
    } finally {
      inbox.depth = depth;
    }
  });

  it('healthz and readyz', async () => {
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${svc.url}/readyz`)).json()).toEqual({
      status: 'ready',
      apiShare: { pressure: 'normal', used24h: expect.any(Number) as number, cap: null }
    });
  });

  it('503 when the event cannot be stored, never a 200', async () => {
    const other = await testService({ existingOrg: svc.org });
    await other.pipeline.inbox.close(); // storage unavailable
    const res = await other.post(envelope('call.ended', callData({ id: 5006 })));
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'unavailable', code: 'STORAGE_UNAVAILABLE' });
    await other.close();
  });
});
