/**
 * Insight cards (C1) through the real service: a `call.created` webhook, the org read through the
 * snapshot resource's stand-in on the local org, the card posted to the local Aircall over HTTP.
 * Each case of issue #32: a known caller, an unknown one, a shared number, an internal call,
 * cards off, the Aircall budget used up, an Aircall error; the card and the logged Task name
 * the same record, and calls ringing together share one read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InsightBlock, RunningLocalAircall } from '@aircall-sf/local-aircall';
import { Company, startLocalAircall } from '@aircall-sf/local-aircall';
import type { TestService } from '../helpers/service';
import { testService } from '../helpers/service';
import { AGENT, PARIS_LINE, callData, envelope } from '../fixtures/aircall-builders';

let aircall: RunningLocalAircall;
let service: TestService;
let nextId = 7_000_000;
const ids: Record<string, string> = {};

/** A call Aircall knows (the local Aircall holds it), ringing from `raw`. */
function ringing(raw: string, patch: Record<string, unknown> = {}) {
  const id = (nextId += 1);
  const started = Math.floor(Date.now() / 1000);
  aircall.company.addCall({ id, started_at: started, direction: 'inbound', raw_digits: raw });
  const live = {
    id,
    raw_digits: raw,
    started_at: started,
    answered_at: null,
    ended_at: null,
    duration: 0,
    user: null,
    ...patch
  };
  return { id, created: envelope('call.created', callData(live), { timestamp: started }), live };
}

async function cardsOf(id: number, timeoutMs = 5000): Promise<InsightBlock[][]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const cards = aircall.company.cards.get(id);
    if (cards?.length) return cards.map((c) => [...c.contents]);
    await new Promise((r) => setTimeout(r, 20));
  }
  return [];
}

