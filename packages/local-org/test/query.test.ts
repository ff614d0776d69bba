import type { TestOrg } from './helpers';
import { failure, raw, testOrg } from './helpers';

let org: TestOrg;
let acme: string;
let globex: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  org = await testOrg();
  const c = org.conn;
  acme = ((await c.sobject('Account').create({ Name: 'Acme', Industry: 'Energy' })) as { id: string }).id;
  globex = ((await c.sobject('Account').create({ Name: 'Globex' })) as { id: string }).id;
  const contacts = [
    { LastName: "O'Brien", FirstName: 'Pat', AccountId: acme, Phone: '+33 1 23 45 67 89', Title: 'CEO' },
    { LastName: 'Adams', FirstName: 'Amy', AccountId: acme, Phone: null, Title: null },
    { LastName: 'Zed', FirstName: null, AccountId: globex, Phone: '(415) 555-1212', Title: 'CTO' },
    { LastName: 'Brown', FirstName: 'Bo', AccountId: null, Phone: '0033 1 23 45 67 89', Title: 'CEO' }
  ];
  for (const contact of contacts) {
    ids[contact.LastName] = ((await c.sobject('Contact').create(contact)) as { id: string }).id;
  }
  await c.sobject('Case').create({ Subject: 'open', ContactId: ids.Adams, Status: 'Working' });
  await c.sobject('Case').create({ Subject: 'closed', ContactId: ids.Zed, Status: 'Closed' });
});
afterAll(async () => {
  await org.close();
});

const names = async (where: string, order = 'ORDER BY LastName') =>
  (await org.conn.query<{ LastName: string }>(`SELECT LastName FROM Contact ${where} ${order}`)).records.map(
    (r) => r.LastName
  );

describe('SOQL WHERE', () => {
  it.each([
    ["WHERE Title = 'CEO'", ['Brown', "O'Brien"]],
    ["WHERE Title != 'CEO'", ['Adams', 'Zed']],
    ['WHERE Title = null', ['Adams']],
    ['WHERE Title != null', ['Brown', "O'Brien", 'Zed']],
    ["WHERE LastName = 'o\\'brien'", ["O'Brien"]],
    ["WHERE LastName LIKE 'B%'", ['Brown']],
    ["WHERE LastName LIKE '_ed'", ['Zed']],
    ["WHERE LastName IN ('Zed', 'Adams')", ['Adams', 'Zed']],
    ["WHERE LastName NOT IN ('Zed', 'Adams')", ['Brown', "O'Brien"]],
    ["WHERE Title = 'CEO' AND AccountId != null", ["O'Brien"]],
    ["WHERE (Title = 'CTO' OR Title = null) AND LastName != 'Zed'", ['Adams']],
    ["WHERE Title = 'CTO' OR (Title = null AND LastName != 'Zed')", ['Adams', 'Zed']],
    ["WHERE NOT LastName = 'Zed' AND Title = 'CEO'", ['Brown', "O'Brien"]],
    ["WHERE Account.Name = 'Acme'", ['Adams', "O'Brien"]],
    ["WHERE Account.Industry = 'Energy' AND Title = 'CEO'", ["O'Brien"]],
    ['WHERE Id IN (SELECT ContactId FROM Case WHERE IsClosed = false)', ['Adams']],
    ['WHERE Id NOT IN (SELECT ContactId FROM Case)', ['Brown', "O'Brien"]],
    ['WHERE CreatedDate = TODAY', ['Adams', 'Brown', "O'Brien", 'Zed']],
    ['WHERE CreatedDate > LAST_N_DAYS:3', []],
    ['WHERE CreatedDate >= LAST_N_DAYS:3', ['Adams', 'Brown', "O'Brien", 'Zed']],
    ['WHERE CreatedDate < 2020-01-01T00:00:00Z', []],
    ['WHERE CreatedDate > 2020-01-01T00:00:00Z AND IsDeleted = false', ['Adams', 'Brown', "O'Brien", 'Zed']]
  ])('%s', async (where, expected) => {
    expect(await names(where)).toEqual(expected);
  });
});

describe('SOQL on indexed fields', () => {
  it('narrows by Id in an AND chain, but not across OR', async () => {
    expect(await names(`WHERE Id = '${ids.Zed!}' AND Title = 'CTO'`)).toEqual(['Zed']);
    expect(await names(`WHERE Id = '${ids.Zed!}' AND Title = 'CEO'`)).toEqual([]);
    expect(await names(`WHERE Id = '${ids.Zed!}' OR LastName = 'Adams'`)).toEqual(['Adams', 'Zed']);
    expect(await names(`WHERE Id IN ('${ids.Zed!.slice(0, 15)}', '${ids.Adams!}')`)).toEqual(['Adams', 'Zed']);
  });
});

