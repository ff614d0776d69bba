/**
 * The one write per batch, against the strict local org over HTTP: Tasks inserted or updated
 * in sObject Collections inside one composite, records the rules create upserted on their
 * Unique key with the Tasks that reference them, packed within the composite limits.
 */
import { OrgGateway } from '../../src/salesforce/gateway';
import type { WriteItem } from '../../src/salesforce/gateway';
import type { LogPlan } from '../../src/rules/types';
import type { TestOrg } from '../helpers/local-org';
import { API_VERSION, testOrg } from '../helpers/local-org';

let org: TestOrg;
let gateway: OrgGateway;
let contactId: string;

beforeAll(async () => {
  org = await testOrg({ seed: 'none' });
  const user = org.org.createUser({
    Username: 'writer@local-org.invalid',
    Email: 'writer@example.com',
    LastName: 'Writer'
  });
  gateway = new OrgGateway(org.connect(), API_VERSION);
  gateway.conn.accessToken = user.accessToken;
  await gateway.init();
  contactId = ((await org.conn.sobject('Contact').create({ LastName: 'Known' })) as { id: string }).id;
});
afterAll(() => {
  expect(org.org.refusals).toEqual([]);
  return org.close();
});

const plan = (externalId: string, target: LogPlan['target'] | 'existing' = 'existing'): LogPlan => ({
  outcome: 'log',
  externalId,
  target:
    target === 'existing'
      ? { kind: 'existing', sobject: 'Contact', id: contactId, name: 'Known', accountId: null, personContactId: null }
      : target,
  related: null,
  mode: 'TaskOnly',
  record: null,
  followUps: [],
  task: {
    fields: { Subject: `Call ${externalId}`, Status: 'Completed', TaskSubtype: 'Call', Aircall_Id__c: externalId },
    who: target === 'existing' ? { id: contactId } : { ref: 'target' },
    what: null,
    createOnly: ['TaskSubtype']
  },
  trace: []
});
const item = (p: LogPlan, e164 = '+33100000000', taskId: string | null = null): WriteItem => ({
  key: p.externalId,
  plan: p,
  e164,
  taskId
});
const writes = () => gateway.requests.get('write') ?? 0;

it('writes 60 new Tasks in one request, then updates them by Id in one more', async () => {
  const before = writes();
  const items = Array.from({ length: 60 }, (_, n) => item(plan(`call:w${n}`)));
  const results = await gateway.write(items);
  expect(results.every((r) => r.ok)).toBe(true);
  expect(writes() - before).toBe(1);
  const ids = results.map((r) => (r.ok ? r.taskId : ''));
  const updated = await gateway.write(items.map((it, n) => ({ ...it, taskId: ids[n]! })));
  expect(updated.map((r) => (r.ok ? r.taskId : r.error.code))).toEqual(ids);
  expect(writes() - before).toBe(2);
  const count = await org.conn.query("SELECT COUNT() FROM Task WHERE Aircall_Id__c LIKE 'call:w%'");
  expect(count.totalSize).toBe(60);
});

it('creates a record and its Task together, and a retry finds the record by its key', async () => {
  const create = (n: number): LogPlan['target'] => ({
    kind: 'create',
    sobject: 'Lead',
    fields: { LastName: `Caller ${n}`, Company: 'Unknown' }
  });
  const first = await gateway.write([item(plan('call:c1', create(1)), '+33100000101')]);
  expect(first[0]).toMatchObject({ ok: true, created: { sobject: 'Lead' } });
  const again = await gateway.write([
    item(plan('call:c1', create(1)), '+33100000101', first[0]!.ok ? first[0]!.taskId : null)
  ]);
  expect(again[0]!.ok && first[0]!.ok && again[0]!.created!.id === first[0]!.created!.id).toBe(true);
  const leads = await org.conn.query("SELECT Id FROM Lead WHERE Aircall_Key__c = 'number:+33100000101'");
  expect(leads.totalSize).toBe(1);
});

it('keeps within 25 subrequests: 15 creates (30 subrequests) take two requests', async () => {
  const before = writes();
  const items = Array.from({ length: 15 }, (_, n) =>
    item(
      plan(`call:d${n}`, { kind: 'create', sobject: 'Contact', fields: { LastName: `New ${n}` } }),
      `+3310000020${n}`
    )
  );
  const results = await gateway.write(items);
  expect(results.filter((r) => r.ok)).toHaveLength(15);
  expect(writes() - before).toBe(2);
});

it('reports a record the org refuses on that item only', async () => {
  const bad = plan('call:bad');
  const refused = { ...bad, task: { ...bad.task, fields: { ...bad.task.fields, Status: 'Not a status' } } };
  const results = await gateway.write([item(plan('call:good')), item(refused)]);
  expect(results[0]!.ok).toBe(true);
  expect(results[1]).toMatchObject({ ok: false, taskStep: true });
});
