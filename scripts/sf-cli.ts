/**
 * Where the Salesforce CLI is. It is not a dependency of this repository: it wants Node 22 or
 * later (its @jsforce/jsforce-node declares `engines.node >=22`) and brings some 700 packages
 * a user of the service never needs. The org tooling (`package:convert`, `test:sf`,
 * `test:org`) runs the `sf` found here: `SF_CLI` (the path of an `sf` executable or of the
 * CLI's `bin/run.js`), else `sf` on the PATH.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface SfCommand {
  command: string;
  prefix: string[];
}

export const SF_CLI_MISSING =
  "SF_CLI_MISSING: the Salesforce CLI was not found. Install it (npm install --global @salesforce/cli, on Node 22 or later, or Salesforce's installer) or set SF_CLI to its sf executable or bin/run.js";

/** The command that runs sf, or undefined when there is none. */
export function findSf(env: NodeJS.ProcessEnv = process.env): SfCommand | undefined {
  const given = env.SF_CLI;
  if (given) {
    if (!existsSync(given)) return undefined;
    return given.endsWith('.js') ? { command: process.execPath, prefix: [given] } : { command: given, prefix: [] };
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'sf'))) return { command: join(dir, 'sf'), prefix: [] };
  }
  return undefined;
}

/** Runs sf with a scratch HOME and no telemetry; throws with sf's stderr on failure. */
export function runSf(sf: SfCommand, args: string[], options: { cwd: string; home: string }): string {
  return execFileSync(sf.command, [...sf.prefix, ...args], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: {
      ...process.env,
      HOME: options.home,
      SF_DISABLE_TELEMETRY: 'true',
      SF_AUTOUPDATE_DISABLE: 'true',
      SF_USE_GENERIC_UNIX_KEYCHAIN: 'true'
    }
  });
}
