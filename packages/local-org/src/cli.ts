/**
 * `local-org`: the command line of the local org, shared by this package's own bin and by
 * any product that embeds it as a sub-command. Parses and validates the flags, starts the
 * org, prints one JSON line when ready, and stops on SIGTERM or SIGINT.
 */
import type { LocalOrgOptions } from './org';
import { parseArgs } from 'node:util';
import type { FaultSpec } from './faults';
import { parseFaults } from './faults';
import { startLocalOrg } from './start';

export const LOCAL_ORG_USAGE = `Usage: local-org --port P [--data FILE] [--seed demo|none] [--search-lag SECONDS] [--person-accounts] [--faults SPEC] [--force-app DIR]

A Salesforce-compatible REST server on 127.0.0.1 for development, tests and demos.
When ready it prints one JSON line: {"instanceUrl","accessToken","orgId","userId"}. SIGTERM or SIGINT stops it.

  --port P             port to listen on (0 = any free port; default 0)
  --data FILE          keep the org in this SQLite file (default: in memory)
  --seed demo|none     load the demo data on first start (default: none)
  --search-lag S       seconds before new or changed records are visible to SOSL (default 0)
  --person-accounts    enable person accounts
  --faults SPEC        inject failures, e.g. rate=0.2,kinds=UNABLE_TO_LOCK_ROW+503,seed=7
  --force-app DIR      deploy the custom objects and fields of this SFDX source folder`;

/** A flag the command cannot use; the message says which and why. */
export class LocalOrgUsageError extends Error {
  override readonly name = 'LocalOrgUsageError';
}

export interface LocalOrgCliOptions {
  readonly port: number;
  readonly seed: 'demo' | 'none';
  readonly searchLagSeconds: number;
  readonly personAccounts: boolean;
  readonly dataFile?: string;
  readonly faults?: FaultSpec;
  readonly forceApp?: string;
}

export function parseLocalOrgArgs(args: readonly string[], defaults: { forceApp?: string } = {}): LocalOrgCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string', default: '0' },
        data: { type: 'string' },
        seed: { type: 'string', default: 'none' },
        'search-lag': { type: 'string', default: '0' },
        'person-accounts': { type: 'boolean', default: false },
        faults: { type: 'string' },
        'force-app': { type: 'string' }
      },
      strict: true,
      allowPositionals: false
    }));
  } catch (error) {
    throw new LocalOrgUsageError(error instanceof Error ? error.message : String(error));
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new LocalOrgUsageError(`--port must be a port number, got "${values.port}"`);
  if (values.seed !== 'demo' && values.seed !== 'none')
    throw new LocalOrgUsageError(`--seed must be demo or none, got "${values.seed}"`);
  const lag = Number(values['search-lag']);
  if (!(lag >= 0))
    throw new LocalOrgUsageError(`--search-lag must be a number of seconds >= 0, got "${values['search-lag']}"`);
  let faults: FaultSpec | undefined;
  try {
    faults = values.faults ? parseFaults(values.faults) : undefined;
  } catch (error) {
    throw new LocalOrgUsageError(error instanceof Error ? error.message : String(error));
  }
  const forceApp = values['force-app'] ?? defaults.forceApp;
  return {
    port,
    seed: values.seed,
    searchLagSeconds: lag,
    personAccounts: values['person-accounts'],
    ...(values.data ? { dataFile: values.data } : {}),
    ...(faults ? { faults } : {}),
    ...(forceApp ? { forceApp } : {})
  };
}

/** Runs the org until SIGTERM or SIGINT; `out` receives the one ready line. */
export async function runLocalOrg(
  options: LocalOrgCliOptions & Pick<LocalOrgOptions, 'apexRest'>,
  out: (line: string) => void
): Promise<number> {
  const running = await startLocalOrg(options);
  out(
    JSON.stringify({
      instanceUrl: running.instanceUrl,
      accessToken: running.accessToken,
      orgId: running.org.orgId,
      userId: running.org.adminUserId
    })
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await running.close();
  return 0;
}
