/**
 * Salesforce requests per call of `aircall-sf backfill`, with production settings (batch
 * window, batches of 100), against a local org and the local Aircall over HTTP:
 *   CALLS=2000 DAYS=7 NUMBERS=800 npx tsx bench/backfill-cost.ts
 * Prints the first run's and a second run's requests per call (the second should be ~0).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { demoCompany, startLocalAircall } from '@aircall-sf/local-aircall';
import { setOrgSettings, testOrg } from '../test/helpers/local-org';
import { integrationLogin } from '../test/helpers/service';

const run = promisify(execFile);
const CALLS = Number(process.env.CALLS ?? 2000);
const DAYS = Number(process.env.DAYS ?? 7);
/** Distinct external numbers: calls of one number are serialised, so a realistic spread matters. */
const NUMBERS = Number(process.env.NUMBERS ?? 800);

async function main(): Promise<void> {
  const org = await testOrg({ seed: 'demo' });
  const { accessToken } = integrationLogin(org);
  await setOrgSettings(org, { Unknown_Number__c: 'Contact' });
  const to = Math.floor(Date.now() / 1000) - 3600;
  const from = to - DAYS * 86_400;
  const aircall = await startLocalAircall({
    company: demoCompany({ calls: CALLS, from, to, seed: 42, externalNumbers: NUMBERS })
  });
  const dir = mkdtempSync(join(tmpdir(), 'backfill-bench-'));
  const env = {
    PATH: process.env.PATH,
    SF_INSTANCE_URL: org.instanceUrl,
    SF_ACCESS_TOKEN: accessToken,
    DATA_DIR: dir,
    AIRCALL_API_URL: aircall.url,
    AIRCALL_API_ID: 'local-api-id',
    AIRCALL_API_TOKEN: 'local-api-token',
    AIRCALL_API_REQUESTS_PER_MINUTE: '120',
    LOG_LEVEL: 'silent'
  };
  const bin = join(__dirname, '..', 'bin', 'aircall-sf');
  try {
    for (const label of ['first run', 'second run']) {
      const before = org.org.apiUsed;
      const started = Date.now();
      const { stdout } = await run(process.execPath, [bin, 'backfill', '--from', String(from), '--to', String(to)], {
        env,
        maxBuffer: 64 * 1024 * 1024
      });
      const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
      const used = org.org.apiUsed - before;
      process.stdout.write(
        `backfill ${label}: ${result.calls} calls (${result.logged} logged, ${result.skipped} skipped, ${result.failed} failed), ` +
          `${used} Salesforce requests = ${(used / result.calls!).toFixed(3)} per call, ` +
          `${aircall.stats.requests} Aircall requests so far, ${((Date.now() - started) / 1000).toFixed(1)} s\n`
      );
    }
  } finally {
    await aircall.close();
    await org.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
