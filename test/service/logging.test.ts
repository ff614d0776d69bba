/**
 * The main job end to end: webhooks into the real server, the real SQLite inbox, the worker,
 * jsforce over HTTP into the local org, and what lands there (R1 to R14).
 */
import { AGENT, callData, envelope, messageData, T0 } from '../fixtures/aircall-builders';
import type { TestService } from '../helpers/service';
import { testService } from '../helpers/service';

let svc: TestService;
let seq = 7000;
const nextId = () => (seq += 1);

beforeAll(async () => {
  svc = await testService({ org: { personAccounts: true } });
  await svc.org.conn
    .sobject('User')
    .create({ Username: 'jane@local', Email: 'jane.doe@example.com', LastName: 'Doe', FirstName: 'Jane' });
});
afterAll(async () => {
  await svc.close();
});
beforeEach(async () => {
  await svc.setSettings({
    Outbound_Answered__c: 'Completed',
    Outbound_Unanswered__c: 'Completed',
    Inbound_Answered__c: 'Completed',
    Missed_Call__c: 'InProgress',
    Voicemail__c: 'InProgress',
    Log_When_Closed__c: true,
    Unknown_Number__c: 'None',
    Related_Record__c: 'None',
    Create_Case__c: false,
    Log_Messages__c: true
  });
});

interface Task {
  Id: string;
  Subject: string;
  Status: string;
  WhoId: string | null;
  WhatId: string | null;
  OwnerId: string;
  TaskSubtype: string;
  CallType: string | null;
  Description: string;
  Aircall_Tags__c: string | null;
  Aircall_Trace__c: string;
  Type: string | null;
}

const FIELDS =
  'Id, Subject, Status, WhoId, WhatId, OwnerId, TaskSubtype, CallType, Description, Aircall_Tags__c, Aircall_Trace__c, Type';
async function tasks(externalId: string): Promise<Task[]> {
  return (await svc.org.conn.query<Task>(`SELECT ${FIELDS} FROM Task WHERE Aircall_Id__c = '${externalId}'`)).records;
}
async function contact(values: Record<string, unknown>): Promise<string> {
  return ((await svc.org.conn.sobject('Contact').create(values)) as { id: string }).id;
}
const phone = (n: number) =>
  `+33 6 ${String(n)
    .padStart(8, '0')
    .replace(/(\d{2})(?=\d)/g, '$1 ')}`;
async function deliver(...events: Record<string, unknown>[]): Promise<void> {
  for (const e of events) expect((await svc.post(e)).status).toBe(200);
  await svc.settle();
}