describe('SOQL ORDER BY, LIMIT, OFFSET, COUNT', () => {
  it('orders by several fields with NULLS FIRST/LAST', async () => {
    expect(await names('', 'ORDER BY Title ASC NULLS FIRST, LastName DESC')).toEqual([
      'Adams',
      "O'Brien",
      'Brown',
      'Zed'
    ]);
    expect(await names('', 'ORDER BY Title DESC NULLS LAST, LastName')).toEqual(['Zed', 'Brown', "O'Brien", 'Adams']);
  });

  it('LIMIT and OFFSET', async () => {
    expect(await names('', 'ORDER BY LastName LIMIT 2 OFFSET 1')).toEqual(['Brown', "O'Brien"]);
  });

  it('COUNT() gives totalSize and no records', async () => {
    const r = await org.conn.query("SELECT COUNT() FROM Contact WHERE Title = 'CEO'");
    expect(r).toMatchObject({ totalSize: 2, done: true, records: [] });
  });

  it('parent fields two levels up, null parents, and child subqueries', async () => {
    const r = await org.conn.query<Record<string, unknown>>(
      "SELECT LastName, Account.Name, Account.Owner.Name, (SELECT Subject FROM Cases) FROM Contact WHERE LastName IN ('Adams', 'Brown') ORDER BY LastName"
    );
    expect(r.records[0]).toMatchObject({
      LastName: 'Adams',
      Account: { Name: 'Acme', Owner: { Name: 'Local Admin' } },
      Cases: { totalSize: 1, records: [{ Subject: 'open' }] }
    });
    expect(r.records[1]).toMatchObject({ LastName: 'Brown', Account: null, Cases: null });
  });

  it('queryAll answers like query', async () => {
    const r = await org.conn.query('SELECT Id FROM Contact', { scanAll: true });
    expect(r.totalSize).toBe(4);
  });
});

describe('SOQL paging', () => {
  it('pages at the batch size with nextRecordsUrl, which jsforce follows', async () => {
    await org.conn.sobject('Lead').create(
      Array.from({ length: 250 }, (_, i) => ({ LastName: `Lead ${i}`, Company: 'Bulk' })),
      { allowRecursive: true }
    );
    const first = await raw(
      org,
      'GET',
      `/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Lead')}`,
      undefined,
      {
        'Sforce-Query-Options': 'batchSize=200'
      }
    );
    expect(first.body).toMatchObject({ totalSize: 250, done: false });
    const body = first.body as { nextRecordsUrl: string; records: unknown[] };
    expect(body.records).toHaveLength(200);
    expect(body.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g\w+-200$/);
    const second = await raw(org, 'GET', body.nextRecordsUrl);
    expect(second.body).toMatchObject({ done: true });
    expect((second.body as { records: unknown[] }).records).toHaveLength(50);
    const all = await org.conn.query('SELECT Id FROM Lead').run({ autoFetch: true, maxFetch: 1000 });
    expect(all.records.length).toBeGreaterThanOrEqual(250);
  });
});

describe('SOQL errors', () => {
  it.each([
    ['SELECT Foo FROM Contact', 'INVALID_FIELD', "No such column 'Foo' on entity 'Contact'"],
    ['SELECT Id FROM Nope__c', 'INVALID_TYPE', "sObject type 'Nope__c' is not supported"],
    ['SELECT Id FROM', 'MALFORMED_QUERY', ''],
    ['SELECT Name, COUNT(Id) FROM Contact GROUP BY Name', 'MALFORMED_QUERY', 'not supported by the local org'],
    ['SELECT Id, (SELECT Id FROM Nothings) FROM Contact', 'INVALID_TYPE', "Didn't understand relationship 'Nothings'"]
  ])('%s fails with %s', async (soql, code, text) => {
    const error = await failure(Promise.resolve(org.conn.query(soql)));
    expect(error.name).toBe(code);
    expect(error.message).toContain(text);
  });
});

describe('columns=true for sf', () => {
  it('describes the columns, nesting parent fields and subqueries', async () => {
    const r = await raw(
      org,
      'GET',
      `/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id, Account.Name, (SELECT Id FROM Cases) FROM Contact')}&columns=true`
    );
    expect(r.body).toMatchObject({
      entityName: 'Contact',
      idSelected: true,
      columnMetadata: [
        { columnName: 'Id', aggregate: false },
        { columnName: 'Account', joinColumns: [{ columnName: 'Name' }] },
        { columnName: 'Cases', aggregate: true }
      ]
    });
  });
});
