/**
 * The package deployed with a namespace, as a managed package is: the local org spells its
 * custom objects and fields `acme__…__c` and maps its Apex REST resource below `/acme/`
 * (apex_classes_annotation_rest_resource), and the service, given SF_NAMESPACE, logs a call
 * on both read paths with the names spelled that way, while an admin's own custom fields keep
 * theirs.
 */
import { join } from 'node:path';
import { OrgNames } from '../../src/org-api/names';
import { localApexRest } from '../../src/org-api/snapshot-local';
import { callData, envelope } from '../fixtures/aircall-builders';
import type { TestOrg } from '../helpers/local-org';
import { FIXTURE_FORCE_APP, raw, testOrg } from '../helpers/local-org';
import { testService } from '../helpers/service';

const ADMIN_METADATA = join(__dirname, '..', 'fixtures', 'admin-metadata');
const names = new OrgNames('acme');

describe('OrgNames', () => {
  it('spells the package’s names with the namespace, and only those', () => {
    expect(names.name('Aircall_Id__c')).toBe('acme__Aircall_Id__c');
    expect(names.name('Unknown_Number__c')).toBe('acme__Unknown_Number__c');
    expect(names.name('Support_Phone__c')).toBe('Support_Phone__c');
    expect(names.local('acme__Aircall_Settings__c')).toBe('Aircall_Settings__c');
    expect(
      names.text(`/query?q=${encodeURIComponent("SELECT Id FROM Task WHERE Aircall_Id__c IN ('call:1')")}`)
    ).toContain('acme__Aircall_Id__c');
    expect(names.apexRestPath('/aircall/v1/snapshot')).toBe('/acme/aircall/v1/snapshot');
    expect(new OrgNames(null).toOrg({ Aircall_Id__c: 1 })).toEqual({ Aircall_Id__c: 1 });
    expect(() => new OrgNames('acme__')).toThrow(/namespace prefix/);
  });
});

async function namespacedOrg(): Promise<TestOrg> {
  const org = await testOrg({
    forceApp: [{ path: FIXTURE_FORCE_APP, namespace: 'acme' }, ADMIN_METADATA],
    apexRest: localApexRest(names)
  });
  await org.conn
    .sobject('acme__Aircall_Settings__c')
    .create({ SetupOwnerId: org.org.orgId, acme__Unknown_Number__c: 'Lead' });
  await org.conn.sobject('Contact').create({ LastName: 'Known', Phone: '+33 6 44 00 00 01' });
  return org;
}

describe('the local org deploys the package with a namespace', () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await namespacedOrg();
  });
  afterAll(() => org.close());

  it('spells the package’s fields with the namespace, an admin’s own without', async () => {
    const task = (await org.conn.sobject('Task').describe()).fields.map((f) => f.name);
    expect(task).toContain('acme__Aircall_Id__c');
    expect(task).not.toContain('Aircall_Id__c');
    const contact = (await org.conn.sobject('Contact').describe()).fields.map((f) => f.name);
    expect(contact).toEqual(expect.arrayContaining(['acme__Aircall_Key__c', 'Support_Phone__c']));
  });

  it('maps the Apex REST resource below the namespace', async () => {
    expect((await raw(org, 'POST', '/services/apexrest/acme/aircall/v1/snapshot', {})).status).toBe(200);
    expect((await raw(org, 'POST', '/services/apexrest/aircall/v1/snapshot', {})).status).toBe(404);
  });
});

describe.each(['apex', 'rest'] as const)('the service with SF_NAMESPACE, on the %s read path', (path) => {
  it('logs a call on a known Contact and creates a Lead for an unknown number', async () => {
    const org = await namespacedOrg();
    const svc = await testService({ existingOrg: org, env: { SF_NAMESPACE: 'acme', SF_READ_PATH: path } });
    try {
      for (const [id, digits] of [
        [5_500_001, '+33 6 44 00 00 01'],
        [5_500_002, '+33 6 44 00 00 02']
      ] as const)
        expect((await svc.post(envelope('call.ended', callData({ id, raw_digits: digits })))).status).toBe(200);
      await svc.settle();
      const tasks = await org.conn.query<{ acme__Aircall_Id__c: string; WhoId: string }>(
        "SELECT acme__Aircall_Id__c, WhoId FROM Task WHERE acme__Aircall_Id__c IN ('call:5500001', 'call:5500002') ORDER BY acme__Aircall_Id__c"
      );
      expect(tasks.records.map((t) => t.WhoId.slice(0, 3))).toEqual(['003', '00Q']);
      const lead = await org.conn.query<{ acme__Aircall_Key__c: string }>(
        "SELECT acme__Aircall_Key__c FROM Lead WHERE acme__Aircall_Key__c = 'number:+33644000002'"
      );
      expect(lead.totalSize).toBe(1);
    } finally {
      await svc.close();
      await org.close();
    }
  }, 60_000);
});
