/**
 * The call record (L1, issue #31) through the real service and the local org, on both read
 * paths and in every logging mode: a call with tags, comments, a transfer, an IVR option, a
 * recording and all five Aircall AI events, sent in Aircall's order and out of order, leaves one
 * Task and one Aircall Call record holding all of it, the Task's lookup naming the record; a
 * redelivery or a late tag updates both; the record costs no request of its own.
 */
import type { TestService } from '../helpers/service';
import { testService } from '../helpers/service';
import { AGENT, callData, envelope, T0 } from '../fixtures/aircall-builders';
import type { Json } from '../fixtures/aircall-builders';
import { aiEvents, transcriptionData } from '../fixtures/aircall-ai';
import type { LogModeChoice } from '../../src/settings/schema';
import { LocalControllers } from '../../src/org-api/local';
import type { CallPage } from '../../src/org-api/contract';

const PHONE = '+33 6 46 00 00 01';
const SECOND_AGENT = { ...AGENT, id: 812346, name: 'Sam Roe', email: 'sam.roe@example.com' };
const ASSET = 'https://assets.aircall.io/calls/8500001/recording';

/** Every part of a call the record keeps: a transfer, an IVR option, tags, comments, a recording link. */
function fullCall(id: number, extra: Json = {}): Json {
  return callData({
    id,
    raw_digits: PHONE,
    user: SECOND_AGENT,
    transferred_by: AGENT,
    transferred_to: SECOND_AGENT,
    teams: [{ id: 1, name: 'Support' }],
    // The documented shape of ivr_options_selected (reference/aircall.md §2).
    ivr_options_selected: [
      {
        id: 'opt1',
        title: 'Billing',
        key: '2',
        branch: 'billing',
        created_at: '2025-11-20T09:00:05.000Z',
        transition_started_at: '2025-11-20T09:00:05.000Z',
        transition_ended_at: '2025-11-20T09:00:06.000Z'
      }
    ],
    asset: ASSET,
    recording: 'https://aircall-recordings.s3.amazonaws.com/x.mp3?X-Amz-Expires=600',
    tags: [{ id: 1, name: 'quote' }],
    comments: [{ id: 735, content: 'Please call back this customer!', posted_at: T0 + 200, posted_by: AGENT }],
    ...extra
  });
}

const post = async (svc: TestService, body: Json) => expect((await svc.post(body)).status).toBe(200);

interface RecordRow {
  Id: string;
  Name: string;
  Agents__c: string;
  Transfers__c: string;
  IVR_Options__c: string;
  Teams__c: string;
  Outcome__c: string;
  Answered__c: boolean;
  Talk_Seconds__c: number;
  Recording_Url__c: string;
  Tags__c: string;
  Comments__c: string;
  Summary__c: string | null;
  Topics__c: string | null;
  Sentiment__c: string | null;
  Action_Items__c: string | null;
  Transcript__c: string | null;
  Contact__c: string;
  Trace__c: string;
}
const RECORD_FIELDS =
  'Id, Name, Agents__c, Transfers__c, IVR_Options__c, Teams__c, Outcome__c, Answered__c, Talk_Seconds__c, Recording_Url__c, Tags__c, Comments__c, Summary__c, Topics__c, Sentiment__c, Action_Items__c, Transcript__c, Contact__c, Trace__c';

