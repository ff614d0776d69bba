/**
 * `aircall-sf health` on a large org, as a process with production settings, against a local org
 * over HTTP as the integration user:
 *   CONTACTS=1000000 npx tsx bench/health.ts
 * Seeds CONTACTS Contacts (1 % with a value no country reads, 2 % sharing a number with another),
 * then prints the cost the command said before reading, the requests it made (the local org's
 * meter), the wall time and the command's peak memory (GNU time's maximum resident set size).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testOrg } from '../test/helpers/local-org';
import { integrationLogin } from '../test/helpers/service';

const run = promisify(execFile);
const CONTACTS = Number(process.env.CONTACTS ?? 200_000);
const TIME = '/usr/bin/time';

async function main(): Promise<void> {
  const org = await testOrg({ seed: 'none' });
  const store = org.org.store;
  const seeded = Date.now();
  store.transaction(() => {
    for (let i = 0; i < CONTACTS; i += 1) {
      const phone =
        i % 100 === 0 ? 'ask reception' : `+33 6 ${String(i % 100 < 3 ? i - (i % 100) + 1 : i).padStart(8, '0')}`;
      store.insert('Contact', { LastName: `Customer ${i}`, Phone: phone }, org.org.admin);
    }
  });
  process.stdout.write(`seeded ${CONTACTS} Contacts in ${((Date.now() - seeded) / 1000).toFixed(1)} s\n`);
  const { accessToken } = integrationLogin(org);
  const dir = mkdtempSync(join(tmpdir(), 'health-bench-'));
  const env = {
    PATH: process.env.PATH,
    SF_INSTANCE_URL: org.instanceUrl,
    SF_ACCESS_TOKEN: accessToken,
    DATA_DIR: dir,
    LOG_LEVEL: 'silent'
  };
  const bin = join(__dirname, '..', 'bin', 'aircall-sf');
  try {
    const before = org.org.apiUsed;
    const started = Date.now();
    const { stdout, stderr } = await run(
      TIME,
      ['-f', 'peak-rss-kb=%M', process.execPath, bin, 'health', '--country', 'FR'],
      { env, maxBuffer: 256 * 1024 * 1024 }
    );
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as {
      phones: { records: number; unreadable: { count: number }; shared: { count: number } };
      requests: number;
    };
    const said = /reading them costs about (\d+) API requests/.exec(stderr)?.[1];
    const rss = Number(/peak-rss-kb=(\d+)/.exec(stderr)?.[1] ?? 0);
    process.stdout.write(
      `health: ${report.phones.records} records read, ${report.phones.unreadable.count} unreadable values, ` +
        `${report.phones.shared.count} shared numbers; said ${said} requests, made ${report.requests} ` +
        `(the org's meter: ${org.org.apiUsed - before}); ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `peak memory ${(rss / 1024).toFixed(0)} MB\n`
    );
  } finally {
    await org.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
