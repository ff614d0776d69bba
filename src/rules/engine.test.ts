import { AGENT, T0 } from '../../test/fixtures/aircall-builders';
import {
  AGENT_USER,
  INTEGRATION_USER,
  call,
  logged,
  message,
  org,
  record,
  rules,
  run,
  settings
} from '../../test/helpers/engine';
import { CALL_TYPES } from '../aircall/call-types';
import type { CallType } from '../aircall/call-types';
import type { CallAction } from '../settings/schema';
import type { CandidateRecord, MatchKind } from './types';
import { toCallAi } from '../aircall/ai';
import { TRANSCRIPT_LIMIT } from '../call-record/schema';

const CALL_PATCH: Record<CallType, Record<string, unknown>> = {
  outbound_answered: { direction: 'outbound', answered_at: T0 + 4 },
  outbound_unanswered: { direction: 'outbound', answered_at: null, duration: 25 },
  inbound_answered: {},
  missed: { answered_at: null, user: null, missed_call_reason: 'agents_did_not_answer' },
  voicemail: {
    answered_at: null,
    user: null,
    voicemail: 'https://vm.example/v.mp3',
    missed_call_reason: 'no_available_agent'
  }
};
const known = () => org({ candidates: [record('Contact')] });

describe('R1 call workflow: every call type × every action', () => {
  const cases: [CallType, CallAction, string | null][] = [];
  for (const type of CALL_TYPES) {
    cases.push([type, 'Completed', 'Completed'], [type, 'InProgress', 'In Progress'], [type, 'DoNothing', null]);
  }
  it.each(cases)('%s with %s', (type, action, status) => {
    const p = run(call(CALL_PATCH[type]), settings({ callWorkflow: { [type]: action } }), known());
    expect(p.trace[0]).toMatchObject({ rule: 'R1' });
    expect(p.trace[0]?.text).toContain(action);
    if (status === null) {
      expect(p).toMatchObject({ outcome: 'skip', reason: 'DO_NOTHING' });
      return;
    }
    const task = logged(p).task.fields;
    expect(task.Status).toBe(status);
    // In progress = open, due on the call date (Upcoming & Overdue); Completed = Past Activities.
    expect(task.ActivityDate).toBe('2025-11-20');
  });

  it('does not log a live call (P1)', () => {
    expect(run(call({ ended_at: null, duration: 0 }), settings(), known())).toMatchObject({
      outcome: 'skip',
      reason: 'LIVE_CALL'
    });
  });

  it('does not log a call between two of the company lines (P2)', () => {
    const p = run(
      call({ raw_digits: '+33 1 76 00 00 01' }, { ownNumbers: new Set(['+33176000001']) }),
      settings(),
      known()
    );
    expect(p).toMatchObject({ outcome: 'skip', reason: 'INTERNAL_CALL' });
  });
});

describe('R2 business hours', () => {
  const closedCall = () => call({ answered_at: null, user: null, missed_call_reason: 'out_of_opening_hours' });
  it.each([
    [true, 'log'],
    [false, 'skip']
  ])('a call on a closed number with Log_When_Closed__c = %s is %s', (logWhenClosed, outcome) => {
    const p = run(closedCall(), settings({ logWhenClosed }), known());
    expect(p.outcome).toBe(outcome);
    if (p.outcome === 'skip') expect(p.reason).toBe('NUMBER_CLOSED');
    expect(p.trace.find((l) => l.rule === 'R2')?.text).toContain('closed');
  });

  it('logs a call on an open number with Log_When_Closed__c off', () => {
    expect(run(call(), settings({ logWhenClosed: false }), known()).outcome).toBe('log');
  });

  it('never filters messages by business hours', () => {
    const p = run(
      message({ number: { name: 'Paris', country: 'FR', availability_status: 'closed' } }),
      settings({ logWhenClosed: false }),
      known()
    );
    expect(logged(p).trace.find((l) => l.rule === 'R2')?.text).toContain('never filtered');
  });
});

