/**
 * Wires one running service: org connection (or the embedded local org), inbox, worker and
 * HTTP server. Used by `serve`, and without the HTTP server by `replay`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ServiceConfig } from './config';
import { Inbox } from './inbox/inbox';
import type { RunningLocalOrg } from './local-org';
import type * as LocalOrgModule from './local-org';
import { connect } from './salesforce/connection';
import { OrgGateway } from './salesforce/gateway';
import { Metrics } from './server/metrics';
import type { WorkerOptions } from './worker/worker';
import { Worker } from './worker/worker';
import { SettingsSource } from './worker/settings-source';

export interface Pipeline {
  readonly inbox: Inbox;
  readonly gateway: OrgGateway;
  readonly settings: SettingsSource;
  readonly worker: Worker;
  readonly metrics: Metrics;
  readonly localOrg: RunningLocalOrg | null;
  close(): Promise<void>;
}

export async function startPipeline(
  config: ServiceConfig,
  logger: Logger,
  workerOptions: WorkerOptions = {}
): Promise<Pipeline> {
  let localOrg: RunningLocalOrg | null = null;
  let auth = config.org;
  if (!auth) {
    // No org configured: the embedded local org, seeded and persisted under DATA_DIR. Loaded
    // lazily so the production path never imports it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- only when no org is configured
    const { startLocalOrg } = require('./local-org') as typeof LocalOrgModule;
    mkdirSync(config.dataDir, { recursive: true });
    const started = await startLocalOrg({ port: 0, seed: 'demo', dataFile: join(config.dataDir, 'local-org.sqlite') });
    localOrg = started;
    auth = { mode: 'access-token', instanceUrl: started.instanceUrl, accessToken: started.accessToken };
  }
  const conn = await connect(auth, config.apiVersion);
  const gateway = new OrgGateway(conn, config.apiVersion);
  await gateway.init();
  const inbox = new Inbox(config.dataDir);
  const metrics = new Metrics();
  const settings = new SettingsSource(gateway, config.settingsTtlMs);
  const worker = new Worker(inbox, gateway, settings, metrics, logger, {
    concurrency: config.concurrency,
    ...workerOptions
  });
  return {
    inbox,
    gateway,
    settings,
    worker,
    metrics,
    localOrg,
    async close() {
      await worker.stop();
      inbox.close();
      if (localOrg) await localOrg.close();
    }
  };
}
