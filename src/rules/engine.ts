/**
 * The rules engine (spec/logging-rules.md, R1 to R14): a pure function from a classified
 * call or message, the admin's settings and a snapshot of the org to a plan and a trace.
 * No I/O, no clock, no jsforce: the service, `replay`, `explain` and dry runs all call it.
 *
 * Rule ids P1 to P3 are the product's own input checks (docs/rules.md).
 */
import type { ClassifiedCall, ClassifiedMessage, Classified } from '../aircall/classify';
import { samePhoneNumber } from '../aircall/phone';
import type { LogModeChoice, Settings } from '../settings/schema';
import { callRecordPlan, followUpPlans, transcriptFile, transcriptText } from './call-record';
import { TRANSCRIPT_LIMIT } from '../call-record/schema';
import {
  CALL_TYPE_LABELS,
  LIMITS,
  callDescription,
  isAcceptedEmail,
  callSubject,
  channelLabel,
  localDate,
  messageDescription,
  messageSubject,
  truncate
} from './format';
import type {
  CandidateRecord,
  EngineInput,
  FieldValue,
  MatchKind,
  OrgSnapshot,
  Placement,
  Plan,
  RecordRef,
  RelatedPlan,
  SkipPlan,
  SkipReason,
  TargetPlan,
  TraceLine
} from './types';
import { SKIP_REASONS } from './types';
import { matchAgent } from './owner';

/** R4: the priority between kinds of record sharing one number. */
export const MATCH_PRIORITY: readonly MatchKind[] = ['Contact', 'Lead', 'Account', 'PersonAccount'];

/** L1 in the trace: what is written for a logged call or message. */
const LOG_MODE_TRACE: Readonly<Record<LogModeChoice, string>> = {
  TaskAndRecord: 'Log_Mode__c is TaskAndRecord: a Task and an Aircall Call record, both keyed by the Aircall id',
  TaskOnly: 'Log_Mode__c is TaskOnly: a Task, no Aircall Call record',
  RecordOnly: 'Log_Mode__c is RecordOnly: an Aircall Call record, no Task'
};

const ACTION_STATUS = { Completed: 'Completed', InProgress: 'In Progress' } as const;
const LEAD_COMPANY_PLACEHOLDER = '[not provided]';

class Trace {
  readonly lines: TraceLine[] = [];
  add(rule: string, text: string): void {
    this.lines.push({ rule, text });
  }
}

export function renderTrace(trace: readonly TraceLine[]): string {
  return trace.map((l) => `${l.rule}: ${l.text}`).join('\n');
}

function skip(item: Classified, trace: Trace, reason: SkipReason): SkipPlan {
  trace.add('SKIP', `${reason}: ${SKIP_REASONS[reason]}`);
  return { outcome: 'skip', externalId: item.externalId, reason, trace: trace.lines };
}

/** Newest first; ties broken by Id so the same snapshot always gives the same answer. */
function byRecency<T extends { lastModifiedDate: string; id: string }>(records: readonly T[]): T[] {
  return [...records].sort((a, b) => {
    const diff = Date.parse(b.lastModifiedDate) - Date.parse(a.lastModifiedDate);
    return diff !== 0 && !Number.isNaN(diff) ? diff : a.id.localeCompare(b.id);
  });
}

/**
 * A Contact row that is a person contact belongs to its Person Account (R4 ranks Person
 * Accounts last), whether or not the search also returned the Account row.
 */