describe('R3 and R11 unknown numbers', () => {
  const aircallContact = {
    id: 77,
    first_name: 'Ada',
    last_name: 'Lovelace',
    company_name: 'Analytical Engines',
    phone_numbers: [{ label: 'work', value: '+33 6 12 34 56 78' }],
    emails: [{ label: 'work', value: 'ada@engines.example' }]
  };

  it.each([
    ['Contact', false, { FirstName: null, LastName: '+33 6 12 34 56 78', Phone: '+33 6 12 34 56 78', Email: null }],
    [
      'Contact',
      true,
      { FirstName: 'Ada', LastName: 'Lovelace', Phone: '+33 6 12 34 56 78', Email: 'ada@engines.example' }
    ],
    ['Lead', false, { LastName: '+33 6 12 34 56 78', Company: '[not provided]', Phone: '+33 6 12 34 56 78' }],
    [
      'Lead',
      true,
      { FirstName: 'Ada', LastName: 'Lovelace', Company: 'Analytical Engines', Email: 'ada@engines.example' }
    ],
    ['Account', false, { Name: '+33 6 12 34 56 78', Phone: '+33 6 12 34 56 78' }],
    ['Account', true, { Name: 'Analytical Engines', Phone: '+33 6 12 34 56 78' }]
  ] as const)('Unknown_Number__c = %s, Aircall contact: %s', (choice, withContact, fields) => {
    const p = logged(run(call({ contact: withContact ? aircallContact : null }), settings({ unknownNumber: choice })));
    expect(p.target).toMatchObject({ kind: 'create', sobject: choice, fields });
    expect(p.target.kind === 'create' && p.target.fields.OwnerId).toBe(AGENT_USER);
    expect(p.trace.find((l) => l.rule === 'R3')?.text).toContain(
      withContact ? 'filled from the Aircall contact' : 'named after the number'
    );
  });

  it.each([false, true])('Unknown_Number__c = None does not log (Aircall contact: %s)', (withContact) => {
    const p = run(call({ contact: withContact ? aircallContact : null }), settings({ unknownNumber: 'None' }));
    expect(p).toMatchObject({ outcome: 'skip', reason: 'UNKNOWN_NUMBER' });
    expect(rules(p)).toContain('R3');
  });

  it('never creates a record for an anonymous caller (P3)', () => {
    const p = run(
      call({ raw_digits: 'anonymous', answered_at: null, duration: 6, missed_call_reason: 'short_abandoned' }),
      settings({ unknownNumber: 'Contact' })
    );
    expect(p).toMatchObject({ outcome: 'skip', reason: 'NO_NUMBER' });
    expect(p.trace.find((l) => l.rule === 'P3')?.text).toContain('anonymous');
  });

  it('never creates a record for a number that is not a full phone number (P3)', () => {
    expect(run(call({ raw_digits: '3600' }), settings({ unknownNumber: 'Lead' }))).toMatchObject({
      reason: 'NO_NUMBER'
    });
  });

  it('uses a lone first name as the last name (LastName is required)', () => {
    const p = logged(run(call({ contact: { first_name: 'Cher' } }), settings({ unknownNumber: 'Contact' })));
    expect(p.target).toMatchObject({ fields: { FirstName: null, LastName: 'Cher' } });
  });
});

