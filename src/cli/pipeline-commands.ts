/**
 * serve, replay, explain and dead-letters (contract §2). They share one pipeline: the same
 * inbox, worker, org gateway and rules engine.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Classified } from '../aircall/classify';
import { classifyCall, classifyMessage } from '../aircall/classify';
import { parseCall, parseMessage } from '../aircall/schemas';
import type { ServiceConfig } from '../config';
import { loadConfig } from '../config';
import { AircallSfError, ERROR_CODES } from '../errors';
import type { IncomingEvent } from '../inbox/inbox';
import { Inbox } from '../inbox/inbox';
import { createLogger } from '../logger';
import { plan, renderTrace } from '../rules/engine';
import { buildApp } from '../server/app';
import { CONSOLE_DIST, buildConsole, isStale } from '../console/build';
import { registerConsole } from '../console/routes';
import { sampleEnvelope } from '../console/sample';
import { connect } from '../salesforce/connection';
import { readWebhook } from '../server/webhook';
import type { Pipeline } from '../service';
import { startPipeline } from '../service';
import { buildSnapshots } from '../worker/snapshots';
import type { Command, Io } from './main';

const COMMON = `  --org URL        the org's instance URL (instead of SF_INSTANCE_URL); without one, the embedded local org
  --data-dir DIR   where the inbox lives (instead of DATA_DIR; default .aircall-sf)`;

const usage = (text: string, message: string) => new AircallSfError(ERROR_CODES.USAGE, `${message}\n\n${text}`);

function parse(
  text: string,
  args: readonly string[],
  options: Record<string, { type: 'string' | 'boolean' }>
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({
      args: [...args],
      options: { org: { type: 'string' }, 'data-dir': { type: 'string' }, ...options },
      strict: true,
      allowPositionals: true
    });
  } catch (error) {
    throw usage(text, error instanceof Error ? error.message : String(error));
  }
}

function configFrom(values: Record<string, unknown>, extra: { port?: string } = {}): ServiceConfig {
  const org = typeof values.org === 'string' ? values.org : undefined;
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined;
  return loadConfig(process.env, { ...(org ? { org } : {}), ...(dataDir ? { dataDir } : {}), ...extra });
}

/** Envelopes from a JSON array or JSON Lines file, as raw bodies. */
export function readEnvelopes(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AircallSfError(
      ERROR_CODES.INPUT_FILE_INVALID,
      `Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`
    );
  }
  const trimmed = text.trim();
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

function incomingFrom(file: string, bodies: readonly string[]): { events: IncomingEvent[]; ignored: number } {
  const events: IncomingEvent[] = [];
  let ignored = 0;
  bodies.forEach((body, i) => {
    const outcome = readWebhook(body, null);
    if (outcome.status === 400)
      throw new AircallSfError(ERROR_CODES.INPUT_FILE_INVALID, `${file} event ${i + 1}: ${outcome.message}`);
    if (outcome.reason === 'accepted') events.push(outcome.incoming);
    else ignored += 1;
  });
  return { events, ignored };
}

/** Exit 2 naming the field when the org's settings are invalid (contract §2). */
async function requireValidSettings(pipeline: Pipeline): Promise<void> {
  const result = await pipeline.settings.get();
  if (!result.ok) throw result.errors[0]!;
}

/** Runs the worker until every key is logged, skipped or dead. */
async function drain(pipeline: Pipeline, keys: readonly string[], timeoutMs: number): Promise<void> {
  pipeline.worker.start();
  const deadline = Date.now() + timeoutMs;
  while (pipeline.inbox.outstanding(keys) > 0) {
    if (Date.now() > deadline) {
      throw new AircallSfError(
        ERROR_CODES.CONFIG_INVALID,
        `Timed out after ${timeoutMs / 1000} s with ${pipeline.inbox.outstanding(keys)} items still waiting (see the log for retries).`
      );
    }
    pipeline.worker.notify();
    await new Promise((r) => setTimeout(r, 50));
  }
  await pipeline.worker.stop();
}

