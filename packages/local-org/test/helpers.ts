/** A local org on port 0 and a jsforce connection to it: the real wire path for tests. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from 'jsforce';
import type { LocalOrgOptions, RunningLocalOrg } from '../src';
import { startLocalOrg } from '../src';

export const API_VERSION = '62.0';

/**
 * The metadata these tests deploy: the SFDX package of the repository this workspace lives
 * in (a custom setting, Activity custom fields, External ID fields). The local org itself
 * knows no package: `forceApp` is an option.
 */
export const FIXTURE_FORCE_APP = join(__dirname, '..', '..', '..', 'force-app');

export interface TestOrg extends RunningLocalOrg {
  conn: Connection;
  connect(version?: string): Connection;
}

export async function testOrg(
  options: LocalOrgOptions & { seed?: 'demo' | 'none'; port?: number } = {}
): Promise<TestOrg> {
  const running = await startLocalOrg({ port: 0, forceApp: FIXTURE_FORCE_APP, ...options });
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

/**
 * Runs a local-org command line (`node BIN ARGS…`) as a process: its first stdout line is the
 * ready JSON, the org it names answers a query through jsforce, and SIGTERM stops it with 0.
 */
export async function expectServesAndStops(command: readonly string[]): Promise<void> {
  const child = spawn(process.execPath, [...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  const ready = JSON.parse(line) as { instanceUrl: string; accessToken: string; orgId: string; userId: string };
  expect(ready.instanceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(ready.orgId).toMatch(/^00D\w{15}$/);
  expect(ready.userId).toMatch(/^005\w{15}$/);
  const conn = new Connection({ instanceUrl: ready.instanceUrl, accessToken: ready.accessToken, version: API_VERSION });
  expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBeGreaterThan(0);
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  expect(code).toBe(0);
}

/** The exit code and stderr of a command line that is expected to stop by itself. */
export async function exitOf(command: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [...command], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}
