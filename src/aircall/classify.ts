/**
 * From a validated Aircall call or message to the facts the rules engine uses (R1, R2,
 * R12, R14). Call types follow `answered_at`, never `status` (reference/aircall.md §8).
 */
import type { CallAi } from './ai';
import type { CallType } from './call-types';
import { AircallSfError, ERROR_CODES } from '../errors';
import { displayNumber, toE164 } from './phone';
import type { AircallCall, AircallContact, AircallMessage, AircallNumber, AircallUser } from './schemas';
import { entries } from './schemas';

export interface OtherParty {
  /** As Aircall sent it. */
  readonly raw: string;
  /** Null when anonymous or not a full phone number. */
  readonly e164: string | null;
  readonly display: string;
  readonly anonymous: boolean;
  /** The other party is one of the company's own Aircall numbers. */
  readonly internal: boolean;
}

export interface Agent {
  readonly id: string;
  readonly name: string | null;
  readonly email: string | null;
}

export interface AircallContactFacts {
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly company: string | null;
  readonly email: string | null;
}

export interface LineFacts {
  /** The Aircall line's own number: a call from another company line is internal. */
  readonly e164: string | null;
  readonly name: string | null;
  readonly display: string | null;
  readonly country: string | null;
  readonly timeZone: string | null;
}

/** Why the engine considers the line closed or open for R2, and on which signal. */
export interface Opening {
  readonly closed: boolean;
  readonly signal: 'missed_call_reason' | 'availability_status' | 'none';
}

export interface CallComment {
  readonly content: string;
  readonly postedAt: number | null;
  readonly author: string | null;
}

export interface ClassifiedCall {
  readonly kind: 'call';
  readonly id: string;
  readonly externalId: string;
  readonly type: CallType;
  readonly direction: 'inbound' | 'outbound';
  /** false while the call is live (`ended_at` null): never logged then. */
  readonly final: boolean;
  readonly startedAt: number;
  readonly answeredAt: number | null;
  readonly endedAt: number | null;
  /** Aircall's `duration`: from start to end, ringing and IVR included. */
  readonly durationSeconds: number;
  /** Before an agent answered (the whole call when nobody did). */
  readonly waitSeconds: number;
  /** From answer to end; 0 when unanswered. */
  readonly talkSeconds: number;
  readonly otherParty: OtherParty;
  readonly line: LineFacts;
  readonly opening: Opening;
  readonly missedCallReason: string | null;
  /** The agent Aircall names on the call: after a transfer, the one who took it. */
  readonly agent: Agent | null;
  /** Set after a transfer: who passed the call on, and to whom. */
  readonly transfer: { readonly by: Agent | null; readonly to: Agent | null } | null;
  /** Teams the call rang (inbound calls only). */
  readonly teams: readonly string[];
  readonly contact: AircallContactFacts | null;
  /** A link that stays valid (Aircall's asset page) when there is one, else the short or signed mp3 URL. */
  readonly recordingUrl: string | null;
  /** The link expires (a short URL after 3 h, a signed mp3 URL within the hour): no asset page was sent. */
  readonly recordingLinkExpires: boolean;
  readonly comments: readonly CallComment[];
  readonly tags: readonly string[];
  /** The IVR options the caller chose, in order ("title (key)"), when Aircall sent them. */
  readonly ivrOptions: readonly string[];
  /** What Aircall AI said of the call (summary, topics, sentiment…), once its events came (ai.ts). */
  readonly ai: CallAi | null;
}

export interface ClassifiedMessage {
  readonly kind: 'message';
  readonly id: string;
  readonly externalId: string;
  readonly direction: 'inbound' | 'outbound';
  /** 'sms' (Aircall sends null for SMS/MMS), 'whatsapp', or whatever new channel Aircall adds. */
  readonly channel: string;
  readonly sentAt: number;
  readonly body: string;
  readonly mediaCount: number;
  /** The attachments: name, type and link (presigned links expire), as far as Aircall gave them. */
  readonly media: readonly {
    readonly name: string | null;
    readonly type: string | null;
    readonly url: string | null;
  }[];
  readonly otherParty: OtherParty;
  readonly line: LineFacts;
  readonly agent: Agent | null;
  readonly contact: AircallContactFacts | null;
}

