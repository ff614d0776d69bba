/**
 * The package an operator installs (`npm run test:pack`, run by CI): `npm pack` this checkout,
 * install the tarball into an empty folder with production dependencies only (no dev tooling,
 * no workspace), then run the installed `aircall-sf`:
 * - `--version` and `--help` answer;
 * - `serve` with no org exits 1 at once with LOCAL_ORG_UNAVAILABLE (the emulator is not shipped);
 * - `serve` against a local org (started from this checkout) answers /readyz, logs a sample call
 *   posted to its webhook, and exits 0 on SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleEnvelope } from '../src/console/sample';

const ROOT = join(__dirname, '..');
const NPM = process.env.npm_execpath ?? 'npm';

function npm(args: string[], cwd: string): string {
  const [command, prefix] = NPM.endsWith('.js') ? [process.execPath, [NPM]] : [NPM, []];
  return execFileSync(command, [...prefix, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function step(text: string): void {
  process.stdout.write(`pack-check: ${text}\n`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))
      );
    });
  });
}

/** Resolves with the first stdout line that parses as JSON. */
function firstJsonLine(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (const line of buffer.split('\n')) {
        try {
          resolve(JSON.parse(line) as Record<string, unknown>);
          return;
        } catch {
          // not the line yet
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing its JSON line`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))
  );
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'aircall-sf-pack-'));
  const children: ChildProcess[] = [];
  try {
    step('npm pack (prepack builds dist/)');
    npm(['pack', '--pack-destination', work, '--silent'], ROOT);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error('npm pack wrote no tarball');

    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{"name":"operator","private":true}\n');
    step(`npm install ${tarball} into an empty folder (production dependencies only)`);
    npm(['install', '--omit=dev', '--no-audit', '--no-fund', join(work, tarball)], app);
    const bin = join(app, 'node_modules', '.bin', 'aircall-sf');
    const installed = readdirSync(join(app, 'node_modules'));
    for (const dev of ['typescript', 'jest', 'eslint', 'tsx', '@aircall-sf']) {
      if (installed.includes(dev)) throw new Error(`the installed package brought ${dev}, a dev dependency`);
    }
    // The README's count of what an operator installs, checked against what npm installed.
    const hidden = JSON.parse(readFileSync(join(app, 'node_modules', '.package-lock.json'), 'utf8')) as {
      packages: Record<string, unknown>;
    };
    const count = Object.keys(hidden.packages).filter((p) => p.startsWith('node_modules/')).length;
    const stated = Number(
      /about (\d+) packages; no local org/.exec(readFileSync(join(ROOT, 'README.md'), 'utf8'))?.[1]
    );
    if (!(Math.abs(stated - count) <= count * 0.1)) {
      throw new Error(`README says the package brings about ${stated} packages; npm installed ${count}`);
    }
    step(`${count} packages installed (README: about ${stated})`);

    const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
    step(`aircall-sf --version: ${version}`);
    execFileSync(bin, ['--help'], { encoding: 'utf8' });

    const env = { PATH: process.env.PATH ?? '', HOME: work, DATA_DIR: join(work, 'data'), LOG_LEVEL: 'warn' };
    const noOrg = spawn(bin, ['serve'], { env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let noOrgErr = '';
    noOrg.stderr.on('data', (c: Buffer) => (noOrgErr += c.toString()));
    const noOrgCode = await exited(noOrg);
    if (noOrgCode !== 1 || !noOrgErr.includes('embedded local org comes with a checkout'))
      throw new Error(`serve with no org: exit ${noOrgCode}, stderr ${noOrgErr}`);
    step('serve with no org: exit 1, LOCAL_ORG_UNAVAILABLE');

    const org = spawn(join(ROOT, 'bin', 'aircall-sf'), ['local-org', '--port', '0', '--seed', 'demo'], {
      stdio: ['ignore', 'pipe', 'inherit']
    });
    children.push(org);
    const { instanceUrl, accessToken } = (await firstJsonLine(org)) as { instanceUrl: string; accessToken: string };

    const port = await freePort();
    const token = 'pack-check-webhook-token';
    const service = spawn(bin, ['serve'], {
      env: {
        ...env,
        PORT: String(port),
        SF_INSTANCE_URL: instanceUrl,
        SF_ACCESS_TOKEN: accessToken,
        AIRCALL_WEBHOOK_TOKEN: token,
        AIRCALL_SF_BATCH_WINDOW_MS: '0'
      },
      stdio: ['ignore', 'inherit', 'inherit']
    });
    children.push(service);
    const base = `http://127.0.0.1:${port}`;
    await until('/readyz', async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined));
    step('serve against the local org: /readyz 200');

    const { key, envelope } = sampleEnvelope(token, { kind: 'inbound_answered', phone: '+1 415-555-0142' });
    const posted = await fetch(`${base}/webhooks/aircall`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelope)
    });
    if (posted.status !== 200) throw new Error(`the webhook answered ${posted.status}`);
    const soql = encodeURIComponent(`SELECT Id, Subject FROM Task WHERE Aircall_Id__c = '${key}'`);
    const task = await until('the Task', async () => {
      const res = await fetch(`${instanceUrl}/services/data/v66.0/query?q=${soql}`, {
        headers: { authorization: `Bearer ${accessToken}` }
      });
      const body = (await res.json()) as { records?: { Subject: string }[] };
      return body.records?.[0];
    });
    step(`the sample call was logged: "${task.Subject}"`);

    service.kill('SIGTERM');
    const code = await exited(service);
    if (code !== 0) throw new Error(`serve exited with ${code} on SIGTERM`);
    step('SIGTERM: exit 0. The installed package works.');
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`pack-check failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
