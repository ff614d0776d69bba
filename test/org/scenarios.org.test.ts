/**
 * The end-to-end scenarios of `npm run test:org`, against a real org when one is given
 * (SF_INSTANCE_URL and the service's credentials, plus SF_TARGET_ORG: an sf alias logged in
 * as an admin, for setup, checks and clean-up), else against the local org (how CI runs it).
 * The service runs as `serve` does and logs each call through its webhook; the checks read
 * the org as an admin. Everything a run creates carries this run's ids and is deleted at the
 * end, and the settings row is put back as it was.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from 'jsforce';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { findSf } from '../../scripts/sf-cli';
import { PARIS_LINE, callData, envelope, messageData } from '../fixtures/aircall-builders';
import type { TestOrg } from '../helpers/local-org';
import { testOrg } from '../helpers/local-org';
import type { RunningService } from '../helpers/service';
import { WEBHOOK_TOKEN, integrationLogin, runService } from '../helpers/service';
import { escapeSearchTerm } from '../../src/org-api/phone-search';

interface Target {
  readonly name: string;
  /** An admin's connection: setup, checks and clean-up. */
  readonly admin: Connection;
  readonly orgId: string;
  /** The service's org settings (instance URL and credentials). */
  readonly serviceEnv: Record<string, string>;
  /** How long the org's search index may take to see a new record. */
  readonly searchLagMs: number;
  close(): Promise<void>;
}

async function localTarget(): Promise<Target> {
  const org: TestOrg = await testOrg({ seed: 'none' });
  const { accessToken } = integrationLogin(org);
  const refusalsBefore = org.org.refusals.length;
  return {
    name: 'the local org',
    admin: org.conn,
    orgId: org.org.orgId,
    serviceEnv: { SF_INSTANCE_URL: org.instanceUrl, SF_ACCESS_TOKEN: accessToken },
    searchLagMs: 10_000,
    async close() {
      const refused = org.org.refusals.slice(refusalsBefore);
      await org.close();
      if (refused.length > 0) throw new Error(`the local org refused what was sent: ${JSON.stringify(refused)}`);
    }
  };
}

function realTarget(): Target {
  const alias = process.env.SF_TARGET_ORG;
  const sf = findSf();
  if (!alias || !sf)
    throw new Error('A real org needs SF_TARGET_ORG (an sf alias logged in as an admin) and the Salesforce CLI.');
  const sfJson = <T>(args: string[]): T =>
    (JSON.parse(execFileSync(sf.command, [...sf.prefix, ...args, '--json'], { encoding: 'utf8' })) as { result: T })
      .result;
  // `org display` hides the token (sf 2.x): it comes from `org auth show-access-token`.
  const display = sfJson<{ instanceUrl: string; id: string }>(['org', 'display', '--target-org', alias]);
  const { accessToken } = sfJson<{ accessToken: string }>(['org', 'auth', 'show-access-token', '--target-org', alias]);
  const result = { instanceUrl: display.instanceUrl.replace(/\/$/, ''), id: display.id, accessToken };
  const admin = new Connection({ instanceUrl: result.instanceUrl, accessToken: result.accessToken, version: '66.0' });
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (k.startsWith('SF_') && v !== undefined) env[k] = v;
  return {
    name: `the org ${result.instanceUrl}`,
    admin,
    orgId: result.id,
    serviceEnv: env,
    searchLagMs: 180_000,
    close: () => Promise.resolve()
  };
}

const RUN = 100_000_000 + Math.floor(Math.random() * 800_000_000);
/** UK numbers reserved for drama (Ofcom): no real person has them. */
const number = (n: number) => `+44 7700 900${String(n).padStart(3, '0')}`;
const KNOWN = number(RUN % 500);
const UNKNOWN = number(500 + (RUN % 499));
/** The key the service gives a record it creates for a number (Aircall_Key__c). */
const UNKNOWN_KEY = `number:${UNKNOWN.replace(/ /g, '')}`;

let target: Target;
let service: RunningService;
let dataDir: string;
let settingsBefore: Record<string, unknown> | null;
const created: { sobject: string; id: string }[] = [];
const keys: string[] = [];
const SETTINGS_FIELDS = ['Unknown_Number__c', 'Log_Messages__c', 'Inbound_Answered__c'];

async function orgDefaultSettings(): Promise<Record<string, unknown> | null> {
  const rows = await target.admin.query<Record<string, unknown>>(
    `SELECT Id, ${SETTINGS_FIELDS.join(', ')} FROM Aircall_Settings__c WHERE SetupOwnerId = '${target.orgId}'`
  );
  return rows.records[0] ?? null;
}

async function tasksOf(key: string): Promise<Record<string, unknown>[]> {
  const result = await target.admin.query<Record<string, unknown>>(
    `SELECT Id, WhoId, Subject, Status, Aircall_Tags__c FROM Task WHERE Aircall_Id__c = '${key}'`
  );
  return result.records;
}

async function post(event: string, data: Record<string, unknown>, timestamp: number): Promise<void> {
  const answer = await service.post(envelope(event, data, { token: WEBHOOK_TOKEN, timestamp }));
  expect(answer.status).toBe(200);
}