/** Until the service has decided about the call's card (posted, or why not). */
async function noteOf(id: number): Promise<string> {
  for (let i = 0; i < 250; i += 1) {
    const note = service.cards.noteFor(`call:${id}`);
    if (note) return note;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no card decision for call ${id}`);
}

beforeAll(async () => {
  aircall = await startLocalAircall({ company: new Company('card-id', 'card-token'), rateLimit: 1000 });
  service = await testService({
    env: {
      AIRCALL_API_URL: aircall.url,
      AIRCALL_API_ID: 'card-id',
      AIRCALL_API_TOKEN: 'card-token',
      AIRCALL_API_REQUESTS_PER_MINUTE: '60',
      AIRCALL_CARD_WINDOW_MS: '100',
      AIRCALL_COMPANY_NUMBERS: '+33176000001'
    }
  });
  const conn = service.org.conn;
  const make = async (object: string, values: Record<string, unknown>) =>
    ((await conn.sobject(object).create(values)) as { id: string }).id;
  ids.account = await make('Account', { Name: 'Acme Industries' });
  ids.alice = await make('Contact', {
    FirstName: 'Alice',
    LastName: 'Carder',
    Phone: '+33 6 40 00 00 01',
    AccountId: ids.account
  });
  ids.case = await make('Case', { ContactId: ids.alice, Subject: 'Broken widget', Status: 'New' });
  ids.shared1 = await make('Contact', { LastName: 'Shared One', Phone: '+33 6 40 00 00 02' });
  ids.shared2 = await make('Lead', { LastName: 'Shared Two', Company: 'Two', Phone: '+33 6 40 00 00 02' });
  await service.setSettings({ Related_Record__c: 'Case', Unknown_Number__c: 'Lead', Insight_Cards__c: true });
}, 60_000);
afterAll(async () => {
  await service?.close();
  await aircall?.close();
});

describe('insight cards while the phone rings', () => {
  it('shows a known caller: record, Account, owner, open Case, last call; the Task lands on the same record', async () => {
    // An earlier call with this number, logged: the card says when, who and what.
    const earlier = ringing('+33 6 40 00 00 01');
    await service.post(
      envelope('call.ended', callData({ id: earlier.id, raw_digits: '+33 6 40 00 00 01', user: AGENT }))
    );
    await service.settle();
    await noteOf(earlier.id).catch(() => null);

    const call = ringing('+33 6 40 00 00 01');
    expect((await service.post(call.created)).status).toBe(200);
    const [card] = await cardsOf(call.id);
    const base = service.org.instanceUrl;
    expect(card![0]).toEqual({ type: 'title', text: 'Alice Carder · Contact', link: `${base}/${ids.alice}` });
    expect(card).toContainEqual({ type: 'shortText', label: 'Account', text: 'Acme Industries' });
    expect(card!.find((b) => 'label' in b && b.label === 'Owner')).toBeDefined();
    const open = card!.find((b) => 'label' in b && b.label === 'Open Case') as { text: string; link: string };
    expect(open.text).toMatch(/^\d+ · Broken widget · New$/);
    expect(open.link).toBe(`${base}/${ids.case}`);
    expect((card!.find((b) => 'label' in b && b.label === 'Last call') as { text: string }).text).toMatch(
      / · Inbound answered$/
    );
    expect(card!.at(-1)).toEqual({ type: 'link', label: 'Open in Salesforce', link: `${base}/${ids.alice}` });
    expect(await noteOf(call.id)).toBe(`card posted naming Contact ${ids.alice}`);

    // The call ends and is logged: on the record the card named, and its trace says so.
    await service.post(
      envelope(
        'call.ended',
        callData({
          ...call.live,
          ended_at: call.live.started_at + 60,
          duration: 60,
          answered_at: call.live.started_at + 5,
          user: AGENT
        })
      )
    );
    await service.settle();
    const task = (
      await service.org.conn.query<{ WhoId: string; Aircall_Trace__c: string }>(
        `SELECT WhoId, Aircall_Trace__c FROM Task WHERE Aircall_Id__c = 'call:${call.id}'`
      )
    ).records[0]!;
    expect(task.WhoId).toBe(ids.alice);
    expect(task.Aircall_Trace__c.split('\n')[0]).toBe(`C1: card posted naming Contact ${ids.alice}`);
  }, 30_000);

  it('says what an unknown number will create', async () => {
    const call = ringing('+33 6 49 99 99 99');
    await service.post(call.created);
    expect((await cardsOf(call.id))[0]).toEqual([
      { type: 'title', text: 'Unknown number +33 6 49 99 99 99' },
      {
        type: 'shortText',
        label: 'Salesforce',
        text: 'No record has this number: a new Lead will be created when the call is logged.'
      }
    ]);
  });

  it('names the record that wins on a shared number, and how many others hold it', async () => {
    const call = ringing('+33 6 40 00 00 02');
    await service.post(call.created);
    const [card] = await cardsOf(call.id);
    // R4: a Contact before a Lead.
    expect(card![0]).toMatchObject({ type: 'title', text: 'Shared One · Contact' });
    expect(card).toContainEqual({ type: 'shortText', label: 'Same number', text: '1 other record holds this number.' });
  });

  it("reads Aircall's documented call.created sample (an outbound call) and posts its card", async () => {
    const sample = JSON.parse(
      readFileSync(join(__dirname, '..', 'fixtures', 'aircall', 'aircall-docs', 'call.created.json'), 'utf8')
    ) as { data: { id: number; started_at: number; raw_digits: string } };
    aircall.company.addCall({ id: sample.data.id, started_at: sample.data.started_at, direction: 'outbound' });
    expect((await service.post({ ...sample, token: 'test-webhook-token' })).status).toBe(200);
    expect((await cardsOf(sample.data.id))[0]![0]).toEqual({ type: 'title', text: 'Unknown number +1 800 123 4567' });
  });

  it('posts no card for a call.created that comes after the call ended (deliveries are unordered)', async () => {
    const call = ringing('+33 6 40 00 00 01');
    await service.post(
      envelope('call.ended', callData({ ...call.live, ended_at: call.live.started_at + 30, duration: 30 }))
    );
    await service.settle();
    const before = aircall.stats.requests;
    await service.post(call.created);
    expect(await noteOf(call.id)).toBe('no card: the call had already ended');
    expect(aircall.stats.requests).toBe(before);
  });

  it('gives an internal call no card, and sends Aircall nothing', async () => {
    const before = aircall.stats.requests;
    const call = ringing('+33 1 76 00 00 01', { number: PARIS_LINE });
    await service.post(call.created);
    expect(await noteOf(call.id)).toBe('no card: an internal call');
    expect(aircall.stats.requests).toBe(before);
  });

  it('shares one org read among calls that ring together', async () => {
    const before = service.pipeline.gateway.requests.get('snapshot') ?? 0;
    const calls = [ringing('+33 6 40 00 00 01'), ringing('+33 6 40 00 00 02'), ringing('+33 6 49 99 99 98')];
    await Promise.all(calls.map((c) => service.post(c.created)));
    for (const c of calls) expect(await noteOf(c.id)).toMatch(/^card posted/);
    expect((service.pipeline.gateway.requests.get('snapshot') ?? 0) - before).toBe(1);
  });

  it('posts nothing when an Aircall error answers, and says why; the call is still logged', async () => {
    aircall.setFailureRate(1);
    try {
      const call = ringing('+33 6 40 00 00 01');
      await service.post(call.created);
      expect(await noteOf(call.id)).toBe('no card: Aircall answered 503');
    } finally {
      aircall.setFailureRate(0);
    }
    // A call Aircall does not know: 404, dropped.
    const unknown = { ...ringing('+33 6 40 00 00 01') };
    aircall.company.calls.splice(
      aircall.company.calls.findIndex((c) => c.id === unknown.id),
      1
    );
    await service.post(unknown.created);
    expect(await noteOf(unknown.id)).toBe(`no card: Aircall has no call ${unknown.id}`);
  });

  it('with cards off: no card, no Aircall request, and no org read once the settings are known', async () => {
    await service.setSettings({ Insight_Cards__c: false });
    const first = ringing('+33 6 40 00 00 01');
    await service.post(first.created);
    expect(await noteOf(first.id)).toBe('no card: Insight_Cards__c is off');
    const reads = service.pipeline.gateway.requests.get('snapshot') ?? 0;
    const aircallBefore = aircall.stats.requests;
    const second = ringing('+33 6 40 00 00 01');
    await service.post(second.created);
    expect(await noteOf(second.id)).toBe('no card: Insight_Cards__c is off');
    expect(service.pipeline.gateway.requests.get('snapshot') ?? 0).toBe(reads);
    expect(aircall.stats.requests).toBe(aircallBefore);
    await service.setSettings({ Insight_Cards__c: true });
  });
});

describe('the Aircall budget used up', () => {
  it('drops a card it cannot post now, counted, never queued', async () => {
    const small = await startLocalAircall({ company: new Company('b-id', 'b-token'), rateLimit: 1000 });
    const tight = await testService({
      existingOrg: service.org,
      env: {
        AIRCALL_API_URL: small.url,
        AIRCALL_API_ID: 'b-id',
        AIRCALL_API_TOKEN: 'b-token',
        AIRCALL_API_REQUESTS_PER_MINUTE: '1',
        AIRCALL_CARD_WINDOW_MS: '50'
      }
    });
    try {
      const calls = [1, 2].map(() => {
        const id = (nextId += 1);
        const started = Math.floor(Date.now() / 1000);
        small.company.addCall({ id, started_at: started, direction: 'inbound' });
        return {
          id,
          body: envelope(
            'call.created',
            callData({
              id,
              raw_digits: '+33 6 40 00 00 01',
              started_at: started,
              answered_at: null,
              ended_at: null,
              duration: 0
            }),
            { timestamp: started }
          )
        };
      });
      await tight.post(calls[0]!.body);
      await new Promise((r) => setTimeout(r, 500));
      await tight.post(calls[1]!.body);
      await new Promise((r) => setTimeout(r, 500));
      expect(small.company.cards.get(calls[0]!.id)).toHaveLength(1);
      expect(small.company.cards.get(calls[1]!.id)).toBeUndefined();
      expect(tight.cards.noteFor(`call:${calls[1]!.id}`)).toBe(
        'no card: AIRCALL_API_REQUESTS_PER_MINUTE (1) is used up'
      );
      expect(tight.pipeline.metrics.cardsNotPosted.get({ reason: 'budget' })).toBe(1);
    } finally {
      await tight.close();
      await small.close();
    }
  }, 30_000);
});

/** A second service on the same org and local Aircall, with its own windows. */
async function sharing(cardWindowMs: number, batchWindowMs: number): Promise<TestService> {
  return testService({
    existingOrg: service.org,
    env: {
      AIRCALL_API_URL: aircall.url,
      AIRCALL_API_ID: 'card-id',
      AIRCALL_API_TOKEN: 'card-token',
      AIRCALL_CARD_WINDOW_MS: String(cardWindowMs)
    },
    worker: { batchWindowMs }
  });
}

/** An ended call that waits for company (a live call makes traffic); its id. */
async function waitingCall(svc: TestService, raw: string): Promise<number> {
  await svc.post(
    envelope('call.commented', callData({ id: (nextId += 1), raw_digits: '+33 6 40 00 00 02', ended_at: null }))
  );
  const ended = (nextId += 1);
  await svc.post(envelope('call.ended', callData({ id: ended, raw_digits: raw, user: AGENT })));
  return ended;
}

/** A call that starts ringing, known to the local Aircall; its id. */
async function ringingCall(svc: TestService, raw: string): Promise<number> {
  const id = (nextId += 1);
  const started = Math.floor(Date.now() / 1000);
  aircall.company.addCall({ id, started_at: started, direction: 'inbound' });
  const live = { id, raw_digits: raw, started_at: started, answered_at: null, ended_at: null, duration: 0, user: null };
  await svc.post(envelope('call.created', callData(live), { timestamp: started }));
  return id;
}

describe('one read for a card and a batch', () => {
  it('logs a waiting call with the read its neighbour’s card paid for: one read for both', async () => {
    // A long batch window, so that the ended call waits while the other call rings.
    const svc = await sharing(50, 1500);
    try {
      const ended = await waitingCall(svc, '+33 6 40 00 00 01');
      const before = svc.pipeline.gateway.requests.get('snapshot') ?? 0;
      const ring = await ringingCall(svc, '+33 6 49 99 99 97');
      await svc.settle(10_000);
      expect((await svc.pipeline.inbox.item(`call:${ended}`))?.state).toBe('logged');
      expect(aircall.company.cards.get(ring)).toHaveLength(1);
      expect((svc.pipeline.gateway.requests.get('snapshot') ?? 0) - before).toBe(1);
    } finally {
      await svc.close();
    }
  }, 30_000);

  it('posts a ringing call’s card from the read of the batch that became due meanwhile: one read for both', async () => {
    // A long card window, so that the waiting batch becomes due first.
    const svc = await sharing(3000, 400);
    try {
      const ended = await waitingCall(svc, '+33 6 40 00 00 01');
      const before = svc.pipeline.gateway.requests.get('snapshot') ?? 0;
      const ring = await ringingCall(svc, '+33 6 40 00 00 01');
      await svc.settle(10_000);
      for (let i = 0; i < 100 && !aircall.company.cards.get(ring); i += 1) await new Promise((r) => setTimeout(r, 20));
      expect((await svc.pipeline.inbox.item(`call:${ended}`))?.state).toBe('logged');
      expect(aircall.company.cards.get(ring)![0]!.contents[0]).toMatchObject({ text: 'Alice Carder · Contact' });
      // Long before the card's own window closed: the batch's read served it.
      expect((svc.pipeline.gateway.requests.get('snapshot') ?? 0) - before).toBe(1);
      expect(svc.cards.noteFor(`call:${ring}`)).toBe(`card posted naming Contact ${ids.alice}`);
    } finally {
      await svc.close();
    }
  }, 30_000);
  it('logs an unanswered call on the read its own card took: one read for the card and the Task', async () => {
    const svc = await sharing(50, 200);
    try {
      const before = svc.pipeline.gateway.requests.get('snapshot') ?? 0;
      const ring = await ringingCall(svc, '+33 6 40 00 00 01');
      while (svc.cards.deciding(`call:${ring}`)) await new Promise((r) => setTimeout(r, 10));
      // Nobody answered: no agent had the call open to change the org meanwhile.
      const ended = callData({ id: ring, raw_digits: '+33 6 40 00 00 01', answered_at: null, user: null });
      await svc.post(envelope('call.ended', ended));
      await svc.settle(10_000);
      const item = await svc.pipeline.inbox.item(`call:${ring}`);
      expect(item?.state).toBe('logged');
      expect(item?.placement?.id).toBe(ids.alice);
      expect((svc.pipeline.gateway.requests.get('snapshot') ?? 0) - before).toBe(1);
      expect(svc.pipeline.metrics.readsKept.get({ kind: 'ringing' })).toBe(1);
    } finally {
      await svc.close();
    }
  }, 30_000);

  it('logs the part of a batch a card’s read answers, and puts the rest back until a later card’s read covers it', async () => {
    const svc = await sharing(50, 3000);
    try {
      const before = svc.pipeline.gateway.requests.get('snapshot') ?? 0;
      // Traffic (a live call's comment), so that ended calls wait for company.
      await svc.post(
        envelope('call.commented', callData({ id: (nextId += 1), raw_digits: '+33 6 40 00 00 02', ended_at: null }))
      );
      const unanswered = await ringingCall(svc, '+33 6 40 00 00 01');
      while (svc.cards.deciding(`call:${unanswered}`)) await new Promise((r) => setTimeout(r, 10));
      await svc.post(
        envelope(
          'call.ended',
          callData({ id: unanswered, raw_digits: '+33 6 40 00 00 01', answered_at: null, user: null })
        )
      );
      // Ends after the card was read: that read does not answer it.
      await new Promise((r) => setTimeout(r, 1000));
      const answered = (nextId += 1);
      await svc.post(envelope('call.ended', callData({ id: answered, raw_digits: '+33 6 40 00 00 02', user: AGENT })));
      // The first call's window ends with the second's 1 s old: the first goes alone, on its card's read.
      while ((await svc.pipeline.inbox.item(`call:${unanswered}`))?.state !== 'logged')
        await new Promise((r) => setTimeout(r, 20));
      expect((await svc.pipeline.inbox.item(`call:${answered}`))?.state).toBe('pending');
      expect(svc.pipeline.metrics.itemsDeferred.get()).toBe(1);
      // Another call rings before the second call's own window ends: its card's read covers it.
      await ringingCall(svc, '+33 6 49 99 99 96');
      await svc.settle(10_000);
      expect((await svc.pipeline.inbox.item(`call:${answered}`))?.state).toBe('logged');
      expect((svc.pipeline.gateway.requests.get('snapshot') ?? 0) - before).toBe(2); // the two cards' reads
      expect(svc.pipeline.gateway.requests.get('write')).toBe(2);
    } finally {
      await svc.close();
    }
  }, 30_000);

  it('reads again for an answered call: the agent may have changed the org during it', async () => {
    const svc = await sharing(50, 200);
    try {
      const before = svc.pipeline.gateway.requests.get('snapshot') ?? 0;
      const ring = await ringingCall(svc, '+33 6 40 00 00 01');
      while (svc.cards.deciding(`call:${ring}`)) await new Promise((r) => setTimeout(r, 10));
      const ended = callData({ id: ring, raw_digits: '+33 6 40 00 00 01', user: AGENT });
      await svc.post(envelope('call.ended', ended));
      await svc.settle(10_000);
      expect((await svc.pipeline.inbox.item(`call:${ring}`))?.state).toBe('logged');
      expect((svc.pipeline.gateway.requests.get('snapshot') ?? 0) - before).toBe(2);
      expect(svc.pipeline.metrics.readsKept.get({ kind: 'ringing' })).toBe(0);
    } finally {
      await svc.close();
    }
  }, 30_000);
});
