/**
 * Resources the local org serves, answered as Salesforce documents them, for clients other
 * than this product: the identity link of Resources by Version (dome_discoveryresource), an
 * Apex REST URL with a trailing slash (apex_classes_annotation_rest_resource), queryAll's
 * deleted rows (resources_queryall), `created` on every upsert result, an Auto Number name
 * field, and 404 NOT_FOUND for an sObject sub-resource it does not serve.
 */
import { join } from 'node:path';
import type { ApexRestHandler } from '../src';
import type { TestOrg } from './helpers';
import { API_VERSION, FIXTURE_FORCE_APP, raw, testOrg } from './helpers';

const V = `/services/data/v${API_VERSION}`;
const APPS = ['apex-app', 'autonumber-app'].map((a) => join(__dirname, 'fixtures', a));
let org: TestOrg;
const echo: ApexRestHandler = (request) => ({ status: 200, body: { path: request.path } });

beforeAll(async () => {
  org = await testOrg({ forceApp: [FIXTURE_FORCE_APP, ...APPS], apexRest: { '/echo/*': echo } });
});
afterAll(() => org.close());

const errorOf = (body: unknown) => (body as { errorCode: string }[])[0]!;

it('Resources by Version lists the caller’s identity URL, which answers', async () => {
  const res = await raw(org, 'GET', V);
  const identity = (res.body as { identity: string }).identity;
  expect(identity).toBe(`${org.instanceUrl}/id/${org.org.orgId}/${org.org.adminUserId}`);
  const who = await raw(org, 'GET', identity.slice(org.instanceUrl.length));
  expect(who.status).toBe(200);
  expect(who.body).toMatchObject({ user_id: org.org.adminUserId });
});

it('an Apex REST URL with a trailing slash reaches a /Name/* mapping', async () => {
  const res = await raw(org, 'POST', '/services/apexrest/echo/', {});
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ path: '/echo/' });
});

it('queryAll returns a deleted row with IsDeleted = true; query does not', async () => {
  const id = ((await org.conn.sobject('Contact').create({ LastName: 'Binned' })) as { id: string }).id;
  await org.conn.sobject('Contact').destroy(id);
  const soql = `SELECT Id, IsDeleted FROM Contact WHERE Id = '${id}'`;
  const all = await raw(org, 'GET', `${V}/queryAll?q=${encodeURIComponent(soql)}`);
  expect((all.body as { records: unknown[] }).records).toEqual([expect.objectContaining({ Id: id, IsDeleted: true })]);
  const live = await raw(org, 'GET', `${V}/query?q=${encodeURIComponent(soql)}`);
  expect((live.body as { records: unknown[] }).records).toEqual([]);
});

it('an upsert by collection reports created on failures too', async () => {
  const res = await raw(org, 'PATCH', `${V}/composite/sobjects/Contact/Aircall_Key__c`, {
    allOrNone: false,
    records: [
      { attributes: { type: 'Contact' }, Aircall_Key__c: 'number:+33100000001', LastName: 'Ok' },
      { attributes: { type: 'Contact' }, Aircall_Key__c: 'number:+33100000002' }
    ]
  });
  expect(res.body).toEqual([
    expect.objectContaining({ success: true, created: true }),
    expect.objectContaining({ success: false, created: false })
  ]);
});

it('an Auto Number name field numbers each new record and cannot be written', async () => {
  const first = ((await org.conn.sobject('Call_Log__c').create({})) as { id: string }).id;
  const second = ((await org.conn.sobject('Call_Log__c').create({})) as { id: string }).id;
  const names = await org.conn.query<{ Id: string; Name: string }>(
    `SELECT Id, Name FROM Call_Log__c WHERE Id IN ('${first}', '${second}') ORDER BY Name`
  );
  expect(names.records.map((r) => r.Name)).toEqual(['CL-0001', 'CL-0002']);
  const refused = await raw(org, 'POST', `${V}/sobjects/Call_Log__c`, { Name: 'Mine' });
  expect(refused.status).toBe(400);
  expect(errorOf(refused.body).errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
});

it('an sObject sub-resource it does not serve is 404 NOT_FOUND, a wrong object’s Id still MALFORMED_ID', async () => {
  const listviews = await raw(org, 'GET', `${V}/sobjects/Contact/listviews`);
  expect(listviews.status).toBe(404);
  expect(errorOf(listviews.body).errorCode).toBe('NOT_FOUND');
  const approval = await raw(org, 'GET', `${V}/sobjects/Contact/approvalLayouts`);
  expect(approval.status).toBe(404);
  const account = ((await org.conn.sobject('Account').create({ Name: 'Acme' })) as { id: string }).id;
  const wrong = await raw(org, 'GET', `${V}/sobjects/Contact/${account}`);
  expect(wrong.status).toBe(400);
  expect(errorOf(wrong.body).errorCode).toBe('MALFORMED_ID');
});
