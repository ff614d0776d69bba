/**
 * An authenticated webhook envelope, read once into the product's types: which item it
 * belongs to (`call:<id>` / `message:<id>`), whether the product uses it, and the call or
 * message classified. The inbox keeps this, plus the raw `data` (never the envelope and its
 * token) so that a fixed parser can read it again.
 */
import type { Classified } from './classify';
import { classifyCall, classifyMessage } from './classify';
import { isUsedEvent, parseCall, parseEnvelope, parseMessage } from './schemas';

/** One event of a call or message, as the inbox stores and coalesces it. */
export interface AircallEvent {
  /** The item it belongs to: the Task's Aircall_Id__c. */
  readonly key: string;
  readonly kind: 'call' | 'message';
  readonly event: string;
  /** Envelope timestamp (ms): the moment Aircall built the payload. */
  readonly timestamp: number;
  /** The other party's number (E.164): two items of one number are never processed at once. */
  readonly phone: string | null;
  /** A call is final once it ended; a message at once. */
  readonly final: boolean;
  /** The envelope's `data` as Aircall sent it. */
  readonly data: Record<string, unknown>;
  /** Classified without what only the coalesced item knows (see `inContext`). */
  readonly classified: Classified;
}

export type ReadEnvelope =
  { readonly used: false; readonly event: string } | { readonly used: true; readonly event: AircallEvent };

/** The call or message in an event's `data`, classified; throws AircallSfError when the schema refuses it. */
export function readResource(kind: 'call' | 'message', data: unknown): Classified {
  return kind === 'call' ? classifyCall(parseCall(data)) : classifyMessage(parseMessage(data));
}

/** Reads a parsed webhook body (already authenticated); throws AircallSfError when the schema refuses it. */
export function readEnvelope(json: unknown): ReadEnvelope {
  const envelope = parseEnvelope(json);
  if (!isUsedEvent(envelope.event)) return { used: false, event: envelope.event };
  const kind = envelope.event.startsWith('call.') ? 'call' : 'message';
  const classified = readResource(kind, envelope.data);
  const final = classified.kind === 'call' ? classified.final : true;
  return {
    used: true,
    event: {
      key: classified.externalId,
      kind,
      event: envelope.event,
      timestamp: envelope.timestamp,
      phone: classified.otherParty.e164,
      final,
      data: envelope.data,
      classified
    }
  };
}
