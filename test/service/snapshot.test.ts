/**
 * The snapshot resource, both sides of one description (src/org-api/snapshot.ts): the Apex
 * class reads and writes the described keys with the described limits, and the local org's
 * stand-in answers the gateway over HTTP with what the engine needs, including a number
 * stored only in an admin's own phone field and the Tasks and records that sharing could hide.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORCE_APP } from '../../src/paths';
import { OrgGateway } from '../../src/salesforce/gateway';
import { SEARCH_OBJECT_LIMIT } from '../../src/org-api/phone-search';
import {
  APEX_SOSL_PER_TRANSACTION,
  SNAPSHOT_CLASS,
  SNAPSHOT_MAPPING,
  SNAPSHOT_MAX_ENTRIES,
  SNAPSHOT_MAX_TERMS_PER_NUMBER,
  SNAPSHOT_MAX_NUMBERS_PER_SEARCH,
  SNAPSHOT_REQUEST_KEYS,
  SNAPSHOT_RESPONSE_KEYS,
  SOSL_MAX_QUERY_LENGTH
} from '../../src/org-api/snapshot';
import type { TestOrg } from '../helpers/local-org';
import { API_VERSION, FIXTURE_FORCE_APP, raw, setOrgSettings, testOrg } from '../helpers/local-org';

const classes = join(FORCE_APP, 'main', 'default', 'classes');
const apex = (name: string) => readFileSync(join(classes, `${name}.cls`), 'utf8');
const ADMIN_METADATA = join(__dirname, '..', 'fixtures', 'admin-metadata');

describe('the Apex class keeps to the description', () => {
  const resource = apex(SNAPSHOT_CLASS);
  const search = apex('AircallPhoneSearch');
  const plan = apex('AircallSearchPlan');
  const constant = (source: string, name: string) =>
    Number(new RegExp(`${name}\\s*=\\s*(\\d+);`).exec(source)?.[1] ?? NaN);

  it('maps the described URL', () => {
    expect(resource).toContain(`@RestResource(urlMapping='${SNAPSHOT_MAPPING}')`);
  });

  it('reads every request key and writes every response key', () => {
    for (const key of SNAPSHOT_REQUEST_KEYS) expect(resource).toMatch(new RegExp(`\\(request, '${key}'\\)`));
    for (const key of SNAPSHOT_RESPONSE_KEYS) expect(resource).toContain(`'${key}' =>`);
  });

  it('has the described limits', () => {
    expect(constant(resource, 'MAX_ENTRIES')).toBe(SNAPSHOT_MAX_ENTRIES);
    expect(constant(resource, 'MAX_TERMS_PER_NUMBER')).toBe(SNAPSHOT_MAX_TERMS_PER_NUMBER);
    expect(constant(plan, 'NUMBERS_PER_SEARCH')).toBe(SNAPSHOT_MAX_NUMBERS_PER_SEARCH);
    expect(constant(search, 'OBJECT_LIMIT')).toBe(SEARCH_OBJECT_LIMIT);
    expect(constant(search, 'SEARCH_BUDGET')).toBe(APEX_SOSL_PER_TRANSACTION);
    expect(constant(plan, 'MAX_SEARCH_LENGTH')).toBe(SOSL_MAX_QUERY_LENGTH);
  });

  it('reads the Tasks and created records in a without-sharing inner class, in system mode', () => {
    const inner = resource.slice(resource.indexOf('private without sharing class KeyedReads'));
    expect(inner).toMatch(/FROM Task\s+WHERE Aircall_Id__c IN :externalIds\s+WITH SYSTEM_MODE/);
    expect(resource.slice(0, resource.indexOf('private without sharing class KeyedReads'))).not.toContain(
      'SYSTEM_MODE'
    );
  });
});

describe('the local org answers it as the Apex does', () => {
  let org: TestOrg;
  let gateway: OrgGateway;
  let contactId: string;
  let taskId: string;
  let keyedId: string;
  let caseId: string;

  beforeAll(async () => {
    org = await testOrg({ forceApp: [FIXTURE_FORCE_APP, ADMIN_METADATA] });
    await setOrgSettings(org, { Related_Record__c: 'Case' });
    contactId = (
      (await org.conn.sobject('Contact').create({ LastName: 'Support', Support_Phone__c: '+33 1 70 00 00 01' })) as {
        id: string;
      }
    ).id;
    caseId = ((await org.conn.sobject('Case').create({ ContactId: contactId, Subject: 'Open' })) as { id: string }).id;
    taskId = (
      (await org.conn.sobject('Task').create({ Subject: 'Call', Aircall_Id__c: 'call:1', WhoId: contactId })) as {
        id: string;
      }
    ).id;
    keyedId = (
      (await org.conn
        .sobject('Lead')
        .create({ LastName: 'Created', Company: 'Acme', Aircall_Key__c: 'number:+33170000002' })) as {
        id: string;
      }
    ).id;
    gateway = new OrgGateway(org.conn, API_VERSION);
    await gateway.init();
  });
  afterAll(() => org.close());

  it('matches a number held only in an admin’s custom phone field, with its open Case', async () => {
    const read = await gateway.read({
      numbers: [{ e164: '+33170000001', hints: [] }],
      emails: [],
      externalIds: []
    });
    const [match] = read.candidates.get('+33170000001')!;
    expect(match).toMatchObject({ kind: 'Contact', id: contactId, phones: ['+33 1 70 00 00 01'] });
    expect(read.relatedKind).toBe('Case');
    expect(read.openRelated.get(contactId)!.map((c) => c.id)).toEqual([caseId]);
    expect(read.settingsRow).toMatchObject({ Related_Record__c: 'Case' });
    expect(gateway.requests.get('snapshot')).toBe(1);
  });

  it('reads the open records a settings preview asks for, whatever Related_Record__c says', async () => {
    const request = { numbers: [{ e164: '+33170000001', hints: [] }], emails: [], externalIds: [] };
    const asked = await gateway.read({ ...request, related: 'Opportunity' });
    expect(asked.relatedKind).toBe('Opportunity');
    expect(asked.openRelated.get(contactId) ?? []).toEqual([]);
    expect((await gateway.read(request)).relatedKind).toBe('Case');
  });

  it('finds the Tasks already logged and the records this service created', async () => {
    const read = await gateway.read({
      numbers: [{ e164: '+33170000002', hints: [] }],
      emails: ['admin@example.com'],
      externalIds: ['call:1', 'call:2']
    });
    expect(read.tasks.get('call:1')).toEqual({ id: taskId, whoId: contactId, whatId: null });
    expect(read.tasks.has('call:2')).toBe(false);
    // Not in the search index yet (or hidden): found by its key.
    expect(read.candidates.get('+33170000002')!.map((c) => c.id)).toContain(keyedId);
    expect(read.users.map((u) => u.id)).toEqual([org.org.adminUserId]);
  });

  it('reads a batch larger than one request allows in several', async () => {
    const before = gateway.requests.get('snapshot') ?? 0;
    const externalIds = Array.from({ length: SNAPSHOT_MAX_ENTRIES + 1 }, (_, n) => `call:${n}`);
    const read = await gateway.read({ numbers: [], emails: [], externalIds });
    expect(gateway.requests.get('snapshot')! - before).toBe(2);
    expect(read.tasks.get('call:1')?.id).toBe(taskId);
  });

  // The same inputs and messages as AircallSnapshotResourceTest.refusesWhatItCannotRead.
  it.each([
    ['not json', /^The request body is not JSON/],
    ['[1]', /^The request body must be a JSON object\.$/],
    ['{"emails": "a@b.c"}', /^emails must be a list\.$/],
    ['{"emails": [1]}', /^emails must hold strings only\.$/],
    ['{"related":"Account"}', /^related must be Case or Opportunity\.$/],
    ['{"numbers": [{"terms": "+33"}]}', /^numbers must hold objects with terms/],
    [
      JSON.stringify({ externalIds: Array.from({ length: 201 }, (_, n) => `call:${n}`) }),
      /^externalIds has 201 entries; at most 200\.$/
    ]
  ])('refuses %s with 400 INVALID_REQUEST', async (body, message) => {
    const res = await raw(org, 'POST', `/services/apexrest${SNAPSHOT_MAPPING}`, body);
    expect(res.status).toBe(400);
    const [error] = res.body as { errorCode: string; message: string }[];
    expect(error!.errorCode).toBe('INVALID_REQUEST');
    expect(error!.message).toMatch(message);
    // The Apex test sends the same input.
    if (body.length < 60) expect(apex(`${SNAPSHOT_CLASS}Test`)).toContain(`refusal('${body}')`);
  });
});
