/**
 * From a webhook body to an inbox event, with the contract's checks in a fixed order:
 * JSON, token (constant time), envelope schema, event routing, resource schema.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { toE164 } from '../aircall/phone';
import { isUsedEvent, parseCall, parseEnvelope, parseMessage } from '../aircall/schemas';
import { AircallSfError } from '../errors';
import type { IncomingEvent } from '../inbox/inbox';

export type WebhookOutcome =
  | { readonly status: 400; readonly reason: 'json' | 'schema'; readonly message: string }
  | { readonly status: 401; readonly reason: 'token'; readonly message: string }
  | { readonly status: 200; readonly reason: 'ignored'; readonly event: string }
  | { readonly status: 200; readonly reason: 'accepted'; readonly incoming: IncomingEvent };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares digests, so neither the token's content nor its length leaks through timing. */
export function tokenMatches(given: unknown, expected: readonly string[]): boolean {
  if (typeof given !== 'string' || expected.length === 0) return false;
  const g = digest(given);
  let match = false;
  for (const token of expected) match = timingSafeEqual(g, digest(token)) || match;
  return match;
}

/** `tokens` null: the caller trusts the source (replay of a file) and skips the token check. */
export function readWebhook(body: string, tokens: readonly string[] | null): WebhookOutcome {
  let json: unknown;
  try {
    json = JSON.parse(body) as unknown;
  } catch (error) {
    return {
      status: 400,
      reason: 'json',
      message: `Body is not JSON: ${error instanceof Error ? error.message : String(error)}`
    };
  }
  const token =
    json && typeof json === 'object' && !Array.isArray(json) ? (json as { token?: unknown }).token : undefined;
  if (tokens !== null && !tokenMatches(token, tokens)) {
    return {
      status: 401,
      reason: 'token',
      message: token === undefined ? 'The webhook token is missing.' : 'The webhook token is wrong.'
    };
  }
  try {
    const envelope = parseEnvelope(json);
    if (!isUsedEvent(envelope.event)) return { status: 200, reason: 'ignored', event: envelope.event };
    const accepted = (kind: 'call' | 'message', key: string, phone: string | null, final: boolean): WebhookOutcome => ({
      status: 200,
      reason: 'accepted',
      incoming: {
        key,
        kind,
        event: envelope.event,
        timestamp: envelope.timestamp,
        phone,
        final,
        data: envelope.data,
        body
      }
    });
    if (envelope.event.startsWith('call.')) {
      const call = parseCall(envelope.data);
      return accepted(
        'call',
        `call:${call.id}`,
        toE164(call.raw_digits, call.number?.country),
        call.ended_at !== null && call.ended_at !== undefined
      );
    }
    const message = parseMessage(envelope.data);
    return accepted(
      'message',
      `message:${message.id}`,
      toE164(message.external_number ?? message.raw_digits, message.number?.country),
      true
    );
  } catch (error) {
    if (error instanceof AircallSfError) return { status: 400, reason: 'schema', message: error.message };
    throw error;
  }
}
