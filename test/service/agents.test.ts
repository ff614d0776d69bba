/** aircall-sf agents as a process, against the local Aircall (User V2 API) and the local org over HTTP. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunningLocalAircall } from '@aircall-sf/local-aircall';
import { Company, startLocalAircall } from '@aircall-sf/local-aircall';
import { agentLines } from '../../src/cli/agents';
import type { TestOrg } from '../helpers/local-org';
import { testOrg } from '../helpers/local-org';
import { integrationLogin } from '../helpers/service';

const run = promisify(execFile);
const BIN = join(__dirname, '..', '..', 'bin', 'aircall-sf');
let aircall: RunningLocalAircall;
let org: TestOrg;
let integration: { userId: string; accessToken: string };
const ids: Record<string, string> = {};

beforeAll(async () => {
  const company = new Company('id', 'token');
  company.addUser({ name: 'Jane Doe', email: 'jane@acme.example' }); // same email in Salesforce
  company.addUser({ name: 'Ravi Patel', email: 'ravi.patel@aircall-login.example' }); // mapped by the admin
  company.addUser({ name: 'Old Timer', email: 'gone@acme.example' }); // only an inactive user
  company.addUser({ name: 'New Hire', email: 'new.hire@acme.example' }); // no Salesforce user
  // More than one page of the User V2 API (50 a page).
  for (let i = 0; i < 50; i += 1) company.addUser({ name: `Agent ${i}`, email: `agent${i}@acme.example` });
  aircall = await startLocalAircall({ company });
  org = await testOrg({ seed: 'none' });
  integration = integrationLogin(org);
  const user = async (row: Record<string, unknown>) => {
    const created = await org.conn.sobject('User').create({ Username: `${String(row.LastName)}@u.example`, ...row });
    if (!created.success) throw new Error('user not created');
    return created.id;
  };
  ids.jane = await user({ LastName: 'Doe', Email: 'jane@acme.example', IsActive: true });
  ids.ravi = await user({
    LastName: 'Patel',
    Email: 'ravi@acme.example',
    IsActive: true,
    Aircall_Email__c: 'ravi.patel@aircall-login.example'
  });
  ids.old = await user({ LastName: 'Timer', Email: 'gone@acme.example', IsActive: false });
  for (let i = 0; i < 50; i += 1)
    await user({ LastName: `Agent${i}`, Email: `agent${i}@acme.example`, IsActive: true });
}, 60_000);
afterAll(async () => {
  await aircall.close();
  await org.close();
});

const cli = (args: string[]) =>
  run(process.execPath, [BIN, 'agents', ...args], {
    env: {
      PATH: process.env.PATH,
      AIRCALL_API_URL: aircall.url,
      AIRCALL_API_ID: 'id',
      AIRCALL_API_TOKEN: 'token',
      SF_INSTANCE_URL: org.instanceUrl,
      SF_ACCESS_TOKEN: integration.accessToken,
      LOG_LEVEL: 'silent'
    }
  });
const lines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('aircall-sf agents', () => {
  it('lists every Aircall agent with the Salesforce user that owns their calls, as R12 chooses', async () => {
    const { stdout, stderr } = await cli([]);
    const out = lines(stdout);
    expect(out.pop()).toEqual({ agents: 54, matched: 52, unmatched: 2 });
    expect(out).toHaveLength(54);
    expect(out.slice(0, 4)).toEqual([
      expect.objectContaining({ name: 'Jane Doe', match: 'email', salesforceUserId: ids.jane }),
      expect.objectContaining({ name: 'Ravi Patel', match: 'aircall_email', salesforceUserId: ids.ravi }),
      expect.objectContaining({ name: 'Old Timer', match: 'inactive', salesforceUserId: null }),
      expect.objectContaining({ name: 'New Hire', match: 'none', salesforceUserId: null })
    ]);
    expect(out[53]).toMatchObject({ email: 'agent49@acme.example', match: 'email' });
    expect(stderr).toContain(
      `2 unmatched. The calls of the unmatched go to the integration user ${integration.userId}`
    );
  }, 60_000);

  it('--unmatched lists only those and exits 1, for a check in a deploy script', async () => {
    const failed = (await cli(['--unmatched']).then(
      () => null,
      (e: unknown) => e
    )) as { code: number; stdout: string } | null;
    expect(failed?.code).toBe(1);
    expect(lines(failed!.stdout).map((l) => l.name ?? l)).toEqual([
      'Old Timer',
      'New Hire',
      { agents: 54, matched: 52, unmatched: 2 }
    ]);
  }, 60_000);

  it('says what to set without the Aircall API credentials', async () => {
    const failed = (await run(process.execPath, [BIN, 'agents'], { env: { PATH: process.env.PATH } }).then(
      () => null,
      (e: unknown) => e
    )) as { code: number; stderr: string } | null;
    expect(failed?.code).toBe(1);
    expect(failed!.stderr).toContain('set AIRCALL_API_ID and AIRCALL_API_TOKEN');
  }, 60_000);
});

describe('agentLines', () => {
  it('an agent without an email has no match (the payload cannot name their user either)', () => {
    expect(agentLines([{ id: 1, name: 'No Mail', email: null }], [])).toEqual([
      { aircallUserId: 1, name: 'No Mail', email: null, match: 'no_email', salesforceUserId: null }
    ]);
  });

  it('flags an Aircall email two active users carry: the calls go to the lowest Id, silently otherwise', () => {
    const user = (id: string, aircallEmail: string | null) => ({
      id,
      email: `${id}@acme.example`,
      aircallEmail,
      isActive: true,
      name: id
    });
    const [line] = agentLines(
      [{ id: 7, name: 'Jane', email: 'Jane@Aircall.example' }],
      [user('005000000000002AAA', 'jane@aircall.example'), user('005000000000001AAA', 'jane@aircall.example')]
    );
    expect(line).toMatchObject({
      match: 'aircall_email',
      salesforceUserId: '005000000000001AAA',
      conflict: { userIds: ['005000000000001AAA', '005000000000002AAA'] }
    });
    expect(
      agentLines(
        [{ id: 8, name: 'Solo', email: 'solo@aircall.example' }],
        [user('005000000000003AAA', 'solo@aircall.example')]
      )[0]
    ).not.toHaveProperty('conflict');
  });
});