describe('R4 priority between kinds sharing one number', () => {
  const kinds: MatchKind[] = ['Contact', 'Lead', 'Account', 'PersonAccount'];
  const mixes: MatchKind[][] = [];
  for (let mask = 1; mask < 16; mask += 1) mixes.push(kinds.filter((_, i) => mask & (1 << i)));
  it.each(mixes.map((mix) => [mix.join(' + '), mix] as const))('%s', (_label, mix) => {
    const candidates = mix.map((kind) => record(kind));
    const p = logged(run(call(), settings(), org({ candidates: [...candidates].reverse() })));
    expect(p.target).toMatchObject({ kind: 'existing', sobject: mix[0], id: candidates[0]?.id });
  });

  it('confirms candidates by number: a search hit with another number is ignored', () => {
    const lead = record('Lead', { phones: ['+33 6 12 34 56 78'] });
    const contact = record('Contact', { phones: ['+33 6 12 34 56 79', null] });
    const p = logged(run(call(), settings(), org({ candidates: [contact, lead] })));
    expect(p.target).toMatchObject({ sobject: 'Lead', id: lead.id });
  });

  it('finds a number stored in another format and in any phone field', () => {
    const contact = record('Contact', { phones: [null, '06 12 34 56 78'] });
    expect(logged(run(call(), settings(), org({ candidates: [contact] }))).target).toMatchObject({ id: contact.id });
  });

  it('ignores converted Leads', () => {
    const p = run(call(), settings(), org({ candidates: [record('Lead', { isConverted: true })] }));
    expect(p).toMatchObject({ outcome: 'skip', reason: 'UNKNOWN_NUMBER' });
  });

  it('treats a person contact found as a Contact as its Person Account', () => {
    const pc = record('Contact', { isPersonContact: true, accountId: '001000000000999AAA' });
    const lead = record('Lead');
    const p = logged(run(call(), settings(), org({ candidates: [pc, lead] })));
    expect(p.target).toMatchObject({ sobject: 'Lead' });
    const alone = logged(run(call(), settings(), org({ candidates: [pc] })));
    expect(alone.target).toMatchObject({ sobject: 'PersonAccount', id: '001000000000999AAA', personContactId: pc.id });
  });
});

describe('R5 several records of one kind: the most recently modified wins', () => {
  it.each(['Contact', 'Lead', 'Account', 'PersonAccount'] as const)('%s', (kind) => {
    const older = record(kind, { lastModifiedDate: '2025-10-01T00:00:00.000Z' });
    const newest = record(kind, { lastModifiedDate: '2025-11-19T08:00:00.000Z' });
    const middle = record(kind, { lastModifiedDate: '2025-11-02T00:00:00.000Z' });
    const p = logged(run(call(), settings(), org({ candidates: [older, newest, middle] })));
    expect(p.target).toMatchObject({ id: newest.id });
    expect(p.trace.find((l) => l.rule === 'R5')?.text).toContain('3 ');
  });

  it('breaks ties by Id, so the same snapshot always gives the same record', () => {
    const a = record('Contact');
    const b = record('Contact');
    const first = logged(run(call(), settings(), org({ candidates: [b, a] })));
    expect(first.target).toMatchObject({ id: [a.id, b.id].sort()[0] });
  });
});

