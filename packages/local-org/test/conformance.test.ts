/**
 * Documented Salesforce rules the local org enforces, one test each, with the page it follows.
 * Where Salesforce does not document the exact answer, the test pins the status and errorCode
 * the local org chose (marked in the code as the closest documented form).
 */
import { join } from 'node:path';
import type { ApexRestHandler } from '../src';
import { parseSosl } from '../src/sosl';
import type { TestOrg } from './helpers';
import { API_VERSION, FIXTURE_FORCE_APP, raw, testOrg } from './helpers';

const V = `/services/data/v${API_VERSION}`;
const APEX_APP = join(__dirname, 'fixtures', 'apex-app');

let org: TestOrg;
let user: { userId: string; accessToken: string };
const echo: ApexRestHandler = (request, ctx) => {
  if (request.body === 'boom') throw new Error('System.NullPointerException: Attempt to de-reference a null object');
  const sosl = /^sosl (\d+)( caught)?$/.exec(request.body);
  if (sosl) {
    try {
      for (let n = 0; n < Number(sosl[1]); n += 1)
        ctx.search('FIND {4155550142} IN PHONE FIELDS RETURNING Contact(Id)');
    } catch (error) {
      if (!sosl[2]) throw error;
    }
    return { status: 200, body: { searched: Number(sosl[1]) } };
  }
  return {
    status: 200,
    body: {
      path: request.path,
      body: request.body,
      userId: ctx.userId,
      contacts: ctx.query('SELECT COUNT() FROM Contact').length
    }
  };
};

beforeAll(async () => {
  org = await testOrg({ forceApp: [FIXTURE_FORCE_APP, APEX_APP], apexRest: { '/echo/*': echo } });
  user = org.org.createUser({
    Username: 'integration@local-org.invalid',
    Email: 'integration@example.com',
    LastName: 'Integration'
  });
});
afterAll(() => org.close());

const asUser = (method: string, path: string, body?: unknown) =>
  raw({ ...org, accessToken: user.accessToken }, method, path, body);
const sub = (referenceId: string, url: string, method = 'GET', body?: unknown) => ({
  referenceId,
  url,
  method,
  ...(body === undefined ? {} : { body })
});

describe('/composite runs sObject resources, Query, QueryAll and Collections only (resources_composite_composite_post)', () => {
  it('refuses a search subrequest, and records the refusal', async () => {
    const before = org.org.refusals.length;
    const res = await raw(org, 'POST', `${V}/composite`, {
      compositeRequest: [sub('s', `${V}/search?q=${encodeURIComponent('FIND {4155550142} IN PHONE FIELDS')}`)]
    });
    expect(res.status).toBe(400);
    expect((res.body as { errorCode: string }[])[0]!.errorCode).toBe('INVALID_API_INPUT');
    expect(org.org.refusals.slice(before).map((r) => r.rule)).toEqual(['composite-resources']);
  });

  it('refuses an Apex REST subrequest and a composite inside a composite', async () => {
    for (const url of ['/services/apexrest/echo/x', `${V}/composite`, `${V}/limits`]) {
      const res = await raw(org, 'POST', `${V}/composite`, { compositeRequest: [sub('a', url, 'POST', {})] });
      expect(res.status).toBe(400);
    }
  });

  it('takes up to 5 Query or Collections subrequests, not 6', async () => {
    const query = (n: number) => sub(`q${n}`, `${V}/query?q=${encodeURIComponent('SELECT Id FROM Contact LIMIT 1')}`);
    const five = await raw(org, 'POST', `${V}/composite`, {
      compositeRequest: [0, 1, 2, 3].map(query).concat([sub('c', `${V}/composite/sobjects`, 'POST', { records: [] })])
    });
    expect(five.status).toBe(200);
    const six = await raw(org, 'POST', `${V}/composite`, { compositeRequest: [0, 1, 2, 3, 4, 5].map(query) });
    expect(six.status).toBe(400);
    expect(JSON.stringify(six.body)).toContain('at most 5');
  });

  it('takes up to 25 subrequests', async () => {
    const get = (n: number) => sub(`g${n}`, `${V}/sobjects/Contact/describe`);
    const res = await raw(org, 'POST', `${V}/composite`, {
      compositeRequest: Array.from({ length: 26 }, (_, n) => get(n))
    });
    expect(res.status).toBe(400);
    expect((res.body as { errorCode: string }[])[0]!.errorCode).toBe('INVALID_BATCH_REQUEST');
  });
});

