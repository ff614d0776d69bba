/**
 * Feeding files of webhook envelopes through the pipeline, for `replay`, `explain` and
 * `dead-letters retry`: read the file, read each body as the webhook does, run the worker
 * until the items settle, count the outcomes.
 */
import { readFileSync } from 'node:fs';
import type { AircallEvent } from '../aircall/read';
import { AircallSfError, ERROR_CODES } from '../errors';
import { readWebhook } from '../server/webhook';
import type { Pipeline } from './pipeline';

/** A file a command was given, or INPUT_FILE_INVALID saying why it cannot be read. */
export function readInputFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new AircallSfError(
      ERROR_CODES.INPUT_FILE_INVALID,
      `Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`
    );
  }
}

/**
 * Envelopes from a JSON array, a JSON Lines file, or one JSON object (pretty-printed, as
 * documentation samples are pasted), as raw bodies.
 */
export function readEnvelopes(file: string): string[] {
  const trimmed = readInputFile(file).trim();
  if (trimmed.startsWith('{')) {
    try {
      return [JSON.stringify(JSON.parse(trimmed))];
    } catch {
      // Not one object: JSON Lines, read below.
    }
  }
  if (trimmed.startsWith('[')) {
    try {
      return (JSON.parse(trimmed) as unknown[]).map((e) => JSON.stringify(e));
    } catch (error) {
      throw new AircallSfError(
        ERROR_CODES.INPUT_FILE_INVALID,
        `${file} is not a JSON array: ${error instanceof Error ? error.message : String(error)}`
      );
    }
  }
  return trimmed
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line.length > 0)
    .map(({ line, n }) => {
      try {
        JSON.parse(line);
      } catch {
        throw new AircallSfError(ERROR_CODES.INPUT_FILE_INVALID, `${file} line ${n} is not JSON.`);
      }
      return line;
    });
}

export interface FileEvent {
  readonly event: AircallEvent;
  readonly digest: string;
}

/**
 * The events of a file that the product uses, read as the webhook reads them (the file is
 * trusted: no token check), and the company lines its envelopes name.
 */
export function eventsFrom(file: string, bodies: readonly string[]): { events: FileEvent[]; lines: Set<string> } {
  const events: FileEvent[] = [];
  const lines = new Set<string>();
  bodies.forEach((body, i) => {
    const outcome = readWebhook(body, null);
    if (outcome.status !== 200)
      throw new AircallSfError(ERROR_CODES.INPUT_FILE_INVALID, `${file} event ${i + 1}: ${outcome.message}`);
    for (const line of outcome.lines) lines.add(line);
    if (outcome.reason === 'accepted') events.push({ event: outcome.incoming, digest: outcome.digest });
  });
  return { events, lines };
}

/** Exit 2 naming the field when the org's settings are invalid (contract §2). */
export async function requireValidSettings(pipeline: Pipeline): Promise<void> {
  const result = await pipeline.settings.get();
  if (!result.ok) throw result.errors[0]!;
}

/** Runs the worker until every key is logged, skipped or dead. */
export async function drain(pipeline: Pipeline, keys: readonly string[], timeoutMs: number): Promise<void> {
  pipeline.worker.start();
  const deadline = Date.now() + timeoutMs;
  // Until nothing waits and no batch is still recording its outcomes. The worker keeps running:
  // in `serve` (the demo's backfill) it goes on with the webhooks; a command's close stops it.
  while ((await pipeline.inbox.outstanding(keys)) > 0 || pipeline.worker.busy) {
    if (Date.now() > deadline) {
      throw new AircallSfError(
        ERROR_CODES.CONFIG_INVALID,
        `Timed out after ${timeoutMs / 1000} s with ${await pipeline.inbox.outstanding(keys)} items still waiting (see the log for retries).`
      );
    }
    pipeline.worker.notify();
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function summary(
  pipeline: Pipeline,
  keys: readonly string[],
  events: number
): Promise<{ events: number; logged: number; skipped: number; failed: number }> {
  const counts = await pipeline.inbox.counts(keys);
  // A call that never ended (no call.ended in the file) stays pending: it was not logged.
  return { events, logged: counts.logged, skipped: counts.skipped + counts.pending, failed: counts.dead };
}

/**
 * A call read from Aircall's API, through the webhook boundary as Aircall's own delivery of it
 * would be: a `call.ended` (or `call.created` while it is live). Null when it cannot be used.
 */
export function apiCallEvent(call: Record<string, unknown>): {
  event: AircallEvent;
  digest: string;
  lines: readonly string[];
} | null {
  const startedAt = typeof call.started_at === 'number' ? call.started_at : 0;
  const timestamp = typeof call.ended_at === 'number' ? call.ended_at : startedAt;
  const body = JSON.stringify({
    resource: 'call',
    event: call.ended_at === null ? 'call.created' : 'call.ended',
    timestamp,
    data: call
  });
  const outcome = readWebhook(body, null);
  return outcome.status === 200 && outcome.reason === 'accepted'
    ? { event: outcome.incoming, digest: outcome.digest, lines: outcome.lines }
    : null;
}