describe('R6 to R10 related Case or Opportunity', () => {
  const contact = record('Contact', { accountId: '001000000000123AAA' });
  const openCase = (id: string, lastModifiedDate: string, isClosed = false) => ({ id, lastModifiedDate, isClosed });

  it('R6 None: no relation', () => {
    const p = logged(
      run(
        call(),
        settings({ relatedRecord: 'None' }),
        org({ candidates: [contact], openCases: { [contact.id]: [openCase('500A', '2025-11-01T00:00:00Z')] } })
      )
    );
    expect(p.related).toBeNull();
    expect(p.task.what).toBeNull();
  });

  it.each(['Case', 'Opportunity'] as const)('R8 %s: the most recently modified open one', (kind) => {
    const pool = {
      [contact.id]: [
        openCase('X1', '2025-10-01T00:00:00Z'),
        openCase('X2', '2025-11-10T00:00:00Z'),
        openCase('X3', '2025-11-15T00:00:00Z', true)
      ]
    };
    const snapshot = org({
      candidates: [contact],
      ...(kind === 'Case' ? { openCases: pool } : { openOpportunities: pool })
    });
    const p = logged(run(call(), settings({ relatedRecord: kind }), snapshot));
    expect(p.related).toEqual({ kind: 'existing', sobject: kind, id: 'X2' });
    expect(p.task).toMatchObject({ who: { id: contact.id }, what: { id: 'X2' } });
  });

  it.each([
    ['Lead', record('Lead')],
    ['Account', record('Account')],
    ['PersonAccount', record('PersonAccount')]
  ] as [string, CandidateRecord][])('R7 a %s is never related', (_kind, rec) => {
    const p = logged(
      run(
        call(),
        settings({ relatedRecord: 'Case', createCase: true }),
        org({ candidates: [rec], openCases: { [rec.id]: [openCase('500B', '2025-11-01T00:00:00Z')] } })
      )
    );
    expect(p.related).toBeNull();
    expect(rules(p)).toContain('R7');
  });

  it('R9 creates a Case for a found Contact with none open, only when Create_Case__c is on', () => {
    const on = logged(
      run(call(), settings({ relatedRecord: 'Case', createCase: true }), org({ candidates: [contact] }))
    );
    expect(on.related).toMatchObject({
      kind: 'create',
      sobject: 'Case',
      fields: { ContactId: { id: contact.id }, AccountId: '001000000000123AAA', Origin: 'Phone' }
    });
    expect(on.task.what).toEqual({ ref: 'related' });
    const off = logged(
      run(call(), settings({ relatedRecord: 'Case', createCase: false }), org({ candidates: [contact] }))
    );
    expect(off.related).toBeNull();
  });

  it('R9 creates a Case for a Contact the integration creates', () => {
    const p = logged(run(call(), settings({ relatedRecord: 'Case', createCase: true, unknownNumber: 'Contact' })));
    expect(p.target).toMatchObject({ kind: 'create', sobject: 'Contact' });
    expect(p.related).toMatchObject({ kind: 'create', fields: { ContactId: { ref: 'target' } } });
    expect(p.task).toMatchObject({ who: { ref: 'target' }, what: { ref: 'related' } });
  });

  it('R9 never creates a Case for a created Lead or Account', () => {
    for (const unknownNumber of ['Lead', 'Account'] as const) {
      expect(
        logged(run(call(), settings({ relatedRecord: 'Case', createCase: true, unknownNumber }))).related
      ).toBeNull();
    }
  });

  it('R10 never creates an Opportunity', () => {
    const p = logged(
      run(call(), settings({ relatedRecord: 'Opportunity', createCase: true }), org({ candidates: [contact] }))
    );
    expect(p.related).toBeNull();
    expect(rules(p)).toContain('R10');
  });
});

