/**
 * Wires one running pipeline on an org: connection, inbox, worker, settings and metrics.
 * Used by `serve` (with the HTTP server in front), `replay`, `explain` and `dead-letters`,
 * so each runs the same code as the service. Which org is the caller's choice (embedded.ts).
 */
import type { Logger } from 'pino';
import type { OrgAuth, ServiceConfig } from '../config';
import { Inbox } from '../inbox/inbox';
import { Metrics } from '../metrics';
import { connect } from '../salesforce/connection';
import { OrgGateway } from '../salesforce/gateway';
import type { WorkerOptions } from '../worker/worker';
import { Worker } from '../worker/worker';
import { SettingsSource } from '../worker/settings-source';

export interface Pipeline {
  readonly inbox: Inbox;
  readonly gateway: OrgGateway;
  readonly settings: SettingsSource;
  readonly worker: Worker;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

export async function startPipeline(
  auth: OrgAuth,
  config: ServiceConfig,
  logger: Logger,
  workerOptions: WorkerOptions = {}
): Promise<Pipeline> {
  const conn = await connect(auth, config.apiVersion);
  const gateway = new OrgGateway(conn, config.apiVersion);
  await gateway.init();
  const inbox = new Inbox(config.dataDir);
  const metrics = new Metrics();
  const settings = new SettingsSource(gateway, config.settingsTtlMs);
  const worker = new Worker(inbox, gateway, settings, metrics, logger, {
    concurrency: config.concurrency,
    companyLines: config.companyNumbers,
    ...workerOptions
  });
  return {
    inbox,
    gateway,
    settings,
    worker,
    metrics,
    async close() {
      await worker.stop();
      inbox.close();
    }
  };
}
