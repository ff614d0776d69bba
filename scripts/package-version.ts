/**
 * Builds an installable version of the org package (2GP, unlocked; managed once
 * sfdx-project.json carries a namespace) with a Dev Hub, and prints its install URL:
 *
 *   npx tsx scripts/package-version.ts --dev-hub my-hub [--wait 60] [--installation-key KEY] [--dry-run]
 *
 * It runs `sf package create` once (when sfdx-project.json has no package alias yet) and
 * `sf package version create … --code-coverage`, whose Apex tests must cover 75 % for the
 * version to be promotable. A Dev Hub cannot be reached here: the argument handling, the
 * command lines and the reading of sf's answer are tested (scripts/package-version.test.ts);
 * the run itself is the maintainer's, with `--dry-run` printing what it would do.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SF_CLI_MISSING, findSf, runSf } from './sf-cli';

const ROOT = join(__dirname, '..');

export interface VersionArgs {
  readonly devHub: string;
  readonly waitMinutes: number;
  readonly installationKey: string | null;
  readonly dryRun: boolean;
}

export const USAGE =
  'Usage: npx tsx scripts/package-version.ts --dev-hub ALIAS [--wait MINUTES] [--installation-key KEY] [--dry-run]';

/** The command line's options, or an error that says what is wrong. */
export function parseVersionArgs(argv: readonly string[]): VersionArgs {
  let devHub: string | null = null;
  let waitMinutes = 60;
  let installationKey: string | null = null;
  let dryRun = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith('--')) throw new Error(`${arg} needs a value. ${USAGE}`);
      i += 1;
      return v;
    };
    if (arg === '--dev-hub') devHub = value();
    else if (arg === '--wait') {
      waitMinutes = Number(value());
      if (!Number.isInteger(waitMinutes) || waitMinutes < 1) throw new Error(`--wait takes whole minutes. ${USAGE}`);
    } else if (arg === '--installation-key') installationKey = value();
    else if (arg === '--dry-run') dryRun = true;
    else throw new Error(`Unknown option ${arg}. ${USAGE}`);
  }
  if (!devHub)
    throw new Error(
      `--dev-hub is required: the alias of a Dev Hub org (sf org login web --set-default-dev-hub). ${USAGE}`
    );
  return { devHub, waitMinutes, installationKey, dryRun };
}

interface Project {
  packageDirectories: { path: string; package?: string }[];
  namespace?: string;
  packageAliases?: Record<string, string>;
}

export function readProject(root = ROOT): Project {
  return JSON.parse(readFileSync(join(root, 'sfdx-project.json'), 'utf8')) as Project;
}

/** The sf command lines: create the package when it has no alias yet, then a version with coverage. */
export function versionCommands(args: VersionArgs, project: Project): string[][] {
  const dir = project.packageDirectories.find((d) => d.package);
  if (!dir?.package) throw new Error('sfdx-project.json names no package in packageDirectories.');
  const commands: string[][] = [];
  if (!project.packageAliases?.[dir.package])
    commands.push([
      'package',
      'create',
      '--name',
      dir.package,
      '--package-type',
      project.namespace ? 'Managed' : 'Unlocked',
      '--path',
      dir.path,
      '--target-dev-hub',
      args.devHub,
      '--json'
    ]);
  commands.push([
    'package',
    'version',
    'create',
    '--package',
    dir.package,
    '--code-coverage',
    ...(args.installationKey ? ['--installation-key', args.installationKey] : ['--installation-key-bypass']),
    '--wait',
    String(args.waitMinutes),
    '--target-dev-hub',
    args.devHub,
    '--json'
  ]);
  return commands;
}

/** The install URL of a version from `sf package version create --json`'s answer. */
export function installUrl(answer: string): string {
  const parsed = JSON.parse(answer) as {
    status?: number;
    result?: { SubscriberPackageVersionId?: string };
    message?: string;
  };
  const id = parsed.result?.SubscriberPackageVersionId;
  if (!id || !/^04t[a-zA-Z0-9]{12}(?:[a-zA-Z0-9]{3})?$/.test(id))
    throw new Error(`sf did not return a package version (04t…): ${parsed.message ?? answer.slice(0, 200)}`);
  return `https://login.salesforce.com/packaging/installPackage.apexp?p0=${id}`;
}

/** The package's own Apex test classes, for a deploy from source with RunSpecifiedTests. */
export function packageTests(root = ROOT): string[] {
  return readdirSync(join(root, 'force-app', 'main', 'default', 'classes'))
    .filter((f) => /Test\.cls$/.test(f))
    .map((f) => f.replace(/\.cls$/, ''))
    .sort();
}

function main(): number {
  const args = parseVersionArgs(process.argv.slice(2));
  const commands = versionCommands(args, readProject());
  if (args.dryRun) {
    for (const c of commands) process.stdout.write(`sf ${c.join(' ')}\n`);
    return 0;
  }
  const sf = findSf();
  if (!sf) throw new Error(SF_CLI_MISSING);
  let last = '';
  for (const c of commands) {
    process.stderr.write(`sf ${c.slice(0, 3).join(' ')} …\n`);
    last = runSf(sf, c, { cwd: ROOT, home: process.env.HOME ?? ROOT });
  }
  process.stdout.write(`${installUrl(last)}\n`);
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