describe.each(['apex', 'rest'] as const)('the call record, on the %s read path', (readPath) => {
  let svc: TestService;
  let contactId: string;
  beforeAll(async () => {
    svc = await testService({ worker: { batchWindowMs: 0 }, env: { SF_READ_PATH: readPath } });
    contactId = (
      (await svc.org.conn.sobject('Contact').create({ LastName: 'Recorded', Phone: PHONE })) as { id: string }
    ).id;
  }, 60_000);
  afterAll(() => svc?.close());

  const records = async (id: number) =>
    (
      await svc.org.conn.query<RecordRow>(
        `SELECT ${RECORD_FIELDS} FROM Aircall_Call__c WHERE Aircall_Id__c = 'call:${id}'`
      )
    ).records;
  const tasks = async (id: number) =>
    (
      await svc.org.conn.query<{
        Id: string;
        Description: string;
        Aircall_Call_Record__c: string | null;
        Aircall_Tags__c: string;
      }>(`SELECT Id, Description, Aircall_Call_Record__c, Aircall_Tags__c FROM Task WHERE Aircall_Id__c = 'call:${id}'`)
    ).records;
  const post = async (body: Json) => expect((await svc.post(body)).status).toBe(200);
  const writes = () => svc.pipeline.gateway.requests.get('write') ?? 0;

  async function expectEverything(id: number, mode: LogModeChoice): Promise<void> {
    const [record, ...moreRecords] = await records(id);
    const [task, ...moreTasks] = await tasks(id);
    expect(moreRecords).toHaveLength(0);
    expect(moreTasks).toHaveLength(0);
    if (mode === 'TaskOnly') expect(record).toBeUndefined();
    else {
      expect(record).toMatchObject({
        Agents__c: 'Jane Doe, Sam Roe',
        Transfers__c: 'Transferred by Jane Doe to Sam Roe',
        IVR_Options__c: 'Billing (2)',
        Teams__c: 'Support',
        Outcome__c: 'Answered',
        Answered__c: true,
        Talk_Seconds__c: 93,
        // The asset page, not the mp3 link that expires.
        Recording_Url__c: ASSET,
        Tags__c: 'quote',
        Comments__c: 'Jane Doe: Please call back this customer!',
        Summary__c: expect.stringContaining('a quote for 20 seats') as unknown,
        Topics__c: 'pricing, renewal',
        Sentiment__c: 'external positive, internal neutral',
        Action_Items__c: '- Send the quote for 20 seats by Friday',
        Contact__c: contactId
      });
      expect(record!.Transcript__c).toBe(
        'internal [0 s]: Hello, Acme support.\nexternal [3 s]: I would like a quote for 20 seats.'
      );
      expect(record!.Trace__c).toContain(`L1: Log_Mode__c is ${mode}`);
    }
    // The Activity-tab helper lists the call in every mode: the Task, or the call record alone.
    const page = (await new LocalControllers(svc.org.conn, svc.org.org.orgId).invoke(
      'AircallCallsController.getCalls',
      {
        recordId: contactId,
        pageSize: 50
      }
    )) as CallPage;
    const listed = page.calls.find((c) => c.aircallId === `call:${id}`);
    expect(listed?.id).toBe(mode === 'RecordOnly' ? record!.Id : task!.Id);
    if (mode === 'RecordOnly') expect(listed).toMatchObject({ direction: 'Inbound', ownerName: 'Jane Doe, Sam Roe' });
    // The helper reads comments and Aircall AI from the description, in either row.
    expect(listed?.description).toContain('Comments:\n- Jane Doe: Please call back this customer!');
    expect(listed?.description).toContain('Topics: pricing, renewal');
    expect(listed?.description).toContain('Action items:\n- Send the quote for 20 seats by Friday');
    if (mode === 'RecordOnly') expect(task).toBeUndefined();
    else {
      expect(task!.Description).toContain('Topics: pricing, renewal');
      expect(task!.Aircall_Tags__c).toBe('quote');
      expect(task!.Aircall_Call_Record__c).toBe(mode === 'TaskAndRecord' ? record!.Id : null);
    }
  }

  describe.each(['TaskAndRecord', 'TaskOnly', 'RecordOnly'] as const)('with Log_Mode__c = %s', (mode) => {
    const base =
      8_500_000 + (readPath === 'apex' ? 0 : 100) + ['TaskAndRecord', 'TaskOnly', 'RecordOnly'].indexOf(mode) * 10;
    beforeAll(() => svc.setSettings({ Log_Mode__c: mode }));

    it("holds everything after Aircall's order: the call, then its AI minutes later", async () => {
      const id = base + 1;
      await post(envelope('call.ended', fullCall(id)));
      await svc.settle();
      for (const event of aiEvents(id, T0 + 400)) await post(event);
      await svc.settle();
      await expectEverything(id, mode);
    });

    it('holds everything out of order: AI and a redelivered tag before the call ended', async () => {
      const id = base + 2;
      for (const event of aiEvents(id, T0 + 400).reverse()) await post(event);
      await post(envelope('call.tagged', fullCall(id, { tags: [{ id: 1, name: 'quote' }] }), { timestamp: T0 + 150 }));
      await post(envelope('call.ended', fullCall(id), { timestamp: T0 + 140 }));
      await svc.settle();
      await expectEverything(id, mode);
      // A redelivery of the final call, and a late tag, update what is there.
      await post(envelope('call.ended', fullCall(id), { timestamp: T0 + 140 }));
      await post(
        envelope(
          'call.tagged',
          fullCall(id, {
            tags: [
              { id: 1, name: 'quote' },
              { id: 2, name: 'vip' }
            ]
          }),
          { timestamp: T0 + 900 }
        )
      );
      await svc.settle();
      if (mode !== 'TaskOnly') expect((await records(id))[0]!.Tags__c).toBe('quote, vip');
      if (mode !== 'RecordOnly') expect((await tasks(id))[0]!.Aircall_Tags__c).toBe('quote, vip');
      expect((await records(id)).length).toBe(mode === 'TaskOnly' ? 0 : 1);
      expect((await tasks(id)).length).toBe(mode === 'RecordOnly' ? 0 : 1);
    });

    it('costs one write per batch, the call record included', async () => {
      const before = writes();
      await post(envelope('call.ended', fullCall(base + 3)));
      await svc.settle();
      expect(writes() - before).toBe(1);
    });
  });
});

