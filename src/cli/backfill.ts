import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AircallApi } from '../aircall-api/client';
import { createLogger } from '../logger';
import type { Command, Io } from './command';
import { COMMON_OPTIONS, configFrom, parseCommand, requireAircallApi, usageError } from './command';
import { openPipeline } from './embedded';
import { apiCallEvent, drain, requireValidSettings, summary } from './feed';
import type { Pipeline } from './pipeline';

const USAGE = `Usage: aircall-sf backfill --from DATE [--to DATE] [--timeout SECONDS] [--org URL] [--data-dir DIR]

Lists, from Aircall's Public API, every call that started between --from and --to (ISO 8601,
or unix seconds) and feeds each through the same inbox, coalescing and rules as a webhook, so a
call that also came by webhook is still one Task. Progress goes to stderr; the last stdout line
is {"calls","logged","skipped","failed","alreadyLogged","alreadySkipped"}: what this run logged and
skipped, and the calls an earlier run had already logged or skipped. Exit code 0 unless a call
failed; 2 when the org's settings are invalid. Interrupted, it continues where it stopped; run again, it logs
nothing twice. Needs AIRCALL_API_ID and AIRCALL_API_TOKEN (README, Configuration).

  --from DATE      the window's start (ISO 8601 or unix seconds)
  --to DATE        the window's end, included (default: now)
  --timeout S      give up waiting for the org after S seconds (default 3600)
${COMMON_OPTIONS}`;

/** Unix seconds from ISO 8601 or unix seconds; undefined when it is neither. */
export function parseDate(text: string): number | undefined {
  if (/^\d{9,11}$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** Where a window's progress is kept, so an interrupted run resumes: the next start to list. */
const progressFile = (dataDir: string, from: number, to: number) => join(dataDir, `backfill-${from}-${to}.json`);

export const backfillCommand: Command = {
  name: 'backfill',
  summary: "log the calls of a past window from Aircall's API",
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommand(USAGE, args, {
      from: { type: 'string' },
      to: { type: 'string' },
      timeout: { type: 'string' }
    });
    if (positionals.length > 0) throw usageError(USAGE, 'backfill takes no positional argument.');
    const from = typeof values.from === 'string' ? parseDate(values.from) : undefined;
    if (from === undefined)
      throw usageError(USAGE, '--from must be a date: 2026-11-01, 2026-11-01T09:00:00Z or unix seconds.');
    const to = typeof values.to === 'string' ? parseDate(values.to) : Math.floor(Date.now() / 1000);
    if (to === undefined || to < from) throw usageError(USAGE, '--to must be a date after --from.');
    const timeout = Number(values.timeout ?? 3600);
    if (!(timeout > 0))
      throw usageError(USAGE, `--timeout must be a number of seconds, got "${String(values.timeout)}".`);
    const config = configFrom(values);
    const aircallApi = requireAircallApi(config, 'backfill');

    let waits = 0;
    const api = new AircallApi(aircallApi, { rateLimited: () => (waits += 1) });
    const opened = await openPipeline(config, createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }));
    try {
      const result = await backfill({
        api,
        pipeline: opened.pipeline,
        from,
        to,
        progressFile: progressFile(config.dataDir, from, to),
        timeoutMs: timeout * 1000,
        rateLimitWaits: () => waits,
        io
      });
      return result.failed > 0 ? 1 : 0;
    } finally {
      await opened.close();
    }
  }
};

export interface BackfillRun {
  readonly api: AircallApi;
  readonly pipeline: Pipeline;
  /** The window, unix seconds, both included (a call belongs to it by its `started_at`). */
  readonly from: number;
  readonly to: number;
  /** Where the next start to list is kept, so an interrupted run resumes. */
  readonly progressFile: string;
  readonly timeoutMs: number;
  /** How many times the API's rate limit made the client wait so far (for the progress). */
  readonly rateLimitWaits: () => number;
  readonly io: Io;
}

/** Lists the window's calls and feeds them to the pipeline's inbox; resolves when all are done. */
export async function backfill(run: BackfillRun): Promise<BackfillResult> {
  const { api, pipeline, from, to, io } = run;
  await requireValidSettings(pipeline);
  pipeline.worker.start();
  const saved = existsSync(run.progressFile)
    ? (JSON.parse(readFileSync(run.progressFile, 'utf8')) as { next?: number }).next
    : undefined;
  const start = typeof saved === 'number' && saved >= from && saved <= to ? saved : from;
  if (start > from) io.err(`backfill: resuming at ${new Date(start * 1000).toISOString()}`);
  const began = Date.now();
  const keys = new Set<string>();
  // Calls a run before this one had already logged or skipped: counted apart, not as this run's.
  const done = new Set<string>();
  let calls = 0;
  const report = async (startedAt: number) => {
    const done = (startedAt - start) / Math.max(1, to - start);
    const left = done > 0 ? ((Date.now() - began) * (1 - done)) / done / 1000 : NaN;
    const counts = await pipeline.inbox.counts([...keys]);
    io.err(
      `backfill: ${calls} calls fetched, ${counts.logged} logged, ${counts.skipped} skipped, ` +
        `${run.rateLimitWaits()} rate-limit waits${Number.isFinite(left) ? `, about ${Math.ceil(left)} s left` : ''}`
    );
  };
  for await (const call of api.calls(start, to)) {
    calls += 1;
    const startedAt = typeof call.started_at === 'number' ? call.started_at : start;
    // The same boundary as a webhook: stored and classified as Aircall's own delivery would be.
    const read = apiCallEvent(call);
    if (read) {
      await pipeline.inbox.rememberLines([...read.lines]);
      const before = keys.has(read.event.key) ? undefined : await pipeline.inbox.item(read.event.key);
      const changed = await pipeline.inbox.accept(read.event, read.digest);
      if (!changed && (before?.state === 'logged' || before?.state === 'skipped')) done.add(read.event.key);
      keys.add(read.event.key);
      pipeline.worker.notify();
    }
    if (calls % 200 === 0) {
      // Everything before this start is in the inbox (durable): a rerun may begin here.
      writeFileSync(run.progressFile, JSON.stringify({ next: startedAt }));
      await report(startedAt);
    }
  }
  await drain(pipeline, [...keys], run.timeoutMs);
  rmSync(run.progressFile, { force: true });
  const result = await summary(
    pipeline,
    [...keys].filter((k) => !done.has(k)),
    calls
  );
  const earlier = await pipeline.inbox.counts([...done]);
  await report(to);
  const line = {
    calls,
    logged: result.logged,
    skipped: result.skipped,
    failed: result.failed,
    alreadyLogged: earlier.logged,
    alreadySkipped: earlier.skipped
  };
  io.out(JSON.stringify(line));
  return line;
}

/** What one run did: `logged` and `skipped` by this run; `already…`, by an earlier one (a second run: 0 logged). */
export interface BackfillResult {
  readonly calls: number;
  readonly logged: number;
  readonly skipped: number;
  readonly failed: number;
  readonly alreadyLogged: number;
  readonly alreadySkipped: number;
}
