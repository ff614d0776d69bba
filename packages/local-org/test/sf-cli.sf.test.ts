/**
 * The official sf CLI against the local org, unchanged: login with an access token, create
 * a record, query (with a custom field from force-app). sf runs in a scratch HOME.
 * sf is not a dependency (it wants Node 22+): this suite is its own Jest project, `sf-cli`
 * (`npm run test:sf`), run with `SF_CLI` (an sf executable or its bin/run.js) or `sf` on
 * the PATH; CI installs the CLI for it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestOrg } from './helpers';
import { testOrg } from './helpers';
import { ADMIN_USERNAME } from '../src';

const run = promisify(execFile);
const SF_CLI = process.env.SF_CLI ?? 'sf';
const SF = SF_CLI.endsWith('.js') ? process.execPath : SF_CLI;
const SF_PREFIX = SF_CLI.endsWith('.js') ? [SF_CLI] : [];

let org: TestOrg;
let home: string;
let env: NodeJS.ProcessEnv;

async function sf(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(SF, [...SF_PREFIX, ...args, '--json'], { env, timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

beforeAll(async () => {
  org = await testOrg();
  home = mkdtempSync(join(tmpdir(), 'sf-home-'));
  env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
    SF_DISABLE_TELEMETRY: 'true',
    SF_AUTOUPDATE_DISABLE: 'true',
    SF_DISABLE_DNS_CHECK: 'true',
    SF_ACCESS_TOKEN: org.accessToken
  };
  await sf(['org', 'login', 'access-token', '--instance-url', org.instanceUrl, '--no-prompt', '--alias', 'local']);
}, 90_000);

afterAll(async () => {
  await org.close();
  rmSync(home, { recursive: true, force: true });
});

describe('sf CLI against the local org', () => {
  it('logged in: sf org display knows the org and the user', async () => {
    const out = await sf(['org', 'display', '--target-org', 'local']);
    // sf stores the URL with a trailing slash and then requests //services/… (the server collapses it).
    expect(out).toMatchObject({
      status: 0,
      result: { id: org.org.orgId, instanceUrl: `${org.instanceUrl}/`, username: ADMIN_USERNAME }
    });
  }, 60_000);

  it('sf data create record', async () => {
    const out = await sf([
      'data',
      'create',
      'record',
      '--sobject',
      'Account',
      '--values',
      "Name='Created by sf'",
      '--target-org',
      'local'
    ]);
    expect(out).toMatchObject({ status: 0, result: { success: true } });
    const id = (out.result as { id: string }).id;
    expect((await org.conn.sobject('Account').retrieve(id)).Name).toBe('Created by sf');
  }, 60_000);

  it('sf data query, with a custom field from force-app', async () => {
    await org.conn.sobject('Task').create({ Subject: 'Logged', Aircall_Id__c: 'call:777', Status: 'Completed' });
    const out = await sf([
      'data',
      'query',
      '--query',
      "SELECT Id, Subject, Aircall_Id__c FROM Task WHERE Aircall_Id__c = 'call:777'",
      '--target-org',
      'local'
    ]);
    expect(out).toMatchObject({
      status: 0,
      result: { totalSize: 1, records: [{ Subject: 'Logged', Aircall_Id__c: 'call:777' }] }
    });
  }, 60_000);
});