describe('the call record of a record created for the call', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await testService({ worker: { batchWindowMs: 0 } });
    await svc.setSettings({ Unknown_Number__c: 'Contact', Related_Record__c: 'Case', Create_Case__c: true });
  }, 60_000);
  afterAll(() => svc?.close());

  it('links the new Contact and its new Case, named by their keys in the same write', async () => {
    await svc.post(envelope('call.ended', callData({ id: 8_510_001, raw_digits: '+33 6 46 00 00 99' })));
    await svc.settle();
    const [record] = (
      await svc.org.conn.query<{ Id: string; Contact__c: string; Case__c: string }>(
        "SELECT Id, Contact__c, Case__c FROM Aircall_Call__c WHERE Aircall_Id__c = 'call:8510001'"
      )
    ).records;
    const [contact] = (
      await svc.org.conn.query<{ Id: string }>("SELECT Id FROM Contact WHERE Aircall_Key__c = 'number:+33646000099'")
    ).records;
    const [task] = (
      await svc.org.conn.query<{ WhatId: string; Aircall_Call_Record__c: string }>(
        "SELECT WhatId, Aircall_Call_Record__c FROM Task WHERE Aircall_Id__c = 'call:8510001'"
      )
    ).records;
    expect(record!.Contact__c).toBe(contact!.Id);
    expect(record!.Case__c).toBe(task!.WhatId);
    expect(task!.Aircall_Call_Record__c).toBe(record!.Id);
  });
});

describe('L2 follow-up Tasks from Aircall AI action items', () => {
  let svc: TestService;
  let contactId: string;
  beforeAll(async () => {
    svc = await testService({ worker: { batchWindowMs: 0 } });
    contactId = (
      (await svc.org.conn.sobject('Contact').create({ LastName: 'Followed', Phone: '+33 6 46 00 00 02' })) as {
        id: string;
      }
    ).id;
  }, 60_000);
  afterAll(() => svc?.close());

  const followUps = async (id: number) =>
    (
      await svc.org.conn.query<{ Subject: string; Status: string; ActivityDate: string; WhoId: string }>(
        `SELECT Subject, Status, ActivityDate, WhoId FROM Task WHERE Aircall_Id__c LIKE 'action:${id}:%'`
      )
    ).records;

  it('are off by default: the action items stay on the call', async () => {
    const id = 8_520_001;
    await svc.post(envelope('call.ended', callData({ id, raw_digits: '+33 6 46 00 00 02' })));
    for (const event of aiEvents(id, T0 + 400)) await svc.post(event);
    await svc.settle();
    expect(await followUps(id)).toHaveLength(0);
  });

  it('when on, make one open Task per action item on the same record, due as chosen, once whatever comes again', async () => {
    await svc.setSettings({ Follow_Up_Tasks__c: '1' });
    const id = 8_520_002;
    await svc.post(envelope('call.ended', callData({ id, raw_digits: '+33 6 46 00 00 02' })));
    for (const event of aiEvents(id, T0 + 400)) await svc.post(event);
    await svc.settle();
    // The action items again (a redelivery), then a late tag: the call is written again, its follow-up is not.
    await svc.post(aiEvents(id, T0 + 400)[4]!);
    await svc.post(
      envelope('call.tagged', callData({ id, raw_digits: '+33 6 46 00 00 02', tags: [{ id: 3, name: 'late' }] }), {
        timestamp: T0 + 900
      })
    );
    await svc.settle();
    const tasks = await followUps(id);
    expect(tasks).toEqual(
      [
        {
          Subject: 'Follow up: Send the quote for 20 seats by Friday',
          Status: 'Not Started',
          // The call started 2025-11-20 in Paris: due the next day.
          ActivityDate: '2025-11-21',
          WhoId: contactId
        }
      ].map((t) => expect.objectContaining(t) as unknown)
    );
    const [call] = (
      await svc.org.conn.query<{ Aircall_Tags__c: string; Aircall_Trace__c: string }>(
        `SELECT Aircall_Tags__c, Aircall_Trace__c FROM Task WHERE Aircall_Id__c = 'call:${id}'`
      )
    ).records;
    expect(call!.Aircall_Tags__c).toBe('late');
    expect(call!.Aircall_Trace__c).toContain('L2: 1 Aircall AI action item(s): a follow-up Task each');
  });
});

