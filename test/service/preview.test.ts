/**
 * Settings previews (issue #33) on the real pipeline: calls the service received, replayed
 * through the engine with the org's settings and a draft, on one read of the local org over
 * HTTP; nothing written.
 */
import { previewSettings } from '../../src/preview/preview';
import type { PreviewRequest } from '../../src/preview/preview';
import type { TestService } from '../helpers/service';
import { testService } from '../helpers/service';
import { AGENT, callData, envelope } from '../fixtures/aircall-builders';

let svc: TestService;
const SECRET = 'panel-secret-for-tests';
const ids: Record<string, string> = {};
let nextId = 8_200_000;

const call = (raw: string) => envelope('call.ended', callData({ id: (nextId += 1), raw_digits: raw, user: AGENT }));
const preview = (request: PreviewRequest) =>
  previewSettings(
    {
      inbox: svc.pipeline.inbox,
      gateway: svc.pipeline.gateway,
      ownNumbers: new Set(),
      retentionMs: 30 * 24 * 60 * 60_000
    },
    request
  );

beforeAll(async () => {
  svc = await testService({ worker: { batchWindowMs: 0 }, env: { AIRCALL_SF_PANEL_SECRET: SECRET } });
  const conn = svc.org.conn;
  const make = async (object: string, values: Record<string, unknown>) =>
    ((await conn.sobject(object).create(values)) as { id: string }).id;
  ids.alice = await make('Contact', { LastName: 'Known', Phone: '+33 6 42 00 00 01' });
  ids.older = await make('Contact', { LastName: 'Shared Older', Phone: '+33 6 42 00 00 02' });
  ids.winner = await make('Contact', { LastName: 'Shared Newer', Phone: '+33 6 42 00 00 02' });
  await conn.sobject('Contact').update({ Id: ids.winner, Title: 'touched last' });
  ids.case = await make('Case', { ContactId: ids.winner, Subject: 'Open', Status: 'New' });
  // The calls arrive while unknown numbers are not logged.
  await svc.setSettings({ Unknown_Number__c: 'None', Related_Record__c: 'None' });
  for (const raw of [
    '+33 6 42 00 00 01',
    '+33 6 42 00 00 02',
    '+33 6 42 00 00 91',
    '+33 6 42 00 00 91',
    '+33 6 42 00 00 92'
  ])
    await svc.post(call(raw));
  await svc.settle();
  // Then the admin creates Contacts for unknown numbers, and thinks of Leads instead.
  await svc.setSettings({ Unknown_Number__c: 'Contact' });
}, 60_000);
afterAll(async () => {
  await svc?.close();
});

