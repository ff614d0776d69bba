/** A local org on port 0 and a jsforce connection to it: the real wire path for tests. */
import { Connection } from 'jsforce';
import type { LocalOrgOptions, RunningLocalOrg } from '../../src/local-org';
import { startLocalOrg } from '../../src/local-org';

export const API_VERSION = '62.0';

export interface TestOrg extends RunningLocalOrg {
  conn: Connection;
  connect(version?: string): Connection;
}

export async function testOrg(options: LocalOrgOptions & { seed?: 'demo' | 'none' } = {}): Promise<TestOrg> {
  const running = await startLocalOrg({ port: 0, ...options });
  const connect = (version = API_VERSION) =>
    new Connection({ instanceUrl: running.instanceUrl, accessToken: running.accessToken, version });
  return Object.assign(running, { conn: connect(), connect });
}

/** The error a promise rejects with, for assertions on errorCode and message. */
export async function failure(
  promise: Promise<unknown>
): Promise<Error & { errorCode?: string; name: string; data?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { errorCode?: string };
  }
  throw new Error('expected the request to fail');
}

/** A raw REST call that returns status, headers and parsed body, for wire-level checks. */
export async function raw(
  org: RunningLocalOrg,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {}
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(`${org.instanceUrl}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${org.accessToken}`,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {})
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Writes the org-default Aircall_Settings__c row (created on first use). */
export async function setOrgSettings(org: TestOrg, row: Record<string, unknown>): Promise<void> {
  const existing = await org.conn.query<{ Id: string }>(
    `SELECT Id FROM Aircall_Settings__c WHERE SetupOwnerId = '${org.org.orgId}'`
  );
  if (existing.records[0]) await org.conn.sobject('Aircall_Settings__c').update({ Id: existing.records[0].Id, ...row });
  else await org.conn.sobject('Aircall_Settings__c').create({ SetupOwnerId: org.org.orgId, ...row });
}