describe('R12 the Task', () => {
  it('carries every contract field for an answered inbound call', () => {
    const contact = record('Contact');
    const p = logged(
      run(
        call({
          recording: 'https://s3.example/rec.mp3',
          asset: 'https://assets.aircall.io/calls/1234567/recording',
          tags: [
            { id: 1, name: 'VIP' },
            { id: 2, name: 'Billing' }
          ],
          comments: [{ id: 3, content: 'Wants a quote', posted_at: T0 + 300, posted_by: AGENT }]
        }),
        settings(),
        org({ candidates: [contact] })
      )
    );
    expect(p.task.fields).toMatchObject({
      Aircall_Id__c: 'call:1234567',
      Subject: 'Inbound call from +33 6 12 34 56 78',
      Status: 'Completed',
      ActivityDate: '2025-11-20',
      TaskSubtype: 'Call',
      CallType: 'Inbound',
      CallDurationInSeconds: 105,
      CallObject: '1234567',
      Aircall_Recording_Url__c: 'https://assets.aircall.io/calls/1234567/recording',
      Aircall_Tags__c: 'VIP, Billing',
      Aircall_Wait_Seconds__c: 12,
      Aircall_Type__c: 'inbound_answered',
      OwnerId: AGENT_USER
    });
    const description = String(p.task.fields.Description);
    expect(description).toContain('wait 12 s');
    expect(description).toContain('Recording: https://assets.aircall.io/calls/1234567/recording');
    expect(description).toContain('Tags: VIP, Billing');
    expect(description).toContain('- Jane Doe: Wants a quote');
    expect(p.task).toMatchObject({ who: { id: contact.id }, what: null, createOnly: ['TaskSubtype'] });
    expect(String(p.task.fields.Aircall_Trace__c).split('\n')[0]).toMatch(/^R1: /);
  });

  it('dates the Task where the Aircall line is', () => {
    const late = call({
      started_at: '2025-11-20T23:30:00Z',
      answered_at: null,
      ended_at: '2025-11-20T23:31:00Z',
      duration: 60
    });
    expect(logged(run(late, settings(), org({ candidates: [record('Contact')] }))).task.fields.ActivityDate).toBe(
      '2025-11-21'
    );
  });

  it('keeps a recording link longer than the field in the description only', () => {
    const long = `https://s3.example/rec.mp3?${'X'.repeat(300)}`;
    const p = logged(run(call({ recording: long }), settings(), org({ candidates: [record('Contact')] })));
    expect(p.task.fields.Aircall_Recording_Url__c).toBeNull();
    expect(String(p.task.fields.Description)).toContain(long);
  });

  it.each([
    ['Contact', { who: 'self', what: null }],
    ['Lead', { who: 'self', what: null }],
    ['Account', { who: null, what: 'self' }]
  ] as const)('places the Task on a %s', (kind, expected) => {
    const rec = record(kind);
    const p = logged(run(call(), settings(), org({ candidates: [rec] })));
    expect(p.task.who).toEqual(expected.who ? { id: rec.id } : null);
    expect(p.task.what).toEqual(expected.what ? { id: rec.id } : null);
  });

  it('places the Task on a Person Account through its person contact', () => {
    const pa = record('PersonAccount');
    const p = logged(run(call(), settings({ relatedRecord: 'Case' }), org({ candidates: [pa] })));
    expect(p.task).toMatchObject({ who: { id: pa.personContactId }, what: null });
  });

  it('a Task on a Lead has no WhatId even when a relation is configured', () => {
    const lead = record('Lead');
    const p = logged(run(call(), settings({ relatedRecord: 'Case', createCase: true }), org({ candidates: [lead] })));
    expect(p.task.what).toBeNull();
  });

  it.each([
    [
      'the agent’s active user',
      { users: [{ id: AGENT_USER, email: 'JANE.DOE@example.com', isActive: true }] },
      AGENT_USER,
      'is Salesforce user'
    ],
    [
      'the integration user when the agent’s user is inactive',
      { users: [{ id: AGENT_USER, email: 'jane.doe@example.com', isActive: false }] },
      INTEGRATION_USER,
      'inactive'
    ],
    ['the integration user when the agent has no user', { users: [] }, INTEGRATION_USER, 'has no Salesforce user'],
    [
      'the lowest Id among several active users with the email',
      {
        users: [
          { id: '005000000000009AAA', email: 'jane.doe@example.com', isActive: true },
          { id: AGENT_USER, email: 'jane.doe@example.com', isActive: true }
        ]
      },
      AGENT_USER,
      'lowest Id'
    ],
    [
      'the user the admin mapped to the agent’s Aircall email, over one whose email matches',
      {
        users: [
          { id: '005000000000001AAA', email: 'jane.doe@example.com', isActive: true },
          { id: AGENT_USER, email: 'jdoe@acme.example', aircallEmail: 'Jane.Doe@example.com', isActive: true }
        ]
      },
      AGENT_USER,
      'by its Aircall Email'
    ],
    [
      'the user whose email matches when the mapped user is inactive',
      {
        users: [
          { id: AGENT_USER, email: 'jane.doe@example.com', isActive: true },
          {
            id: '005000000000009AAA',
            email: 'jdoe@acme.example',
            aircallEmail: 'jane.doe@example.com',
            isActive: false
          }
        ]
      },
      AGENT_USER,
      'is Salesforce user'
    ]
  ])('owner: %s', (_label, patch, owner, traceText) => {
    const p = logged(run(call(), settings(), org({ candidates: [record('Contact')], ...patch })));
    expect(p.task.fields.OwnerId).toBe(owner);
    expect(p.trace.find((l) => l.rule === 'R12')?.text).toContain(traceText);
  });

  it('owner: the integration user when no agent handled the call', () => {
    const p = logged(run(call(CALL_PATCH.missed), settings(), org({ candidates: [record('Contact')] })));
    expect(p.task.fields.OwnerId).toBe(INTEGRATION_USER);
    expect(p.trace.find((l) => l.rule === 'R12')?.text).toContain('no Aircall agent');
  });

  it.each([
    ['outbound_answered', 'Outbound call to +33 6 12 34 56 78', 'Outbound'],
    ['outbound_unanswered', 'Unanswered outbound call to +33 6 12 34 56 78', 'Outbound'],
    ['missed', 'Missed call from +33 6 12 34 56 78', 'Inbound'],
    ['voicemail', 'Voicemail from +33 6 12 34 56 78', 'Inbound']
  ] as const)('subject and CallType for %s', (type, subject, callType) => {
    const p = logged(run(call(CALL_PATCH[type]), settings(), org({ candidates: [record('Contact')] })));
    expect(p.task.fields).toMatchObject({ Subject: subject, CallType: callType });
  });
});

