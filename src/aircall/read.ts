/**
 * An authenticated webhook envelope, read once into the product's types: which item it
 * belongs to (`call:<id>` / `message:<id>`), whether the product uses it, the call or message
 * classified, and the company's Aircall lines it names. The inbox keeps this, plus the raw
 * `data` (never the envelope and its token), so that a fixed parser can read it again.
 *
 * Nothing Aircall sends with a valid token is refused here: an event whose `data` the
 * product cannot read is still an event, kept with the reason (`problem`), so the worker
 * makes it a dead letter that `dead-letters retry` can read again after an upgrade.
 */
import { createHash } from 'node:crypto';
import { AircallSfError } from '../errors';
import type { Classified, ClassifiedCall } from './classify';
import { classifyCall, classifyMessage } from './classify';
import { toE164 } from './phone';
import type { AiEvent, AiKind } from './ai';
import { AI_KEY, isAiEvent, readAiEvent, toCallAi } from './ai';
import { ID_PATTERN, isUsedEvent, parseCall, parseEnvelope, parseMessage } from './schemas';

/** One event of a call or message, as the inbox stores and coalesces it. */
export interface AircallEvent {
  /** The item it belongs to: the Task's Aircall_Id__c. */
  readonly key: string;
  readonly kind: 'call' | 'message';
  readonly event: string;
  /** Envelope timestamp (ms): the moment Aircall built the payload (arrival time when it has none). */
  readonly timestamp: number;
  /** The other party's number (E.164): two items of one number are never processed at once. */
  readonly phone: string | null;
  /** A call is final once it ended; a message at once; an unreadable event at once (it becomes a dead letter). */
  readonly final: boolean;
  /** The envelope's `data` as Aircall sent it. */
  readonly data: Record<string, unknown>;
  /** Classified without what only the coalesced item knows (see `inContext`); null when unreadable. */
  readonly classified: Classified | null;
  /** Why `data` could not be read, naming the path. */
  readonly problem: string | null;
  /** For an Aircall AI event: what it adds to its call (ai.ts); the item's call data is untouched. */
  readonly ai?: AiKind;
}

export interface ReadEnvelope {
  /** The event's name, as Aircall sent it. */
  readonly name: string;
  /** Null when the product does not use the event. */
  readonly event: AircallEvent | null;
  /** E.164 numbers of the company's Aircall lines this envelope names. */
  readonly lines: readonly string[];
  /** A call that starts ringing (`call.created`), for its insight card; null otherwise or unreadable. */
  readonly ringing?: ClassifiedCall | null;
}

/** The events that start a call's insight card (developer.aircall.io/docs/insight-cards listens to call.created). */
export const CARD_EVENTS: readonly string[] = ['call.created'];

export interface ReadOptions {
  /** When the event arrived (ms), for an envelope whose timestamp cannot be read. */
  readonly receivedAt: number;
}

type Resource = { readonly kind: 'call' | 'message'; readonly event: string; readonly timestamp: number };

/** The call or message in an event's `data`, classified; throws AircallSfError when it cannot be read. */
export function readResource(resource: Resource, data: unknown): Classified {
  if (resource.kind === 'call') {
    const call = classifyCall(parseCall(data));
    const stored = (data as Record<string, unknown>)[AI_KEY];
    return stored === undefined ? call : { ...call, ai: toCallAi(stored) };
  }
  const direction = resource.event === 'message.sent' ? 'outbound' : 'inbound';
  return classifyMessage(parseMessage(data), { defaults: { direction, sentAt: resource.timestamp } });
}

