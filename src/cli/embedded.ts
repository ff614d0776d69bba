/**
 * The embedded default: with no org configured, the commands run on the local org kept under
 * the data dir (the one `npm start` seeds), and `serve` adds the local console. This is the
 * only module of the production path that reaches an emulator or the console, and it loads
 * them lazily (a `require` inside the function), so a service with an org never loads them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as LocalAircallModule from '@aircall-sf/local-aircall';
import type * as LocalOrgModule from '@aircall-sf/local-org';
import type { Logger } from 'pino';
import type { OrgAuth, ServiceConfig } from '../config';
import { AircallSfError, ERROR_CODES } from '../errors';
import type * as ConsoleModule from '../console/start';
import type { SampleAircall } from '../console/routes';
import { LOCAL_APEX_REST } from '../org-api/snapshot-local';
import { FORCE_APP } from '../paths';
import type { WorkerOptions } from '../worker/worker';
import type { Pipeline } from './pipeline';
import { WEBHOOK_EVENTS } from './aircall-webhook';
import { lockDataDir } from './data-dir-lock';
import { requireWritableDataDir, startPipeline } from './pipeline';

export interface EmbeddedOrg {
  readonly instanceUrl: string;
  readonly accessToken: string;
  readonly orgId: string;
  readonly dataFile: string;
  close(): Promise<void>;
}

/**
 * A dev-dependency emulator: a checkout has it, an installed package (npm pack) has not, which
 * is answered with LOCAL_ORG_UNAVAILABLE and `why`. Any other failure to load it is thrown.
 */
function loadEmulator<T>(name: string, why: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- emulators load only when used
    return require(name) as T;
  } catch (error: unknown) {
    const missing =
      (error as { code?: string }).code === 'MODULE_NOT_FOUND' && (error as Error).message.includes(`'${name}'`);
    if (!missing) throw error;
    throw new AircallSfError(ERROR_CODES.LOCAL_ORG_UNAVAILABLE, why);
  }
}

/** The local org: only when no org is configured. */
export function loadLocalOrg(): typeof LocalOrgModule {
  return loadEmulator<typeof LocalOrgModule>(
    '@aircall-sf/local-org',
    'the embedded local org comes with a checkout (npm install && npm start), not with the installed package: set SF_INSTANCE_URL and the org credentials (README, Configuration)'
  );
}

/** The local Aircall: only for its command. */
export function loadLocalAircall(): typeof LocalAircallModule {
  return loadEmulator<typeof LocalAircallModule>(
    '@aircall-sf/local-aircall',
    'the local Aircall comes with a checkout (npm install), not with the installed package.'
  );
}

export function loadConsole(): typeof ConsoleModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the console exists only on the local org
  return require('../console/start') as typeof ConsoleModule;
}

/**
 * The local org under DATA_DIR, seeded with the demo data on first start, with this package
 * deployed. It keeps its port across starts (`local-org.port` in the data dir), so a client
 * logged in once (`sf org login access-token`) stays pointed at it; a port taken meanwhile
 * gives way to a free one, which is kept from then on.
 */
export async function startEmbeddedOrg(
  dataDir: string,
  holder = process.argv[2] ?? 'aircall-sf'
): Promise<EmbeddedOrg> {
  mkdirSync(dataDir, { recursive: true });
  // Before the port is touched: a second process must not move it (data-dir-lock.ts).
  const lock = lockDataDir(dataDir, holder);
  const dataFile = join(dataDir, 'local-org.sqlite');
  const portFile = join(dataDir, 'local-org.port');
  const localOrg = loadLocalOrg();
  const start = (port: number) =>
    localOrg.startLocalOrg({ port, seed: 'demo', dataFile, forceApp: FORCE_APP, apexRest: LOCAL_APEX_REST });
  const kept = existsSync(portFile) ? Number(readFileSync(portFile, 'utf8').trim()) : 0;
  let started;
  try {
    try {
      started = await start(Number.isInteger(kept) && kept > 0 && kept < 65536 ? kept : 0);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
      started = await start(0);
    }
  } catch (error) {
    lock.release();
    throw error;
  }
  writeFileSync(portFile, `${new URL(started.instanceUrl).port}\n`);
  return {
    instanceUrl: started.instanceUrl,
    accessToken: started.accessToken,
    orgId: started.org.orgId,
    dataFile,
    close: async () => {
      await started.close();
      lock.release();
    }
  };
}

