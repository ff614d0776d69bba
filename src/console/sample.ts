/**
 * Realistic Aircall webhook envelopes for demos: the banner's curl sample and the console's
 * "send a sample call". They go through the real webhook endpoint like Aircall's own.
 */
import { z } from 'zod';
import { ANONYMOUS, displayNumber, toE164 } from '../aircall/phone';

export const SAMPLE_KINDS = [
  'inbound_answered',
  'outbound_answered',
  'outbound_unanswered',
  'missed',
  'voicemail',
  'sms_inbound'
] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

export const sampleRequestSchema = z
  .object({
    kind: z.enum(SAMPLE_KINDS).default('inbound_answered'),
    // Checked here, at once, like an empty one: a number the rules could never read would only
    // come back as "not logged" after the round trip. "anonymous" is what Aircall sends for a
    // hidden caller, so it stays possible (the rules skip it, NO_NUMBER).
    phone: z
      .string()
      .trim()
      .min(1, 'give the external phone number')
      .max(40)
      .refine(
        (typed) => typed.toLowerCase() === ANONYMOUS || readable(typed) !== null,
        'not a full phone number: give one such as +33 6 12 34 56 78 or (415) 555-0142, or "anonymous" for a hidden caller'
      )
      .default('+33 6 12 34 56 78')
  })
  .strict();
export type SampleRequest = z.infer<typeof sampleRequestSchema>;

const AGENT = { id: 1, name: 'Jane Doe', email: 'jane.doe@example.com' };
const LINE = { id: 1, name: 'Paris support', digits: '+33 1 76 00 00 00', country: 'FR', time_zone: 'Europe/Paris' };

/**
 * Aircall sends the other party in international display form (`+1 415-555-0142`): a number
 * typed in national form is read as the demo line's country (FR), else as a US number, the
 * way a user who types `(415) 555-0142` means it. What reads as neither is sent as typed.
 */
export function asAircallSends(typed: string): string {
  const e164 = readable(typed);
  return e164 ? displayNumber(e164, typed) : typed;
}

function readable(typed: string): string | null {
  return toE164(typed, LINE.country) ?? toE164(typed, 'US');
}

/** Ids unique within this process even when two samples are sent in the same second. */
let lastId = 0;
function nextId(nowSeconds: number): number {
  lastId = Math.max(lastId + 1, nowSeconds * 1000);
  return lastId;
}

export interface SampleEnvelope {
  readonly key: string;
  readonly envelope: Record<string, unknown>;
}

export function sampleEnvelope(
  token: string,
  request: Partial<SampleRequest> = {},
  nowMs = Date.now()
): SampleEnvelope {
  const { kind, phone: typed } = sampleRequestSchema.parse(request);
  const phone = asAircallSends(typed);
  const now = Math.floor(nowMs / 1000);
  const id = nextId(now);
  if (kind === 'sms_inbound') {
    return {
      key: `message:${id}`,
      envelope: {
        resource: 'message',
        event: 'message.received',
        timestamp: now,
        token,
        data: {
          id: String(id),
          direction: 'inbound',
          external_number: phone,
          body: 'Hello, could you call me back about my order?',
          status: 'received',
          created_at: now,
          number: LINE,
          media_details: []
        }
      }
    };
  }
  const outbound = kind.startsWith('outbound');
  const answered = kind === 'inbound_answered' || kind === 'outbound_answered';
  const data: Record<string, unknown> = {
    id,
    direction: outbound ? 'outbound' : 'inbound',
    status: 'done',
    started_at: now - 120,
    answered_at: answered ? now - 108 : null,
    ended_at: now - 15,
    duration: 105,
    raw_digits: phone,
    user: answered || outbound ? AGENT : null,
    number: LINE,
    tags: answered ? [{ id: 1, name: 'Demo' }] : [],
    comments: answered ? [{ id: 1, content: 'Asked for a quote; call back Monday.', posted_by: AGENT }] : [],
    recording: answered ? `https://assets.aircall.io/calls/${id}/recording` : null,
    voicemail: kind === 'voicemail' ? `https://assets.aircall.io/calls/${id}/voicemail` : null,
    missed_call_reason: kind === 'missed' ? 'no_available_agent' : null
  };
  return {
    key: `call:${id}`,
    envelope: { resource: 'call', event: 'call.ended', timestamp: now, token, data }
  };
}

/**
 * The call.created Aircall sends when the sample call starts ringing (its shape: Aircall's
 * documented sample, test/fixtures/aircall/aircall-docs/call.created.json): status initial, not
 * answered nor ended, no agent yet for an inbound call.
 */
export function ringingEnvelope(ended: Record<string, unknown>): Record<string, unknown> {
  const data = ended.data as Record<string, unknown>;
  const startedAt = data.started_at as number;
  return {
    ...ended,
    event: 'call.created',
    timestamp: startedAt,
    data: {
      ...data,
      status: 'initial',
      answered_at: null,
      ended_at: null,
      duration: 0,
      user: data.direction === 'outbound' ? data.user : null,
      tags: [],
      comments: [],
      recording: null,
      voicemail: null,
      missed_call_reason: null
    }
  };
}
