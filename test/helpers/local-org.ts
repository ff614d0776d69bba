/** The local org's test helpers, plus what the product's tests add: the settings row. */
import type { TestOrg } from '../../packages/local-org/test/helpers';

export type { TestOrg } from '../../packages/local-org/test/helpers';
export {
  API_VERSION,
  FIXTURE_FORCE_APP,
  exitOf,
  expectServesAndStops,
  failure,
  raw,
  testOrg
} from '../../packages/local-org/test/helpers';

/** Writes the org-default Aircall_Settings__c row (created on first use). */
export async function setOrgSettings(org: TestOrg, row: Record<string, unknown>): Promise<void> {
  const existing = await org.conn.query<{ Id: string }>(
    `SELECT Id FROM Aircall_Settings__c WHERE SetupOwnerId = '${org.org.orgId}'`
  );
  if (existing.records[0]) await org.conn.sobject('Aircall_Settings__c').update({ Id: existing.records[0].Id, ...row });
  else await org.conn.sobject('Aircall_Settings__c').create({ SetupOwnerId: org.org.orgId, ...row });
}
