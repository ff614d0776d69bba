/**
 * The local console on the service, for the embedded local org only: registers its routes and
 * builds it in the background when stale, so the webhook endpoint is up at once; `/` says the
 * console is being built until it is ready.
 */
import type { FastifyInstance } from 'fastify';
import type { Connection } from 'jsforce';
import type { Inbox } from '../inbox/inbox';
import type { ServiceCalls } from '../org-api/local';
import { CONSOLE_DIST, buildConsole, isStale } from './build';
import { registerConsole } from './routes';
import type { SampleAircall } from './routes';
import { sampleEnvelope } from './sample';

export interface ConsoleStart {
  readonly conn: Connection;
  readonly orgId: string;
  readonly inbox: Inbox;
  readonly webhookToken: string;
  readonly baseUrl: () => string;
  readonly log: (line: string) => void;
  readonly warn: (line: string) => void;
  /** The demo's local Aircall, when there is one: sample calls ring there, and show their card. */
  readonly aircall?: SampleAircall;
  /** The embedded service's answers to the settings panel's callouts (cli/panel.ts). */
  readonly service?: ServiceCalls;
}

export function startConsole(app: FastifyInstance, options: ConsoleStart): void {
  const state = { building: false, error: null as string | null };
  registerConsole(app, {
    conn: options.conn,
    orgId: options.orgId,
    inbox: options.inbox,
    webhookToken: options.webhookToken,
    baseUrl: options.baseUrl,
    distDir: CONSOLE_DIST,
    status: () => state,
    ...(options.aircall ? { aircall: options.aircall } : {}),
    ...(options.service ? { service: options.service } : {})
  });
  if (!isStale()) return;
  state.building = true;
  // Not awaited: the webhook endpoint serves at once, and a stop does not wait for the build.
  // Forced: staleness was just checked.
  void buildConsole({ force: true, log: options.log })
    .catch((error: unknown) => {
      state.error = error instanceof Error ? error.message : String(error);
      options.warn(`The local console could not be built (${state.error}); the service runs without it.`);
    })
    .finally(() => {
      state.building = false;
    });
}

/** A curl command that posts a realistic sample call to the webhook endpoint. */
export function sampleCurl(base: string, token: string): string {
  const { envelope } = sampleEnvelope(token);
  return `curl -s -X POST ${base}/webhooks/aircall -H 'Content-Type: application/json' -d '${JSON.stringify(envelope)}'`;
}
