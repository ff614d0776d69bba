import type { TestOrg } from './helpers';
import { failure, raw, testOrg } from './helpers';
import { canonicalId, checksum } from '../src/ids';

let org: TestOrg;
beforeAll(async () => {
  org = await testOrg({ personAccounts: true });
});
afterAll(async () => {
  await org.close();
});

interface Saved {
  id: string;
  success: boolean;
  errors: unknown[];
  created?: boolean;
}

describe('Ids', () => {
  it.each([
    ['001D000000IqhSL', 'IAZ'],
    ['0018a00001rBqb8', 'AAC'],
    ['a00D0000008pQSN', 'IA2']
  ])('checksum of %s is %s (documented examples)', (id, suffix) => {
    expect(checksum(id)).toBe(suffix);
  });

  it('accepts 15-character Ids and 18-character Ids in any case of the suffix', async () => {
    const { id } = (await org.conn.sobject('Account').create({ Name: 'Ids Inc' })) as Saved;
    expect(id).toHaveLength(18);
    expect(canonicalId(id.slice(0, 15))).toBe(id);
    const viaShort = await org.conn.sobject('Account').retrieve(id.slice(0, 15));
    expect(viaShort.Id).toBe(id);
    expect(canonicalId(`${id.slice(0, 15)}${id.slice(15).toLowerCase()}`)).toBe(id);
  });

  it('answers MALFORMED_ID for a wrong key prefix and NOT_FOUND for a missing record', async () => {
    const { id } = (await org.conn.sobject('Account').create({ Name: 'Prefix' })) as Saved;
    expect((await failure(org.conn.sobject('Contact').retrieve(id))).name).toBe('MALFORMED_ID');
    const missing = `003${'0'.repeat(11)}Z`;
    expect((await failure(org.conn.sobject('Contact').retrieve(missing))).name).toBe('NOT_FOUND');
  });
});

