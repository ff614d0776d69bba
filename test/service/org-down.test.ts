/**
 * serve starts whatever the org does (#30): with Salesforce down at start it listens, stores
 * and answers 200 to webhooks, answers /readyz 503 with a short reason that says what to
 * check, and logs every stored call once the org answers again: here the local org, stopped
 * before serve starts and started again on the same port and data file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from 'jsforce';
import { callData, envelope } from '../fixtures/aircall-builders';
import { spawnServe } from '../helpers/serve';
import type { TestOrg } from '../helpers/local-org';
import { API_VERSION, setOrgSettings, testOrg } from '../helpers/local-org';

it('starts with the org down, stores webhooks, says why it is not ready, and logs them when the org is back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'org-down-'));
  const dataFile = join(dir, 'org.sqlite');
  let org: TestOrg | null = await testOrg({ seed: 'none', dataFile });
  await setOrgSettings(org, { Unknown_Number__c: 'Contact' });
  const port = Number(new URL(org.instanceUrl).port);
  const { instanceUrl, accessToken } = org;
  await org.close();
  org = null;
  const serve = spawnServe({
    HOST: '127.0.0.1',
    SF_INSTANCE_URL: instanceUrl,
    SF_ACCESS_TOKEN: accessToken,
    AIRCALL_WEBHOOK_TOKEN: 'test-webhook-token'
  });
  try {
    const base = (await serve.waitFor(/POST (http:\/\/127\.0\.0\.1:\d+)\/webhooks\/aircall/))[1]!;
    const ids = [9_100_001, 9_100_002];
    for (const id of ids) {
      const res = await fetch(`${base}/webhooks/aircall`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(
          envelope('call.ended', callData({ id, raw_digits: `+33 6 55 00 0${id % 10} 0${id % 10}` }), {
            token: 'test-webhook-token'
          })
        )
      });
      expect(res.status).toBe(200);
    }
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    const reason = ((await notReady.json()) as { reason: string }).reason;
    expect(reason).toContain('SF_INSTANCE_URL');
    expect(reason.length).toBeLessThan(220);
    expect(serve.output()).toMatch(/does not answer/);

    org = await testOrg({ seed: 'none', dataFile, port });
    const conn = new Connection({ instanceUrl, accessToken, version: API_VERSION });
    const deadline = Date.now() + 60_000;
    let logged = 0;
    while (Date.now() < deadline) {
      logged = (await conn.query(`SELECT Id FROM Task WHERE Aircall_Id__c IN ('call:${ids[0]}', 'call:${ids[1]}')`))
        .totalSize;
      if (logged === ids.length) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(logged).toBe(ids.length);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);

    // Down again: /readyz follows the worker's last org request at once, not the settings cache.
    await org.close();
    org = null;
    await fetch(`${base}/webhooks/aircall`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(envelope('call.ended', callData({ id: 9_100_003 }), { token: 'test-webhook-token' }))
    });
    let status = 200;
    // Under the settings cache's 30 s: readiness must follow the worker's failed request, which
    // comes once the call's batch window (10 s in production, waiting for company) has passed.
    for (const until = Date.now() + 20_000; Date.now() < until && status === 200;) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await fetch(`${base}/readyz`)).status;
    }
    expect(status).toBe(503);
    expect(await serve.stop()).toBe(0);
  } finally {
    serve.cleanup();
    await org?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
