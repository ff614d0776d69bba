/**
 * Reconciliation (src/cli/reconcile.ts) with the real pipeline, a local org and the local
 * Aircall over HTTP: calls whose webhooks never came are logged, once; a webhook Aircall
 * disabled is re-enabled; both show on /metrics.
 */
import pino from 'pino';
import type { RunningLocalAircall } from '@aircall-sf/local-aircall';
import { demoCompany, startLocalAircall } from '@aircall-sf/local-aircall';
import { AircallApi } from '../../src/aircall-api/client';
import { Reconciler } from '../../src/cli/reconcile';
import { envelope } from '../fixtures/aircall-builders';
import { summaryData, topicsData, transcriptionData } from '../fixtures/aircall-ai';
import type { TestService } from '../helpers/service';
import { WEBHOOK_TOKEN, testService } from '../helpers/service';

const NOW = Math.floor(Date.now() / 1000);
let svc: TestService;
let aircall: RunningLocalAircall;
let reconciler: Reconciler;

beforeAll(async () => {
  svc = await testService({ org: { seed: 'none' } });
  await svc.setSettings({ Unknown_Number__c: 'Contact' });
  aircall = await startLocalAircall({ company: demoCompany({ calls: 24, from: NOW - 1800, to: NOW - 60, seed: 5 }) });
  const hook = aircall.company.createWebhook({
    url: 'https://aircall.acme.example/webhooks/aircall',
    events: ['call.ended']
  });
  aircall.company.disableWebhook(hook.webhook_id);
  reconciler = new Reconciler(
    new AircallApi({ url: aircall.url, apiId: 'local-api-id', apiToken: 'local-api-token', requestsPerMinute: 120 }),
    svc.pipeline.inbox,
    svc.pipeline.metrics,
    pino({ level: 'silent' }),
    { intervalMs: 60_000, lookbackMs: 3_600_000, webhookUrl: null },
    () => svc.pipeline.worker.notify()
  );
});
afterAll(async () => {
  await aircall.close();
  await svc.close();
});

const isInternal = (raw: unknown) => aircall.company.numbers.some((n) => n.digits === raw);

describe('reconciliation in serve', () => {
  it('logs the calls no webhook brought, leaves those that came alone, and re-enables the webhook', async () => {
    // Half the calls came by webhook, as Aircall delivers them.
    const delivered = aircall.company.calls.filter((_, i) => i % 2 === 0);
    for (const call of delivered) {
      expect(
        (await svc.post(envelope('call.ended', call, { token: WEBHOOK_TOKEN, timestamp: call.ended_at }))).status
      ).toBe(200);
    }
    await svc.settle(30_000);
    // Of one call that came by no webhook, only Aircall AI's summary came (issue #31).
    const missed = aircall.company.calls.find((c, i) => i % 2 === 1 && !isInternal(c.raw_digits))!;
    expect((await svc.post(envelope('summary.created', summaryData(missed.id), { token: WEBHOOK_TOKEN }))).status).toBe(
      200
    );

    const fed = await reconciler.runOnce();
    expect(fed).toBe(aircall.company.calls.length - delivered.length);
    await svc.settle(30_000);

    const external = aircall.company.calls.filter((c) => !isInternal(c.raw_digits));
    const tasks = await svc.org.conn.query<{ Aircall_Id__c: string }>('SELECT Aircall_Id__c FROM Task');
    expect(tasks.records.map((t) => t.Aircall_Id__c).sort()).toEqual(external.map((c) => `call:${c.id}`).sort());
    const withAi = await svc.org.conn.query<{ Description: string }>(
      `SELECT Description FROM Task WHERE Aircall_Id__c = 'call:${missed.id}'`
    );
    expect(withAi.records[0]!.Description).toContain('Aircall AI summary:');

    expect([...aircall.company.webhooks.values()][0]!.active).toBe(true);
    expect(reconciler.status).toMatchObject({ lastError: null, webhookProblem: null });
    const metrics = svc.pipeline.metrics.render();
    expect(metrics).toContain(`aircall_reconcile_calls_fed_total ${fed}`);
    expect(metrics).toContain('aircall_webhook_reenabled_total 1');
    expect(metrics).toContain('aircall_webhook_active 1');
  }, 90_000);

  it('the next run overlaps the last and feeds nothing again', async () => {
    expect(await reconciler.runOnce()).toBe(0);
    expect(svc.pipeline.metrics.render()).toContain('aircall_reconcile_runs_total{outcome="ok"} 2');
  }, 60_000);

  it('fetches the Aircall AI no webhook brought for a settled answered call, once, into its Task and call record', async () => {
    // A logged call that ended over 15 minutes ago, of which Aircall AI made a summary, topics
    // and a transcript that no webhook brought (the company has AI: a summary came for another call).
    const settled = aircall.company.calls.find(
      (c, i) =>
        i % 2 === 0 &&
        !isInternal(c.raw_digits) &&
        !aircall.company.ai.has(c.id) &&
        typeof c.answered_at === 'number' &&
        (c.ended_at as number) < NOW - 16 * 60
    )!;
    aircall.company.addAi(settled.id, 'summary', { summary: summaryData(settled.id) });
    aircall.company.addAi(settled.id, 'topics', { topic: topicsData(settled.id) });
    aircall.company.addAi(settled.id, 'transcription', { transcription: transcriptionData(settled.id) });
    // A new process (the first runs asked for this call's AI already, before Aircall had any).
    const fresh = new Reconciler(
      new AircallApi({ url: aircall.url, apiId: 'local-api-id', apiToken: 'local-api-token', requestsPerMinute: 120 }),
      svc.pipeline.inbox,
      svc.pipeline.metrics,
      pino({ level: 'silent' }),
      { intervalMs: 60_000, lookbackMs: 3_600_000, webhookUrl: null, ai: 'on' },
      () => svc.pipeline.worker.notify()
    );
    const before = aircall.stats.requests;
    await fresh.runOnce();
    await svc.settle(30_000);
    const [task] = (
      await svc.org.conn.query<{ Description: string }>(
        `SELECT Description FROM Task WHERE Aircall_Id__c = 'call:${settled.id}'`
      )
    ).records;
    expect(task!.Description).toContain('Aircall AI summary: The customer asked for a quote');
    expect(task!.Description).toContain('Topics: pricing, renewal');
    const [record] = (
      await svc.org.conn.query<{ Transcript__c: string }>(
        `SELECT Transcript__c FROM Aircall_Call__c WHERE Aircall_Id__c = 'call:${settled.id}'`
      )
    ).records;
    expect(record!.Transcript__c).toContain('external [3 s]: I would like a quote for 20 seats.');
    // Asked once: the next run lists the call again but asks for no AI.
    const asked = aircall.stats.requests - before;
    const again = aircall.stats.requests;
    await fresh.runOnce();
    const listing = aircall.stats.requests - again;
    expect(asked).toBeGreaterThan(listing);
    expect(aircall.stats.requests - again).toBe(listing);
  }, 60_000);

  it("reports, for /readyz, that the service's webhook is gone, and why", async () => {
    aircall.company.webhooks.clear();
    await reconciler.runOnce();
    expect(reconciler.status.webhookProblem).toContain('create it with aircall-sf aircall-webhook --url URL');
    expect(svc.pipeline.metrics.render()).toContain('aircall_webhook_active -1');
  }, 60_000);
});
