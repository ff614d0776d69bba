/**
 * Wires one running pipeline on an org: connection, inbox, worker, settings and metrics.
 * Used by `serve` (with the HTTP server in front), `replay`, `explain` and `dead-letters`,
 * so each runs the same code as the service. Which org is the caller's choice (embedded.ts).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ApiShare, batching } from '../budget/share';
import type { OrgAuth, ServiceConfig } from '../config';
import { AircallSfError, ERROR_CODES } from '../errors';
import type { Inbox } from '../inbox/inbox';
import type { StorageConfig } from '../inbox/open';
import { openStorage, storageName } from '../inbox/open';
import { Metrics } from '../metrics';
import { connect } from '../salesforce/connection';
import { OrgGateway } from '../salesforce/gateway';
import { OrgNames } from '../org-api/names';
import { toOrgError } from '../salesforce/errors';
import type { OrgWatch } from '../salesforce/org-watch';
import { orgProblem, orgReadiness, watchOrg } from '../salesforce/org-watch';
import type { WorkerOptions } from '../worker/worker';
import { Worker } from '../worker/worker';
import { SettingsSource } from '../worker/settings-source';
import type { AircallApi } from '../aircall-api/client';
import { CARD_DEFAULTS, CardService } from '../cards/service';

export interface Pipeline {
  /** Set when the org did not answer at start (serve only): it is asked again with backoff. */
  readonly orgWatch: OrgWatch | null;
  readonly inbox: Inbox;
  readonly gateway: OrgGateway;
  readonly settings: SettingsSource;
  readonly worker: Worker;
  readonly metrics: Metrics;
  /** A1: this service's share of the org's daily API requests, and the batching it asks for. */
  readonly share: ApiShare;
  close(): Promise<void>;
}

/** Refuses, with what to do, a data dir this process cannot create or write (before anything starts). */
export function requireWritableDataDir(dataDir: string): void {
  const probe = join(dataDir, `.write-probe-${process.pid}`);
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    throw new AircallSfError(
      ERROR_CODES.CONFIG_INVALID,
      `The data dir ${dataDir} cannot be written (${error instanceof Error ? error.message : String(error)}): ` +
        'set DATA_DIR (or --data-dir) to a folder this user can write.'
    );
  }
}

/**
 * The inbox, or a clear refusal when it cannot be written (a data dir this user cannot write,
 * a database that cannot be reached): never a service that answers 200 and loses events.
 */
export async function openInbox(config: StorageConfig, logger?: Logger): Promise<Inbox> {
  let inbox: Inbox | null = null;
  try {
    inbox = await openStorage(config, {
      postgres: { onError: (err, context) => logger?.warn({ err, context }, 'the database connection recovered') }
    });
    await inbox.probe();
    return inbox;
  } catch (error) {
    await inbox?.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new AircallSfError(
      ERROR_CODES.CONFIG_INVALID,
      config.databaseUrl
        ? `${storageName(config)} cannot be used (${reason}): check DATABASE_URL, that the server is up and that this user may create tables.`
        : `The data dir ${config.dataDir} cannot be written (${reason}): ` +
            'set DATA_DIR (or --data-dir) to a folder this user can write.'
    );
  }
}

/** What /readyz reports: null when ready. */
export async function readiness(pipeline: Pipeline): Promise<string | null> {
  if (pipeline.worker.storageProblem) return pipeline.worker.storageProblem;
  try {
    await pipeline.inbox.probe();
  } catch (error) {
    return `The inbox cannot be written: ${error instanceof Error ? error.message : String(error)}`;
  }
  // The last org request's outcome first: an outage shows at once, not after the settings cache.
  const org = orgReadiness(pipeline.gateway);
  if (org) return org;
  try {
    const result = await pipeline.settings.get();
    return result.ok ? null : result.errors[0]!.message;
  } catch (error) {
    return orgProblem(toOrgError(error), pipeline.gateway.conn.instanceUrl);
  }
}

export async function startPipeline(
  auth: OrgAuth,
  config: ServiceConfig,
  logger: Logger,
  workerOptions: WorkerOptions = {},
  options: { waitForOrg?: boolean } = {}
): Promise<Pipeline> {
  const conn = await connect(auth, config.apiVersion, config.requestTimeoutMs);
  const gateway = new OrgGateway(conn, config.apiVersion, config.readPath, Date.now, new OrgNames(config.namespace));
  let orgWatch: OrgWatch | null = null;
  try {
    await gateway.init(options.waitForOrg ? 1 : 5);
  } catch (error) {
    // serve starts whatever the org does (org-watch.ts); one-shot commands fail with the reason.
    const orgError = toOrgError(error);
    if (!options.waitForOrg || !orgError.transient) throw orgError;
    orgWatch = watchOrg(gateway, logger, orgError);
  }
  const inbox = await openInbox(config, logger);
  const metrics = new Metrics();
  const settings = new SettingsSource(gateway, config.settingsTtlMs);
  const worker = new Worker(inbox, gateway, settings, metrics, logger, {
    concurrency: config.concurrency,
    companyLines: config.companyNumbers,
    liveCallExpiryMs: config.liveCallExpiryMs,
    batchWindowMs: config.batchWindowMs,
    batchSize: 100,
    retentionMs: config.retentionMs,
    ...workerOptions
  });
  // A new claimable item wakes the worker at once (with Postgres: one accepted by any process).
  inbox.onWork(() => worker.notify());
  const share = new ApiShare({
    inbox,
    requestsSent: () => [...gateway.requests.values()].reduce((a, b) => a + b, 0),
    orgUsage: () => gateway.apiUsage,
    settings,
    metrics,
    logger
  });
  worker.batching = (windowMs) => batching(share.state.pressure, windowMs);
  share.start(config.shareCheckMs);
  return {
    orgWatch,
    inbox,
    gateway,
    settings,
    worker,
    metrics,
    share,
    async close() {
      orgWatch?.stop();
      await worker.stop();
      await share.stop();
      await inbox.close();
    }
  };
}

/**
 * Insight cards on a running pipeline (src/cards/): `serve` hands it each call.created, and the
 * worker's trace says what became of each call's card.
 */
export function startCards(
  pipeline: Pipeline,
  api: AircallApi | null,
  logger: Logger,
  options: Partial<typeof CARD_DEFAULTS> = {}
): CardService {
  const cards = new CardService(
    {
      gateway: pipeline.gateway,
      inbox: pipeline.inbox,
      settings: pipeline.settings,
      api,
      metrics: pipeline.metrics,
      logger,
      ownNumbers: () => pipeline.worker.ownNumbers(),
      read: (subjects, read) => pipeline.worker.readWith(subjects, read)
    },
    { ...CARD_DEFAULTS, ...options }
  );
  pipeline.worker.cardNote = (key) => cards.noteFor(key);
  pipeline.worker.riders = () => cards.ride();
  return cards;
}
