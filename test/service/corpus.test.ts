/**
 * Real Aircall payloads (test/fixtures/aircall/README.md) through the real HTTP endpoint, the
 * inbox, the worker and the local org: every one answered 200, and logged or skipped as the
 * rules say. Variations of them (another number, another time format) cover the reference's
 * scenario list (reference/aircall.md §9); each starts from a real body.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestService } from '../helpers/service';
import { testService } from '../helpers/service';

type Json = Record<string, unknown>;
const FIXTURES = join(__dirname, '..', 'fixtures', 'aircall');
const read = <T>(path: string) => JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as T;

/** The 2022 capture: 37 deliveries of one test company, as they came. */
const CAPTURE = read<{ name: string; body: Json }[]>('koenverduijn-aircall-2022/webhookPayload.json').map(
  (e) => e.body
);
const CAPTURE_TOKEN = CAPTURE[0]!.token as string;
/** The capture came through two webhooks of the company, each with its token. */
const CAPTURE_TOKENS = [...new Set(CAPTURE.map((b) => b.token as string))];
const DOC_CALL_CREATED = read<Json>('aircall-docs/call.created.json');
const DOCS = [
  DOC_CALL_CREATED,
  read<Json>('aircall-docs/number.closed.json'),
  read<Json>('aircall-docs/integration.deleted.json')
];
const API_CALL = read<Json>('aircall-api-reference/call.json');
const API_MESSAGE = read<Json>('aircall-api-reference/message.json');

/** The capture's deliveries of one call, in the order they came. */
const deliveriesOf = (id: number) => CAPTURE.filter((b) => b.resource === 'call' && (b.data as Json).id === id);
/** A real body with its data changed: a variation, never a made-up payload. */
const vary = (body: Json, data: Json, envelope: Json = {}): Json => ({
  ...body,
  ...envelope,
  data: { ...(body.data as Json), ...data }
});

const EXTERNAL = '+33 6 45 00 11 22';
let svc: TestService;
let seq = 990_000_000;
const nextId = () => (seq += 1);

beforeAll(async () => {
  svc = await testService({ tokens: [...CAPTURE_TOKENS, DOC_CALL_CREATED.token as string, '45XXYYZZa08'] });
  await svc.setSettings({ Unknown_Number__c: 'Contact', Missed_Call__c: 'InProgress', Voicemail__c: 'InProgress' });
});
afterAll(async () => {
  await svc.close();
});

async function tasks(externalId: string): Promise<Json[]> {
  return (
    await svc.org.conn.query<Json>(
      `SELECT Id, Subject, Status, WhoId, OwnerId, CallType, Description, Aircall_Recording_Url__c, Aircall_Wait_Seconds__c, Aircall_Type__c FROM Task WHERE Aircall_Id__c = '${externalId}'`
    )
  ).records;
}
async function deliver(...bodies: Json[]): Promise<{ status: number; body: Json }[]> {
  const answers = [];
  for (const body of bodies) answers.push(await svc.post(body));
  await svc.settle();
  return answers;
}

describe('the 2022 capture of a real Aircall company, as it came', () => {
  it('answers 200 to every delivery: accepted when the product uses the event, ignored otherwise', async () => {
    const answers = await deliver(...CAPTURE);
    const used = ['call.ended', 'call.voicemail_left', 'call.tagged', 'call.commented'];
    expect(answers.map((a) => a.status)).toEqual(CAPTURE.map(() => 200));
    expect(answers.map((a) => a.body.status)).toEqual(
      CAPTURE.map((b) => (used.includes(b.event as string) ? 'accepted' : 'ignored'))
    );
  });

  it('recognises its calls between two of the company lines as internal: no Task, no Contact for a company line', async () => {
    for (const id of [780836699, 780836754, 780883160]) {
      expect(await svc.pipeline.inbox.item(`call:${id}`)).toMatchObject({
        state: 'skipped',
        lastError: 'INTERNAL_CALL'
      });
      expect(await tasks(`call:${id}`)).toEqual([]);
    }
    const lines = await svc.org.conn.query(
      "SELECT Id FROM Contact WHERE Phone LIKE '%330 818 6690%' OR Phone LIKE '%720 880079%'"
    );
    expect(lines.totalSize).toBe(0);
    expect([...svc.pipeline.inbox.companyLines()]).toEqual(
      expect.arrayContaining(['+443308186690', '+43720880079', '+61283109650', '+31851070844'])
    );
  });

  it('still knows the company lines after a restart', async () => {
    await svc.restart();
    const id = nextId();
    const [ended] = deliveriesOf(780836699).filter((b) => b.event === 'call.ended');
    await deliver(vary(ended!, { id, direct_link: `https://api.aircall.io/v1/calls/${id}` }));
    expect(await svc.pipeline.inbox.item(`call:${id}`)).toMatchObject({ state: 'skipped', lastError: 'INTERNAL_CALL' });
  });
});