/** Reads a parsed webhook body (already authenticated); throws AircallSfError when it is no envelope. */
export function readEnvelope(json: unknown, options: ReadOptions): ReadEnvelope {
  const envelope = parseEnvelope(json);
  const lines = linesOf(envelope.resource, envelope.data);
  if (isAiEvent(envelope.event)) return readAi(envelope.event, envelope, lines, options);
  if (!isUsedEvent(envelope.event)) {
    if (!CARD_EVENTS.includes(envelope.event)) return { name: envelope.event, event: null, lines };
    let ringing: ClassifiedCall | null = null;
    try {
      ringing = classifyCall(parseCall(envelope.data));
    } catch (error) {
      if (!(error instanceof AircallSfError)) throw error;
    }
    return { name: envelope.event, event: null, lines, ringing };
  }
  const kind = envelope.event.startsWith('call.') ? 'call' : 'message';
  const timestamp = envelope.timestamp ?? options.receivedAt;
  const resource = { kind, event: envelope.event, timestamp } as const;
  try {
    const classified = readResource(resource, envelope.data);
    return {
      name: envelope.event,
      lines,
      event: {
        key: classified.externalId,
        kind,
        event: envelope.event,
        timestamp,
        phone: classified.otherParty.e164,
        final: classified.kind === 'call' ? classified.final : true,
        data: envelope.data,
        classified,
        problem: null
      }
    };
  } catch (error) {
    if (!(error instanceof AircallSfError)) throw error;
    return unreadable(envelope.event, lines, unreadableKey(kind, envelope.data), envelope.data, timestamp, error);
  }
}

/** An event kept with why it cannot be read: final at once, it becomes a dead letter. */
function unreadable(
  name: string,
  lines: readonly string[],
  key: string,
  data: Record<string, unknown>,
  timestamp: number,
  error: Error
): ReadEnvelope {
  const kind = key.startsWith('message:') ? 'message' : 'call';
  const event = { key, kind, event: name, timestamp, phone: null, final: true, data, classified: null } as const;
  return { name, lines, event: { ...event, problem: error.message } };
}

/**
 * An Aircall AI event: it belongs to its call's item and changes only what the item knows of
 * Aircall AI (coalesce.ts), never the call's data; it makes no item final on its own.
 */
function readAi(
  event: AiEvent,
  envelope: { data: Record<string, unknown>; timestamp?: number | null },
  lines: readonly string[],
  options: ReadOptions
): ReadEnvelope {
  const timestamp = envelope.timestamp ?? options.receivedAt;
  try {
    const { callId, kind } = readAiEvent(event, envelope.data);
    const base = { kind: 'call', event, timestamp, data: envelope.data, classified: null } as const;
    return {
      name: event,
      lines,
      event: { ...base, key: `call:${callId}`, phone: null, final: false, problem: null, ai: kind }
    };
  } catch (error) {
    if (!(error instanceof AircallSfError)) throw error;
    // Its own item: an AI payload's `id` is the insight's, not a call's.
    return unreadable(event, lines, `call:unreadable-${digestOf(envelope.data)}`, envelope.data, timestamp, error);
  }
}

/**
 * The item an unreadable event belongs to: its call or message when the id can be read (a
 * later readable event of the same call replaces it), else one of its own.
 */
function unreadableKey(kind: 'call' | 'message', data: Record<string, unknown>): string {
  const id = data.id;
  if (
    (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) ||
    (typeof id === 'string' && ID_PATTERN.test(id))
  )
    return `${kind}:${id}`;
  return `${kind}:unreadable-${digestOf(data)}`;
}

const digestOf = (data: Record<string, unknown>): string =>
  createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);

/**
 * The Aircall lines an envelope names, read without a schema (any event, used or not): a
 * call's or message's `number`, a user's `numbers`, a number event's own data.
 */
function linesOf(resource: string, data: Record<string, unknown>): string[] {
  const candidates: unknown[] = [data.number, ...(Array.isArray(data.numbers) ? (data.numbers as unknown[]) : [])];
  if (resource === 'number') candidates.push(data);
  const out = new Set<string>();
  for (const c of candidates) {
    if (!c || typeof c !== 'object') continue;
    const n = c as { digits?: unknown; e164_digits?: unknown; country?: unknown };
    const digits = typeof n.e164_digits === 'string' ? n.e164_digits : typeof n.digits === 'string' ? n.digits : null;
    const e164 = toE164(digits, typeof n.country === 'string' ? n.country : null);
    if (e164) out.add(e164);
  }
  return [...out];
}