describe('calls land as the rules say', () => {
  it.each([
    [
      'outbound answered',
      { direction: 'outbound', answered_at: T0 + 3 },
      'Outbound_Answered__c',
      'Completed',
      'Outbound'
    ],
    [
      'outbound unanswered',
      { direction: 'outbound', answered_at: null },
      'Outbound_Unanswered__c',
      'Completed',
      'Outbound'
    ],
    ['inbound answered', {}, 'Inbound_Answered__c', 'Completed', 'Inbound'],
    ['missed', { answered_at: null, user: null }, 'Missed_Call__c', 'In Progress', 'Inbound'],
    [
      'voicemail',
      { answered_at: null, user: null, voicemail: 'https://vm.example/v.mp3' },
      'Voicemail__c',
      'In Progress',
      'Inbound'
    ]
  ])(
    '%s: logged with its workflow status, or not at all with DoNothing (R1)',
    async (_label, patch, field, status, callType) => {
      const number = phone(nextId());
      const who = await contact({ LastName: 'Caller', Phone: number });
      const id = nextId();
      await deliver(envelope('call.ended', callData({ id, raw_digits: number, ...patch })));
      const [task] = await tasks(`call:${id}`);
      expect(task).toMatchObject({ Status: status, WhoId: who, TaskSubtype: 'Call', CallType: callType });
      await svc.setSettings({ [field]: 'DoNothing' });
      const skipped = nextId();
      await deliver(envelope('call.ended', callData({ id: skipped, raw_digits: number, ...patch })));
      expect(await tasks(`call:${skipped}`)).toHaveLength(0);
      expect((await svc.pipeline.inbox.item(`call:${skipped}`))?.state).toBe('skipped');
    }
  );

  it('closed number: logged or not by Log_When_Closed__c (R2)', async () => {
    const number = phone(nextId());
    await contact({ LastName: 'Night', Phone: number });
    const closed = { answered_at: null, user: null, missed_call_reason: 'out_of_opening_hours', raw_digits: number };
    const a = nextId();
    await deliver(envelope('call.ended', callData({ id: a, ...closed })));
    expect(await tasks(`call:${a}`)).toHaveLength(1);
    await svc.setSettings({ Log_When_Closed__c: false });
    const b = nextId();
    await deliver(envelope('call.ended', callData({ id: b, ...closed })));
    expect(await tasks(`call:${b}`)).toHaveLength(0);
  });

  it.each([
    ['Contact', 'Contact'],
    ['Lead', 'Lead'],
    ['Account', 'Account']
  ])('unknown number with Unknown_Number__c = %s creates one and logs on it (R3, R11)', async (choice, sobject) => {
    await svc.setSettings({ Unknown_Number__c: choice });
    const number = phone(nextId());
    const id = nextId();
    await deliver(
      envelope(
        'call.ended',
        callData({
          id,
          raw_digits: number,
          contact: {
            first_name: 'Ada',
            last_name: 'Lovelace',
            company_name: 'Engines',
            emails: [{ value: 'ada@engines.example' }]
          }
        })
      )
    );
    const created = await svc.org.conn.query<{ Id: string }>(
      `SELECT Id FROM ${sobject} WHERE Aircall_Key__c = 'number:${number.replace(/ /g, '')}'`
    );
    expect(created.totalSize).toBe(1);
    const [task] = await tasks(`call:${id}`);
    const placed = sobject === 'Account' ? task!.WhatId : task!.WhoId;
    expect(placed).toBe(created.records[0]!.Id);
  });

  it('unknown number with None: not logged, the reason kept (R3)', async () => {
    const id = nextId();
    await deliver(envelope('call.ended', callData({ id, raw_digits: phone(nextId()) })));
    expect(await tasks(`call:${id}`)).toHaveLength(0);
    expect(await svc.pipeline.inbox.item(`call:${id}`)).toMatchObject({
      state: 'skipped',
      lastError: 'UNKNOWN_NUMBER'
    });
  });

  it('Contact before Lead before Account; the newest Contact (R4, R5)', async () => {
    const number = phone(nextId());
    await svc.org.conn.sobject('Lead').create({ LastName: 'L', Company: 'C', Phone: number });
    await contact({ LastName: 'Older', Phone: number });
    await new Promise((r) => setTimeout(r, 5));
    const newest = await contact({ LastName: 'Newer', MobilePhone: number.replace('+33 ', '0') });
    const id = nextId();
    await deliver(envelope('call.ended', callData({ id, raw_digits: number })));
    expect((await tasks(`call:${id}`))[0]!.WhoId).toBe(newest);
  });

  it('Person Account: WhoId is its person contact (R4, R12)', async () => {
    const number = phone(nextId());
    const rt = await svc.org.conn.query<{ Id: string }>('SELECT Id FROM RecordType WHERE IsPersonType = true');
    const { id: accountId } = (await svc.org.conn
      .sobject('Account')
      .create({ RecordTypeId: rt.records[0]!.Id, LastName: 'Person', PersonMobilePhone: number })) as { id: string };
    const account = await svc.org.conn.sobject('Account').retrieve(accountId);
    const id = nextId();
    await deliver(envelope('call.ended', callData({ id, raw_digits: number })));
    expect((await tasks(`call:${id}`))[0]).toMatchObject({ WhoId: account.PersonContactId as unknown, WhatId: null });
  });

  it('open Case of the Contact, or a new one; an Opportunity is never created (R6 to R10)', async () => {
    const number = phone(nextId());
    const who = await contact({ LastName: 'Caser', Phone: number });
    await svc.setSettings({ Related_Record__c: 'Case', Create_Case__c: true });
    const first = nextId();
    await deliver(envelope('call.ended', callData({ id: first, raw_digits: number })));
    const cases = await svc.org.conn.query<{ Id: string }>(`SELECT Id FROM Case WHERE ContactId = '${who}'`);
    expect(cases.totalSize).toBe(1);
    expect((await tasks(`call:${first}`))[0]!.WhatId).toBe(cases.records[0]!.Id);
    const second = nextId();
    await deliver(envelope('call.ended', callData({ id: second, raw_digits: number })));
    expect((await svc.org.conn.query(`SELECT Id FROM Case WHERE ContactId = '${who}'`)).totalSize).toBe(1);
    expect((await tasks(`call:${second}`))[0]!.WhatId).toBe(cases.records[0]!.Id);
    await svc.setSettings({ Related_Record__c: 'Opportunity' });
    const third = nextId();
    await deliver(envelope('call.ended', callData({ id: third, raw_digits: number })));
    expect((await tasks(`call:${third}`))[0]!.WhatId).toBeNull();
    expect((await svc.org.conn.query('SELECT COUNT() FROM Opportunity')).totalSize).toBe(0);
  });

  it('owner: the agent’s user by email, else the integration user (R12)', async () => {
    const number = phone(nextId());
    await contact({ LastName: 'Owned', Phone: number });
    const jane = await svc.org.conn.query<{ Id: string }>("SELECT Id FROM User WHERE Email = 'jane.doe@example.com'");
    const a = nextId();
    await deliver(envelope('call.ended', callData({ id: a, raw_digits: number, user: AGENT })));
    expect((await tasks(`call:${a}`))[0]!.OwnerId).toBe(jane.records[0]!.Id);
    const b = nextId();
    await deliver(
      envelope('call.ended', callData({ id: b, raw_digits: number, user: { ...AGENT, email: 'stranger@example.com' } }))
    );
    expect((await tasks(`call:${b}`))[0]!.OwnerId).toBe(svc.pipeline.gateway.identity.userId);
    expect(svc.pipeline.gateway.identity.userId).not.toBe(svc.org.org.adminUserId);
  });

  it('owner: the user the admin mapped to the agent’s Aircall email, when the emails differ (R12)', async () => {
    const number = phone(nextId());
    await contact({ LastName: 'Mapped', Phone: number });
    const ravi = await svc.org.conn.sobject('User').create({
      Username: `ravi.${nextId()}@acme.example`,
      Email: 'ravi@acme.example',
      LastName: 'Patel',
      IsActive: true,
      Aircall_Email__c: 'ravi.patel@aircall-login.example'
    });
    expect(ravi.success).toBe(true);
    const id = nextId();
    await deliver(
      envelope(
        'call.ended',
        callData({ id, raw_digits: number, user: { ...AGENT, email: 'ravi.patel@aircall-login.example' } })
      )
    );
    expect((await tasks(`call:${id}`))[0]!.OwnerId).toBe(ravi.id);
  });

  it('messages: a Task of type SMS, or nothing when switched off (R14)', async () => {
    const number = phone(nextId());
    const who = await contact({ LastName: 'Texter', Phone: number });
    const id = `SM${nextId()}`;
    await deliver(envelope('message.received', messageData({ id, external_number: number })));
    expect((await tasks(`message:${id}`))[0]).toMatchObject({
      WhoId: who,
      TaskSubtype: 'Task',
      Type: 'SMS',
      Status: 'Completed'
    });
    await svc.setSettings({ Log_Messages__c: false });
    const off = `SM${nextId()}`;
    await deliver(envelope('message.received', messageData({ id: off, external_number: number })));
    expect(await tasks(`message:${off}`)).toHaveLength(0);
  });
});