function normaliseCandidates(candidates: readonly CandidateRecord[]): CandidateRecord[] {
  const personContacts = new Set(
    candidates.filter((c) => c.kind === 'PersonAccount' && c.personContactId).map((c) => c.personContactId)
  );
  const out: CandidateRecord[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    let record = c;
    if (c.kind === 'Contact' && (c.isPersonContact || personContacts.has(c.id))) {
      if (personContacts.has(c.id) || !c.accountId) continue;
      record = { ...c, kind: 'PersonAccount', id: c.accountId, personContactId: c.id };
    }
    const key = `${record.kind}:${record.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(record);
    }
  }
  return out;
}

/** The records that hold the number in a phone field (R4's candidates, converted Leads left out). */
function holders(
  hints: readonly (string | null)[],
  e164: string,
  candidates: readonly CandidateRecord[]
): CandidateRecord[] {
  return normaliseCandidates(candidates).filter(
    (c) => !(c.kind === 'Lead' && c.isConverted) && c.phones.some((p) => samePhoneNumber(p, e164, hints))
  );
}

function matchRecord(
  hints: readonly (string | null)[],
  e164: string,
  candidates: readonly CandidateRecord[],
  trace: Trace
): CandidateRecord | null {
  const confirmed = holders(hints, e164, candidates);
  if (confirmed.length === 0) {
    trace.add('R4', `no record has ${e164} in a phone field (${candidates.length} search candidates checked)`);
    return null;
  }
  const counts = MATCH_PRIORITY.map((k) => [k, confirmed.filter((c) => c.kind === k).length] as const).filter(
    ([, n]) => n > 0
  );
  const kind = counts[0]![0];
  const summary = counts.map(([k, n]) => `${n} ${k}`).join(', ');
  trace.add('R4', `${e164} matches ${summary}; priority Contact > Lead > Account > PersonAccount picks ${kind}`);
  const ofKind = byRecency(confirmed.filter((c) => c.kind === kind));
  const chosen = ofKind[0]!;
  if (ofKind.length > 1) {
    trace.add(
      'R5',
      `${ofKind.length} ${kind} records share the number; the most recently modified is ${chosen.id} (${chosen.lastModifiedDate})`
    );
  } else {
    trace.add('R5', `one ${kind} has the number: ${chosen.id}`);
  }
  return chosen;
}

/**
 * R4 and R5 alone: the record a call from `e164` would be logged on among `candidates` (read in
 * `hints`' countries), and why, in the trace's words. For the phone-data health report.
 */
export function winningRecord(
  e164: string,
  candidates: readonly CandidateRecord[],
  hints: readonly (string | null)[] = []
): { record: CandidateRecord | null; why: string } {
  const trace = new Trace();
  const record = matchRecord(hints, e164, candidates, trace);
  return { record, why: renderTrace(trace.lines) };
}

function existingTarget(match: CandidateRecord): TargetPlan {
  return {
    kind: 'existing',
    sobject: match.kind,
    id: match.id,
    name: match.name ?? null,
    accountId: match.accountId ?? null,
    personContactId: match.personContactId ?? null
  };
}

/** An update of a logged item: the record its Task is on, as it was placed. */
function keptRecord(placed: Placement, trace: Trace): CandidateRecord {
  trace.add('R4', `already logged on ${placed.kind} ${placed.id}: the update keeps the Task there`);
  return {
    kind: placed.kind,
    id: placed.id,
    phones: [],
    lastModifiedDate: '',
    personContactId: placed.personContactId,
    accountId: placed.accountId
  };
}

function fullName(item: Classified): { first: string | null; last: string } {
  const c = item.contact;
  if (c?.lastName)
    return {
      first: c.firstName ? truncate(c.firstName, LIMITS.firstName) : null,
      last: truncate(c.lastName, LIMITS.name)
    };
  if (c?.firstName) return { first: null, last: truncate(c.firstName, LIMITS.name) };
  return { first: null, last: truncate(item.otherParty.display, LIMITS.name) };
}

/** R3 and R11: the record to create for an unknown number, filled from the Aircall contact. */
function recordToCreate(
  item: Classified,
  sobject: 'Contact' | 'Lead' | 'Account',
  ownerId: string,
  trace: Trace
): TargetPlan {
  const { first, last } = fullName(item);
  const phone = item.otherParty.display;
  const given = item.contact?.email ?? null;
  // A detail the org would refuse must not cost the call: it is left out, and the trace says so.
  const email = given && isAcceptedEmail(given) ? given : null;
  if (given && !email && sobject !== 'Account')
    trace.add('R11', `the Aircall contact's email "${truncate(given, 40)}" is not one Salesforce accepts: left out`);
  const note = `Created by Aircall call logging for ${item.kind === 'call' ? 'a call' : 'a message'} with ${phone}.`;
  if (sobject === 'Account') {
    const named =
      item.contact?.company ??
      (item.contact?.lastName || item.contact?.firstName ? [first, last].filter(Boolean).join(' ') : phone);
    return {
      kind: 'create',
      sobject,
      fields: { Name: truncate(named, LIMITS.accountName), Phone: phone, Description: note, OwnerId: ownerId }
    };
  }
  const fields: Record<string, FieldValue> = {
    FirstName: first,
    LastName: last,
    Phone: phone,
    Email: email,
    Description: note,
    OwnerId: ownerId
  };
  if (sobject === 'Lead') {
    fields.Company = truncate(item.contact?.company ?? LEAD_COMPANY_PLACEHOLDER, LIMITS.accountName);
    fields.LeadSource = 'Phone Inquiry';
  }
  return { kind: 'create', sobject, fields };
}

function describeTarget(target: TargetPlan): string {
  if (target.kind === 'create') return `a new ${target.sobject}`;
  return `${target.sobject} ${target.id}${target.name ? ` (${target.name})` : ''}`;
}

/** R12: the agent's Salesforce user (by the admin's mapping, then by email); the integration user otherwise. */
function chooseOwner(item: Classified, org: OrgSnapshot, trace: Trace): string {
  const agent = item.agent;
  if (!agent) {
    trace.add('R12', `no Aircall agent handled it; owner is the integration user ${org.integrationUserId}`);
    return org.integrationUserId;
  }
  if (!agent.email) {
    trace.add(
      'R12',
      `agent ${agent.name ?? agent.id} has no email; owner is the integration user ${org.integrationUserId}`
    );
    return org.integrationUserId;
  }
  // The admin's explicit mapping (User.Aircall_Email__c) wins over a Salesforce email that matches.
  const match = matchAgent(agent.email, org.users);
  if (match.by === 'aircall_email') {
    const extra = match.count > 1 ? ` (${match.count} active users carry it; lowest Id taken)` : '';
    trace.add('R12', `agent ${agent.email} is Salesforce user ${match.user.id} by its Aircall Email${extra}`);
    return match.user.id;
  }
  if (match.by === 'email') {
    const extra = match.count > 1 ? ` (${match.count} active users share the email; lowest Id taken)` : '';
    trace.add('R12', `agent ${agent.email} is Salesforce user ${match.user.id}${extra}`);
    return match.user.id;
  }
  const why = match.by === 'inactive' ? 'is an inactive Salesforce user' : 'has no Salesforce user';
  trace.add('R12', `agent ${agent.email} ${why}; owner is the integration user ${org.integrationUserId}`);
  return org.integrationUserId;
}

/** R6 to R10: the open Case or Opportunity of a Contact, or the Case to create. */
function relate(
  item: Classified,
  target: TargetPlan,
  settings: Settings,
  org: OrgSnapshot,
  placed: Placement | null,
  ownerId: string,
  trace: Trace
): RelatedPlan | null {
  if (settings.relatedRecord === 'None') {
    trace.add('R6', 'Related_Record__c is None: no Case or Opportunity');
    return null;
  }
  if (target.sobject !== 'Contact') {
    trace.add('R7', `only Contacts are related to a ${settings.relatedRecord}; this is ${describeTarget(target)}`);
    return null;
  }
  const contactId = target.kind === 'existing' ? target.id : null;
  const pool = settings.relatedRecord === 'Case' ? org.openCases : org.openOpportunities;
  // An update keeps the related record it was logged with; it is not looked up again.
  const kept = placed?.relatedId && placed.relatedKind === settings.relatedRecord ? [{ id: placed.relatedId }] : [];
  const open = placed ? kept : contactId ? byRecency((pool?.[contactId] ?? []).filter((r) => !r.isClosed)) : [];
  if (open[0]) {
    const extra = open.length > 1 ? `; ${open.length} are open, the most recently modified is taken` : '';
    trace.add('R8', `related to the Contact's open ${settings.relatedRecord} ${open[0].id}${extra}`);
    return { kind: 'existing', sobject: settings.relatedRecord, id: open[0].id };
  }
  const whose = contactId
    ? `Contact ${contactId} has no open ${settings.relatedRecord}`
    : `the new Contact has no ${settings.relatedRecord}`;
  if (settings.relatedRecord === 'Opportunity') {
    trace.add('R10', `${whose}; Opportunities are never created`);
    return null;
  }
  if (!settings.createCase) {
    trace.add('R9', `${whose} and Create_Case__c is off`);
    return null;
  }
  trace.add('R9', `${whose}; Create_Case__c is on, so a Case is created for it`);
  const subject =
    item.kind === 'call'
      ? `Aircall: ${CALL_TYPE_LABELS[item.type]} call with ${item.otherParty.display}`
      : `Aircall: ${channelLabel(item)} with ${item.otherParty.display}`;
  const contactRef: RecordRef = contactId ? { id: contactId } : { ref: 'target' };
  const fields: Record<string, FieldValue | RecordRef> = {
    Subject: truncate(subject, LIMITS.subject),
    Origin: 'Phone',
    SuppliedPhone: item.otherParty.display,
    ContactId: contactRef,
    OwnerId: ownerId
  };
  if (target.kind === 'existing' && target.accountId) fields.AccountId = target.accountId;
  return { kind: 'create', sobject: 'Case', fields };
}

/** R12: WhoId and WhatId for the record the call is logged on. */
function placement(
  target: TargetPlan,
  related: RelatedPlan | null,
  trace: Trace
): { who: RecordRef | null; what: RecordRef | null } {
  const self: RecordRef = target.kind === 'existing' ? { id: target.id } : { ref: 'target' };
  const relatedRef: RecordRef | null = related
    ? related.kind === 'existing'
      ? { id: related.id }
      : { ref: 'related' }
    : null;
  switch (target.sobject) {
    case 'Contact':
      return { who: self, what: relatedRef };
    case 'Lead':
      trace.add('R12', 'logged on a Lead: WhoId is the Lead and WhatId stays empty (Salesforce allows none)');
      return { who: self, what: null };
    case 'Account':
      trace.add('R12', 'logged on an Account: WhatId is the Account, no WhoId');
      return { who: null, what: self };
    case 'PersonAccount': {
      const personContact = target.kind === 'existing' ? target.personContactId : null;
      trace.add('R12', `logged on a Person Account: WhoId is its person contact ${personContact ?? '(unknown)'}`);
      return personContact ? { who: { id: personContact }, what: null } : { who: null, what: self };
    }
  }
}

function callTaskFields(call: ClassifiedCall, status: string, trace: Trace): Record<string, FieldValue> {
  let recordingField: string | null = null;
  if (call.recordingUrl) {
    if (call.recordingUrl.length <= LIMITS.url) recordingField = call.recordingUrl;
    else
      trace.add(
        'R12',
        `recording link is ${call.recordingUrl.length} characters, over the field's 255: kept in the description only`
      );
  }
  const tags = call.tags.join(', ');
  return {
    Subject: callSubject(call),
    Status: status,
    Priority: 'Normal',
    ActivityDate: localDate(call.startedAt, call.line.timeZone),
    TaskSubtype: 'Call',
    CallType: call.direction === 'inbound' ? 'Inbound' : 'Outbound',
    CallDurationInSeconds: call.durationSeconds,
    CallObject: call.id,
    Description: callDescription(call, call.recordingUrl),
    Aircall_Recording_Url__c: recordingField,
    Aircall_Tags__c: tags ? truncate(tags, LIMITS.tags) : null,
    Aircall_Wait_Seconds__c: call.waitSeconds,
    Aircall_Type__c: call.type
  };
}

function messageTaskFields(message: ClassifiedMessage): Record<string, FieldValue> {
  return {
    Subject: messageSubject(message),
    Status: 'Completed',
    Priority: 'Normal',
    ActivityDate: localDate(message.sentAt, message.line.timeZone),
    TaskSubtype: 'Task',
    Type: 'SMS',
    Description: messageDescription(message),
    Aircall_Type__c: `message_${message.direction}`
  };
}

/** The checks that decide whether an item is logged at all, before any org lookup matters. */
function gate(item: Classified, settings: Settings, trace: Trace): { skip: SkipReason } | { status: string } {
  if (item.kind === 'message') {
    if (!settings.logMessages) {
      trace.add('R14', `${channelLabel(item)} ${item.direction}: Log_Messages__c is off`);
      return { skip: 'MESSAGES_OFF' };
    }
    trace.add('R14', `${channelLabel(item)} ${item.direction}: logged as a Task of type SMS, Status Completed`);
    trace.add('R2', 'messages are never filtered by business hours');
  } else {
    if (!item.final) {
      trace.add('P1', `call ${item.id} is live (ended_at is null)`);
      return { skip: 'LIVE_CALL' };
    }
    const action = settings.callWorkflow[item.type];
    trace.add('R1', `${CALL_TYPE_LABELS[item.type]} call: the workflow says ${action}`);
    if (action === 'DoNothing') return { skip: 'DO_NOTHING' };
    if (item.opening.closed) {
      const signal =
        item.opening.signal === 'missed_call_reason'
          ? 'missed_call_reason is out_of_opening_hours'
          : 'the line is set to always closed';
      if (!settings.logWhenClosed) {
        trace.add('R2', `the number was closed (${signal}) and Log_When_Closed__c is off`);
        return { skip: 'NUMBER_CLOSED' };
      }
      trace.add('R2', `the number was closed (${signal}); Log_When_Closed__c is on, so it is logged`);
    } else {
      trace.add('R2', 'the number was open');
    }
    if (item.otherParty.internal) {
      trace.add('P2', `${item.otherParty.e164} is one of the company's Aircall numbers`);
      return { skip: 'INTERNAL_CALL' };
    }
    return { status: ACTION_STATUS[action] };
  }
  return { status: 'Completed' };
}

export function plan(input: EngineInput): Plan {
  const { item, settings, org } = input;
  const trace = new Trace();
  if (input.card) trace.add('C1', input.card);
  const gated = gate(item, settings, trace);
  if ('skip' in gated) return skip(item, trace, gated.skip);

  const e164 = item.otherParty.e164;
  if (!e164) {
    trace.add(
      'P3',
      `the other party is ${item.otherParty.anonymous ? 'anonymous' : `"${item.otherParty.raw}", not a full phone number`}`
    );
    return skip(item, trace, 'NO_NUMBER');
  }

  // The owner is needed for created records, but its trace line reads best after matching.
  const ownerTrace = new Trace();
  const ownerId = chooseOwner(item, org, ownerTrace);
  const placed = org.placement ?? null;
  const match = placed ? keptRecord(placed, trace) : matchRecord([item.line.country], e164, org.candidates, trace);
  let target: TargetPlan;
  if (match) {
    target = existingTarget(match);
  } else if (settings.unknownNumber === 'None') {
    trace.add('R3', 'Unknown_Number__c is None: nothing is created');
    return skip(item, trace, 'UNKNOWN_NUMBER');
  } else {
    target = recordToCreate(item, settings.unknownNumber, ownerId, trace);
    const source = item.contact ? 'filled from the Aircall contact' : 'named after the number';
    trace.add(
      'R3',
      `Unknown_Number__c is ${settings.unknownNumber}: a new ${settings.unknownNumber} is created, ${source}`
    );
  }

  const related = relate(item, target, settings, org, placed, ownerId, trace);
  trace.lines.push(...ownerTrace.lines);
  const { who, what } = placement(target, related, trace);
  const base = item.kind === 'call' ? callTaskFields(item, gated.status, trace) : messageTaskFields(item);
  const mode = settings.logMode;
  trace.add(
    'R12',
    `${mode === 'RecordOnly' ? 'Call record' : 'Task'} on ${describeTarget(target)}${related ? `, related to ${related.kind === 'create' ? 'a new Case' : `${related.sobject} ${related.id}`}` : ''}, owner ${ownerId}`
  );
  trace.add('L1', LOG_MODE_TRACE[mode]);
  // Built once: the record's field, its file and this line all come from it.
  const text = mode !== 'TaskOnly' && item.kind === 'call' ? transcriptText(item) : null;
  const transcript = text === null ? null : { text, file: transcriptFile(item.externalId, text) };
  if (transcript?.file)
    trace.add(
      'L1',
      `Aircall AI's transcript has ${transcript.text.length} characters, more than the call record's field holds (${TRANSCRIPT_LIMIT}): kept whole in the file "${transcript.file.title}" on the record`
    );
  const days = settings.followUpTasks === 'None' ? null : Number(settings.followUpTasks);
  const followUps = followUpPlans(item, days, ownerId, String(base.Subject));
  if (item.kind === 'call' && item.ai && item.ai.actionItems.length > 0)
    trace.add(
      'L2',
      days === null
        ? `${item.ai.actionItems.length} Aircall AI action item(s); Follow_Up_Tasks__c is None: no follow-up Task`
        : `${followUps.length} Aircall AI action item(s): a follow-up Task each for ${ownerId}, due ${days === 0 ? 'the day of the call' : `${days} day(s) after it`}`
    );

  const fields: Record<string, FieldValue> = {
    ...base,
    Aircall_Id__c: item.externalId,
    OwnerId: ownerId,
    Aircall_Trace__c: truncate(renderTrace(trace.lines), LIMITS.trace)
  };
  return {
    outcome: 'log',
    externalId: item.externalId,
    target,
    related,
    mode,
    task: { fields, who, what, createOnly: ['TaskSubtype'] },
    record: mode === 'TaskOnly' ? null : callRecordPlan(item, target, related, renderTrace(trace.lines), transcript),
    followUps,
    trace: trace.lines
  };
}

/** What the rules would do with a call that rings now: the same matching as `plan`, for its insight card. */
export interface RingingPreview {
  readonly outcome: 'preview';
  /** The record the Task would go on, or the one that would be created; null when none would be. */
  readonly target: TargetPlan | null;
  readonly related: RelatedPlan | null;
  /** How many records hold the number (the chosen one included). */
  readonly holders: number;
  readonly trace: readonly TraceLine[];
}

/**
 * The record a ringing call would be logged on and the Case or Opportunity it would be related
 * to, by the rules `plan` applies once the call has ended (R3 to R8), so that the card and the
 * Task never disagree. The call workflow (R1) and business hours (R2) are not asked: the card
 * says who is calling whatever is logged. Internal calls and hidden numbers get no preview.
 */
export function previewRinging(input: EngineInput): RingingPreview | SkipPlan {
  const { item, settings, org } = input;
  const trace = new Trace();
  if (item.otherParty.internal) {
    trace.add('P2', `${item.otherParty.e164 ?? ''} is one of the company's Aircall numbers`);
    return skip(item, trace, 'INTERNAL_CALL');
  }
  const e164 = item.otherParty.e164;
  if (!e164) {
    trace.add('P3', `the other party is ${item.otherParty.anonymous ? 'anonymous' : `"${item.otherParty.raw}"`}`);
    return skip(item, trace, 'NO_NUMBER');
  }
  const ownerId = chooseOwner(item, org, new Trace());
  const match = matchRecord([item.line.country], e164, org.candidates, trace);
  let target: TargetPlan | null = null;
  if (match) {
    target = existingTarget(match);
  } else if (settings.unknownNumber !== 'None') {
    target = recordToCreate(item, settings.unknownNumber, ownerId, trace);
    trace.add('R3', `Unknown_Number__c is ${settings.unknownNumber}: a new ${settings.unknownNumber} would be created`);
  } else {
    trace.add('R3', 'Unknown_Number__c is None: nothing would be created');
  }
  const related = target ? relate(item, target, settings, org, null, ownerId, trace) : null;
  return {
    outcome: 'preview',
    target,
    related,
    holders: holders([item.line.country], e164, org.candidates).length,
    trace: trace.lines
  };
}
