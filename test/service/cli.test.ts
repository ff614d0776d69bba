/** replay, explain and dead-letters as processes, against a local org over HTTP. */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { callData, envelope } from '../fixtures/aircall-builders';
import type { TestOrg } from '../helpers/local-org';
import { setOrgSettings, testOrg } from '../helpers/local-org';
import { businessDay } from '../helpers/day';

const run = promisify(execFile);
const BIN = join(__dirname, '..', '..', 'bin', 'aircall-sf');
let org: TestOrg;
let dir: string;

beforeAll(async () => {
  org = await testOrg();
  dir = mkdtempSync(join(tmpdir(), 'aircall-cli-'));
});
afterAll(async () => {
  await org.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = (dataDir: string) => ({
  PATH: process.env.PATH,
  SF_INSTANCE_URL: org.instanceUrl,
  SF_ACCESS_TOKEN: org.accessToken,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'silent'
});

async function cli(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: env(dataDir), timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const lastLine = (text: string) => JSON.parse(text.trim().split('\n').pop()!) as Record<string, unknown>;

const setSettings = (row: Record<string, unknown>) => setOrgSettings(org, row);

describe('aircall-sf replay', () => {
  it('logs a JSON Lines file and prints the summary as its last line', async () => {
    await setSettings({ Unknown_Number__c: 'Lead', Missed_Call__c: 'InProgress' });
    const file = join(dir, 'day.jsonl');
    const { events, keys } = businessDay({ calls: 30, numbers: 10, seed: 5 });
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n'));
    const result = await cli(['replay', file], join(dir, 'replay'));
    expect(result.code).toBe(0);
    const summary = lastLine(result.stdout);
    expect(summary).toEqual({ events: events.length, logged: keys.length, skipped: 0, failed: 0 });
    const tasks = await org.conn.query("SELECT COUNT() FROM Task WHERE Aircall_Id__c LIKE 'call:5%'");
    expect(tasks.totalSize).toBe(30);
  }, 120_000);

  it('exits 2 naming the field, the value and the allowed values when the settings are invalid', async () => {
    await setSettings({ Unknown_Number__c: 'Person' });
    const file = join(dir, 'one.json');
    writeFileSync(file, JSON.stringify([envelope('call.ended', callData({ id: 81 }))]));
    const result = await cli(['replay', file], join(dir, 'invalid'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown_Number__c');
    expect(result.stderr).toContain('"Person"');
    expect(result.stderr).toContain('Contact, Lead, Account, None');
    await setSettings({ Unknown_Number__c: 'None' });
  }, 60_000);

  it('names the line of a file that is not JSON', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify(envelope('call.ended', callData()))}\n{not json\n`);
    const result = await cli(['replay', file], join(dir, 'bad'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 2 is not JSON');
  }, 60_000);
});

describe('aircall-sf preview', () => {
  it("compares a draft with the org's settings on the calls received, says the cost first, writes nothing", async () => {
    await setSettings({ Unknown_Number__c: 'Lead', Missed_Call__c: 'InProgress' });
    const file = join(dir, 'preview-day.jsonl');
    const { events, keys } = businessDay({ calls: 20, numbers: 8, seed: 7 });
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n'));
    const data = join(dir, 'preview');
    expect((await cli(['replay', file], data)).code).toBe(0);
    const draft = join(dir, 'draft.json');
    writeFileSync(draft, JSON.stringify({ Missed_Call__c: 'DoNothing' }));
    const tasks = (await org.conn.query('SELECT COUNT() FROM Task')).totalSize;

    const result = await cli(['preview', '--settings', draft, '--days', '3'], data);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`preview: ${keys.length} calls from `);
    expect(result.stderr).toMatch(/numbers; reading the org costs 1 API request$/m);
    const summary = lastLine(result.stdout) as {
      calls: number;
      reads: number;
      changedCalls: number;
      changedFields: unknown;
      current: { logged: number };
      draft: { logged: number; notLogged: Record<string, number> };
    };
    expect(summary).toMatchObject({ calls: keys.length, reads: 1, days: 3 });
    expect(summary.changedFields).toEqual({ Missed_Call__c: { current: 'InProgress', draft: 'DoNothing' } });
    expect(summary.current.logged).toBe(keys.length);
    expect(summary.changedCalls).toBeGreaterThan(0);
    expect(summary.draft.notLogged).toEqual({ DO_NOTHING: summary.changedCalls });
    expect(summary.draft.logged).toBe(keys.length - summary.changedCalls);
    expect(result.stdout).toMatch(/^call:\d+: In Progress on .* {2}-> {2}not logged \(DO_NOTHING\)$/m);
    expect((await org.conn.query('SELECT COUNT() FROM Task')).totalSize).toBe(tasks);

    writeFileSync(draft, '{"Missed_Call__c": "Never"}');
    const invalid = await cli(['preview', '--settings', draft], data);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('Missed_Call__c');
    expect((await cli(['preview'], data)).stderr).toContain('preview needs --settings FILE');
  }, 120_000);
});

describe('aircall-sf health', () => {
  it('says its cost first, then reports the phone data and the API share; the last line is JSON', async () => {
    await org.conn.sobject('Contact').create({ LastName: 'Unreadable', Phone: 'ask reception' });
    const result = await cli(['health', '--country', 'fr'], join(dir, 'health'));
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /^health: \d+ Contacts, \d+ Leads, \d+ Accounts hold a phone value; reading them costs about \d+ API requests$/m
    );
    expect(result.stdout).toContain('"ask reception"');
    expect(result.stdout).toMatch(/^API share: \d+ Salesforce requests in the last 24 hours, no cap/m);
    const report = lastLine(result.stdout) as {
      defaultCountry: string;
      phones: { unreadable: { count: number } };
      apiShare: unknown;
    };
    expect(report.defaultCountry).toBe('FR');
    expect(report.phones.unreadable.count).toBeGreaterThanOrEqual(1);
    expect(report.apiShare).toMatchObject({ pressure: 'normal', cap: null });
    const bad = await cli(['health', '--country', 'France'], join(dir, 'health'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--country must be a two-letter ISO 3166 code');
  }, 120_000);
});

describe('aircall-sf explain', () => {
  it('prints the trace and the plan, and writes nothing', async () => {
    await org.conn.sobject('Contact').create({ LastName: 'Explained', Phone: '+33 6 99 88 77 66' });
    const before = (await org.conn.query('SELECT COUNT() FROM Task')).totalSize;
    const file = join(dir, 'explain.json');
    writeFileSync(file, JSON.stringify(envelope('call.ended', callData({ id: 82, raw_digits: '+33 6 99 88 77 66' }))));
    const result = await cli(['explain', file], join(dir, 'explain'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('call:82: would be logged');
    expect(result.stdout).toMatch(/^R1: inbound answered call: the workflow says Completed$/m);
    expect(result.stdout).toMatch(/^R4: \+33699887766 matches 1 Contact/m);
    expect(lastLine(result.stdout)).toMatchObject({
      outcome: 'log',
      externalId: 'call:82',
      target: { kind: 'existing', sobject: 'Contact' }
    });
    expect((await org.conn.query('SELECT COUNT() FROM Task')).totalSize).toBe(before);
  }, 60_000);
});

describe('the company lines: the same in replay and explain as in serve', () => {
  const capture = join(__dirname, '..', 'fixtures', 'aircall', 'koenverduijn-aircall-2022', 'webhookPayload.json');
  const bodies = () =>
    (JSON.parse(readFileSync(capture, 'utf8')) as { body: Record<string, unknown> }[]).map((e) => e.body);

  it('replay skips the real capture calls between two company lines', async () => {
    await setSettings({ Unknown_Number__c: 'Contact' });
    const file = join(dir, 'capture.json');
    writeFileSync(file, JSON.stringify(bodies()));
    const result = await cli(['replay', file], join(dir, 'capture'));
    expect(lastLine(result.stdout)).toEqual({ events: 37, logged: 0, skipped: 3, failed: 0 });
    await setSettings({ Unknown_Number__c: 'None' });
  }, 60_000);

  it('explain says so too, for the file alone and for one pretty-printed envelope on that data dir', async () => {
    const file = join(dir, 'capture.jsonl');
    writeFileSync(
      file,
      bodies()
        .map((b) => JSON.stringify(b))
        .join('\n')
    );
    const whole = await cli(['explain', file], join(dir, 'explain-capture'));
    expect(lastLine(whole.stdout)).toMatchObject({
      outcome: 'skip',
      externalId: 'call:780836754',
      reason: 'INTERNAL_CALL'
    });
    // One envelope, as documentation samples are pasted: the data dir of the replay above knows the lines.
    const ended = bodies().find((b) => b.event === 'call.ended' && (b.data as { id: number }).id === 780836699)!;
    const one = join(dir, 'one-pretty.json');
    writeFileSync(one, JSON.stringify(ended, null, 2));
    const single = await cli(['explain', one], join(dir, 'capture'));
    expect(lastLine(single.stdout)).toMatchObject({
      outcome: 'skip',
      externalId: 'call:780836699',
      reason: 'INTERNAL_CALL'
    });
  }, 60_000);
});

describe('aircall-sf dead-letters', () => {
  it('lists none on an empty inbox', async () => {
    const result = await cli(['dead-letters', 'list'], join(dir, 'dl'));
    expect(result.code).toBe(0);
    expect(lastLine(result.stdout)).toMatchObject({ deadLetters: 0 });
  }, 60_000);

  it('refuses a wrong sub-command with exit 2', async () => {
    const result = await cli(['dead-letters', 'retry'], join(dir, 'dl'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('dead-letters retry ID');
  }, 60_000);
});

describe('kill -9 during a replay', () => {
  // The default mode on the default (Apex) read path; the call record alone on the REST path, on
  // an org of its own. Either way with Aircall AI on half the answered calls and L2 on.
  it.each([
    ['TaskAndRecord', 'apex'],
    ['RecordOnly', 'rest']
  ] as const)(
    'every call logged exactly once, no duplicate record of any kind, across 3 crashes (%s, %s read path)',
    async (mode, readPath) => {
      const target = mode === 'TaskAndRecord' ? org : await testOrg();
      try {
        await setOrgSettings(target, {
          Unknown_Number__c: 'Contact',
          Related_Record__c: 'Case',
          Create_Case__c: true,
          Follow_Up_Tasks__c: '1',
          Log_Mode__c: mode
        });
        await crashThrice(target, mode, readPath);
      } finally {
        if (target !== org) await target.close();
      }
    },
    240_000
  );
});

async function crashThrice(target: TestOrg, mode: 'TaskAndRecord' | 'RecordOnly', readPath: 'apex' | 'rest') {
  const file = join(dir, `crash-${mode}.jsonl`);
  const { events, keys } = businessDay({ calls: 200, numbers: 60, seed: 9, start: 1_763_700_000, ai: 0.5 });
  const withAi = new Set(
    events.filter((e) => e.event === 'action_item.created').map((e) => (e.data as { call_id: number }).call_id)
  );
  expect(withAi.size).toBeGreaterThan(40);
  writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n'));
  const dataDir = join(dir, `crash-${mode}`);
  const childEnv = {
    ...env(dataDir),
    SF_INSTANCE_URL: target.instanceUrl,
    SF_ACCESS_TOKEN: target.accessToken,
    SF_READ_PATH: readPath
  };
  // Crash points: after the child has logged 10, 30 and 50 more items (read from its log).
  for (const after of [10, 30, 50]) {
    const child = spawn(process.execPath, [BIN, 'replay', file], {
      env: { ...childEnv, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe']
    });
    const exited = new Promise((r) => child.once('exit', r));
    let logged = 0;
    await Promise.race([
      exited,
      new Promise<void>((resolve) => {
        child.stderr.on('data', (chunk: Buffer) => {
          logged += (chunk.toString().match(/"msg":"logged"/g) ?? []).length;
          if (logged >= after) resolve();
        });
      })
    ]);
    child.kill('SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL'); // it crashed mid-run, it did not finish
  }
  const { stdout } = await run(process.execPath, [BIN, 'replay', file], { env: childEnv, timeout: 120_000 });
  expect(lastLine(stdout)).toMatchObject({ logged: keys.length, failed: 0 });
  const ours = (id: string) => Number(id.slice(5)) >= 50_000_000;
  const tasks = await target.conn
    .query<{ Aircall_Id__c: string }>(
      "SELECT Aircall_Id__c FROM Task WHERE Aircall_Id__c LIKE 'call:5%' AND CallObject LIKE '5%'"
    )
    .run({ autoFetch: true, maxFetch: 10_000 });
  const ids = tasks.records.map((t) => t.Aircall_Id__c).filter(ours);
  expect(new Set(ids).size).toBe(ids.length);
  const contacts = await target.conn
    .query<{ Aircall_Key__c: string }>("SELECT Aircall_Key__c FROM Contact WHERE Aircall_Key__c LIKE 'number:%'")
    .run({ autoFetch: true });
  expect(new Set(contacts.records.map((c) => c.Aircall_Key__c)).size).toBe(contacts.records.length);
  const cases = await target.conn
    .query<{ ContactId: string }>("SELECT ContactId FROM Case WHERE Aircall_Key__c LIKE 'case:%'")
    .run({ autoFetch: true });
  // One Case per Contact: later calls relate to the open Case the first one created.
  expect(new Set(cases.records.map((c) => c.ContactId)).size).toBe(cases.records.length);
  // One call record per logged call (each named by its Task when there is one); one follow-up per action item.
  const records = await target.conn
    .query<{ Id: string; Aircall_Id__c: string; Summary__c: string | null }>(
      "SELECT Id, Aircall_Id__c, Summary__c FROM Aircall_Call__c WHERE Aircall_Id__c LIKE 'call:5%'"
    )
    .run({ autoFetch: true, maxFetch: 10_000 });
  const recordIds = records.records.map((r) => r.Aircall_Id__c).filter(ours);
  expect(new Set(recordIds).size).toBe(recordIds.length);
  const summarised = records.records.filter((r) => r.Summary__c && withAi.has(Number(r.Aircall_Id__c.slice(5))));
  expect(summarised).toHaveLength(withAi.size);
  if (mode === 'RecordOnly') {
    // No Task for a call: the records are the log, one per logged call.
    expect(ids).toHaveLength(0);
    expect(recordIds).toHaveLength(keys.filter((k) => k.startsWith('call:')).length);
  } else {
    expect(new Set(recordIds)).toEqual(new Set(ids));
    const linked = await target.conn.query(
      "SELECT COUNT() FROM Task WHERE Aircall_Id__c LIKE 'call:5%' AND CallObject LIKE '5%' AND Aircall_Call_Record__c = null"
    );
    expect(linked.totalSize).toBe(0);
  }
  const followUps = await target.conn
    .query<{ Aircall_Id__c: string }>("SELECT Aircall_Id__c FROM Task WHERE Aircall_Id__c LIKE 'action:5%'")
    .run({ autoFetch: true, maxFetch: 10_000 });
  expect(followUps.records).toHaveLength(withAi.size);
  expect(new Set(followUps.records.map((t) => t.Aircall_Id__c)).size).toBe(withAi.size);
}

describe('aircall-sf explain, an unreadable call', () => {
  it('says it would be a dead letter, naming the path, and exits 1 without touching the org', async () => {
    const file = join(dir, 'unreadable.json');
    writeFileSync(file, JSON.stringify(envelope('call.ended', callData({ id: 85, direction: 'sideways' }))));
    const result = await cli(['explain', file], join(dir, 'unreadable'));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('call:85 cannot be read, so it would be a dead letter');
    expect(lastLine(result.stdout)).toMatchObject({
      outcome: 'unreadable',
      reason: expect.stringContaining('data.direction') as unknown
    });
  }, 60_000);
});

describe('aircall-sf explain ID', () => {
  it('explains a call the service received, from the inbox, with what happened to it', async () => {
    await org.conn.sobject('Contact').create({ LastName: 'Stored', Phone: '+33 6 99 88 77 01' });
    const dataDir = join(dir, 'explain-id');
    const file = join(dir, 'explain-id.json');
    writeFileSync(file, JSON.stringify(envelope('call.ended', callData({ id: 83, raw_digits: '+33 6 99 88 77 01' }))));
    expect((await cli(['replay', file], dataDir)).code).toBe(0);
    const result = await cli(['explain', 'call:83'], dataDir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^call:83: logged, Task 00T\w+; explained again/m);
    expect(lastLine(result.stdout)).toMatchObject({ outcome: 'log', externalId: 'call:83' });
    const missing = await cli(['explain', 'call:84'], dataDir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('call:84 is not in the inbox');
  }, 60_000);
});