describe('one call, one Task', () => {
  it('redelivered, out-of-order and late events update the same Task', async () => {
    const number = phone(nextId());
    await contact({ LastName: 'Chatty', Phone: number });
    const id = nextId();
    const ended = envelope('call.ended', callData({ id, raw_digits: number }), { timestamp: T0 + 140 });
    const tagged = envelope('call.tagged', callData({ id, raw_digits: number, tags: [{ id: 1, name: 'VIP' }] }), {
      timestamp: T0 + 150
    });
    const commented = envelope(
      'call.commented',
      callData({
        id,
        raw_digits: number,
        tags: [{ id: 1, name: 'VIP' }],
        comments: [{ id: 9, content: 'Call back Monday', posted_at: T0 + 300 }]
      }),
      { timestamp: T0 + 300 }
    );
    const live = envelope('call.created', callData({ id, raw_digits: number, ended_at: null, answered_at: null }), {
      timestamp: T0
    });
    await deliver(ended, ended, tagged);
    await deliver(live, commented, tagged, ended); // older snapshots arriving late change nothing
    const all = await tasks(`call:${id}`);
    expect(all).toHaveLength(1);
    expect(all[0]!.Aircall_Tags__c).toBe('VIP');
    expect(all[0]!.Description).toContain('Call back Monday');
    expect(all[0]!.TaskSubtype).toBe('Call');
  });

  it('a live call waits for call.ended', async () => {
    const number = phone(nextId());
    await contact({ LastName: 'Live', Phone: number });
    const id = nextId();
    await deliver(envelope('call.answered', callData({ id, raw_digits: number, ended_at: null })));
    expect(await tasks(`call:${id}`)).toHaveLength(0);
  });
});

describe('search-index lag never creates a duplicate', () => {
  it('two calls from one unknown number at the same moment, with --search-lag 120: one record, two Tasks, also after a restart', async () => {
    const lagged = await testService({ org: { searchLagSeconds: 120 } });
    try {
      await lagged.setSettings({ Unknown_Number__c: 'Contact' });
      const number = phone(nextId());
      const [a, b] = [nextId(), nextId()];
      await Promise.all([
        lagged.post(envelope('call.ended', callData({ id: a, raw_digits: number }))),
        lagged.post(envelope('call.ended', callData({ id: b, raw_digits: number })))
      ]);
      await lagged.settle();
      const count = async () =>
        (await lagged.org.conn.query(`SELECT Id FROM Contact WHERE Phone = '${number}'`)).totalSize;
      expect(await count()).toBe(1);
      await lagged.restart();
      const c = nextId();
      await lagged.post(envelope('call.ended', callData({ id: c, raw_digits: number })));
      await lagged.settle();
      expect(await count()).toBe(1);
      const logged = await lagged.org.conn.query(
        `SELECT WhoId FROM Task WHERE Aircall_Id__c IN ('call:${a}', 'call:${b}', 'call:${c}')`
      );
      expect(logged.totalSize).toBe(3);
      expect(new Set(logged.records.map((r) => r.WhoId as unknown)).size).toBe(1);
    } finally {
      await lagged.close();
    }
  });
});
