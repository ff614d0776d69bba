/**
 * L1: the Aircall Call record of a call or message (src/call-record/schema.ts), filled from
 * what Aircall sent and linked where the Task goes. Pure, like the rest of the engine.
 */
import type { ClassifiedCall, ClassifiedMessage, Classified } from '../aircall/classify';
import type { CallRecordLink } from '../call-record/schema';
import {
  ACTION_ITEM_TYPE,
  CALL_RECORD_KEY,
  LONG_TEXT,
  TRANSCRIPT_LIMIT,
  transcriptFileName,
  transcriptFileTitle
} from '../call-record/schema';
import {
  MISSED_CALL_REASONS,
  LIMITS,
  agentName,
  callSubject,
  localDate,
  messageSubject,
  transferText,
  truncate
} from './format';

import type { FieldValue, RecordRef, RelatedPlan, TargetPlan } from './types';

export interface CallRecordPlan {
  /** Scalar fields, the Aircall id (its upsert key) included. */
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** Lookups, which may name a record created in the same write. */
  readonly links: Readonly<Partial<Record<CallRecordLink, RecordRef>>>;
  /** A transcript longer than its field, kept whole in a file on the record (null when it fits). */
  readonly transcriptFile: TranscriptFile | null;
}

export interface TranscriptFile {
  /** ContentVersion.Title: names the call, so the file is found again and never attached twice. */
  readonly title: string;
  readonly fileName: string;
  readonly text: string;
}

const NAME_LENGTH = 80;
const join = (list: readonly (string | null | undefined)[], sep = ', ') =>
  list.filter((s): s is string => !!s).join(sep) || null;
const short = (value: string | null, max: number) => (value === null ? null : truncate(value, max));
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function outcome(call: ClassifiedCall): string {
  if (call.answeredAt !== null) return 'Answered';
  if (call.direction === 'outbound') return 'Not answered';
  const reason = call.missedCallReason ? (MISSED_CALL_REASONS[call.missedCallReason] ?? call.missedCallReason) : null;
  const head = call.type === 'voicemail' ? 'Voicemail' : 'Missed';
  return reason ? `${head}: ${reason}` : head;
}

/** Aircall AI's transcript, speaker by speaker, as the field and the file hold it. */
export function transcriptText(call: ClassifiedCall): string | null {
  if (!call.ai?.transcript) return null;
  return call.ai.transcript
    .map((u) => `${u.speaker}${u.startSeconds !== null ? ` [${Math.floor(u.startSeconds)} s]` : ''}: ${u.text}`)
    .join('\n');
}

/** The file that keeps a transcript whole when it is longer than the record's field; null when it fits. */
export function transcriptFile(key: string, text: string): TranscriptFile | null {
  return text.length > TRANSCRIPT_LIMIT
    ? { title: transcriptFileTitle(key), fileName: transcriptFileName(key), text }
    : null;
}

/** The call's transcript as the engine built it once (it may be hundreds of kB), and its file. */
export interface Transcript {
  readonly text: string;
  readonly file: TranscriptFile | null;
}

function callFields(call: ClassifiedCall, transcript: Transcript | null): Record<string, FieldValue> {
  const agents = [...new Set([agentName(call.transfer?.by ?? null), agentName(call.agent)].filter(Boolean))];
  const transfer = call.transfer ? transferText(call.transfer) : null;
  const ai = call.ai;
  const file = transcript?.file;
  const note = file ? `\n… cut here: the whole transcript is the file "${file.title}" on this record.` : '';
  const field = file ? `${file.text.slice(0, TRANSCRIPT_LIMIT - note.length)}${note}` : (transcript?.text ?? null);
  return {
    Name: truncate(callSubject(call), NAME_LENGTH),
    Type__c: call.type,
    Agents__c: short(join(agents), 255),
    Teams__c: short(join(call.teams), 255),
    Transfers__c: transfer,
    IVR_Options__c: short(join(call.ivrOptions, '\n'), 4000),
    Answered__c: call.answeredAt !== null,
    Outcome__c: truncate(outcome(call), 255),
    Missed_Reason__c: short(call.missedCallReason, 40),
    Started_At__c: iso(call.startedAt),
    Ended_At__c: iso(call.endedAt),
    Talk_Seconds__c: call.talkSeconds,
    Wait_Seconds__c: call.waitSeconds,
    Duration_Seconds__c: call.durationSeconds,
    Recording_Url__c: call.recordingUrl && call.recordingUrl.length <= LIMITS.url ? call.recordingUrl : null,
    Tags__c: short(join(call.tags), LIMITS.tags),
    Comments__c: short(
      join(
        call.comments.map((c) => `${c.author ? `${c.author}: ` : ''}${c.content}`),
        '\n'
      ),
      LONG_TEXT
    ),
    Summary__c: short(ai?.summary ?? null, LONG_TEXT),
    Topics__c: short(join(ai?.topics ?? []), 255),
    Sentiment__c: short(join((ai?.sentiments ?? []).map((s) => `${s.participant} ${s.value.toLowerCase()}`)), 255),
    Action_Items__c: short(
      join(
        (ai?.actionItems ?? []).map((a) => `- ${a.content}`),
        '\n'
      ),
      LONG_TEXT
    ),
    Transcript__c: field,
    Language__c: short(ai?.language ?? null, 20)
  };
}

