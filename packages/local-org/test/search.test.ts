import type { TestOrg } from './helpers';
import { raw, testOrg } from './helpers';

let clock = Date.parse('2026-01-15T10:00:00Z');
let org: TestOrg;
const id: Record<string, string> = {};

beforeAll(async () => {
  org = await testOrg({ searchLagSeconds: 120, now: () => clock });
  const make = async (object: string, values: Record<string, unknown>) =>
    ((await org.conn.sobject(object).create(values)) as { id: string }).id;
  id.intl = await make('Contact', { LastName: 'Intl', Phone: '+1 (415) 555-1212' });
  id.national = await make('Contact', { LastName: 'National', MobilePhone: '(415) 555-1212' });
  id.other = await make('Contact', { LastName: 'Other', Phone: '(415) 555-1213', Email: 'other@example.com' });
  id.lead = await make('Lead', { LastName: 'Leroy', Company: 'Leroy SARL', Phone: '01 84 88 00 00' });
  id.account = await make('Account', { Name: 'Acme Widgets', Fax: '+33 1 84 88 00 00' });
  clock += 121_000; // past the lag: the index has caught up
});
afterAll(async () => {
  await org.close();
});

const found = async (sosl: string) => (await org.conn.search(sosl)).searchRecords.map((r) => r.Id as string).sort();

describe('SOSL phone search', () => {
  it.each([
    ['national digits', '4155551212', ['intl', 'national']],
    ['with the country code', '14155551212', ['intl']],
    ['formatted term, reserved characters escaped', '"\\(415\\) 555\\-1212"', ['intl', 'national']],
    ['French national number', '184880000', ['account', 'lead']],
    ['French trunk form', '0184880000', ['lead']],
    ['fewer than 7 digits match nothing by suffix', '51212', []]
  ])('%s', async (_label, term, expected) => {
    expect(await found(`FIND {${term}} IN PHONE FIELDS RETURNING Contact(Id), Lead(Id), Account(Id)`)).toEqual(
      expected.map((k) => id[k]).sort()
    );
  });

  it('OR of several forms, per-object WHERE, ORDER BY and LIMIT', async () => {
    const result = await org.conn.search(
      "FIND {4155551212 OR 4155551213} IN PHONE FIELDS RETURNING Contact(Id, LastName, Phone WHERE LastName != 'Intl' ORDER BY LastName DESC LIMIT 5)"
    );
    expect(result.searchRecords.map((r) => r.LastName as unknown)).toEqual(['Other', 'National']);
    expect(result.searchRecords[0]).toMatchObject({ attributes: { type: 'Contact' }, Phone: '(415) 555-1213' });
  });

  it('ALL FIELDS finds words, emails and phone numbers', async () => {
    expect(await found('FIND {acme} IN ALL FIELDS RETURNING Account(Id)')).toEqual([id.account]);
    expect(await found('FIND {widg*} RETURNING Account(Id)')).toEqual([id.account]);
    expect(await found('FIND {other@example.com} RETURNING Contact(Id)')).toEqual([id.other]);
  });

  it('parameterizedSearch by GET and POST', async () => {
    const get = await raw(
      org,
      'GET',
      '/services/data/v62.0/parameterizedSearch?q=4155551212&in=PHONE&sobject=Contact&Contact.fields=Id,LastName'
    );
    expect((get.body as { searchRecords: unknown[] }).searchRecords).toHaveLength(2);
    const post = await raw(org, 'POST', '/services/data/v62.0/parameterizedSearch', {
      q: '4155551212',
      in: 'PHONE',
      sobjects: [{ name: 'Contact', fields: ['Id', 'LastName'], where: "LastName = 'National'" }]
    });
    expect(post.body).toMatchObject({ searchRecords: [{ Id: id.national, LastName: 'National' }] });
  });
});

describe('search-index lag', () => {
  it('SOQL sees a new record at once; SOSL only after the lag', async () => {
    const created = (
      (await org.conn.sobject('Contact').create({ LastName: 'Fresh', Phone: '+44 20 7946 0958' })) as { id: string }
    ).id;
    const soql = await org.conn.query(`SELECT Id FROM Contact WHERE Phone = '+44 20 7946 0958'`);
    expect(soql.totalSize).toBe(1);
    expect(await found('FIND {2079460958} IN PHONE FIELDS RETURNING Contact(Id)')).toEqual([]);
    clock += 119_000;
    expect(await found('FIND {2079460958} IN PHONE FIELDS RETURNING Contact(Id)')).toEqual([]);
    clock += 2_000;
    expect(await found('FIND {2079460958} IN PHONE FIELDS RETURNING Contact(Id)')).toEqual([created]);
  });

  it('a changed number is found under the old one until the lag passes', async () => {
    await org.conn.sobject('Contact').update({ Id: id.other!, Phone: '+33 6 00 00 00 01' });
    expect(await found('FIND {4155551213} IN PHONE FIELDS RETURNING Contact(Id)')).toEqual([id.other]);
    clock += 121_000;
    expect(await found('FIND {4155551213} IN PHONE FIELDS RETURNING Contact(Id)')).toEqual([]);
    expect(await found('FIND {600000001} IN PHONE FIELDS RETURNING Contact(Id)')).toEqual([id.other]);
  });
});