it('/composite/batch takes up to 25 subrequests (resources_composite_batch)', async () => {
  const request = { method: 'GET', url: `v${API_VERSION}/limits` };
  const res = await raw(org, 'POST', `${V}/composite/batch`, {
    batchRequests: Array.from({ length: 26 }, () => request)
  });
  expect(res.status).toBe(400);
  expect((res.body as { errorCode: string }[])[0]!.errorCode).toBe('INVALID_BATCH_REQUEST');
});

describe('upsert by external ID (resources_sobject_upsert_patch)', () => {
  it('refuses the external ID field in the body', async () => {
    const res = await raw(org, 'PATCH', `${V}/sobjects/Contact/Aircall_Key__c/number:+33100000001`, {
      LastName: 'Body',
      Aircall_Key__c: 'number:+33100000001'
    });
    expect(res.status).toBe(400);
    expect((res.body as { errorCode: string }[])[0]!.errorCode).toBe('INVALID_FIELD');
  });

  it('on an External ID that is not Unique, needs View All Data', async () => {
    const url = `${V}/sobjects/Task/Aircall_Id__c/call:1`;
    const refused = await asUser('PATCH', url, { Subject: 'Call' });
    expect(refused.status).toBe(403);
    expect((refused.body as { errorCode: string }[])[0]!.errorCode).toBe('INSUFFICIENT_ACCESS_OR_READONLY');
    const collection = await asUser('PATCH', `${V}/composite/sobjects/Task/Aircall_Id__c`, {
      allOrNone: false,
      records: [{ attributes: { type: 'Task' }, Aircall_Id__c: 'call:2', Subject: 'Call' }]
    });
    expect(collection.status).toBe(403);
    // The admin (a System Administrator) holds View All Data.
    expect((await raw(org, 'PATCH', url, { Subject: 'Call' })).status).toBe(201);
  });

  it('on a Unique External ID, needs no special permission', async () => {
    const res = await asUser('PATCH', `${V}/sobjects/Contact/Aircall_Key__c/number:+33100000002`, {
      LastName: 'Unique'
    });
    expect(res.status).toBe(201);
  });
});

describe('SOSL SearchQuery length (sforce_api_calls_sosl_syntax)', () => {
  beforeAll(async () => {
    await raw(org, 'POST', `${V}/sobjects/Contact`, { LastName: 'Searchable', Phone: '+33 1 00 00 00 99' });
  });
  const find = async (query: string) =>
    (
      (
        await raw(
          org,
          'GET',
          `${V}/search?q=${encodeURIComponent(`FIND {${query}} IN PHONE FIELDS RETURNING Contact(Id)`)}`
        )
      ).body as { searchRecords: unknown[] }
    ).searchRecords;

  it('over 4,000 characters, AND becomes OR', async () => {
    const padding = Array.from({ length: 400 }, (_, n) => `"\\+1555${String(n).padStart(6, '0')}"`).join(' AND ');
    expect(padding.length).toBeLessThan(10_000);
    expect(padding.length).toBeGreaterThan(4000);
    expect(await find(`"\\+33100000099" AND ${padding}`)).toHaveLength(1);
    expect(await find(`"\\+33100000099" AND "\\+15550000000"`)).toHaveLength(0);
  });

  it('over 10,000 characters, no rows', () => {
    // Too long for a GET URL: run through the engine that /search and Apex SOSL use.
    const padding = Array.from({ length: 900 }, (_, n) => `"\\+1555${String(n).padStart(6, '0')}"`).join(' OR ');
    expect(padding.length).toBeGreaterThan(10_000);
    const search = (q: string) => org.org.search.search(parseSosl(`FIND {${q}} IN PHONE FIELDS RETURNING Contact(Id)`));
    expect(search('"\\+33100000099"')).toHaveLength(1);
    expect(search(`"\\+33100000099" OR ${padding}`)).toHaveLength(0);
  });
});

