/**
 * From a webhook body to an inbox event, with the contract's checks in a fixed order:
 * JSON, token (constant time), envelope schema, event routing, resource schema. The body is
 * read once, here, into the product's types (aircall/read.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ClassifiedCall } from '../aircall/classify';
import type { AircallEvent } from '../aircall/read';
import { readEnvelope } from '../aircall/read';
import type { ErrorCode } from '../errors';
import { AircallSfError, ERROR_CODES } from '../errors';

export type WebhookOutcome =
  | {
      readonly status: 400 | 401;
      readonly reason: 'json' | 'schema' | 'token';
      readonly code: ErrorCode;
      readonly message: string;
    }
  | {
      readonly status: 200;
      readonly reason: 'ignored';
      readonly event: string;
      readonly lines: readonly string[];
      /** A call that starts ringing: not stored, offered to its insight card (src/cards/). */
      readonly ringing: ClassifiedCall | null;
    }
  | {
      readonly status: 200;
      readonly reason: 'accepted';
      readonly incoming: AircallEvent;
      readonly digest: string;
      readonly lines: readonly string[];
    };

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Aircall's deepest payload nests a few levels; a body far deeper is no Aircall event and would only cost stack. */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether a JSON text nests objects and arrays deeper than `limit`, told without parsing it.
 * Nesting is never deeper than the number of `{` and `[` in the text, which native searches
 * count at once; only a body with more of them than `limit` is walked character by character.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let openers = 0;
  for (const c of ['{', '[']) {
    for (let i = text.indexOf(c); i !== -1; i = text.indexOf(c, i + 1)) {
      openers += 1;
      if (openers > limit) return jsonDepth(text, limit) > limit;
    }
  }
  return false;
}

/** The deepest nesting of objects and arrays in a JSON text, counted without parsing it. */
function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i += 1; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth += 1;
      if (depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 125 || c === 93) depth -= 1;
  }
  return max;
}

/** Compares digests, so neither the token's content nor its length leaks through timing. */
export function tokenMatches(given: unknown, expected: readonly string[]): boolean {
  if (typeof given !== 'string' || expected.length === 0) return false;
  const g = digest(given);
  let match = false;
  for (const token of expected) match = timingSafeEqual(g, expectedDigest(token)) || match;
  return match;
}

/** The configured tokens' digests, computed once each (the configuration holds one or two). */
const expectedDigests = new Map<string, Buffer>();
function expectedDigest(token: string): Buffer {
  let d = expectedDigests.get(token);
  if (!d) {
    if (expectedDigests.size >= 16) expectedDigests.clear();
    d = digest(token);
    expectedDigests.set(token, d);
  }
  return d;
}

/**
 * `tokens` null: the caller trusts the source (replay of a file) and skips the token check.
 * After the token, only a body that is no envelope at all is refused: whatever its `data`
 * holds, an authenticated event is accepted or ignored (Aircall disables a webhook that keeps
 * failing).
 */
export function readWebhook(
  body: string,
  tokens: readonly string[] | null,
  receivedAt: number = Date.now()
): WebhookOutcome {
  if (nestsDeeperThan(body, MAX_JSON_DEPTH)) {
    return {
      status: 400,
      reason: 'json',
      code: ERROR_CODES.WEBHOOK_TOO_DEEP,
      message: `Body nests deeper than ${MAX_JSON_DEPTH} levels; no Aircall event does.`
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(body) as unknown;
  } catch (error) {
    // Only the position: the parser's own message quotes the body, and the body holds the token.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    return {
      status: 400,
      reason: 'json',
      code: ERROR_CODES.WEBHOOK_NOT_JSON,
      message: `Body is not JSON${position ? ` (at character ${position})` : ''}.`
    };
  }
  const token =
    json && typeof json === 'object' && !Array.isArray(json) ? (json as { token?: unknown }).token : undefined;
  if (tokens !== null && !tokenMatches(token, tokens)) {
    return {
      status: 401,
      reason: 'token',
      code: ERROR_CODES.WEBHOOK_TOKEN_INVALID,
      message: token === undefined ? 'The webhook token is missing.' : 'The webhook token is wrong.'
    };
  }
  try {
    const read = readEnvelope(json, { receivedAt });
    if (!read.event)
      return { status: 200, reason: 'ignored', event: read.name, lines: read.lines, ringing: read.ringing ?? null };
    // The delivery's identity: an exact redelivery has the same digest and changes nothing.
    return {
      status: 200,
      reason: 'accepted',
      incoming: read.event,
      digest: digest(body).toString('hex'),
      lines: read.lines
    };
  } catch (error) {
    if (error instanceof AircallSfError)
      return {
        status: 400,
        reason: 'schema',
        code: ERROR_CODES.WEBHOOK_NOT_ENVELOPE,
        message: `Not an Aircall webhook envelope: ${error.message}`
      };
    throw error;
  }
}
