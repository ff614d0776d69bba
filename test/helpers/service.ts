/** The whole service for tests: a local org, the pipeline, the Fastify app on port 0. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import type { LocalOrgOptions } from '@aircall-sf/local-org';
import type { ServiceConfig } from '../../src/config';
import { loadConfig } from '../../src/config';
import { buildApp } from '../../src/server/app';
import type { Pipeline } from '../../src/cli/pipeline';
import { readiness, startCards, startPipeline } from '../../src/cli/pipeline';
import { panelServices } from '../../src/cli/panel';
import { AircallApi } from '../../src/aircall-api/client';
import type { CardService } from '../../src/cards/service';
import type { WorkerOptions } from '../../src/worker/worker';
import type { TestOrg } from './local-org';
import { testDatabase } from './postgres';
import { setOrgSettings, testOrg } from './local-org';

export const WEBHOOK_TOKEN = 'test-webhook-token';
export const INTEGRATION_USERNAME = 'integration@local-org.invalid';

export interface TestService {
  org: TestOrg;
  pipeline: Pipeline;
  /** Insight cards (posted through AIRCALL_API_* when the env gives them). */
  cards: CardService;
  url: string;
  dataDir: string;
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Waits until no final item is waiting (logged, skipped or dead). */
  settle(timeoutMs?: number): Promise<void>;
  setSettings(row: Record<string, unknown>): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function testService(
  options: {
    org?: LocalOrgOptions & { seed?: 'demo' | 'none' };
    worker?: WorkerOptions;
    existingOrg?: TestOrg;
    dataDir?: string;
    /** More webhook tokens to accept (a corpus's own), besides WEBHOOK_TOKEN. */
    tokens?: readonly string[];
    /** More environment (AIRCALL_COMPANY_NUMBERS…). */
    env?: Record<string, string>;
    /** Reach the org through this URL (a proxy in front of it) instead of its own. */
    instanceUrl?: string;
    logger?: Logger;
    /** The cards' Aircall budget, beyond the config's 120 a minute (a bench compressing time scales it). */
    aircallRequestsPerMinute?: number;
  } = {}
): Promise<TestService> {
  const org = options.existingOrg ?? (await testOrg(options.org));
  const integration = integrationLogin(org);
  const refusalsBefore = org.org.refusals.length;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'aircall-sf-'));
  // The `postgres` Jest project runs the same suites on a new PostgreSQL database each.
  const database = process.env.AIRCALL_SF_TEST_ENGINE === 'postgres' ? { DATABASE_URL: await testDatabase() } : {};
  const config = loadConfig({
    SF_INSTANCE_URL: options.instanceUrl ?? org.instanceUrl,
    SF_ACCESS_TOKEN: integration.accessToken,
    AIRCALL_WEBHOOK_TOKEN: ['other-token', WEBHOOK_TOKEN, ...(options.tokens ?? [])].join(','),
    DATA_DIR: dataDir,
    PORT: '0',
    ...database,
    ...options.env
  });
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG ?? 'silent' });
  const aircallApi =
    config.aircallApi && options.aircallRequestsPerMinute
      ? { ...config.aircallApi, requestsPerMinute: options.aircallRequestsPerMinute }
      : config.aircallApi;
  const running = await runService({ ...config, aircallApi }, logger, {
    backoffBaseMs: 20,
    limitBackoffMs: 40,
    pollMs: 10,
    settingsRetryMs: 20,
    batchWindowMs: 20,
    ...options.worker
  });
  if (running.pipeline.inbox.engine !== (database.DATABASE_URL ? 'postgres' : 'sqlite'))
    throw new Error(`the service runs on ${running.pipeline.inbox.engine}, not on the engine of this project`);
  const service: TestService = {
    org,
    get pipeline() {
      return running.pipeline;
    },
    get cards() {
      return running.cards;
    },
    get url() {
      return running.url;
    },
    dataDir,
    post: (body, headers) => running.post(body, headers),
    settle: (timeoutMs) => running.settle(timeoutMs),
    async setSettings(row) {
      await setOrgSettings(org, row);
      running.pipeline.settings.invalidate();
    },
    restart: () => running.restart(),
    async close() {
      await running.close();
      // Nothing the service sent broke a documented platform rule (the local org records each refusal).
      const refused = org.org.refusals.slice(refusalsBefore);
      if (refused.length > 0)
        throw new Error(`the local org refused what the service sent: ${JSON.stringify(refused)}`);
      if (!options.existingOrg) await org.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  };
  return service;
}

/** The service as `serve` runs it (pipeline, worker, Fastify app on port 0) on a given org. */
export interface RunningService {
  readonly pipeline: Pipeline;
  readonly cards: CardService;
  readonly url: string;
  post(body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Waits until no final item is waiting (logged, skipped or dead). */
  settle(timeoutMs?: number): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function runService(
  config: ServiceConfig,
  logger: Logger,
  workerOptions: WorkerOptions
): Promise<RunningService> {
  let pipeline!: Pipeline;
  let cards!: CardService;
  let app!: ReturnType<typeof buildApp>;
  let url = '';
  const start = async () => {
    pipeline = await startPipeline(config.org!, config, logger, workerOptions);
    cards = startCards(pipeline, config.aircallApi ? new AircallApi(config.aircallApi) : null, logger, {
      windowMs: config.cardWindowMs
    });
    app = buildApp({
      inbox: pipeline.inbox,
      metrics: pipeline.metrics,
      logger,
      webhookTokens: config.webhookTokens,
      onAccepted: () => pipeline.worker.notify(),
      onRinging: (call) => cards.offer(call),
      readiness: () => readiness(pipeline),
      apiShare: () => pipeline.share.state,
      panel: { secret: config.panelSecret, ...panelServices(pipeline, config, null) },
      metricsToken: config.metricsToken
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    pipeline.worker.pressure = () => app.webhooksArriving();
    pipeline.worker.start();
  };
  await start();
  return {
    get pipeline() {
      return pipeline;
    },
    get cards() {
      return cards;
    },
    get url() {
      return url;
    },
    async post(body, headers = {}) {
      const res = await fetch(`${url}/webhooks/aircall`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body)
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    async settle(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      // Until nothing waits and no batch is still recording its outcomes (metrics, logs).
      while ((await pipeline.inbox.outstanding()) > 0 || pipeline.worker.busy) {
        if (Date.now() > deadline) throw new Error(`${await pipeline.inbox.outstanding()} items still waiting`);
        pipeline.worker.notify();
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async restart() {
      await app.close();
      await cards.stop();
      await pipeline.close();
      await start();
    },
    async close() {
      await app.close();
      await cards.stop();
      await pipeline.close();
    }
  };
}

/**
 * The service logs in as an integration user with Aircall_Integration and without View All
 * Data, as in a real org: the local org refuses what that user may not do.
 */
export function integrationLogin(org: TestOrg): { userId: string; accessToken: string } {
  const existing = org.org.userByUsername(INTEGRATION_USERNAME);
  if (existing !== null) return { userId: existing, accessToken: org.org.issueToken(existing) };
  // Its access is Aircall_Integration's, as deployed: the local org refuses a field or object it does not grant.
  return org.org.createUser(
    { Username: INTEGRATION_USERNAME, Email: 'integration@example.com', LastName: 'Integration' },
    { permissionSets: ['Aircall_Integration'] }
  );
}
