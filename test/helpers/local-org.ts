/**
 * The local org's test helpers, plus what the product's tests add: the package's Apex REST
 * resources (the local org cannot run Apex) and the settings row.
 */
import type { LocalOrgOptions } from '@aircall-sf/local-org';
import type { TestOrg } from '../../packages/local-org/test/helpers';
import { testOrg as localTestOrg } from '../../packages/local-org/test/helpers';
import { LOCAL_APEX_REST } from '../../src/org-api/snapshot-local';

export type { TestOrg } from '../../packages/local-org/test/helpers';
export {
  API_VERSION,
  FIXTURE_FORCE_APP,
  exitOf,
  expectServesAndStops,
  failure,
  raw
} from '../../packages/local-org/test/helpers';

/** A local org with this package deployed, its snapshot resource answered. */
export function testOrg(options: LocalOrgOptions & { seed?: 'demo' | 'none'; port?: number } = {}): Promise<TestOrg> {
  // Strict by default: Opportunities are Private (the integration user has no View All on them).
  return localTestOrg({ apexRest: LOCAL_APEX_REST, sharing: { Opportunity: 'Private' }, ...options });
}

/** Writes the org-default Aircall_Settings__c row (created on first use). */
export async function setOrgSettings(org: TestOrg, row: Record<string, unknown>): Promise<void> {
  const existing = await org.conn.query<{ Id: string }>(
    `SELECT Id FROM Aircall_Settings__c WHERE SetupOwnerId = '${org.org.orgId}'`
  );
  if (existing.records[0]) await org.conn.sobject('Aircall_Settings__c').update({ Id: existing.records[0].Id, ...row });
  else await org.conn.sobject('Aircall_Settings__c').create({ SetupOwnerId: org.org.orgId, ...row });
}
