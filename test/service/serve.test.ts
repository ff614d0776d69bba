/** `aircall-sf serve` with no org configured: what `npm start` runs on a fresh machine. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testOrg } from '../helpers/local-org';

it('starts the embedded local org, says so, logs the sample call it prints, and stops on SIGTERM', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'serve-'));
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'aircall-sf'), 'serve'], {
    env: { PATH: process.env.PATH, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    let banner = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        banner += chunk.toString();
        if (banner.includes('curl -s')) resolve();
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code}`)));
    });
    expect(banner).toContain('embedded LOCAL ORG');
    expect(banner).toMatch(/console: +http:\/\/127\.0\.0\.1:\d+\//);
    const base = /POST (http:\/\/127\.0\.0\.1:\d+)\/webhooks\/aircall/.exec(banner)![1]!;
    const body = /-d '(\{.*\})'/.exec(banner)![1]!;
    const res = await fetch(`${base}/webhooks/aircall`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body
    });
    expect(await res.json()).toEqual({ status: 'accepted' });
    let metrics = '';
    for (let i = 0; i < 100 && !/aircall_items_logged_total\{kind="call"\} 1/.test(metrics); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      metrics = await (await fetch(`${base}/metrics`)).text();
    }
    expect(metrics).toMatch(/aircall_items_logged_total\{kind="call"\} 1/);
    expect(((await (await fetch(`${base}/readyz`)).json()) as { status: string }).status).toBe('ready');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);

it('serves no console when connected to an org: the console never edits a real org', async () => {
  const org = await testOrg({ seed: 'none' });
  const dataDir = mkdtempSync(join(tmpdir(), 'serve-org-'));
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'aircall-sf'), 'serve'], {
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SF_INSTANCE_URL: org.instanceUrl,
      SF_ACCESS_TOKEN: org.accessToken,
      AIRCALL_WEBHOOK_TOKEN: 'test-webhook-token'
    },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    let banner = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        banner += chunk.toString();
        if (banner.includes('webhooks/aircall')) resolve();
      });
      void exited.then((code) => reject(new Error(`serve exited with ${code}`)));
    });
    expect(banner).not.toContain('console:');
    const base = /POST (http:\/\/127\.0\.0\.1:\d+)\/webhooks\/aircall/.exec(banner)![1]!;
    expect((await fetch(`${base}/`)).status).toBe(404);
    const apex = await fetch(`${base}/console/api/apex/AircallSettingsController.saveSettings`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ values: { Unknown_Number__c: 'Lead' } })
    });
    expect(apex.status).toBe(404);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
    await org.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
