/**
 * What a real org refuses or limits in a search, and the access it applies to a user's reads:
 * reserved characters (sforce_api_calls_sosl_examples), one-character terms, the 2,000-row cap
 * with per-object LIMITs consumed in order (sforce_api_calls_sosl_limits), field-level
 * security on returned fields and in describe, and Private sharing (apex_classes_enforce_usermode).
 * Fixtures: force-app brings the Aircall_Integration set; phone-app a phone field no set grants.
 */
import { join } from 'node:path';
import { apexContext } from '../src/apex';
import { evenShares, parseSearchQuery } from '../src/sosl';
import type { TestOrg } from './helpers';
import { API_VERSION, FIXTURE_FORCE_APP, raw, testOrg } from './helpers';

const V = `/services/data/v${API_VERSION}`;
const PHONE_APP = join(__dirname, 'fixtures', 'phone-app');

let org: TestOrg;
let integration: { userId: string; accessToken: string };
const id: Record<string, string> = {};

beforeAll(async () => {
  org = await testOrg({ forceApp: [FIXTURE_FORCE_APP, PHONE_APP], sharing: { Opportunity: 'Private' } });
  integration = org.org.createUser(
    { Username: 'integration@local-org.invalid', Email: 'integration@example.com', LastName: 'Integration' },
    { permissionSets: ['Aircall_Integration'] }
  );
  const make = async (object: string, values: Record<string, unknown>) =>
    ((await org.conn.sobject(object).create(values)) as { id: string }).id;
  id.plus = await make('Contact', { LastName: 'Plus', Phone: '+33 6 12 34 56 78' });
  id.pager = await make('Contact', { LastName: 'Pager', Pager__c: '+33 6 99 88 77 66' });
  id.account = await make('Account', { Name: 'Owner Test' });
  id.hiddenOpp = await make('Opportunity', {
    Name: 'Admin deal',
    StageName: 'Prospecting',
    CloseDate: '2027-01-01',
    AccountId: id.account
  });
  id.ownOpp = await make('Opportunity', {
    Name: 'Integration deal',
    StageName: 'Prospecting',
    CloseDate: '2027-01-01',
    AccountId: id.account,
    OwnerId: integration.userId
  });
  await make('OpportunityContactRole', { OpportunityId: id.hiddenOpp, ContactId: id.plus });
  await make('OpportunityContactRole', { OpportunityId: id.ownOpp, ContactId: id.plus });
});
afterAll(() => org.close());

const as = (who: { accessToken: string }, method: string, path: string, body?: unknown) =>
  raw({ ...org, accessToken: who.accessToken }, method, path, body);
const search = (who: { accessToken: string }, sosl: string) =>
  as(who, 'GET', `${V}/search?q=${encodeURIComponent(sosl)}`);
const errorOf = (body: unknown) => (body as { errorCode: string; message: string }[])[0]!;
const idsOf = (body: unknown) => (body as { searchRecords: { Id: string }[] }).searchRecords.map((r) => r.Id).sort();

describe('reserved characters must be escaped, inside double quotes too (sforce_api_calls_sosl_examples)', () => {
  it.each(['"+33612345678"', '+33612345678', '"06-12-34-56-78"', '"(06) 12345678"', '"33612345678" & x'])(
    'refuses %s with 400 MALFORMED_SEARCH',
    async (query) => {
      const res = await search(org, `FIND {${query}} IN PHONE FIELDS RETURNING Contact(Id)`);
      expect(res.status).toBe(400);
      expect(errorOf(res.body).errorCode).toBe('MALFORMED_SEARCH');
    }
  );

  it('finds the number once each reserved character is escaped', async () => {
    const res = await search(
      org,
      String.raw`FIND {"\+33612345678" OR "\(06\) 12 34 56 78"} IN PHONE FIELDS RETURNING Contact(Id)`
    );
    expect(res.status).toBe(200);
    expect(idsOf(res.body)).toEqual([id.plus]);
  });

  it('applies the same rule to parameterizedSearch q', async () => {
    const bad = await as(org, 'POST', `${V}/parameterizedSearch`, {
      q: '"+33612345678"',
      in: 'PHONE',
      sobjects: [{ name: 'Contact' }]
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).errorCode).toBe('MALFORMED_SEARCH');
    const good = await as(org, 'POST', `${V}/parameterizedSearch`, {
      q: String.raw`"\+33612345678"`,
      in: 'PHONE',
      sobjects: [{ name: 'Contact' }]
    });
    expect(idsOf(good.body)).toEqual([id.plus]);
  });

  it('reads escapes, phrases, trailing wildcards and one operator kind', () => {
    expect(parseSearchQuery(String.raw`"\+33 \(0\)6" OR acme*`)).toEqual({
      terms: ['+33 (0)6', 'acme*'],
      combine: 'OR'
    });
    expect(() => parseSearchQuery('"ab cd" AND ef OR gh')).toThrow(/does not support/);
    expect(() => parseSearchQuery('(ab OR cd)')).toThrow(/grouping/);
  });
});

describe('a one-character term cannot be searched', () => {
  it.each(['"1"', '7', '"3" OR "33612345678"'])('refuses %s', async (query) => {
    const res = await search(org, `FIND {${query}} IN PHONE FIELDS RETURNING Contact(Id)`);
    expect(res.status).toBe(400);
    expect(errorOf(res.body).message).toMatch(/longer than one character/);
  });
});