describe('create, retrieve, update, delete', () => {
  it('maintains system fields and derived fields', async () => {
    const { id } = (await org.conn.sobject('Contact').create({ FirstName: 'Ada', LastName: 'Lovelace' })) as Saved;
    const rec = await org.conn.sobject('Contact').retrieve(id);
    expect(rec).toMatchObject({
      Id: id,
      Name: 'Ada Lovelace',
      OwnerId: org.org.adminUserId,
      CreatedById: org.org.adminUserId,
      IsDeleted: false
    });
    expect(String(rec.CreatedDate)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    await new Promise((r) => setTimeout(r, 5));
    await org.conn.sobject('Contact').update({ Id: id, LastName: 'King' });
    const after = await org.conn.sobject('Contact').retrieve(id);
    expect(after.Name).toBe('Ada King');
    expect(Date.parse(String(after.LastModifiedDate).replace('+0000', 'Z'))).toBeGreaterThan(
      Date.parse(String(rec.LastModifiedDate).replace('+0000', 'Z'))
    );
    await org.conn.sobject('Contact').destroy(id);
    expect((await failure(org.conn.sobject('Contact').retrieve(id))).name).toBe('NOT_FOUND');
  });

  it('answers the wire format: 201 with Location, 204 on update, Sforce-Limit-Info everywhere', async () => {
    const created = await raw(org, 'POST', '/services/data/v62.0/sobjects/Account', { Name: 'Wire' });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(created.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/\d+$/);
    const id = (created.body as Saved).id;
    expect(created.headers.get('location')).toBe(`/services/data/v62.0/sobjects/Account/${id}`);
    const patched = await raw(org, 'PATCH', `/services/data/v62.0/sobjects/Account/${id}`, { Phone: '1' });
    expect(patched.status).toBe(204);
    expect(patched.body).toBeUndefined();
  });

  it('collapses repeated slashes as sf sends them', async () => {
    const res = await raw(org, 'GET', '//services/data/v62.0/limits');
    expect(res.status).toBe(200);
  });

  it('refuses a missing required field, an unknown field and a bad value', async () => {
    const missing = await failure(org.conn.sobject('Contact').create({ FirstName: 'No last name' }));
    expect(missing).toMatchObject({
      name: 'REQUIRED_FIELD_MISSING',
      message: 'Required fields are missing: [LastName]'
    });
    expect((await failure(org.conn.sobject('Contact').create({ LastName: 'X', Foo__c: 1 }))).name).toBe(
      'INVALID_FIELD'
    );
    expect((await failure(org.conn.sobject('Contact').create({ LastName: 'X', Email: 'not-an-email' }))).name).toBe(
      'INVALID_EMAIL_ADDRESS'
    );
    expect((await failure(org.conn.sobject('Contact').create({ LastName: 'x'.repeat(81) }))).name).toBe(
      'STRING_TOO_LONG'
    );
    expect((await failure(org.conn.sobject('Lead').create({ LastName: 'No company' }))).name).toBe(
      'REQUIRED_FIELD_MISSING'
    );
    expect((await failure(org.conn.sobject('Nope__c').create({ Name: 'x' }))).name).toBe('NOT_FOUND');
  });

  it('checks references: MALFORMED_ID, wrong type, INVALID_CROSS_REFERENCE_KEY', async () => {
    expect((await failure(org.conn.sobject('Contact').create({ LastName: 'R', AccountId: 'garbage' }))).name).toBe(
      'MALFORMED_ID'
    );
    const { id: contactId } = (await org.conn.sobject('Contact').create({ LastName: 'Ref' })) as Saved;
    expect((await failure(org.conn.sobject('Contact').create({ LastName: 'R', AccountId: contactId }))).name).toBe(
      'FIELD_INTEGRITY_EXCEPTION'
    );
    const ghost = `001${'0'.repeat(11)}Z`;
    expect((await failure(org.conn.sobject('Contact').create({ LastName: 'R', AccountId: ghost }))).name).toBe(
      'INVALID_CROSS_REFERENCE_KEY'
    );
  });

  it('does not let the API write read-only or setup objects', async () => {
    expect((await failure(org.conn.sobject('TaskStatus').create({ ApiName: 'X' }))).name).toBe(
      'INVALID_TYPE_FOR_OPERATION'
    );
    expect((await failure(org.conn.sobject('Contact').create({ LastName: 'N', Name: 'Full' }))).name).toBe(
      'INVALID_FIELD_FOR_INSERT_UPDATE'
    );
  });
});

describe('platform rules', () => {
  it('Task: a Lead WhoId cannot have a WhatId', async () => {
    const { id: leadId } = (await org.conn.sobject('Lead').create({ LastName: 'L', Company: 'C' })) as Saved;
    const { id: accountId } = (await org.conn.sobject('Account').create({ Name: 'A' })) as Saved;
    const error = await failure(org.conn.sobject('Task').create({ Subject: 's', WhoId: leadId, WhatId: accountId }));
    expect(error.name).toBe('FIELD_INTEGRITY_EXCEPTION');
    const ok = (await org.conn.sobject('Task').create({ Subject: 's', WhoId: leadId })) as Saved;
    expect(ok.success).toBe(true);
  });

  it('Task: restricted CallType, TaskSubtype on create only, IsClosed and AccountId derived', async () => {
    const { id: accountId } = (await org.conn.sobject('Account').create({ Name: 'Derived' })) as Saved;
    const { id: contactId } = (await org.conn
      .sobject('Contact')
      .create({ LastName: 'C', AccountId: accountId })) as Saved;
    expect((await failure(org.conn.sobject('Task').create({ Subject: 's', CallType: 'Sideways' }))).name).toBe(
      'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'
    );
    const { id } = (await org.conn.sobject('Task').create({
      Subject: 's',
      TaskSubtype: 'Call',
      CallType: 'Inbound',
      WhoId: contactId,
      Status: 'Completed'
    })) as Saved;
    const task = await org.conn.sobject('Task').retrieve(id);
    expect(task).toMatchObject({ IsClosed: true, AccountId: accountId, Priority: 'Normal', TaskSubtype: 'Call' });
    expect(task.CompletedDateTime).not.toBeNull();
    const refused = await failure(org.conn.sobject('Task').update({ Id: id, TaskSubtype: 'Task' }));
    expect(refused.name).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    await org.conn.sobject('Task').update({ Id: id, Status: 'In Progress' });
    expect(await org.conn.sobject('Task').retrieve(id)).toMatchObject({ IsClosed: false, CompletedDateTime: null });
  });

  it('Task: an inactive owner is refused', async () => {
    const { id: userId } = (await org.conn
      .sobject('User')
      .create({ Username: 'gone@example.com', Email: 'gone@example.com', LastName: 'Gone', IsActive: false })) as Saved;
    expect((await failure(org.conn.sobject('Task').create({ Subject: 's', OwnerId: userId }))).name).toBe(
      'INACTIVE_OWNER_OR_USER'
    );
  });

  it('Users can be inserted; Username is unique', async () => {
    const user = (await org.conn
      .sobject('User')
      .create({ Username: 'agent@example.com', Email: 'Agent@Example.com', LastName: 'Agent' })) as Saved;
    expect((await org.conn.sobject('User').retrieve(user.id)).IsActive).toBe(true);
    expect(
      (
        await failure(
          org.conn.sobject('User').create({ Username: 'AGENT@example.com', Email: 'a@b.co', LastName: 'Dup' })
        )
      ).name
    ).toBe('DUPLICATE_USERNAME');
  });

  it('Case and Opportunity: IsClosed from status and stage; a contact role from ContactId', async () => {
    const { id: contactId } = (await org.conn.sobject('Contact').create({ LastName: 'Buyer' })) as Saved;
    const { id: caseId } = (await org.conn.sobject('Case').create({ Subject: 'c', ContactId: contactId })) as Saved;
    expect(await org.conn.sobject('Case').retrieve(caseId)).toMatchObject({ Status: 'New', IsClosed: false });
    await org.conn.sobject('Case').update({ Id: caseId, Status: 'Closed' });
    expect((await org.conn.sobject('Case').retrieve(caseId)).IsClosed).toBe(true);
    const { id: oppId } = (await org.conn
      .sobject('Opportunity')
      .create({ Name: 'O', StageName: 'Closed Won', CloseDate: '2026-12-01', ContactId: contactId })) as Saved;
    expect(await org.conn.sobject('Opportunity').retrieve(oppId)).toMatchObject({ IsClosed: true, IsWon: true });
    const roles = await org.conn.query(
      `SELECT ContactId, IsPrimary FROM OpportunityContactRole WHERE OpportunityId = '${oppId}'`
    );
    expect(roles.records).toMatchObject([{ ContactId: contactId, IsPrimary: true }]);
    expect((await failure(org.conn.sobject('Opportunity').create({ Name: 'O' }))).message).toContain('StageName');
  });

  it('person accounts: Name derived, a person contact with the phones, PersonContactId', async () => {
    const rt = await org.conn.query<{ Id: string }>(
      "SELECT Id FROM RecordType WHERE SobjectType = 'Account' AND IsPersonType = true"
    );
    const { id } = (await org.conn.sobject('Account').create({
      RecordTypeId: rt.records[0]!.Id,
      FirstName: 'Hugo',
      LastName: 'Petit',
      PersonMobilePhone: '+33 7 11 22 33 44'
    })) as Saved;
    const account = await org.conn.sobject('Account').retrieve(id);
    expect(account).toMatchObject({ Name: 'Hugo Petit', IsPersonAccount: true });
    const contact = await org.conn.sobject('Contact').retrieve(String(account.PersonContactId));
    expect(contact).toMatchObject({ AccountId: id, MobilePhone: '+33 7 11 22 33 44', IsPersonAccount: true });
    expect(
      (await failure(org.conn.sobject('Account').create({ RecordTypeId: rt.records[0]!.Id, FirstName: 'No' }))).message
    ).toContain('LastName');
  });

  it('custom setting from force-app: defaults from the metadata, one row per SetupOwnerId', async () => {
    const { id } = (await org.conn.sobject('Aircall_Settings__c').create({ SetupOwnerId: org.org.orgId })) as Saved;
    const row = await org.conn.sobject('Aircall_Settings__c').retrieve(id);
    expect(row).toMatchObject({
      Missed_Call__c: 'InProgress',
      Log_When_Closed__c: true,
      Unknown_Number__c: 'None',
      Create_Case__c: false
    });
    expect((await failure(org.conn.sobject('Aircall_Settings__c').create({ SetupOwnerId: org.org.orgId }))).name).toBe(
      'DUPLICATE_VALUE'
    );
  });
});

describe('upsert on an external id', () => {
  it('creates (201), updates (200, created:false), and 404s on a field that is not an external id', async () => {
    const first = await raw(org, 'PATCH', '/services/data/v62.0/sobjects/Task/Aircall_Id__c/call:42', {
      Subject: 'first',
      Status: 'Completed'
    });
    expect(first).toMatchObject({ status: 201, body: { success: true, created: true } });
    const second = await raw(org, 'PATCH', '/services/data/v62.0/sobjects/Task/Aircall_Id__c/call:42', {
      Subject: 'second'
    });
    expect(second).toMatchObject({ status: 200, body: { created: false, id: (first.body as Saved).id } });
    const bad = await raw(org, 'PATCH', '/services/data/v62.0/sobjects/Task/Subject/x', { Status: 'Completed' });
    expect(bad.status).toBe(404);
    const updateOnly = await raw(
      org,
      'PATCH',
      '/services/data/v62.0/sobjects/Task/Aircall_Id__c/call:43?updateOnly=true',
      { Subject: 'x' }
    );
    expect(updateOnly.status).toBe(404);
  });

  it('through jsforce, with a value jsforce does not encode', async () => {
    const r = (await org.conn
      .sobject('Task')
      .upsert({ Aircall_Id__c: 'message:a/b c', Subject: 's' }, 'Aircall_Id__c')) as Saved;
    expect(r.created).toBe(true);
    const found = await org.conn.query(`SELECT Aircall_Id__c FROM Task WHERE Id = '${r.id}'`);
    expect(found.records[0]).toMatchObject({ Aircall_Id__c: 'message:a/b c' });
  });

  it('answers 300 when several records share the value', async () => {
    await org.conn.sobject('Task').create([
      { Subject: 'a', Aircall_Id__c: 'call:dup' },
      { Subject: 'b', Aircall_Id__c: 'call:dup' }
    ]);
    const res = await raw(org, 'PATCH', '/services/data/v62.0/sobjects/Task/Aircall_Id__c/call:dup', { Subject: 'c' });
    expect(res.status).toBe(300);
    expect(
      (await failure(org.conn.sobject('Task').upsert({ Aircall_Id__c: 'call:dup', Subject: 'c' }, 'Aircall_Id__c')))
        .name
    ).toBe('MULTIPLE_CHOICES');
  });
});

describe("a lookup set by the parent's external id (langCon_apex_dml_nested_object; REST: jsforce#1031, dataloader#1254)", () => {
  const V = '/services/data/v62.0';
  it('relates a Task and a custom record to parents named by their external ids, on create, update and upsert', async () => {
    const contact = (await org.conn
      .sobject('Contact')
      .create({ LastName: 'Keyed', Aircall_Key__c: 'number:+1555' })) as Saved;
    const call = await raw(org, 'PATCH', `${V}/sobjects/Aircall_Call__c/Aircall_Id__c/call:rel1`, {
      Name: 'Call',
      Contact__r: { Aircall_Key__c: 'number:+1555' }
    });
    expect(call.status).toBe(201);
    const task = await raw(org, 'POST', `${V}/sobjects/Task`, {
      Subject: 'Call',
      Aircall_Call_Record__r: { Aircall_Id__c: 'call:rel1' }
    });
    expect(task.status).toBe(201);
    const [row] = (
      await org.conn.query<{ Aircall_Call_Record__c: string }>(
        `SELECT Aircall_Call_Record__c FROM Task WHERE Id = '${(task.body as Saved).id}'`
      )
    ).records;
    expect(row!.Aircall_Call_Record__c).toBe((call.body as Saved).id);
    const [record] = (
      await org.conn.query<{ Contact__c: string }>(
        `SELECT Contact__c FROM Aircall_Call__c WHERE Aircall_Id__c = 'call:rel1'`
      )
    ).records;
    expect(record!.Contact__c).toBe(contact.id);
  });

  it('in sObject Collections: a parent not found fails that record alone, as Salesforce answers it', async () => {
    const res = await raw(org, 'POST', `${V}/composite/sobjects`, {
      allOrNone: false,
      records: [
        { attributes: { type: 'Task' }, Subject: 'a', Aircall_Call_Record__r: { Aircall_Id__c: 'call:rel1' } },
        { attributes: { type: 'Task' }, Subject: 'b', Aircall_Call_Record__r: { Aircall_Id__c: 'call:none' } }
      ]
    });
    const results = res.body as {
      success: boolean;
      errors: { statusCode: string; message: string; fields: string[] }[];
    }[];
    expect(results[0]!.success).toBe(true);
    // A captured answer: "Foreign key external ID: 1580 not found for field … in entity User", INVALID_FIELD, no fields.
    expect(results[1]!.errors[0]).toEqual({
      statusCode: 'INVALID_FIELD',
      message: 'Foreign key external ID: call:none not found for field Aircall_Id__c in entity Aircall_Call__c',
      fields: []
    });
  });

  it("refuses a field that is not the parent's external id, and a polymorphic lookup (WhoId)", async () => {
    const notExternal = await raw(org, 'POST', `${V}/sobjects/Aircall_Call__c`, {
      Name: 'x',
      Contact__r: { LastName: 'Keyed' }
    });
    expect(notExternal).toMatchObject({
      status: 400,
      body: [{ errorCode: 'INVALID_FIELD', message: expect.stringContaining('external id') as unknown }]
    });
    const polymorphic = await raw(org, 'POST', `${V}/sobjects/Task`, {
      Subject: 'x',
      Who: { Aircall_Key__c: 'number:+1555' }
    });
    expect(polymorphic).toMatchObject({
      status: 400,
      body: [{ errorCode: 'INVALID_FIELD', message: expect.stringContaining('polymorphic') as unknown }]
    });
  });
});

describe('sObject Collections', () => {
  it('create, update, upsert, retrieve, delete', async () => {
    const created = (await org.conn.sobject('Contact').create([{ LastName: 'C1' }, { LastName: 'C2' }])) as Saved[];
    expect(created.map((r) => r.success)).toEqual([true, true]);
    const updated = (await org.conn
      .sobject('Contact')
      .update(created.map((r) => ({ Id: r.id, Title: 'CEO' })))) as Saved[];
    expect(updated.every((r) => r.success)).toBe(true);
    const upserted = (await org.conn.sobject('Task').upsert(
      [
        { Aircall_Id__c: 'call:c1', Subject: 'x' },
        { Aircall_Id__c: 'call:c1', Subject: 'y' }
      ],
      'Aircall_Id__c'
    )) as Saved[];
    expect(upserted.map((r) => r.created)).toEqual([true, false]);
    const retrieved = await org.conn.sobject('Contact').retrieve(
      created.map((r) => r.id),
      { fields: ['Title'] }
    );
    expect(retrieved.map((r) => r.Title as unknown)).toEqual(['CEO', 'CEO']);
    const deleted = (await org.conn.sobject('Contact').destroy(created.map((r) => r.id))) as Saved[];
    expect(deleted.every((r) => r.success)).toBe(true);
  });

  it('allOrNone: the failing record carries its error, the others ALL_OR_NONE_OPERATION_ROLLED_BACK, nothing is written', async () => {
    const res = await raw(org, 'POST', '/services/data/v62.0/composite/sobjects', {
      allOrNone: true,
      records: [
        { attributes: { type: 'Contact' }, LastName: 'Kept?' },
        { attributes: { type: 'Contact' }, FirstName: 'Missing' }
      ]
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        success: false,
        errors: [
          {
            statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
            message: expect.stringContaining('rolled back') as unknown,
            fields: []
          }
        ]
      },
      {
        success: false,
        errors: [
          {
            statusCode: 'REQUIRED_FIELD_MISSING',
            message: 'Required fields are missing: [LastName]',
            fields: ['LastName']
          }
        ]
      }
    ]);
    const count = await org.conn.query("SELECT COUNT() FROM Contact WHERE LastName = 'Kept?'");
    expect(count.totalSize).toBe(0);
  });

  it('without allOrNone: independent results', async () => {
    const results = (await org.conn.sobject('Contact').create([{ LastName: 'Alone' }, { FirstName: 'x' }])) as Saved[];
    expect(results.map((r) => r.success)).toEqual([true, false]);
  });
});

