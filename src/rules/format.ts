/**
 * Text the engine writes into Salesforce: subjects, descriptions, dates. Pure: time zones
 * come from the Aircall line, never from the machine running the service.
 */
import type { ClassifiedCall, ClassifiedMessage } from '../aircall/classify';
import type { CallType } from '../aircall/call-types';

export const LIMITS = {
  subject: 255,
  description: 32000,
  tags: 255,
  url: 255,
  trace: 32768,
  name: 80,
  firstName: 40,
  accountName: 255,
  /** Contact.Email and Lead.Email: Email(80). */
  email: 80,
  /** Phone fields: Phone(40). */
  phone: 40
} as const;

/**
 * An address Salesforce's Email field accepts: one @, no spaces, a dot in the domain, 80
 * characters at most (an invalid one is refused with INVALID_EMAIL_ADDRESS, a long one with
 * STRING_TOO_LONG, and the whole write fails).
 */
export function isAcceptedEmail(email: string): boolean {
  return email.length <= LIMITS.email && /^[^\s@,;<>()[\]"]+@[^\s@,;<>()[\]"]+\.[^\s@,;<>()[\]".]{2,}$/.test(email);
}

export function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/**
 * One formatter per time zone, made once: building an Intl.DateTimeFormat costs far more than
 * formatting with it (it was most of a batch's planning time). A memo, so the functions stay pure.
 */
const formatters = new Map<string, { zone: string; format: Intl.DateTimeFormat }>();

function formatter(timeZone: string | null): { zone: string; format: Intl.DateTimeFormat } {
  const wanted = timeZone ?? 'UTC';
  const known = formatters.get(wanted);
  if (known) return known;
  const options: Intl.DateTimeFormatOptions = {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23'
  };
  let made: { zone: string; format: Intl.DateTimeFormat };
  try {
    made = { zone: wanted, format: new Intl.DateTimeFormat('en-GB', { ...options, timeZone: wanted }) };
  } catch {
    // Not a zone this runtime knows: UTC, as the rules say.
    made = { zone: 'UTC', format: new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }) };
  }
  if (formatters.size < 1000) formatters.set(wanted, made);
  return made;
}

function parts(epochMs: number, timeZone: string | null): Record<string, string> {
  const { zone, format } = formatter(timeZone);
  const out: Record<string, string> = {};
  for (const part of format.formatToParts(new Date(epochMs))) out[part.type] = part.value;
  out.zone = zone;
  return out;
}

/** The call's date (YYYY-MM-DD) where the Aircall line is: what ActivityDate means to its users. */
export function localDate(epochMs: number, timeZone: string | null): string {
  const p = parts(epochMs, timeZone);
  return `${p.year}-${p.month}-${p.day}`;
}

export function localDateTime(epochMs: number, timeZone: string | null): string {
  const p = parts(epochMs, timeZone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} (${p.zone})`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes < 60) return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min ${rest} s`;
}

const CALL_SUBJECTS: Record<CallType, (n: string) => string> = {
  outbound_answered: (n) => `Outbound call to ${n}`,
  outbound_unanswered: (n) => `Unanswered outbound call to ${n}`,
  inbound_answered: (n) => `Inbound call from ${n}`,
  missed: (n) => `Missed call from ${n}`,
  voicemail: (n) => `Voicemail from ${n}`
};

export const CALL_TYPE_LABELS: Record<CallType, string> = {
  outbound_answered: 'outbound answered',
  outbound_unanswered: 'outbound unanswered',
  inbound_answered: 'inbound answered',
  missed: 'missed',
  voicemail: 'voicemail'
};

export function callSubject(call: ClassifiedCall): string {
  return truncate(CALL_SUBJECTS[call.type](call.otherParty.display), LIMITS.subject);
}

export function channelLabel(message: ClassifiedMessage): string {
  if (message.channel === 'whatsapp') return 'WhatsApp message';
  return message.mediaCount > 0 ? 'MMS' : 'SMS';
}

export function messageSubject(message: ClassifiedMessage): string {
  const preposition = message.direction === 'inbound' ? 'from' : 'to';
  return truncate(`${channelLabel(message)} ${preposition} ${message.otherParty.display}`, LIMITS.subject);
}

function lineLabel(line: ClassifiedCall['line']): string {
  if (line.name && line.display) return `${line.name} (${line.display})`;
  return line.name ?? line.display ?? 'an Aircall number';
}

