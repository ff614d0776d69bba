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
  if (resource.kind === 'call') return classifyCall(parseCall(data));
  const direction = resource.event === 'message.sent' ? 'outbound' : 'inbound';
  return classifyMessage(parseMessage(data), { defaults: { direction, sentAt: resource.timestamp } });
}

/** Reads a parsed webhook body (already authenticated); throws AircallSfError when it is no envelope. */
export function readEnvelope(json: unknown, options: ReadOptions): ReadEnvelope {
  const envelope = parseEnvelope(json);
  const lines = linesOf(envelope.resource, envelope.data);
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
    return {
      name: envelope.event,
      lines,
      event: {
        key: unreadableKey(kind, envelope.data),
        kind,
        event: envelope.event,
        timestamp,
        phone: null,
        final: true,
        data: envelope.data,
        classified: null,
        problem: error.message
      }
    };
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
  const digest = createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 16);
  return `${kind}:unreadable-${digest}`;
}

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