export type Classified = ClassifiedCall | ClassifiedMessage;

export interface ClassifyOptions {
  /** A `call.voicemail_left` event was seen for this call. */
  readonly voicemailLeft?: boolean;
  /** E.164 numbers of the company's own Aircall lines. */
  readonly ownNumbers?: ReadonlySet<string>;
}

/** The raw number of a call or message that carries none: it matches no record (NO_NUMBER). */
const NO_NUMBER = '(no number)';

const clean = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

function agentOf(user: AircallUser | null | undefined): Agent | null {
  if (!user) return null;
  return { id: user.id, name: clean(user.name), email: clean(user.email)?.toLowerCase() ?? null };
}

function contactOf(contact: AircallContact | null | undefined): AircallContactFacts | null {
  if (!contact) return null;
  const facts = {
    firstName: clean(contact.first_name),
    lastName: clean(contact.last_name),
    company: clean(contact.company_name),
    email: clean(entries(contact.emails)[0]?.value)
  };
  return facts.firstName || facts.lastName || facts.company || facts.email ? facts : null;
}

function lineOf(number: AircallNumber | null | undefined): LineFacts {
  const country = clean(number?.country)?.toUpperCase() ?? null;
  return {
    e164: toE164(clean(number?.e164_digits) ?? clean(number?.digits), country),
    name: clean(number?.name),
    display: clean(number?.digits) ?? clean(number?.e164_digits),
    country,
    timeZone: clean(number?.time_zone)
  };
}

function otherPartyOf(raw: string, line: LineFacts, ownNumbers: ReadonlySet<string> | undefined): OtherParty {
  const anonymous = raw.trim().toLowerCase() === 'anonymous';
  const e164 = anonymous ? null : toE164(raw, line.country);
  return {
    raw,
    e164,
    display: displayNumber(e164, raw),
    anonymous,
    internal: e164 !== null && (ownNumbers?.has(e164) ?? false)
  };
}

/**
 * R2 needs "was the number open when the call came in". The reliable per-call signal is
 * `missed_call_reason = out_of_opening_hours`; `number.open` describes the moment the
 * payload was built (stale on Smartflows numbers), so it is not used. A line set to
 * always closed (`availability_status = closed`) is closed for every call.
 */
function openingOf(call: AircallCall): Opening {
  if (call.missed_call_reason === 'out_of_opening_hours') return { closed: true, signal: 'missed_call_reason' };
  if (call.number?.availability_status === 'closed') return { closed: true, signal: 'availability_status' };
  return { closed: false, signal: 'none' };
}

export function callTypeOf(call: AircallCall, voicemailLeft = false): CallType {
  const answered = call.answered_at !== null && call.answered_at !== undefined;
  if (call.direction === 'outbound') return answered ? 'outbound_answered' : 'outbound_unanswered';
  if (answered) return 'inbound_answered';
  return call.voicemail || voicemailLeft ? 'voicemail' : 'missed';
}