describe('R14 messages', () => {
  it('logs a message like a call: same matching, relation and owner', () => {
    const contact = record('Contact');
    const p = logged(
      run(
        message({
          direction: 'outbound',
          user: { id: 1, name: 'Jane Doe', email: 'jane.doe@example.com' },
          created_at: T0 * 1000
        }),
        settings({ relatedRecord: 'Case' }),
        org({
          candidates: [contact],
          openCases: { [contact.id]: [{ id: '500C', lastModifiedDate: '2025-11-01T00:00:00Z' }] }
        })
      )
    );
    expect(p.externalId).toBe('message:abcdSM0001');
    expect(p.task.fields).toMatchObject({
      TaskSubtype: 'Task',
      Type: 'SMS',
      Status: 'Completed',
      Subject: 'SMS to +33 6 12 34 56 78',
      Aircall_Type__c: 'message_outbound',
      OwnerId: AGENT_USER
    });
    expect(p.task.fields.CallType).toBeUndefined();
    expect(p.task).toMatchObject({ who: { id: contact.id }, what: { id: '500C' } });
    expect(String(p.task.fields.Description)).toContain('Hello, can you call me back?');
  });

  it('does not log messages when Log_Messages__c is off', () => {
    expect(run(message(), settings({ logMessages: false }), org({ candidates: [record('Contact')] }))).toMatchObject({
      outcome: 'skip',
      reason: 'MESSAGES_OFF'
    });
  });

  it('names WhatsApp and MMS in the subject', () => {
    expect(
      logged(run(message({ channel: 'whatsapp' }), settings(), org({ candidates: [record('Contact')] }))).task.fields
        .Subject
    ).toBe('WhatsApp message from +33 6 12 34 56 78');
    expect(
      logged(
        run(message({ media_details: [{ file_name: 'a.jpg' }] }), settings(), org({ candidates: [record('Contact')] }))
      ).task.fields.Subject
    ).toBe('MMS from +33 6 12 34 56 78');
  });

  it('creates a record for an unknown sender when configured', () => {
    expect(logged(run(message(), settings({ unknownNumber: 'Lead' }))).target).toMatchObject({
      kind: 'create',
      sobject: 'Lead'
    });
  });
});

