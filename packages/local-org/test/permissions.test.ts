/**
 * Object permissions, "Edit Tasks" and field-level security of a user created with permission
 * sets (src/permissions.ts says what Salesforce documents and what the local org models).
 * The fixture sets are in fixtures/perm-app; force-app brings the Aircall fields.
 */
import { join } from 'node:path';
import type { TestOrg } from './helpers';
import { API_VERSION, FIXTURE_FORCE_APP, raw, testOrg } from './helpers';

const V = `/services/data/v${API_VERSION}`;
const PERM_APP = join(__dirname, 'fixtures', 'perm-app');

let org: TestOrg;
let reader: { userId: string; accessToken: string };
let tasker: { userId: string; accessToken: string };
let open: { userId: string; accessToken: string };

beforeAll(async () => {
  org = await testOrg({ forceApp: [FIXTURE_FORCE_APP, PERM_APP] });
  const user = (name: string, permissionSets?: string[]) =>
    org.org.createUser(
      { Username: `${name}@local-org.invalid`, Email: `${name}@example.com`, LastName: name },
      permissionSets ? { permissionSets } : {}
    );
  reader = user('reader', ['Aircall_Test_Reader']);
  tasker = user('tasker', ['Aircall_Test_Reader', 'Aircall_Test_Tasks']);
  open = user('open');
});
afterAll(() => org.close());

const as = (who: { accessToken: string }, method: string, path: string, body?: unknown) =>
  raw({ ...org, accessToken: who.accessToken }, method, path, body);
const errorOf = (body: unknown) => (body as { errorCode: string; message: string }[])[0]!;
const query = (who: { accessToken: string }, soql: string) =>
  as(who, 'GET', `${V}/query?q=${encodeURIComponent(soql)}`);

describe('object permissions (Object Permissions, Salesforce Help)', () => {
  it('a user whose sets grant Read on Contact reads Contacts but may not create one; the refusal is recorded', async () => {
    expect((await query(reader, 'SELECT Id FROM Contact')).status).toBe(200);
    const before = org.org.refusals.length;
    const res = await as(reader, 'POST', `${V}/sobjects/Contact`, { LastName: 'Nope' });
    expect(res.status).toBe(403);
    expect(errorOf(res.body).errorCode).toBe('INSUFFICIENT_ACCESS_OR_READONLY');
    expect(org.org.refusals.slice(before).map((r) => r.rule)).toEqual(['object permissions']);
  });

  it('an object no set grants does not exist for the user in SOQL (INVALID_TYPE)', async () => {
    const res = await query(reader, 'SELECT Id FROM Account');
    expect(res.status).toBe(400);
    expect(errorOf(res.body).errorCode).toBe('INVALID_TYPE');
    expect(errorOf(res.body).message).toContain("sObject type 'Account' is not supported.");
  });

  it('a custom setting is readable with Custom Setting Definitions access (customSettingAccesses), not otherwise', async () => {
    const integration = org.org.createUser(
      { Username: 'settings@local-org.invalid', Email: 'settings@example.com', LastName: 'Settings' },
      { permissionSets: ['Aircall_Integration'] }
    );
    // Its fields go with it: custom settings have no field-level security.
    expect((await query(integration, 'SELECT Id, Unknown_Number__c FROM Aircall_Settings__c')).status).toBe(200);
    const res = await query(reader, 'SELECT Id FROM Aircall_Settings__c');
    expect(res.status).toBe(400);
    expect(errorOf(res.body).errorCode).toBe('INVALID_TYPE');
  });

  it('a user created without permission sets may still do everything (no profile is modelled)', async () => {
    const res = await as(open, 'POST', `${V}/sobjects/Account`, { Name: 'Open' });
    expect(res.status).toBe(201);
  });
});

describe('Tasks need the "Edit Tasks" user permission (Activity Permissions, Salesforce Help)', () => {
  it('refuses a Task from a user without EditTask, and accepts it with it', async () => {
    const refused = await as(reader, 'POST', `${V}/sobjects/Task`, { Subject: 'Call' });
    expect(refused.status).toBe(403);
    expect(errorOf(refused.body).errorCode).toBe('INSUFFICIENT_ACCESS_OR_READONLY');
    const created = await as(tasker, 'POST', `${V}/sobjects/Task`, { Subject: 'Call', Aircall_Id__c: 'call:1' });
    expect(created.status).toBe(201);
  });
});

describe('field-level security on custom fields', () => {
  it('a field the user cannot read is no column: SOQL and writes answer INVALID_FIELD', async () => {
    const read = await query(tasker, 'SELECT Id, Aircall_Tags__c FROM Task');
    expect(read.status).toBe(400);
    expect(errorOf(read.body).errorCode).toBe('INVALID_FIELD');
    expect(errorOf(read.body).message).toContain("No such column 'Aircall_Tags__c' on entity 'Task'");
    const write = await as(tasker, 'POST', `${V}/sobjects/Task`, { Subject: 'Call', Aircall_Tags__c: 'VIP' });
    expect(write.status).toBe(400);
    expect(errorOf(write.body)).toMatchObject({
      errorCode: 'INVALID_FIELD',
      message: "No such column 'Aircall_Tags__c' on sobject of type Task"
    });
  });

  it('a field it can read but not edit is refused with INVALID_FIELD_FOR_INSERT_UPDATE, in collections too', async () => {
    expect((await query(tasker, 'SELECT Id, Aircall_Type__c FROM Task')).status).toBe(200);
    const res = await as(tasker, 'POST', `${V}/composite/sobjects`, {
      allOrNone: false,
      records: [{ attributes: { type: 'Task' }, Subject: 'Call', Aircall_Type__c: 'Missed' }]
    });
    expect(res.status).toBe(200);
    const [result] = res.body as { success: boolean; errors: { statusCode: string; fields: string[] }[] }[];
    expect(result).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['Aircall_Type__c'] }]
    });
  });

  it('the admin and users without sets see every field', async () => {
    expect((await query(open, 'SELECT Id, Aircall_Tags__c FROM Task')).status).toBe(200);
    expect(
      (await raw(org, 'GET', `${V}/query?q=${encodeURIComponent('SELECT Aircall_Tags__c FROM Task')}`)).status
    ).toBe(200);
  });

  it('refuses to create a user with a permission set that is not deployed', () => {
    expect(() =>
      org.org.createUser(
        { Username: 'x@local-org.invalid', Email: 'x@example.com', LastName: 'X' },
        { permissionSets: ['Nope'] }
      )
    ).toThrow('No permission set Nope is deployed');
  });
});