describe('Apex governor limits (apex_gov_limits: 20 SOSL searches per transaction)', () => {
  it('answers 20 searches, and ends the 21st with the uncatchable LimitException as 500 APEX_ERROR', async () => {
    expect((await raw(org, 'POST', '/services/apexrest/echo/limits', 'sosl 20')).status).toBe(200);
    for (const body of ['sosl 21', 'sosl 21 caught']) {
      const res = await raw(org, 'POST', '/services/apexrest/echo/limits', body);
      expect(res.status).toBe(500);
      expect((res.body as { errorCode: string; message: string }[])[0]).toMatchObject({
        errorCode: 'APEX_ERROR',
        message: 'System.LimitException: Too many SOSL queries: 21'
      });
    }
  });
});

describe('Apex REST (apex_classes_annotation_rest_resource)', () => {
  it('answers a deployed mapping with its registered handler, as the calling user, for one API request', async () => {
    const used = org.org.apiUsed;
    const res = await asUser('POST', '/services/apexrest/echo/anything', { hello: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ path: '/echo/anything', body: '{"hello":1}', userId: user.userId });
    expect(org.org.apiUsed).toBe(used + 1);
  });

  it('prefers the exact mapping, and refuses a method the class does not annotate', async () => {
    const res = await raw(org, 'POST', '/services/apexrest/echo/exact', {});
    expect(res.status).toBe(405);
    expect((res.body as { errorCode: string }[])[0]!.errorCode).toBe('METHOD_NOT_ALLOWED');
  });

  it('answers 501 for a mapping with no handler (the local org cannot run Apex)', async () => {
    const res = await raw(org, 'GET', '/services/apexrest/echo/exact');
    expect(res.status).toBe(501);
    expect(JSON.stringify(res.body)).toContain('EchoExactResource');
  });

  it('answers 404 where no class maps the URL, and is case-sensitive', async () => {
    for (const path of ['/services/apexrest/nothing', '/services/apexrest/Echo/x']) {
      const res = await raw(org, 'POST', path, {});
      expect(res.status).toBe(404);
      expect((res.body as { errorCode: string }[])[0]!.errorCode).toBe('NOT_FOUND');
    }
  });

  it('answers 500 APEX_ERROR for an uncaught exception', async () => {
    const res = await raw(org, 'POST', '/services/apexrest/echo/x', 'boom', { 'Content-Type': 'text/plain' });
    expect(res.status).toBe(500);
    expect(res.body).toEqual([expect.objectContaining({ errorCode: 'APEX_ERROR' })]);
  });

  it('needs a token', async () => {
    const res = await fetch(`${org.instanceUrl}/services/apexrest/echo/x`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(401);
  });
});

describe('error bodies have the documented shape (Status Codes and Error Responses)', () => {
  it('NOT_FOUND carries message and errorCode only; MALFORMED_ID names its field', async () => {
    const missing = await raw(org, 'GET', `${V}/sobjects/Nope__c/a00000000000001AAA`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual([{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]);
    const malformed = await raw(org, 'PATCH', `${V}/sobjects/Account/001bad`, { Name: 'x' });
    expect(malformed.status).toBe(400);
    expect(Object.keys((malformed.body as Record<string, unknown>[])[0]!).sort()).toEqual([
      'errorCode',
      'fields',
      'message'
    ]);
    expect((malformed.body as { fields: string[] }[])[0]!.fields).toEqual(['Id']);
  });
});