function summary(pipeline: Pipeline, keys: readonly string[], events: number) {
  const counts = pipeline.inbox.counts(keys);
  // A call that never ended (no call.ended in the file) stays pending: it was not logged.
  return { events, logged: counts.logged, skipped: counts.skipped + counts.pending, failed: counts.dead };
}

// ---- serve ------------------------------------------------------------------------------

const SERVE_USAGE = `Usage: aircall-sf serve [--port P] [--org URL] [--data-dir DIR]

Receives Aircall webhooks at POST /webhooks/aircall and logs calls and messages in Salesforce.
With no org configured it starts the embedded local org (seeded with demo data, kept under the data dir).

  --port P         listening port (instead of PORT; default 3000)
${COMMON}`;

const LOCAL_TOKEN = 'local-demo-token';

function sampleCurl(base: string, token: string): string {
  const { envelope } = sampleEnvelope(token);
  return `curl -s -X POST ${base}/webhooks/aircall -H 'Content-Type: application/json' -d '${JSON.stringify(envelope)}'`;
}

/**
 * Registers the local console and builds it in the background when stale, so the webhook
 * endpoint is up at once; `/` says the console is being built until it is ready.
 */
async function startConsole(
  app: ReturnType<typeof buildApp>,
  pipeline: Pipeline,
  token: string,
  baseUrl: () => string,
  io: Io,
  apiVersion: string
): Promise<void> {
  const localOrg = pipeline.localOrg!;
  const conn = await connect(
    { mode: 'access-token', instanceUrl: localOrg.instanceUrl, accessToken: localOrg.accessToken },
    apiVersion
  );
  const state = { building: false, error: null as string | null };
  registerConsole(app, {
    conn,
    orgId: localOrg.org.orgId,
    inbox: pipeline.inbox,
    webhookToken: token,
    baseUrl,
    distDir: CONSOLE_DIST,
    status: () => state
  });
  if (!isStale()) return;
  state.building = true;
  // Not awaited: the webhook endpoint serves at once, and a stop does not wait for the build.
  // Forced: staleness was just checked.
  void buildConsole({ force: true, log: (line) => io.out(line) })
    .catch((error: unknown) => {
      state.error = error instanceof Error ? error.message : String(error);
      io.err(`The local console could not be built (${state.error}); the service runs without it.`);
    })
    .finally(() => {
      state.building = false;
    });
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the webhook service (npm start)',
  usage: SERVE_USAGE,
  async run(args, io) {
    const { values } = parse(SERVE_USAGE, args, { port: { type: 'string' } });
    const config = configFrom(values, typeof values.port === 'string' ? { port: values.port } : {});
    let tokens = config.webhookTokens;
    if (tokens.length === 0) {
      if (config.org)
        throw new AircallSfError(
          ERROR_CODES.CONFIG_INVALID,
          'AIRCALL_WEBHOOK_TOKEN is not set: set it to the token of your Aircall webhook.'
        );
      tokens = [LOCAL_TOKEN];
    }
    const logger = createLogger();
    const pipeline = await startPipeline(config, logger);
    const app = buildApp({
      inbox: pipeline.inbox,
      metrics: pipeline.metrics,
      logger,
      webhookTokens: tokens,
      onAccepted: () => pipeline.worker.notify(),
      readiness: async () => {
        try {
          const result = await pipeline.settings.get();
          return result.ok ? null : result.errors[0]!.message;
        } catch (error) {
          return `The org is not reachable: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
    });
    const host = process.env.HOST ?? (pipeline.localOrg ? '127.0.0.1' : '0.0.0.0');
    let base = '';
    // The console exists only on the local org: it must never edit a real org's data.
    if (pipeline.localOrg) await startConsole(app, pipeline, tokens[0]!, () => base, io, config.apiVersion);
    await app.listen({ port: config.port, host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    base = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    pipeline.worker.start();
    if (pipeline.localOrg) {
      io.out(
        [
          'Aircall call logging is running on the embedded LOCAL ORG (no Salesforce org configured).',
          `  console:     ${base}/   (settings panel and record pages, against the local org)`,
          `  webhook:     POST ${base}/webhooks/aircall   (token: ${tokens === config.webhookTokens ? 'from AIRCALL_WEBHOOK_TOKEN' : LOCAL_TOKEN})`,
          `  health:      ${base}/healthz  ${base}/readyz  ${base}/metrics`,
          `  local org:   ${pipeline.localOrg.instanceUrl}   (data in ${config.dataDir}/local-org.sqlite)`,
          '  Send a sample call:',
          `  ${sampleCurl(base, tokens[0]!)}`,
          `  Then look at it: bin/aircall-sf explain <file> or query the local org (docs/local-org.md).`
        ].join('\n')
      );
    } else {
      io.out(`Aircall call logging is running: POST ${base}/webhooks/aircall, logging to ${config.org!.instanceUrl}`);
    }
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    logger.info('stopping: no new events; finishing what is in flight');
    await app.close();
    await pipeline.close();
    return 0;
  }
};

// ---- replay -----------------------------------------------------------------------------

const REPLAY_USAGE = `Usage: aircall-sf replay FILE [--timeout SECONDS] [--org URL] [--data-dir DIR]

Feeds a file of webhook envelopes (JSON Lines or a JSON array) through the same inbox and workers
as serve, waits until each call or message is logged, skipped or failed, and prints
{"events":N,"logged":N,"skipped":N,"failed":N} as its last line. Exit code 0 unless one failed;
2 when the org's settings are invalid.

  --timeout S      give up after S seconds (default 600)
${COMMON}`;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'feed a file of webhook events through the pipeline',
  usage: REPLAY_USAGE,
  async run(args, io) {
    const { values, positionals } = parse(REPLAY_USAGE, args, { timeout: { type: 'string' } });
    if (positionals.length !== 1) throw usage(REPLAY_USAGE, 'replay takes one FILE.');
    const file = positionals[0]!;
    const timeout = Number(values.timeout ?? 600);
    if (!(timeout > 0))
      throw usage(REPLAY_USAGE, `--timeout must be a number of seconds, got "${String(values.timeout)}".`);
    const bodies = readEnvelopes(file);
    const { events } = incomingFrom(file, bodies);
    const pipeline = await startPipeline(configFrom(values), createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }));
    try {
      await requireValidSettings(pipeline);
      for (const event of events) pipeline.inbox.accept(event);
      const keys = [...new Set(events.map((e) => e.key))];
      await drain(pipeline, keys, timeout * 1000);
      const result = summary(pipeline, keys, bodies.length);
      io.out(JSON.stringify(result));
      return result.failed > 0 ? 1 : 0;
    } finally {
      await pipeline.close();
    }
  }
};

// ---- explain ----------------------------------------------------------------------------

const EXPLAIN_USAGE = `Usage: aircall-sf explain FILE [--org URL] [--data-dir DIR]

For one envelope (or the last call or message in a file): what would be logged where and why,
rule by rule, without writing anything to the org. The last line is the plan as JSON.
${COMMON}`;

function latestItem(file: string, bodies: readonly string[]): { classified: Classified } {
  const { events } = incomingFrom(file, bodies);
  const last = events[events.length - 1];
  if (!last)
    throw new AircallSfError(
      ERROR_CODES.INPUT_FILE_INVALID,
      `${file} holds no call or message event the product uses.`
    );
  const same = events.filter((e) => e.key === last.key);
  // Coalesce as the inbox does: the newest snapshot, and whether a voicemail was left.
  const newest = same.reduce((a, b) => (b.timestamp >= a.timestamp ? b : a));
  const voicemailLeft = same.some((e) => e.event === 'call.voicemail_left');
  const classified =
    newest.kind === 'call'
      ? classifyCall(parseCall(newest.data), { voicemailLeft })
      : classifyMessage(parseMessage(newest.data));
  return { classified };
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'show what would be logged where and why, without writing',
  usage: EXPLAIN_USAGE,
  async run(args, io) {
    const { values, positionals } = parse(EXPLAIN_USAGE, args, {});
    if (positionals.length !== 1) throw usage(EXPLAIN_USAGE, 'explain takes one FILE.');
    const file = positionals[0]!;
    const { classified } = latestItem(file, readEnvelopes(file));
    const pipeline = await startPipeline(configFrom(values), createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }));
    try {
      const result = await pipeline.settings.get();
      if (!result.ok) throw result.errors[0]!;
      const snapshotFor = await buildSnapshots(
        pipeline.gateway,
        pipeline.inbox,
        [{ classified, placement: null }],
        result.settings
      );
      const p = plan({
        item: classified,
        settings: result.settings,
        org: snapshotFor({ classified, placement: null })
      });
      io.out(
        `${classified.externalId}: ${p.outcome === 'log' ? 'would be logged' : `would not be logged (${p.reason})`}`
      );
      io.out(renderTrace(p.trace));
      if (p.outcome === 'log') {
        io.out(`Task fields: ${JSON.stringify({ ...p.task.fields, Aircall_Trace__c: undefined })}`);
      }
      io.out(
        JSON.stringify(
          p.outcome === 'log'
            ? {
                outcome: p.outcome,
                externalId: p.externalId,
                target: p.target,
                related: p.related,
                who: p.task.who,
                what: p.task.what
              }
            : { outcome: p.outcome, externalId: p.externalId, reason: p.reason }
        )
      );
      return 0;
    } finally {
      await pipeline.close();
    }
  }
};

// ---- dead-letters -----------------------------------------------------------------------

const DEAD_USAGE = `Usage: aircall-sf dead-letters [list | retry ID | retry --all] [--org URL] [--data-dir DIR]

Calls and messages that failed for good, with their reason; retry puts them back and processes
them now, printing {"retried":N,"logged":N,"skipped":N,"failed":N}.
${COMMON}`;

export const deadLettersCommand: Command = {
  name: 'dead-letters',
  summary: 'list or retry the calls that failed for good',
  usage: DEAD_USAGE,
  async run(args, io: Io) {
    const { values, positionals } = parse(DEAD_USAGE, args, { all: { type: 'boolean' } });
    const [action = 'list', id] = positionals;
    const config = configFrom(values);
    if (action === 'list') {
      const inbox = new Inbox(config.dataDir);
      const dead = inbox.deadLetters();
      for (const item of dead) io.out(`${item.key}\tattempts ${item.attempts}\t${item.lastError ?? ''}`);
      io.out(
        JSON.stringify({
          deadLetters: dead.length,
          items: dead.map((d) => ({ id: d.key, attempts: d.attempts, reason: d.lastError }))
        })
      );
      inbox.close();
      return 0;
    }
    if (action !== 'retry' || (!id && !values.all) || (id && values.all))
      throw usage(DEAD_USAGE, 'Use `dead-letters list`, `dead-letters retry ID` or `dead-letters retry --all`.');
    const pipeline = await startPipeline(config, createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }));
    try {
      await requireValidSettings(pipeline);
      const keys = id ? [id] : pipeline.inbox.deadLetters().map((d) => d.key);
      if (id && !pipeline.inbox.deadLetters().some((d) => d.key === id)) {
        throw new AircallSfError(ERROR_CODES.USAGE, `${id} is not a dead letter (see \`dead-letters list\`).`);
      }
      const retried = id ? pipeline.inbox.retry(id) : pipeline.inbox.retry();
      await drain(pipeline, keys, 600_000);
      const s = summary(pipeline, keys, 0);
      io.out(JSON.stringify({ retried, logged: s.logged, skipped: s.skipped, failed: s.failed }));
      return s.failed > 0 ? 1 : 0;
    } finally {
      await pipeline.close();
    }
  }
};
