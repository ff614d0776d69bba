/**
 * Aircall AI on a call (issue #31): the transcription, summary, topics, sentiment and action
 * items Aircall generates after a call ends, each announced by its own webhook event
 * (developer.aircall.io/docs/ai-assist, /docs/ai-call-summaries). The shapes are those of the
 * REST endpoints that serve them (`GET /v1/calls/:id/transcription|summary|topics|sentiments|
 * action_items`), as public code quoting Aircall's reference gives them; no capture of the
 * events' `data` is public, so each event's `data` is read as the object its endpoint returns,
 * tolerantly: the call id under `call_id` or `call.id`, unknown fields kept, missing ones null.
 * UNVERIFIED: the events' exact `data`; whether `action_item.created` carries one item or a list
 * (both are read).
 *
 * The call's item keeps what each event said, verbatim, under AI_KEY in its `data` (not an
 * Aircall field), so that an upgraded parser reads it again like the rest.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AircallSfError, ERROR_CODES } from '../errors';
import { ID_PATTERN } from './schemas';

export const AI_EVENTS = [
  'transcription.created',
  'summary.created',
  'topics.created',
  'sentiment.created',
  'action_item.created'
] as const;
export type AiEvent = (typeof AI_EVENTS)[number];
export const isAiEvent = (event: string): event is AiEvent => (AI_EVENTS as readonly string[]).includes(event);

/** Where a call's item keeps Aircall AI's payloads (a key Aircall's call object does not have). */
export const AI_KEY = 'aircall_sf_ai';

export type AiKind = 'transcription' | 'summary' | 'topics' | 'sentiment' | 'action_items';
const KIND: Record<AiEvent, AiKind> = {
  'transcription.created': 'transcription',
  'summary.created': 'summary',
  'topics.created': 'topics',
  'sentiment.created': 'sentiment',
  'action_item.created': 'action_items'
};

/** What the item keeps: each kind's latest payload; the action items, each once by id. */
export type StoredAi = Partial<Record<AiKind, unknown>>;

export interface CallAi {
  readonly summary: string | null;
  readonly topics: readonly string[];
  /** One per participant: internal (the agent) or external, with Aircall's value (POSITIVE…). */
  readonly sentiments: readonly { readonly participant: string; readonly value: string }[];
  readonly actionItems: readonly { readonly id: string; readonly content: string }[];
  /** Speaker by speaker; null until the transcription came. */
  readonly transcript:
    readonly { readonly speaker: string; readonly startSeconds: number | null; readonly text: string }[] | null;
  readonly language: string | null;
}

const id = z.union([z.number().int().nonnegative(), z.string().regex(ID_PATTERN)]);
const callRef = z
  .object({ call_id: id.optional(), call: z.object({ id: id.optional() }).passthrough().optional() })
  .passthrough();
const text = z.string().nullish();
const summary = z.object({ content: text }).passthrough();
const topics = z.object({ content: z.array(z.string()).nullish() }).passthrough();
const sentiment = z
  .object({
    participants: z
      .array(z.object({ participant_type: text, type: text, value: text, phone_number: text }).passthrough())
      .nullish()
  })
  .passthrough();
const actionItem = z.object({ id: id.nullish(), content: text }).passthrough();
const utterance = z
  .object({ start_time: z.number().nullish(), text: text, participant_type: text, phone_number: text })
  .passthrough();
const transcription = z
  .object({
    content: z
      .object({ language: text, utterances: z.array(utterance).nullish() })
      .passthrough()
      .nullish()
  })
  .passthrough();

/** The call an AI event is about, and what to keep of it; throws AircallSfError when no call id is there. */
export function readAiEvent(event: AiEvent, data: Record<string, unknown>): { callId: string; kind: AiKind } {
  const ref = callRef.safeParse(data);
  const callId = ref.success ? (ref.data.call_id ?? ref.data.call?.id) : undefined;
  if (callId === undefined)
    throw new AircallSfError(
      ERROR_CODES.PAYLOAD_INVALID,
      `data.call_id: ${event} names no call (neither call_id nor call.id is a call id).`
    );
  return { callId: String(callId), kind: KIND[event] };
}

/** The stored AI with one more event's payload: the latest of each kind, action items each once. */
export function withAiEvent(stored: StoredAi | undefined, kind: AiKind, data: Record<string, unknown>): StoredAi {
  const out: StoredAi = { ...(stored ?? {}) };
  if (kind !== 'action_items') {
    out[kind] = data;
    return out;
  }
  const fresh = Array.isArray(data.action_items) ? (data.action_items as unknown[]) : [data];
  const kept = Array.isArray(stored?.action_items) ? (stored.action_items as unknown[]) : [];
  const key = (item: unknown) => {
    const parsed = actionItem.safeParse(item);
    const itemId = parsed.success ? parsed.data.id : null;
    return itemId !== null && itemId !== undefined
      ? `id:${itemId}`
      : createHash('sha256').update(JSON.stringify(item)).digest('hex');
  };
  const seen = new Set(kept.map(key));
  out.action_items = [...kept, ...fresh.filter((item) => !seen.has(key(item)))];
  return out;
}

/** The stored payloads read into what the Task and the record say; anything unreadable is left out. */
export function toCallAi(stored: unknown): CallAi | null {
  if (typeof stored !== 'object' || stored === null) return null;
  const s = stored as StoredAi;
  const sum = summary.safeParse(s.summary);
  const top = topics.safeParse(s.topics);
  const sen = sentiment.safeParse(s.sentiment);
  const tra = transcription.safeParse(s.transcription);
  const items = Array.isArray(s.action_items) ? s.action_items : [];
  return {
    summary: sum.success ? (sum.data.content ?? null) : null,
    topics: top.success ? (top.data.content ?? []) : [],
    sentiments: sen.success
      ? (sen.data.participants ?? [])
          .filter((p) => p.value)
          .map((p) => ({
            participant: p.participant_type ?? p.type ?? p.phone_number ?? 'participant',
            value: p.value!
          }))
      : [],
    actionItems: items.flatMap((item, n) => {
      const parsed = actionItem.safeParse(item);
      return parsed.success && parsed.data.content
        ? [{ id: String(parsed.data.id ?? `item-${n + 1}`), content: parsed.data.content }]
        : [];
    }),
    transcript:
      tra.success && tra.data.content
        ? (tra.data.content.utterances ?? [])
            .filter((u) => u.text)
            .map((u) => ({
              speaker: u.participant_type ?? u.phone_number ?? 'speaker',
              startSeconds: u.start_time ?? null,
              text: u.text!
            }))
        : null,
    language: tra.success ? (tra.data.content?.language ?? null) : null
  };
}