describe('the scenarios of reference/aircall.md §9, as variations of real bodies', () => {
  it('a missed call with its voicemail left after call.ended: one voicemail Task with the stable asset link and the reason in words', async () => {
    const id = nextId();
    const [ended, left] = ['call.ended', 'call.voicemail_left'].map((event) =>
      vary(
        deliveriesOf(780836754).find((b) => b.event === event)!,
        { id, raw_digits: EXTERNAL }
      )
    );
    // Aircall's own order: call.ended carries the voicemail here, call.voicemail_left comes ~3 s later.
    expect((await deliver(ended!, left!)).map((a) => a.status)).toEqual([200, 200]);
    const [task, ...more] = await tasks(`call:${id}`);
    expect(more).toEqual([]);
    expect(task).toMatchObject({
      Status: 'In Progress',
      Aircall_Type__c: 'voicemail',
      Aircall_Recording_Url__c: `https://assets.aircall.io/calls/780836754/voicemail`,
      Aircall_Wait_Seconds__c: 17
    });
    expect(task!.Description).toContain('Missed call reason: the agents rung did not answer (agents_did_not_answer).');
    expect(task!.Description).toContain('not answered');
  });

  it('an answered call tagged and commented after it ended: talk time, the tag and the comment on one Task', async () => {
    const id = nextId();
    const bodies = deliveriesOf(780883160)
      .filter((b) => ['call.tagged', 'call.commented'].includes(b.event as string))
      .map((b) => vary(b, { id, raw_digits: EXTERNAL }));
    await deliver(...bodies);
    const [task] = await tasks(`call:${id}`);
    expect(task).toMatchObject({ Aircall_Type__c: 'inbound_answered', CallType: 'Inbound', Status: 'Completed' });
    expect(task!.Description).toContain('wait 15 s, talk 3 min 13 s');
    expect(task!.Description).toContain('Tags: Assess_Eng_Lvl');
    expect(task!.Description).toContain('Koen Verduijn SE: asdfasdfasdf');
  });

  it('a transfer: who passed the call on and to whom; the Task is the receiving agent’s when Aircall names no user', async () => {
    const id = nextId();
    const [tagged] = deliveriesOf(780883160).filter((b) => b.event === 'call.tagged');
    const agent = (tagged!.data as Json).user as Json;
    const transferred = vary(tagged!, {
      id,
      raw_digits: EXTERNAL,
      user: null,
      transferred_by: { ...agent, id: 1, name: 'First Agent', email: 'first@example.com' },
      transferred_to: agent
    });
    await deliver(transferred);
    const [task] = await tasks(`call:${id}`);
    expect(task!.Description).toContain('Transferred by First Agent to Koen Verduijn SE.');
    expect(task!.Description).toContain('handled by Koen Verduijn SE');
  });

  it('the documented call.created with "user": {}, "contact": {} and "number": {}, once ended: logged, owned by the integration user', async () => {
    const id = nextId();
    const data = DOC_CALL_CREATED.data as Json;
    const ended = vary(
      DOC_CALL_CREATED,
      { id, answered_at: (data.started_at as number) + 4, ended_at: (data.started_at as number) + 64 },
      { event: 'call.ended' }
    );
    expect((await deliver(ended))[0]!.body).toEqual({ status: 'accepted' });
    const [task] = await tasks(`call:${id}`);
    expect(task).toMatchObject({ Aircall_Type__c: 'outbound_answered', OwnerId: svc.pipeline.gateway.identity.userId });
  });

  it('the documented number.closed and integration.deleted: ignored, and the number is known as a company line', async () => {
    const answers = await deliver(...DOCS.slice(1));
    expect(answers.map((a) => a.body)).toEqual([{ status: 'ignored' }, { status: 'ignored' }]);
    expect(svc.pipeline.inbox.companyLines().has('+33176360695')).toBe(true);
  });

  it.each([
    ['unix seconds', (t: number) => t],
    ['milliseconds', (t: number) => t * 1000],
    ['ISO strings', (t: number) => new Date(t * 1000).toISOString()]
  ])('the API reference Call in a call.ended, its times in %s: the same Task', async (_label, as) => {
    const id = nextId();
    const times = Object.fromEntries(
      ['started_at', 'answered_at', 'ended_at'].map((k) => [k, as(API_CALL[k] as number)])
    );
    const body = {
      resource: 'call',
      event: 'call.ended',
      timestamp: 1584998240,
      token: CAPTURE_TOKEN,
      data: { ...API_CALL, ...times, id }
    };
    await deliver(body);
    const [task] = await tasks(`call:${id}`);
    expect(task).toMatchObject({ Aircall_Type__c: 'outbound_answered', Aircall_Wait_Seconds__c: 6 });
    expect(task!.Description).toContain('(wait 6 s, talk 5 s)');
    expect(task!.Description).toContain('Johnn Doe: Please call back this customer!');
  });

  it('the API reference Message in a message.sent: "+130..." is no full number, so it is skipped with the reason', async () => {
    const body = {
      resource: 'message',
      event: 'message.sent',
      timestamp: 1722324561,
      token: CAPTURE_TOKEN,
      data: { ...API_MESSAGE, id: `SM${nextId()}` }
    };
    expect((await deliver(body))[0]!.body).toEqual({ status: 'accepted' });
    expect(await svc.pipeline.inbox.item(`message:${(body.data as Json).id as string}`)).toMatchObject({
      state: 'skipped',
      lastError: 'NO_NUMBER'
    });
  });

  it('an inbound MMS built from the API reference Message: media counted, logged on a new Contact', async () => {
    const id = `SM${nextId()}`;
    const data = {
      ...API_MESSAGE,
      id,
      direction: undefined,
      external_number: EXTERNAL,
      media_details: [{ file_name: 'photo.jpg', file_type: 'image/jpeg' }]
    };
    await deliver({
      resource: 'message',
      event: 'message.received',
      timestamp: 1722324561,
      token: CAPTURE_TOKEN,
      data
    });
    const [task] = await tasks(`message:${id}`);
    expect(task).toMatchObject({ Subject: `MMS from ${EXTERNAL}` });
    expect(task!.Description).toContain('Attachments: 1.');
  });

  it('a recording ready later (call.comm_assets_generated): the same Task gains the link', async () => {
    const id = nextId();
    const [tagged] = deliveriesOf(780883160).filter((b) => b.event === 'call.tagged');
    const first = vary(tagged!, { id, raw_digits: EXTERNAL });
    const assets = vary(
      tagged!,
      { id, raw_digits: EXTERNAL, asset: `https://assets.aircall.io/calls/${id}/recording` },
      { event: 'call.comm_assets_generated', timestamp: (tagged!.timestamp as number) + 60 }
    );
    await deliver(first, assets);
    const all = await tasks(`call:${id}`);
    expect(all).toHaveLength(1);
    expect(all[0]!.Aircall_Recording_Url__c).toBe(`https://assets.aircall.io/calls/${id}/recording`);
  });
});