describe('L1 the call record', () => {
  it.each([
    ['TaskAndRecord', true],
    ['TaskOnly', false],
    ['RecordOnly', true]
  ] as const)('%s: a record %s, the Task planned either way, the trace says which', (logMode, withRecord) => {
    const p = logged(run(call(), settings({ logMode }), known()));
    expect(p.mode).toBe(logMode);
    expect(p.record !== null).toBe(withRecord);
    expect(p.trace.at(-1)).toEqual({
      rule: 'L1',
      text: expect.stringContaining(`Log_Mode__c is ${logMode}`) as unknown
    });
    expect(String(p.task.fields.Aircall_Trace__c)).toContain('L1: ');
  });

  it('is keyed by the Aircall id and holds the call: agents in order, transfer, IVR, outcome, times, link', () => {
    const second = { ...AGENT, id: 2, name: 'Sam Roe', email: 'sam@example.com' };
    const p = logged(
      run(
        call({
          user: second,
          transferred_by: AGENT,
          transferred_to: second,
          asset: 'https://assets.aircall.io/calls/1/recording',
          ivr_options_selected: [{ title: 'Sales', key: '1' }, { branch: 'fallback' }, {}],
          tags: [{ name: 'vip' }],
          comments: [{ content: 'Call back', posted_by: AGENT }]
        }),
        settings(),
        known()
      )
    );
    expect(p.record!.fields).toMatchObject({
      Aircall_Id__c: 'call:1234567',
      Type__c: 'inbound_answered',
      Direction__c: 'inbound',
      Line_Name__c: 'Paris support',
      External_Number__c: '+33612345678',
      Agents__c: 'Jane Doe, Sam Roe',
      Transfers__c: 'Transferred by Jane Doe to Sam Roe',
      IVR_Options__c: 'Sales (1)\nfallback',
      Answered__c: true,
      Outcome__c: 'Answered',
      Started_At__c: new Date(T0 * 1000).toISOString(),
      Talk_Seconds__c: 93,
      Wait_Seconds__c: 12,
      Duration_Seconds__c: 105,
      Recording_Url__c: 'https://assets.aircall.io/calls/1/recording',
      Tags__c: 'vip',
      Comments__c: 'Jane Doe: Call back'
    });
  });

  it('says a missed call and a voicemail in words', () => {
    const missed = logged(run(call(CALL_PATCH.missed), settings(), known())).record!.fields;
    expect(missed).toMatchObject({ Answered__c: false, Outcome__c: 'Missed: the agents rung did not answer' });
    const voicemail = logged(run(call(CALL_PATCH.voicemail), settings(), known())).record!.fields;
    expect(voicemail.Outcome__c).toBe('Voicemail: no agent was available to ring');
    const outbound = logged(run(call(CALL_PATCH.outbound_unanswered), settings(), known())).record!.fields;
    expect(outbound.Outcome__c).toBe('Not answered');
  });

  it.each([
    ['Contact', { Contact__c: 'self', Account__c: { id: '001000000000009AAA' } }],
    ['Lead', { Lead__c: 'self' }],
    ['Account', { Account__c: 'self' }],
    ['PersonAccount', { Account__c: 'self' }]
  ] as const)('links the %s it is logged on', (kind, expected) => {
    const rec = record(kind, kind === 'Contact' ? { accountId: '001000000000009AAA' } : {});
    const p = logged(run(call(), settings(), org({ candidates: [rec] })));
    const links = Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v === 'self' ? { id: rec.id } : v]));
    expect(p.record!.links).toEqual(links);
  });

  it('links a record and a Case created in the same write by reference, and an existing open Case by Id', () => {
    const created = logged(
      run(call(), settings({ unknownNumber: 'Contact', relatedRecord: 'Case', createCase: true }))
    );
    expect(created.record!.links).toEqual({ Contact__c: { ref: 'target' }, Case__c: { ref: 'related' } });
    const contact = record('Contact');
    const open = logged(
      run(
        call(),
        settings({ relatedRecord: 'Opportunity' }),
        org({
          candidates: [contact],
          openOpportunities: { [contact.id]: [{ id: '006000000000001AAA', lastModifiedDate: '2025-11-01T00:00:00Z' }] }
        })
      )
    );
    expect(open.record!.links).toEqual({
      Contact__c: { id: contact.id },
      Opportunity__c: { id: '006000000000001AAA' }
    });
  });

  it('holds a message: body, attachments with their links, sent or received', () => {
    const p = logged(
      run(
        message({
          media_details: [
            { file_name: 'photo.jpg', file_type: 'image/jpeg', presigned_url: 'https://media.example/p.jpg' }
          ]
        }),
        settings(),
        known()
      )
    );
    expect(p.record!.fields).toMatchObject({
      Aircall_Id__c: 'message:abcdSM0001',
      Type__c: 'message_inbound',
      Outcome__c: 'Received',
      Message_Body__c: 'Hello, can you call me back?',
      Media_Links__c: 'photo.jpg · image/jpeg · https://media.example/p.jpg'
    });
  });

  it('keeps the transcript speaker by speaker, and cuts one over the field at its limit, saying so', () => {
    const utterance = (n: number) => ({
      start_time: n,
      text: 'x'.repeat(1000),
      participant_type: n % 2 ? 'external' : 'internal'
    });
    const withTranscript = (count: number) =>
      ({
        ...call(),
        ai: toCallAi({
          transcription: {
            content: { language: 'en', utterances: Array.from({ length: count }, (_, n) => utterance(n)) }
          }
        })
      }) as ReturnType<typeof call>;
    const shortRecord = logged(run(withTranscript(2), settings(), known())).record!;
    const short = shortRecord.fields;
    expect(short.Transcript__c).toBe(`internal [0 s]: ${'x'.repeat(1000)}\nexternal [1 s]: ${'x'.repeat(1000)}`);
    expect(short.Language__c).toBe('en');
    expect(shortRecord.transcriptFile).toBeNull();
    const longRecord = logged(run(withTranscript(200), settings(), known())).record!;
    const long = String(longRecord.fields.Transcript__c);
    expect(long).toHaveLength(TRANSCRIPT_LIMIT);
    expect(
      long.endsWith(
        `the whole transcript is the file "Aircall transcript ${String(longRecord.fields.Aircall_Id__c)}" on this record.`
      )
    ).toBe(true);
    // The whole transcript goes to a file: 200 utterances of about 1,010 characters each.
    expect(longRecord.transcriptFile).toMatchObject({
      title: `Aircall transcript ${String(longRecord.fields.Aircall_Id__c)}`,
      fileName: expect.stringMatching(/^aircall-transcript-call-\d+\.txt$/) as unknown
    });
    expect(longRecord.transcriptFile!.text.split('\n')).toHaveLength(200);
    expect(String(longRecord.fields.Trace__c)).toMatch(
      /^L1: Aircall AI's transcript has \d+ characters, more than the call record's field holds \(131072\): kept whole in the file "Aircall transcript call:\d+" on the record$/m
    );
    expect(String(shortRecord.fields.Trace__c)).not.toContain('kept whole');
    expect(longRecord.transcriptFile!.text.startsWith(long.slice(0, 1000))).toBe(true);
  });
});