/**
 * Aircall's missed_call_reason values in words (reference/aircall.md §3, from Aircall's help
 * centre); a value not listed here is shown as Aircall sent it.
 */
export const MISSED_CALL_REASONS: Readonly<Record<string, string>> = {
  short_abandoned: 'the caller hung up within 10 seconds',
  agents_did_not_answer: 'the agents rung did not answer',
  no_available_agent: 'no agent was available to ring',
  out_of_opening_hours: 'the call came outside opening hours',
  abandoned_in_ivr: 'the caller hung up in the IVR',
  abandoned_in_classic: 'the caller hung up before an agent answered',
  abandoned: 'the caller hung up before an agent answered'
};

/** An agent as the Task and the call record name them. */
export const agentName = (agent: ClassifiedCall['agent']): string | null => agent?.name ?? agent?.email ?? null;

/** A transfer in words: `Transferred by A to B` (no final stop). */
export function transferText(transfer: NonNullable<ClassifiedCall['transfer']>): string {
  const by = agentName(transfer.by);
  const to = agentName(transfer.to);
  return `Transferred${by ? ` by ${by}` : ''}${to ? ` to ${to}` : ''}`;
}

export function callDescription(call: ClassifiedCall, recordingInDescription: string | null): string {
  const n = call.otherParty.display;
  const line = lineLabel(call.line);
  const head =
    call.direction === 'inbound'
      ? `${CALL_SUBJECTS[call.type](n)} to ${line}`
      : `${CALL_SUBJECTS[call.type](n)} from ${line}`;
  const agent = agentName(call.agent);
  const talk = call.answeredAt !== null ? `talk ${formatDuration(call.talkSeconds)}` : 'not answered';
  const lines = [
    agent ? `${head}, handled by ${agent}.` : `${head}.`,
    `Started ${localDateTime(call.startedAt, call.line.timeZone)}. Duration ${formatDuration(call.durationSeconds)} ` +
      `(wait ${formatDuration(call.waitSeconds)}, ${talk}); Aircall's duration includes ringing and IVR.`
  ];
  if (call.transfer) lines.push(`${transferText(call.transfer)}.`);
  if (call.teams.length > 0) lines.push(`Teams: ${call.teams.join(', ')}.`);
  if (call.missedCallReason) {
    const words = MISSED_CALL_REASONS[call.missedCallReason];
    lines.push(`Missed call reason: ${words ? `${words} (${call.missedCallReason})` : call.missedCallReason}.`);
  }
  if (recordingInDescription) {
    lines.push(
      `Recording: ${recordingInDescription}${call.recordingLinkExpires ? ' (a temporary link: the call in Aircall keeps the recording)' : ''}`
    );
  }
  if (call.tags.length > 0) lines.push(`Tags: ${call.tags.join(', ')}`);
  if (call.comments.length > 0) {
    lines.push('Comments:');
    for (const comment of call.comments)
      lines.push(`- ${comment.author ? `${comment.author}: ` : ''}${comment.content}`);
  }
  lines.push(...aiLines(call));
  return truncate(lines.join('\n'), LIMITS.description);
}

/** What Aircall AI said of the call (issue #31), as it came: the transcript is not on the Task. */
function aiLines(call: ClassifiedCall): string[] {
  const ai = call.ai;
  if (!ai) return [];
  const lines: string[] = [];
  if (ai.summary) lines.push(`Aircall AI summary: ${ai.summary}`);
  if (ai.topics.length > 0) lines.push(`Topics: ${ai.topics.join(', ')}`);
  if (ai.sentiments.length > 0)
    lines.push(`Sentiment: ${ai.sentiments.map((s) => `${s.participant} ${s.value.toLowerCase()}`).join(', ')}`);
  if (ai.actionItems.length > 0) {
    lines.push('Action items:');
    for (const item of ai.actionItems) lines.push(`- ${item.content}`);
  }
  return lines;
}

export function messageDescription(message: ClassifiedMessage): string {
  const agent = message.agent?.name ?? message.agent?.email;
  const lines = [
    `${messageSubject(message)} (${lineLabel(message.line)})${agent ? `, by ${agent}` : ''}.`,
    `Sent ${localDateTime(message.sentAt, message.line.timeZone)}.`
  ];
  if (message.mediaCount > 0) lines.push(`Attachments: ${message.mediaCount}.`);
  if (message.body) lines.push('', message.body);
  return truncate(lines.join('\n'), LIMITS.description);
}