describe('composite', () => {
  const v = '/services/data/v62.0';
  it('resolves references in url and body and counts one API request', async () => {
    const before = org.org.apiUsed;
    const res = await org.conn.requestPost<{
      compositeResponse: { httpStatusCode: number; body: unknown; referenceId: string }[];
    }>('/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `${v}/sobjects/Account`, referenceId: 'acct', body: { Name: 'Composite Co' } },
        {
          method: 'POST',
          url: `${v}/sobjects/Contact`,
          referenceId: 'ct',
          body: { LastName: 'Ref', AccountId: '@{acct.id}' }
        },
        { method: 'GET', url: `${v}/sobjects/Contact/@{ct.id}?fields=AccountId`, referenceId: 'read' },
        { method: 'GET', url: `${v}/query?q=SELECT+Id+FROM+Contact+WHERE+Id='@{ct.id}'`, referenceId: 'q' }
      ]
    });
    expect(org.org.apiUsed - before).toBe(1);
    expect(res.compositeResponse.map((r) => r.httpStatusCode)).toEqual([201, 201, 200, 200]);
    const acct = res.compositeResponse[0]!.body as Saved;
    expect(res.compositeResponse[2]!.body).toMatchObject({ AccountId: acct.id });
    expect(res.compositeResponse[3]!.body).toMatchObject({ totalSize: 1 });
  });

  it('allOrNone: rolls everything back; the others get PROCESSING_HALTED', async () => {
    const res = await org.conn.requestPost<{
      compositeResponse: { httpStatusCode: number; body: { errorCode: string }[] }[];
    }>('/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: `${v}/sobjects/Account`, referenceId: 'a', body: { Name: 'Rolled Back Co' } },
        { method: 'POST', url: `${v}/sobjects/Contact`, referenceId: 'b', body: { FirstName: 'no last name' } },
        { method: 'POST', url: `${v}/sobjects/Account`, referenceId: 'c', body: { Name: 'Never' } }
      ]
    });
    expect(res.compositeResponse.map((r) => [r.httpStatusCode, r.body[0]?.errorCode])).toEqual([
      [400, 'PROCESSING_HALTED'],
      [400, 'REQUIRED_FIELD_MISSING'],
      [400, 'PROCESSING_HALTED']
    ]);
    expect((await org.conn.query("SELECT COUNT() FROM Account WHERE Name = 'Rolled Back Co'")).totalSize).toBe(0);
  });

  it('without allOrNone: independent subrequests run, dependents of a failure are halted', async () => {
    const res = await org.conn.requestPost<{
      compositeResponse: { httpStatusCode: number; body: { errorCode: string }[] }[];
    }>('/composite', {
      allOrNone: false,
      compositeRequest: [
        { method: 'POST', url: `${v}/sobjects/Contact`, referenceId: 'bad', body: {} },
        { method: 'POST', url: `${v}/sobjects/Task`, referenceId: 'dep', body: { Subject: 'x', WhoId: '@{bad.id}' } },
        { method: 'POST', url: `${v}/sobjects/Account`, referenceId: 'ok', body: { Name: 'Independent' } }
      ]
    });
    expect(res.compositeResponse.map((r) => r.httpStatusCode)).toEqual([400, 400, 201]);
    expect(res.compositeResponse[1]!.body[0]!.errorCode).toBe('PROCESSING_HALTED');
  });

  it('[] indexes a collection response; a path to no value halts the subrequest that uses it', async () => {
    const res = await org.conn.requestPost<{
      compositeResponse: { httpStatusCode: number; body: unknown }[];
    }>('/composite', {
      allOrNone: false,
      compositeRequest: [
        {
          method: 'POST',
          url: `${v}/composite/sobjects`,
          referenceId: 'many',
          body: {
            allOrNone: false,
            records: [
              { attributes: { type: 'Contact' }, LastName: 'Indexed' },
              { attributes: { type: 'Contact' }, FirstName: 'no last name' }
            ]
          }
        },
        {
          method: 'POST',
          url: `${v}/sobjects/Task`,
          referenceId: 'first',
          body: { Subject: 'x', WhoId: '@{many[0].id}' }
        },
        {
          method: 'POST',
          url: `${v}/sobjects/Task`,
          referenceId: 'failed',
          body: { Subject: 'y', WhoId: '@{many[1].id}' }
        },
        {
          method: 'POST',
          url: `${v}/sobjects/Task`,
          referenceId: 'past',
          body: { Subject: 'z', WhoId: '@{many[5].id}' }
        }
      ]
    });
    expect(res.compositeResponse.map((r) => r.httpStatusCode)).toEqual([200, 201, 400, 400]);
    expect((res.compositeResponse[2]!.body as { errorCode: string }[])[0]!.errorCode).toBe('PROCESSING_HALTED');
    const made = (res.compositeResponse[0]!.body as { id?: string }[])[0]!.id!;
    const task = await org.conn.query<{ WhoId: string }>(
      `SELECT WhoId FROM Task WHERE Id = '${(res.compositeResponse[1]!.body as Saved).id}'`
    );
    expect(task.records[0]!.WhoId).toBe(made);
  });

  it('composite batch counts each subrequest', async () => {
    const before = org.org.apiUsed;
    const res = await raw(org, 'POST', `${v}/composite/batch`, {
      batchRequests: [
        { method: 'GET', url: 'v62.0/limits' },
        { method: 'POST', url: 'v62.0/sobjects/Account', richInput: { Name: 'Batch' } }
      ]
    });
    expect(res.body).toMatchObject({ hasErrors: false, results: [{ statusCode: 200 }, { statusCode: 201 }] });
    expect(org.org.apiUsed - before).toBe(2);
  });
});

describe('describe', () => {
  it('gives what jsforce reads, and find() without fields works through it', async () => {
    const d = await org.conn.sobject('Task').describe();
    const names = d.fields.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['Aircall_Id__c', 'Aircall_Trace__c', 'WhoId', 'CallType']));
    expect(d.fields.find((f) => f.name === 'WhoId')).toMatchObject({
      relationshipName: 'Who',
      referenceTo: ['Contact', 'Lead']
    });
    const contacts = await org.conn.sobject('Contact').find({ LastName: 'Buyer' });
    expect(contacts[0]).toHaveProperty('Email');
  });
});