describe('SOSL Limits on Search Results (sforce_api_calls_sosl_limits)', () => {
  beforeAll(() => {
    const admin = org.org.admin;
    org.org.store.transaction(() => {
      for (let n = 0; n < 2100; n += 1)
        org.org.store.insert('Contact', { LastName: `Switchboard ${n}`, Phone: '+33 1 00 00 00 01' }, admin);
      for (let n = 0; n < 30; n += 1)
        org.org.store.insert('Lead', { LastName: `Lead ${n}`, Company: 'Board', Phone: '+33 1 00 00 00 01' }, admin);
    });
  });

  it('returns at most 2,000 rows in all', async () => {
    const res = await search(org, 'FIND {33100000001} IN PHONE FIELDS RETURNING Contact(Id), Lead(Id)');
    expect((res.body as { searchRecords: unknown[] }).searchRecords).toHaveLength(2000);
  });

  it('with an overall LIMIT and no object limits, spreads the rows evenly (sforce_api_calls_sosl_limit)', async () => {
    const res = await search(org, 'FIND {33100000001} IN PHONE FIELDS RETURNING Contact(Id), Lead(Id) LIMIT 20');
    const types = (res.body as { searchRecords: { attributes: { type: string } }[] }).searchRecords.map(
      (r) => r.attributes.type
    );
    expect(types.filter((t) => t === 'Contact')).toHaveLength(10);
    expect(types.filter((t) => t === 'Lead')).toHaveLength(10);
    // The page's example: 19 accounts and 35 contacts under LIMIT 20 are 10 and 10; what an
    // object cannot use goes to the others.
    expect(evenShares([19, 35], 20)).toEqual([10, 10]);
    expect(evenShares([5, 35], 20)).toEqual([5, 15]);
    expect(evenShares([0, 3, 100], 2000)).toEqual([0, 3, 100]);
  });

  it('fills the objects in RETURNING order, each up to its LIMIT, until the overall LIMIT', async () => {
    const res = await search(
      org,
      'FIND {33100000001} IN PHONE FIELDS RETURNING Contact(Id LIMIT 20), Lead(Id LIMIT 20) LIMIT 25'
    );
    const types = (res.body as { searchRecords: { attributes: { type: string } }[] }).searchRecords.map(
      (r) => r.attributes.type
    );
    expect(types.filter((t) => t === 'Contact')).toHaveLength(20);
    expect(types.filter((t) => t === 'Lead')).toHaveLength(5);
  });
});

describe('field-level security applies to what a user searches, queries and describes', () => {
  it('a phone field the user cannot read is no column in RETURNING, and the refusal is recorded', async () => {
    const before = org.org.refusals.length;
    const res = await search(integration, 'FIND {33699887766} IN PHONE FIELDS RETURNING Contact(Id, Pager__c)');
    expect(res.status).toBe(400);
    expect(errorOf(res.body).errorCode).toBe('INVALID_FIELD');
    expect(org.org.refusals.length).toBe(before + 1);
  });

  it('the record is still found through that field, without it', async () => {
    const res = await search(integration, 'FIND {33699887766} IN PHONE FIELDS RETURNING Contact(Id, Phone)');
    expect(idsOf(res.body)).toEqual([id.pager]);
  });

  it('REST describe leaves the field out; Apex describe keeps it with accessible false', async () => {
    const describe = await as(integration, 'GET', `${V}/sobjects/Contact/describe`);
    const names = (describe.body as { fields: { name: string }[] }).fields.map((f) => f.name);
    expect(names).toContain('Phone');
    expect(names).not.toContain('Pager__c');
    const adminNames = (
      (await as(org, 'GET', `${V}/sobjects/Contact/describe`)).body as { fields: { name: string }[] }
    ).fields.map((f) => f.name);
    expect(adminNames).toContain('Pager__c');
    const apex = apexContext(org.org, integration.userId).describe('Contact')!;
    expect(apex.fields.find((f) => f.name === 'Pager__c')).toMatchObject({ type: 'phone', accessible: false });
    expect(apex.fields.find((f) => f.name === 'Phone')).toMatchObject({ accessible: true });
  });
});

describe('Private sharing: a user sees the records it owns, unless View All (apex_classes_enforce_usermode)', () => {
  const oppIds = async (who: { accessToken: string }, soql: string) =>
    (
      (await as(who, 'GET', `${V}/query?q=${encodeURIComponent(soql)}`)).body as {
        records: { Id?: string; OpportunityId?: string }[];
      }
    ).records;

  it('the integration user, without View All on Opportunity, sees only its own Opportunity', async () => {
    expect((await oppIds(integration, 'SELECT Id FROM Opportunity')).map((r) => r.Id)).toEqual([id.ownOpp]);
    expect((await oppIds(org, 'SELECT Id FROM Opportunity')).map((r) => r.Id).sort()).toEqual(
      [id.hiddenOpp, id.ownOpp].sort()
    );
  });

  it('an OpportunityContactRole follows its Opportunity (Controlled by Parent)', async () => {
    const soql = `SELECT OpportunityId FROM OpportunityContactRole WHERE ContactId = '${id.plus}'`;
    expect((await oppIds(integration, soql)).map((r) => r.OpportunityId)).toEqual([id.ownOpp]);
  });

  it('Apex user mode applies sharing; system mode does not', () => {
    const ctx = apexContext(org.org, integration.userId);
    expect(ctx.query('SELECT Id FROM Opportunity').map((r) => r.Id)).toEqual([id.ownOpp]);
    expect(ctx.querySystem('SELECT Id FROM Opportunity')).toHaveLength(2);
  });

  it('objects left Public are read in full (Contacts of the admin)', async () => {
    expect((await oppIds(integration, `SELECT Id FROM Contact WHERE Id = '${id.plus}'`)).map((r) => r.Id)).toEqual([
      id.plus
    ]);
  });
});