describe('a transcript longer than the call record holds', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await testService({ worker: { batchWindowMs: 0 } });
    await svc.org.conn.sobject('Contact').create({ LastName: 'Talkative', Phone: PHONE });
  }, 60_000);
  afterAll(() => svc?.close());

  /** An hour-long call's transcript: 400 utterances of about 1,000 characters, 400 kB in all. */
  const longTranscript = (callId: number): Json => ({
    ...transcriptionData(callId),
    content: {
      language: 'en',
      utterances: Array.from({ length: 400 }, (_, n) => ({
        start_time: n * 9,
        end_time: n * 9 + 8,
        text: `Sentence ${n} ${'é'.repeat(990)}`,
        participant_type: n % 2 ? 'external' : 'internal',
        phone_number: null,
        user_id: null
      }))
    }
  });
  const files = async (recordId: string) =>
    (
      await svc.org.conn.query<{
        ContentDocumentId: string;
        ContentDocument: { Title: string; LatestPublishedVersionId: string };
      }>(
        `SELECT ContentDocumentId, ContentDocument.Title, ContentDocument.LatestPublishedVersionId FROM ContentDocumentLink WHERE LinkedEntityId = '${recordId}'`
      )
    ).records;

  it('is kept whole in one file on the record, whatever comes again, and cut with a note in the field', async () => {
    const id = 8_520_001;
    await post(svc, envelope('call.ended', fullCall(id)));
    await svc.settle();
    const fileRequests = () => svc.pipeline.gateway.requests.get('file') ?? 0;
    expect(fileRequests()).toBe(0);
    await post(svc, envelope('transcription.created', longTranscript(id), { timestamp: T0 + 400 }));
    await svc.settle();
    // One query for the files the record has, one insert of the missing file.
    expect(fileRequests()).toBe(2);
    const [record] = (
      await svc.org.conn.query<{ Id: string; Transcript__c: string }>(
        `SELECT Id, Transcript__c FROM Aircall_Call__c WHERE Aircall_Id__c = 'call:${id}'`
      )
    ).records;
    expect(record!.Transcript__c).toHaveLength(131_072);
    expect(
      record!.Transcript__c.endsWith(`the whole transcript is the file "Aircall transcript call:${id}" on this record.`)
    ).toBe(true);
    const [file, ...more] = await files(record!.Id);
    expect(more).toHaveLength(0);
    expect(file!.ContentDocument.Title).toBe(`Aircall transcript call:${id}`);
    // The file's content, read as a client reads a blob: every utterance, accents intact.
    const response = await fetch(
      `${svc.org.conn.instanceUrl}/services/data/v${svc.org.conn.version}/sobjects/ContentVersion/${file!.ContentDocument.LatestPublishedVersionId}/VersionData`,
      { headers: { Authorization: `Bearer ${svc.org.conn.accessToken}` } }
    );
    const text = await response.text();
    expect(text.split('\n')).toHaveLength(400);
    expect(text.split('\n')[399]).toBe(`external [3591 s]: Sentence 399 ${'é'.repeat(990)}`);
    // A redelivery and a late tag: the record is updated, the file found, never attached twice;
    // each later write of the call costs one query for its files.
    const writesBefore = svc.pipeline.gateway.requests.get('write') ?? 0;
    await post(svc, envelope('transcription.created', longTranscript(id), { timestamp: T0 + 400 }));
    await post(svc, envelope('call.tagged', fullCall(id, { tags: [{ id: 2, name: 'vip' }] }), { timestamp: T0 + 900 }));
    await svc.settle();
    expect(await files(record!.Id)).toHaveLength(1);
    const laterWrites = (svc.pipeline.gateway.requests.get('write') ?? 0) - writesBefore;
    expect(laterWrites).toBeGreaterThan(0);
    expect(fileRequests()).toBe(2 + laterWrites);
  });
});
