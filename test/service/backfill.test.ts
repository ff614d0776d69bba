/**
 * aircall-sf backfill as a process: the local Aircall's calls through the real pipeline into a
 * local org, over HTTP; a second run; a resumed run.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunningLocalAircall } from '@aircall-sf/local-aircall';
import { demoCompany, startLocalAircall } from '@aircall-sf/local-aircall';
import type { TestOrg } from '../helpers/local-org';
import { setOrgSettings, testOrg } from '../helpers/local-org';
import { integrationLogin } from '../helpers/service';

const run = promisify(execFile);
const BIN = join(__dirname, '..', '..', 'bin', 'aircall-sf');
const TO = Math.floor(Date.UTC(2026, 10, 1) / 1000);
const FROM = TO - 7 * 86_400;

let org: TestOrg;
let aircall: RunningLocalAircall;
let dir: string;
let token: string;

beforeAll(async () => {
  org = await testOrg({ seed: 'none' });
  token = integrationLogin(org).accessToken;
  await setOrgSettings(org, { Unknown_Number__c: 'Contact' });
  aircall = await startLocalAircall({ company: demoCompany({ calls: 300, from: FROM, to: TO, seed: 11 }) });
  dir = mkdtempSync(join(tmpdir(), 'aircall-backfill-'));
});
afterAll(async () => {
  await aircall.close();
  await org.close();
  rmSync(dir, { recursive: true, force: true });
});

const envFor = (dataDir: string, aircallUrl: string) => ({
  PATH: process.env.PATH,
  SF_INSTANCE_URL: org.instanceUrl,
  SF_ACCESS_TOKEN: token,
  DATA_DIR: dataDir,
  AIRCALL_API_URL: aircallUrl,
  AIRCALL_API_ID: 'local-api-id',
  AIRCALL_API_TOKEN: 'local-api-token',
  AIRCALL_API_REQUESTS_PER_MINUTE: '120',
  AIRCALL_SF_BATCH_WINDOW_MS: '200',
  LOG_LEVEL: 'silent'
});

async function backfill(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = envFor(join(dir, 'data'), aircall.url);
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'backfill', ...args], { env, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const lastLine = (text: string) => JSON.parse(text.trim().split('\n').pop()!) as Record<string, number>;
const internalKeys = () =>
  aircall.company.calls
    .filter((c) => aircall.company.numbers.some((n) => n.digits === c.raw_digits))
    .map((c) => `call:${c.id}`);

describe('aircall-sf backfill', () => {
  it('logs every call of the window once, never an internal one, with progress on stderr', async () => {
    const result = await backfill(['--from', new Date(FROM * 1000).toISOString(), '--to', String(TO)]);
    expect(result.stderr).toMatch(/backfill: 200 calls fetched/);
    expect(result.code).toBe(0);
    const internal = internalKeys();
    expect(internal.length).toBeGreaterThan(0);
    expect(lastLine(result.stdout)).toEqual({
      calls: 300,
      logged: 300 - internal.length,
      skipped: internal.length,
      failed: 0,
      alreadyLogged: 0,
      alreadySkipped: 0
    });
    const tasks = await org.conn.query<{ Aircall_Id__c: string }>('SELECT Aircall_Id__c FROM Task');
    const ids = tasks.records.map((t) => t.Aircall_Id__c);
    expect(ids).toHaveLength(300 - internal.length);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => internal.includes(id))).toEqual([]);
  }, 120_000);

  it('run again, it logs nothing twice and costs the org next to nothing', async () => {
    const apiBefore = org.org.apiUsed;
    const result = await backfill(['--from', String(FROM), '--to', String(TO)]);
    expect(result.code).toBe(0);
    // What this run did: nothing; what an earlier run had done, counted apart.
    expect(lastLine(result.stdout)).toMatchObject({
      calls: 300,
      logged: 0,
      skipped: 0,
      failed: 0,
      alreadyLogged: 300 - internalKeys().length,
      alreadySkipped: internalKeys().length
    });
    expect((await org.conn.query('SELECT COUNT() FROM Task')).totalSize).toBe(300 - internalKeys().length);
    // Opening the pipeline (identity, the settings' snapshot) and nothing per call.
    expect(org.org.apiUsed - apiBefore).toBeLessThanOrEqual(3);
  }, 120_000);

  it('interrupted, it resumes where its progress file says', async () => {
    const resumeAt = aircall.company.calls[250]!.started_at;
    writeFileSync(join(dir, 'data', `backfill-${FROM}-${TO}.json`), JSON.stringify({ next: resumeAt }));
    const result = await backfill(['--from', String(FROM), '--to', String(TO)]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`backfill: resuming at ${new Date(resumeAt * 1000).toISOString()}`);
    expect(lastLine(result.stdout).calls).toBe(aircall.company.calls.filter((c) => c.started_at >= resumeAt).length);
  }, 120_000);

  it('killed (-9) mid-run, the next run resumes where it stopped and every call is logged once', async () => {
    const second = await startLocalAircall({
      company: demoCompany({
        calls: 600,
        from: FROM,
        to: TO,
        seed: 23,
        apiId: 'local-api-id',
        apiToken: 'local-api-token'
      })
    });
    try {
      const dataDir = join(dir, 'killed');
      const args = [BIN, 'backfill', '--from', String(FROM), '--to', String(TO)];
      const child = spawn(process.execPath, args, { env: envFor(dataDir, second.url) });
      await new Promise<void>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (c: Buffer) => {
          err += c.toString();
          if (/200 calls fetched/.test(err)) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`backfill ended before it was killed: ${err}`)));
      });
      const resumed = await run(process.execPath, args, { env: envFor(dataDir, second.url), timeout: 120_000 });
      expect(resumed.stderr).toContain('backfill: resuming at');
      const ids = second.company.calls.filter((c) => !second.company.numbers.some((n) => n.digits === c.raw_digits));
      const tasks = await org.conn.query<{ Aircall_Id__c: string }>(
        `SELECT Aircall_Id__c FROM Task WHERE Aircall_Id__c IN (${ids.map((c) => `'call:${c.id}'`).join(',')})`
      );
      expect(tasks.records).toHaveLength(ids.length);
      expect(new Set(tasks.records.map((t) => t.Aircall_Id__c)).size).toBe(ids.length);
    } finally {
      await second.close();
    }
  }, 180_000);

  it('refuses to run without Aircall API keys, saying which to set', async () => {
    const { stdout, stderr, code } = await run(process.execPath, [BIN, 'backfill', '--from', String(FROM)], {
      env: {
        PATH: process.env.PATH,
        SF_INSTANCE_URL: org.instanceUrl,
        SF_ACCESS_TOKEN: token,
        DATA_DIR: join(dir, 'x')
      }
    }).then(
      (r) => ({ ...r, code: 0 }),
      (e: { code: number; stdout: string; stderr: string }) => e
    );
    expect(code).toBe(1);
    expect(stderr + stdout).toContain('set AIRCALL_API_ID and AIRCALL_API_TOKEN');
  }, 60_000);
});