describe('a settings preview', () => {
  it('names the Leads a change of Unknown_Number__c would create instead of the Contacts, writing nothing', async () => {
    const before = { requests: Object.fromEntries(svc.pipeline.gateway.requests), used: svc.org.org.apiUsed };
    const result = await preview({ draft: { Unknown_Number__c: 'Lead' }, days: 7 });
    expect(result).toMatchObject({ calls: 5, distinctNumbers: 4, reads: 1, changedCalls: 3 });
    expect(result.changedFields).toEqual({ Unknown_Number__c: { current: 'Contact', draft: 'Lead' } });
    // One record per unknown number (two calls from +33 6 42 00 00 91 make one).
    expect(result.current.created).toEqual({ Contact: 2, Lead: 0, Account: 0, Case: 0 });
    expect(result.draft.created).toEqual({ Contact: 0, Lead: 2, Account: 0, Case: 0 });
    expect(result.draft.on).toEqual({ Contact: 2, 'new Lead': 3 });
    const change = result.changes.find((c) => c.draft.includes('a new Lead'))!;
    expect(change.current).toMatch(/^Completed on a new Contact/);
    expect(change.currentTrace).toMatch(/^R3: .*Contact/m);
    expect(change.draftTrace).toMatch(/^R3: .*Lead/m);
    // One read, no write.
    expect(svc.org.org.apiUsed - before.used).toBe(1);
    expect(svc.pipeline.gateway.requests.get('write') ?? 0).toBe(before.requests.write ?? 0);
    expect((await svc.org.conn.query('SELECT Id FROM Lead')).totalSize).toBe(0);
  });

  it('names the record that wins on a shared number, and the Case a draft would relate', async () => {
    const result = await preview({ draft: { Related_Record__c: 'Case' }, days: 7 });
    const shared = result.changes.find((c) => c.current.includes(ids.winner!))!;
    expect(shared.current).toBe(`Completed on Contact ${ids.winner}, owner ${shared.current.split('owner ')[1]}`);
    expect(shared.draft).toContain(`Contact ${ids.winner}, Case ${ids.case}`);
    expect(shared.currentTrace).toMatch(/^R5: /m);
    expect(result.draft.relatedTo.Case).toBe(1);
    // The org's settings relate nothing: the draft's open Cases took a second read.
    expect(result.reads).toBe(2);
  });

  it('counts what a change of Log_Mode__c writes and lists each call it changes (L1)', async () => {
    const result = await preview({ draft: { Log_Mode__c: 'RecordOnly' }, days: 7 });
    expect(result.current.written).toEqual({
      Task: result.current.logged,
      CallRecord: result.current.logged,
      FollowUp: 0
    });
    expect(result.draft.written).toEqual({ Task: 0, CallRecord: result.draft.logged, FollowUp: 0 });
    expect(result.changedCalls).toBe(result.current.logged);
    expect(result.changes[0]!.draft).toMatch(/, a call record only \(no Task\)$/);
    expect(result.changes[0]!.current).not.toContain('call record only');
  });

  it('refuses a draft it cannot read, naming the field and what is allowed', async () => {
    await expect(preview({ draft: { Unknown_Numbers__c: 'Lead' }, days: 7 })).rejects.toThrow(
      /Aircall_Settings__c does not have: Unknown_Numbers__c/
    );
    await expect(preview({ draft: { Unknown_Number__c: 'lead' }, days: 7 })).rejects.toThrow(
      /Unknown_Number__c.*Contact, Lead, Account, None/
    );
    await expect(preview({ draft: {}, days: 31 })).rejects.toThrow(/from 1 to 30/);
  });
});

describe('the panel’s API (what the Apex callout reaches through the Named Credential)', () => {
  const call = (method: string, path: string, body?: unknown, secret: string | null = SECRET) =>
    fetch(`${svc.url}${path}`, {
      method,
      headers: {
        ...(secret ? { Authorization: `Bearer ${secret}` } : {}),
        ...(body ? { 'Content-Type': 'application/json' } : {})
      },
      ...(body ? { body: JSON.stringify(body) } : {})
    });

  it('previews a draft for the panel, with the secret only', async () => {
    const res = await call('POST', '/api/preview', { draft: { Unknown_Number__c: 'Lead' }, days: 7 });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ calls: 5, changedCalls: 3, draft: { created: { Lead: 2 } } });
    for (const secret of [null, 'wrong']) {
      const refused = await call('POST', '/api/preview', { draft: {} }, secret);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ code: 'PANEL_SECRET_INVALID' });
    }
  });

  it('says what to fix in a draft, with its code', async () => {
    const res = await call('POST', '/api/preview', { draft: { Unknown_Number__c: 'lead' }, days: 7 });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; error: string };
    expect(body.code).toBe('SETTINGS_INVALID');
    expect(body.error).toContain('Unknown_Number__c');
    const missing = await call('POST', '/api/preview', { days: 7 });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ code: 'USAGE' });
  });

  it('gives the API share and runs a phone-data health check to the end', async () => {
    expect(await (await call('GET', '/api/status')).json()).toMatchObject({ apiShare: { pressure: 'normal' } });
    const refused = await call('POST', '/api/health', { country: 'France' });
    expect(refused.status).toBe(400);
    const started = await call('POST', '/api/health', { country: 'fr' });
    expect(started.status).toBe(202);
    let run = (await started.json()) as { state: string; report: { phones: { records: number } } | null };
    for (let i = 0; i < 200 && run.state === 'running'; i += 1) {
      await new Promise((r) => setTimeout(r, 25));
      run = (await (await call('GET', '/api/health')).json()) as typeof run;
    }
    expect(run.state).toBe('done');
    expect(run.report!.phones.records).toBe(3); // the three Contacts above
  });
});