describe('L2 follow-up Tasks from action items', () => {
  const withActions = () =>
    ({
      ...call({ user: AGENT }),
      ai: toCallAi({
        action_items: [
          { id: 11, content: 'Send the quote' },
          { id: 12, content: 'Book a demo' }
        ]
      })
    }) as ReturnType<typeof call>;

  it('none when Follow_Up_Tasks__c is None, and the trace says why', () => {
    const p = logged(run(withActions(), settings(), known()));
    expect(p.followUps).toEqual([]);
    expect(p.trace.find((l) => l.rule === 'L2')?.text).toContain('Follow_Up_Tasks__c is None');
  });

  it.each([
    ['0', '2025-11-20'],
    ['1', '2025-11-21'],
    ['7', '2025-11-27']
  ] as const)(
    'one open Task per action item, due %s day(s) after the call: %s, on the same record and owner',
    (days, due) => {
      const contact = record('Contact');
      const p = logged(run(withActions(), settings({ followUpTasks: days }), org({ candidates: [contact] })));
      expect(p.followUps.map((f) => f.key)).toEqual(['action:1234567:11', 'action:1234567:12']);
      expect(p.followUps[0]!.fields).toMatchObject({
        Subject: 'Follow up: Send the quote',
        Status: 'Not Started',
        ActivityDate: due,
        OwnerId: AGENT_USER,
        Aircall_Id__c: 'action:1234567:11',
        Aircall_Type__c: 'action_item'
      });
      expect(p.task.who).toEqual({ id: contact.id });
    }
  );

  it('none for a call without action items, and no L2 line', () => {
    const p = logged(run(call(), settings({ followUpTasks: '1' }), known()));
    expect(p.followUps).toEqual([]);
    expect(rules(p)).not.toContain('L2');
  });
});

describe('the trace', () => {
  it('is stable and independent of the order the org returned candidates in', () => {
    const a = record('Contact', { lastModifiedDate: '2025-11-02T00:00:00Z' });
    const b = record('Lead');
    const c = record('Contact', { lastModifiedDate: '2025-11-01T00:00:00Z' });
    const s = settings({ relatedRecord: 'Case', createCase: true });
    const first = run(call(), s, org({ candidates: [a, b, c] }));
    expect(run(call(), s, org({ candidates: [c, b, a] }))).toEqual(first);
    expect(rules(first)).toEqual(['R1', 'R2', 'R4', 'R5', 'R9', 'R12', 'R12', 'L1']);
  });
});