function messageFields(message: ClassifiedMessage): Record<string, FieldValue> {
  const media = message.media.map((m) => join([m.name, m.type, m.url], ' · ') ?? 'attachment');
  return {
    Name: truncate(messageSubject(message), NAME_LENGTH),
    Type__c: `message_${message.direction}`,
    Agents__c: short(agentName(message.agent), 255),
    Outcome__c: message.direction === 'inbound' ? 'Received' : 'Sent',
    Started_At__c: iso(message.sentAt),
    Message_Body__c: short(message.body || null, LONG_TEXT),
    Media_Links__c: short(join(media, '\n'), 4000)
  };
}

/** Where the record points: the matched or created record, its Account, the related Case or Opportunity. */
function links(target: TargetPlan, related: RelatedPlan | null): Partial<Record<CallRecordLink, RecordRef>> {
  const self: RecordRef = target.kind === 'existing' ? { id: target.id } : { ref: 'target' };
  const out: Partial<Record<CallRecordLink, RecordRef>> = {};
  switch (target.sobject) {
    case 'Contact':
      out.Contact__c = self;
      if (target.kind === 'existing' && target.accountId) out.Account__c = { id: target.accountId };
      break;
    case 'Lead':
      out.Lead__c = self;
      break;
    case 'Account':
    case 'PersonAccount':
      out.Account__c = self;
      break;
  }
  if (related) {
    const ref: RecordRef = related.kind === 'existing' ? { id: related.id } : { ref: 'related' };
    if (related.sobject === 'Case') out.Case__c = ref;
    else out.Opportunity__c = ref;
  }
  return out;
}

/** L2: an open Task for one of Aircall AI's action items, once per item (keyed by `key`). */
export interface FollowUpPlan {
  /** Aircall_Id__c: `action:<call id>:<action item id>`. */
  readonly key: string;
  readonly fields: Readonly<Record<string, FieldValue>>;
}

export const followUpKey = (callId: string, itemId: string): string => `action:${callId}:${itemId}`;

/** The follow-up Tasks of a call's action items (none when L2 is off or the call has none). */
export function followUpPlans(item: Classified, days: number | null, ownerId: string, subject: string): FollowUpPlan[] {
  if (days === null || item.kind !== 'call' || !item.ai) return [];
  const due = localDate(item.startedAt + days * 86_400_000, item.line.timeZone);
  return item.ai.actionItems.map((action) => {
    const key = followUpKey(item.id, action.id);
    return {
      key,
      fields: {
        Subject: truncate(`Follow up: ${action.content}`, LIMITS.subject),
        Status: 'Not Started',
        Priority: 'Normal',
        ActivityDate: due,
        TaskSubtype: 'Task',
        OwnerId: ownerId,
        Description: truncate(
          `${action.content}\n\nAn action item Aircall AI found in the call "${subject}" (${item.externalId}).`,
          LIMITS.description
        ),
        Aircall_Id__c: key,
        Aircall_Type__c: ACTION_ITEM_TYPE
      }
    };
  });
}

/** `transcript`: a call's, built by the engine (null for a message or a call without one). */
export function callRecordPlan(
  item: Classified,
  target: TargetPlan,
  related: RelatedPlan | null,
  trace: string,
  transcript: Transcript | null
): CallRecordPlan {
  const common: Record<string, FieldValue> = {
    [CALL_RECORD_KEY]: item.externalId,
    Direction__c: item.direction,
    Line_Number__c: short(item.line.display ?? item.line.e164, 40),
    Line_Name__c: short(item.line.name, 255),
    External_Number__c: short(item.otherParty.e164 ?? item.otherParty.display, 40),
    Trace__c: truncate(trace, LONG_TEXT)
  };
  const own = item.kind === 'call' ? callFields(item, transcript) : messageFields(item);
  return { fields: { ...common, ...own }, links: links(target, related), transcriptFile: transcript?.file ?? null };
}
