import { parseArgs } from 'node:util';
import { AircallSfError, ERROR_CODES } from '../errors';
import { parseFaults, startLocalOrg } from '../local-org';
import type { Command } from './main';

const USAGE = `Usage: aircall-sf local-org --port P [--data FILE] [--seed demo|none] [--search-lag SECONDS] [--person-accounts] [--faults SPEC]

A Salesforce-compatible REST server on 127.0.0.1 for development, tests and demos (docs/local-org.md).
When ready it prints one JSON line: {"instanceUrl","accessToken","orgId","userId"}. SIGTERM or SIGINT stops it.

  --port P             port to listen on (0 = any free port; default 0)
  --data FILE          keep the org in this SQLite file (default: in memory)
  --seed demo|none     load the demo data on first start (default: none)
  --search-lag S       seconds before new or changed records are visible to SOSL (default 0)
  --person-accounts    enable person accounts
  --faults SPEC        inject failures, e.g. rate=0.2,kinds=UNABLE_TO_LOCK_ROW+503,seed=7`;

const usage = (message: string) => new AircallSfError(ERROR_CODES.USAGE, `${message}\n\n${USAGE}`);

export const localOrgCommand: Command = {
  name: 'local-org',
  summary: 'run the local Salesforce-compatible org',
  usage: USAGE,
  async run(args, io) {
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
          faults: { type: 'string' }
        },
        strict: true,
        allowPositionals: false
      }));
    } catch (error) {
      throw usage(error instanceof Error ? error.message : String(error));
    }
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw usage(`--port must be a port number, got "${values.port}"`);
    if (values.seed !== 'demo' && values.seed !== 'none')
      throw usage(`--seed must be demo or none, got "${values.seed}"`);
    const lag = Number(values['search-lag']);
    if (!(lag >= 0)) throw usage(`--search-lag must be a number of seconds >= 0, got "${values['search-lag']}"`);
    let faults;
    try {
      faults = values.faults ? parseFaults(values.faults) : undefined;
    } catch (error) {
      throw usage(error instanceof Error ? error.message : String(error));
    }
    const running = await startLocalOrg({
      port,
      seed: values.seed,
      searchLagSeconds: lag,
      personAccounts: values['person-accounts'],
      ...(values.data ? { dataFile: values.data } : {}),
      ...(faults ? { faults } : {})
    });
    io.out(
      JSON.stringify({
        instanceUrl: running.instanceUrl,
        accessToken: running.accessToken,
        orgId: running.org.orgId,
        userId: running.org.adminUserId
      })
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await running.close();
    return 0;
  }
};