/** The configured org, or the embedded local org when none is. */
export async function resolveOrg(config: ServiceConfig): Promise<{ auth: OrgAuth; embedded: EmbeddedOrg | null }> {
  requireWritableDataDir(config.dataDir);
  if (config.org) return { auth: config.org, embedded: null };
  const embedded = await startEmbeddedOrg(config.dataDir);
  return {
    auth: { mode: 'access-token', instanceUrl: embedded.instanceUrl, accessToken: embedded.accessToken },
    embedded
  };
}

/** A pipeline on the configured org or the embedded one; closing it stops both. */
export async function openPipeline(
  config: ServiceConfig,
  logger: Logger,
  workerOptions: WorkerOptions = {}
): Promise<{ readonly pipeline: Pipeline; readonly embedded: EmbeddedOrg | null; close(): Promise<void> }> {
  const { auth, embedded } = await resolveOrg(config);
  try {
    const pipeline = await startPipeline(auth, config, logger, workerOptions);
    return {
      pipeline,
      embedded,
      async close() {
        await pipeline.close();
        await embedded?.close();
      }
    };
  } catch (error) {
    await embedded?.close();
    throw error;
  }
}

export interface DemoAircall {
  readonly url: string;
  readonly apiId: string;
  readonly apiToken: string;
  /** The demo's window, unix seconds: what `npm start` backfills on its first start. */
  readonly from: number;
  readonly to: number;
  /** Its calls have not all been backfilled yet (the first start, or one stopped before the end). */
  readonly fresh: boolean;
  /** Remembers that the backfill finished, so later starts leave it to reconciliation. */
  markBackfilled(): void;
  /**
   * Points the demo company's webhook at `url` (the demo's `serve`), as the setup command would,
   * with the token the demo's `serve` accepts (Aircall would generate it, and the admin copy it).
   */
  addWebhook(url: string, token: string): void;
  /**
   * Sends the Aircall AI events of the demo calls that have AI to the webhook, as Aircall does
   * minutes after each call: the backfilled week then shows Aircall AI too. Returns how many.
   */
  sendAi(): Promise<number>;
  /** The console's sample calls: Aircall knows them (a card can be posted), and their cards. */
  readonly calls: SampleAircall;
  close(): Promise<void>;
}

/** The demo company's size: a week of a small team. */
const DEMO_CALLS = 200;
export const DEMO_DAYS = 7;

/**
 * The local Aircall with the demo company, beside the embedded local org, so `npm start` shows
 * backfill and reconciliation with no Aircall account. The company is kept in the data dir by
 * its seed and end (`local-aircall.json`): every start rebuilds the same calls, so a restart
 * finds them logged already and logs nothing twice.
 */
export async function startDemoAircall(dataDir: string): Promise<DemoAircall> {
  const file = join(dataDir, 'local-aircall.json');
  const kept = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { to?: unknown; seed?: unknown; backfilled?: unknown })
    : null;
  const to = typeof kept?.to === 'number' ? kept.to : Math.floor(Date.now() / 1000);
  const seed = typeof kept?.seed === 'number' ? kept.seed : 7;
  const save = (backfilled: boolean) => writeFileSync(file, `${JSON.stringify({ to, seed, backfilled })}\n`);
  if (!kept) save(false);
  const from = to - DEMO_DAYS * 86_400;
  const { demoAi, demoCompany, startLocalAircall } = loadLocalAircall();
  const company = demoCompany({ calls: DEMO_CALLS, from, to, seed });
  const running = await startLocalAircall({ company });
  return {
    url: running.url,
    apiId: company.apiId,
    apiToken: company.apiToken,
    from,
    to,
    fresh: kept?.backfilled !== true,
    markBackfilled: () => save(true),
    addWebhook: (url, token) => {
      company.createWebhook({ url, custom_name: 'aircall-sf', events: [...WEBHOOK_EVENTS], token });
    },
    sendAi: async () => {
      let sent = 0;
      for (const id of company.ai.keys()) sent += await running.sendAi(id);
      return sent;
    },
    calls: {
      know: (call) => {
        company.addCall(call as { started_at: number; id: number });
      },
      cards: (id) => (company.cards.get(id) ?? []).map((card) => card.contents),
      ai: (call) => {
        const id = Number(call.id);
        const agent = (call.user as { name?: string } | null | undefined)?.name ?? 'the agent';
        demoAi(company, id, agent, id);
        return running.sendAi(id);
      }
    },
    close: () => running.close()
  };
}