beforeAll(async () => {
  target = process.env.SF_INSTANCE_URL ? realTarget() : await localTarget();
  process.stdout.write(`test:org: the scenarios run against ${target.name} (run ${RUN})\n`);
  settingsBefore = await orgDefaultSettings();
  const row = { Unknown_Number__c: 'Contact', Log_Messages__c: true, Inbound_Answered__c: 'Completed' };
  if (settingsBefore)
    await target.admin.sobject('Aircall_Settings__c').update({ Id: settingsBefore.Id as string, ...row });
  else await target.admin.sobject('Aircall_Settings__c').create({ SetupOwnerId: target.orgId, ...row });

  const contact = await target.admin
    .sobject('Contact')
    .create({ FirstName: 'Aircall test', LastName: `Run ${RUN}`, Phone: KNOWN });
  if (!contact.success) throw new Error(`could not create the test Contact: ${JSON.stringify(contact)}`);
  created.push({ sobject: 'Contact', id: contact.id });
  // The org's search index sees a new record after a while: wait until the phone search finds it.
  const deadline = Date.now() + target.searchLagMs;
  for (;;) {
    // The E.164 '+' is reserved in SOSL: escaped, as a real org requires (sforce_api_calls_sosl_examples).
    const found = await target.admin.search(
      `FIND {"${escapeSearchTerm(KNOWN)}"} IN PHONE FIELDS RETURNING Contact(Id)`
    );
    if (found.searchRecords.some((r) => r.Id === contact.id)) break;
    if (Date.now() > deadline)
      throw new Error(`the phone search did not find ${KNOWN} within ${target.searchLagMs} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }

  dataDir = mkdtempSync(join(tmpdir(), 'aircall-sf-org-'));
  const config = loadConfig({
    ...target.serviceEnv,
    AIRCALL_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    DATA_DIR: dataDir,
    PORT: '0',
    AIRCALL_SF_BATCH_WINDOW_MS: '0'
  });
  service = await runService(config, pino({ level: process.env.TEST_LOG ?? 'silent' }), {});
}, 300_000);

afterAll(async () => {
  try {
    await service?.close();
    // Clean up: this run's Tasks, the records it created, the settings as they were.
    const tasks = keys.length
      ? await target.admin.query<{ Id: string }>(
          `SELECT Id FROM Task WHERE Aircall_Id__c IN (${keys.map((k) => `'${k}'`).join(', ')})`
        )
      : { records: [] };
    const made = await target.admin.query<{ Id: string }>(
      `SELECT Id FROM Contact WHERE Aircall_Key__c = '${UNKNOWN_KEY}'`
    );
    for (const t of tasks.records) await target.admin.sobject('Task').destroy(t.Id);
    for (const c of [...made.records.map((r) => ({ sobject: 'Contact', id: r.Id })), ...created])
      await target.admin.sobject(c.sobject).destroy(c.id);
    const now = await orgDefaultSettings();
    if (settingsBefore) {
      const restore = Object.fromEntries(SETTINGS_FIELDS.map((f) => [f, settingsBefore![f]]));
      await target.admin.sobject('Aircall_Settings__c').update({ Id: settingsBefore.Id as string, ...restore });
    } else if (now) await target.admin.sobject('Aircall_Settings__c').destroy(now.Id as string);
  } finally {
    await target?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);

describe('test:org scenarios', () => {
  it('an answered call from a known Contact: one Task on the Contact, completed', async () => {
    const data = callData({ id: RUN + 1, raw_digits: KNOWN });
    keys.push(`call:${RUN + 1}`);
    await post('call.ended', data, Date.now() / 1000);
    await service.settle(120_000);
    const tasks = await tasksOf(`call:${RUN + 1}`);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ WhoId: created[0]!.id, Status: 'Completed' });
  }, 180_000);

  it('a late tag and a redelivery: still one Task, with the tag', async () => {
    const data = callData({ id: RUN + 1, raw_digits: KNOWN, tags: [{ id: 9, name: 'Test run' }] });
    await post('call.tagged', data, Date.now() / 1000);
    await post('call.tagged', data, Date.now() / 1000);
    await service.settle(120_000);
    const tasks = await tasksOf(`call:${RUN + 1}`);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.Aircall_Tags__c).toBe('Test run');
  }, 180_000);

  it('an unknown number, delivered twice: one Contact created for it, one Task on it', async () => {
    const data = callData({ id: RUN + 2, raw_digits: UNKNOWN });
    keys.push(`call:${RUN + 2}`);
    await post('call.ended', data, Date.now() / 1000);
    await post('call.ended', data, Date.now() / 1000);
    await service.settle(120_000);
    const made = await target.admin.query<{ Id: string }>(
      `SELECT Id FROM Contact WHERE Aircall_Key__c = '${UNKNOWN_KEY}'`
    );
    expect(made.records).toHaveLength(1);
    const tasks = await tasksOf(`call:${RUN + 2}`);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.WhoId).toBe(made.records[0]!.Id);
  }, 180_000);

  it("a call between two of the company's lines: no Task", async () => {
    const data = callData({ id: RUN + 3, raw_digits: PARIS_LINE.digits });
    keys.push(`call:${RUN + 3}`);
    await post('call.ended', data, Date.now() / 1000);
    await service.settle(120_000);
    expect(await tasksOf(`call:${RUN + 3}`)).toHaveLength(0);
    expect(await service.pipeline.inbox.item(`call:${RUN + 3}`)).toMatchObject({
      state: 'skipped',
      lastError: 'INTERNAL_CALL'
    });
  }, 180_000);

  it('an SMS from the known Contact: one Task on it', async () => {
    const id = `run${RUN}SM1`;
    keys.push(`message:${id}`);
    await post('message.received', messageData({ id, external_number: KNOWN }), Date.now() / 1000);
    await service.settle(120_000);
    const tasks = await tasksOf(`message:${id}`);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]!.WhoId).toBe(created[0]!.id);
  }, 180_000);
});