export function classifyCall(call: AircallCall, options: ClassifyOptions = {}): ClassifiedCall {
  const line = lineOf(call.number);
  const type = callTypeOf(call, options.voicemailLeft);
  const endedAt = call.ended_at ?? null;
  const answeredAt = call.answered_at ?? null;
  const seconds = (from: number, to: number) => Math.max(0, Math.round((to - from) / 1000));
  const durationSeconds = call.duration ?? (endedAt !== null ? seconds(call.started_at, endedAt) : 0);
  const waitSeconds = answeredAt !== null ? seconds(call.started_at, answeredAt) : durationSeconds;
  const talkSeconds = answeredAt !== null && endedAt !== null ? seconds(answeredAt, endedAt) : 0;
  const asset = clean(call.asset);
  const recordingUrl =
    asset ??
    clean(call.recording_short_url) ??
    clean(call.voicemail_short_url) ??
    clean(call.recording) ??
    clean(call.voicemail);
  const transferred = call.transferred_by || call.transferred_to;
  return {
    kind: 'call',
    id: call.id,
    externalId: `call:${call.id}`,
    type,
    direction: call.direction,
    final: endedAt !== null,
    startedAt: call.started_at,
    answeredAt,
    endedAt,
    durationSeconds,
    waitSeconds,
    talkSeconds,
    otherParty: otherPartyOf(clean(call.raw_digits) ?? NO_NUMBER, line, options.ownNumbers),
    line,
    opening: openingOf(call),
    missedCallReason: clean(call.missed_call_reason),
    // After a transfer the call is the receiving agent's when Aircall names no `user` (docs/rules.md).
    agent: agentOf(call.user) ?? agentOf(call.transferred_to),
    transfer: transferred ? { by: agentOf(call.transferred_by), to: agentOf(call.transferred_to) } : null,
    teams: entries(call.teams)
      .map((t) => clean(t.name))
      .filter((n): n is string => n !== null),
    contact: contactOf(call.contact),
    recordingUrl,
    recordingLinkExpires: recordingUrl !== null && recordingUrl !== asset,
    comments: entries(call.comments).map((c) => ({
      content: c.content,
      postedAt: c.posted_at ?? null,
      author: clean(c.posted_by?.name)
    })),
    tags: entries(call.tags).map((t) => t.name),
    ivrOptions: entries(call.ivr_options_selected).flatMap((o) => {
      const title = clean(o.title) ?? clean(o.branch);
      const key = clean(o.key);
      return title || key ? [title && key ? `${title} (${key})` : (title ?? key)!] : [];
    }),
    ai: null
  };
}

/** What the envelope tells of a message whose own fields do not. */
export interface MessageDefaults {
  /** From the event: `message.received` is inbound, `message.sent` outbound. */
  readonly direction: 'inbound' | 'outbound';
  /** The envelope's timestamp. */
  readonly sentAt: number;
}

export function classifyMessage(
  message: AircallMessage,
  options: ClassifyOptions & { defaults?: MessageDefaults } = {}
): ClassifiedMessage {
  const line = lineOf(message.number);
  const raw = clean(message.external_number) ?? clean(message.raw_digits) ?? NO_NUMBER;
  const media = [
    ...entries(message.media_details).map((m) => ({
      name: clean(m.file_name),
      type: clean(m.file_type),
      url: clean(m.presigned_url)
    })),
    ...entries(message.media_url).map((url) => ({ name: null, type: null, url: clean(url) }))
  ];
  const mediaCount = media.length;
  const direction = message.direction ?? options.defaults?.direction;
  const sentAt = message.sent_at ?? message.created_at ?? message.updated_at ?? options.defaults?.sentAt;
  if (!direction || sentAt === undefined)
    throw new AircallSfError(
      ERROR_CODES.PAYLOAD_INVALID,
      `Invalid Aircall message: ${direction ? 'data.created_at: no time is given' : 'data.direction: neither the message nor its event tells it'}`
    );
  return {
    kind: 'message',
    id: message.id,
    externalId: `message:${message.id}`,
    direction,
    channel: clean(message.channel)?.toLowerCase() ?? 'sms',
    sentAt,
    body: message.body ?? '',
    mediaCount,
    media,
    otherParty: otherPartyOf(raw, line, options.ownNumbers),
    line,
    agent: agentOf(message.user),
    contact: contactOf(message.contact)
  };
}

/**
 * What only the coalesced item knows, applied to a classification made at the boundary: a
 * `call.voicemail_left` seen for the call turns a missed call into a voicemail, and the
 * company's lines make a call between two of them internal.
 */
export function inContext(item: Classified, options: ClassifyOptions): Classified {
  const e164 = item.otherParty.e164;
  const internal = e164 !== null && (options.ownNumbers?.has(e164) ?? false);
  const otherParty = internal === item.otherParty.internal ? item.otherParty : { ...item.otherParty, internal };
  if (item.kind === 'message') return otherParty === item.otherParty ? item : { ...item, otherParty };
  const type = options.voicemailLeft && item.type === 'missed' ? 'voicemail' : item.type;
  return type === item.type && otherParty === item.otherParty ? item : { ...item, type, otherParty };
}
