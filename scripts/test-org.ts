/**
 * `npm run test:org`: the package and the service against a real org before going live, or,
 * with no org given, the same scenarios against the local org (how CI runs it).
 *
 * With SF_INSTANCE_URL (and the service's credentials, README "Configuration") and
 * SF_TARGET_ORG (an sf alias logged in as an admin of that org, a sandbox or scratch org):
 * 1. deploy force-app (`sf project deploy start`);
 * 2. run the Apex tests with coverage (`sf apex run test --code-coverage`), failing under 85 %
 *    (the plugin's testRunCoverage: covered lines over all lines of the classes the run
 *    evaluated);
 * 3. assign Aircall_Integration to AIRCALL_SF_INTEGRATION_USERNAME, when given;
 * 4. run the scenarios (test/org/scenarios.org.test.ts): calls logged through the service's
 *    webhook, the records checked, and what they created deleted.
 */
import { packageTests } from './package-version';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SF_CLI_MISSING, findSf } from './sf-cli';
import type { SfCommand } from './sf-cli';

const ROOT = join(__dirname, '..');
export const MIN_COVERAGE = 85;

function say(line: string): void {
  process.stdout.write(`test:org: ${line}\n`);
}

function sfJson(sf: SfCommand, args: string[]): { status: number; result?: unknown; message?: string } {
  const run = spawnSync(sf.command, [...sf.prefix, ...args, '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024
  });
  try {
    return JSON.parse(run.stdout) as { status: number; result?: unknown; message?: string };
  } catch {
    return { status: run.status ?? 1, message: run.stderr || run.stdout };
  }
}

/** The coverage figure of `sf apex run test --json`, as a number, or undefined when absent. */
export function testRunCoverage(result: unknown): number | undefined {
  const value = (result as { summary?: { testRunCoverage?: string } } | undefined)?.summary?.testRunCoverage;
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)%$/.exec(value) : null;
  return match ? Number(match[1]) : undefined;
}

function prepareRealOrg(): void {
  const sf = findSf();
  if (!sf) throw new Error(SF_CLI_MISSING);
  const org = process.env.SF_TARGET_ORG;
  if (!org) throw new Error('SF_TARGET_ORG is not set: give the sf alias of an admin logged in to the org under test.');

  say(`deploying force-app to ${org}`);
  const deploy = sfJson(sf, [
    'project',
    'deploy',
    'start',
    '--source-dir',
    'force-app',
    '--target-org',
    org,
    '--wait',
    '30'
  ]);
  if (deploy.status !== 0) throw new Error(`the deploy failed: ${deploy.message ?? JSON.stringify(deploy.result)}`);

  say('running the Apex tests with coverage');
  const tests = sfJson(sf, [
    'apex',
    'run',
    'test',
    '--target-org',
    org,
    // The package's own tests only: RunLocalTests would run every test of the customer's org.
    '--test-level',
    'RunSpecifiedTests',
    ...packageTests().flatMap((name) => ['--tests', name]),
    '--code-coverage',
    '--wait',
    '30'
  ]);
  if (tests.status !== 0) throw new Error(`Apex tests failed: ${tests.message ?? JSON.stringify(tests.result)}`);
  const coverage = testRunCoverage(tests.result);
  if (coverage === undefined)
    throw new Error('sf apex run test gave no summary.testRunCoverage: see its --json output.');
  if (coverage < MIN_COVERAGE) throw new Error(`Apex coverage is ${coverage} %, under ${MIN_COVERAGE} %.`);
  say(`Apex tests passed, coverage ${coverage} %`);

  const user = process.env.AIRCALL_SF_INTEGRATION_USERNAME;
  if (user) {
    const assign = sfJson(sf, [
      'org',
      'assign',
      'permset',
      '--name',
      'Aircall_Integration',
      '--on-behalf-of',
      user,
      '--target-org',
      org
    ]);
    // Assigned already is fine: the permission set is what the scenarios need.
    const text = JSON.stringify(assign);
    if (assign.status !== 0 && !/Duplicate/i.test(text))
      throw new Error(`could not assign Aircall_Integration: ${text}`);
    say(`Aircall_Integration assigned to ${user}`);
  } else {
    say('AIRCALL_SF_INTEGRATION_USERNAME not set: the integration user must already have Aircall_Integration');
  }
}

function main(): number {
  if (process.env.SF_INSTANCE_URL) prepareRealOrg();
  else say('no SF_INSTANCE_URL: the scenarios run against the local org');
  const jest = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--selectProjects', 'org'],
    {
      cwd: ROOT,
      stdio: 'inherit'
    }
  );
  return jest.status ?? 1;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (error: unknown) {
    process.stderr.write(`test:org: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
