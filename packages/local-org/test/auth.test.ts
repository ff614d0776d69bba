import { generateKeyPairSync, createSign } from 'node:crypto';
import { Connection } from 'jsforce';
import type { TestOrg } from './helpers';
import { API_VERSION, failure, testOrg } from './helpers';
import { ADMIN_USERNAME } from '../src';

let org: TestOrg;
beforeAll(async () => {
  org = await testOrg();
});
afterAll(async () => {
  await org.close();
});

const SF_TOKEN_SHAPE = /^(00D\w{12,15})![.\w]*$/; // what the sf CLI accepts (reference/sf-rest-wire.md §0)

async function tokenRequest(params: Record<string, string>) {
  const res = await fetch(`${org.instanceUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString()
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

function jwt(sub: string): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${enc({ alg: 'RS256' })}.${enc({ iss: 'client-id', sub, aud: org.instanceUrl, exp: Math.floor(Date.now() / 1000) + 120 })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
  return `${unsigned}.${signature}`;
}

describe('OAuth', () => {
  it('client credentials: a token in the shape sf requires, and identity in `id`', async () => {
    const { status, body } = await tokenRequest({
      grant_type: 'client_credentials',
      client_id: 'cid',
      client_secret: 'secret'
    });
    expect(status).toBe(200);
    expect(body.access_token).toMatch(SF_TOKEN_SHAPE);
    expect(body.id).toBe(`${org.instanceUrl}/id/${org.org.orgId}/${org.org.adminUserId}`);
    expect(body.instance_url).toBe(org.instanceUrl);
  });

  it('client credentials through jsforce authorize()', async () => {
    const conn = new Connection({
      oauth2: { clientId: 'cid', clientSecret: 'secret', loginUrl: org.instanceUrl },
      instanceUrl: org.instanceUrl,
      version: API_VERSION
    });
    await conn.authorize({ grant_type: 'client_credentials' });
    expect((await conn.query('SELECT Id FROM Organization')).totalSize).toBe(1);
  });

  it('JWT bearer: the subject is the username', async () => {
    const ok = await tokenRequest({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: jwt(ADMIN_USERNAME)
    });
    expect(ok.status).toBe(200);
    expect(ok.body.id).toContain(org.org.adminUserId);
    const unknown = await tokenRequest({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: jwt('nobody@example.com')
    });
    expect(unknown).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refresh token: jsforce refreshes after a 401 and retries, once', async () => {
    const conn = new Connection({
      oauth2: { clientId: 'cid', clientSecret: 'secret', loginUrl: org.instanceUrl },
      instanceUrl: org.instanceUrl,
      accessToken: '00D000000000001!AQexpired',
      refreshToken: 'refresh-me',
      version: API_VERSION
    });
    let refreshed = 0;
    conn.on('refresh', () => {
      refreshed += 1;
    });
    expect((await conn.query('SELECT Id FROM User')).totalSize).toBeGreaterThan(0);
    expect(refreshed).toBe(1);
    expect(conn.accessToken).toMatch(SF_TOKEN_SHAPE);
  });

  it('an unsupported grant or a missing client id is refused', async () => {
    expect((await tokenRequest({ grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
    expect((await tokenRequest({ grant_type: 'client_credentials' })).status).toBe(400);
  });

  it('userinfo gives the user and the org', async () => {
    const info = await org.conn.request<Record<string, unknown>>(`${org.instanceUrl}/services/oauth2/userinfo`);
    expect(info).toMatchObject({
      user_id: org.org.adminUserId,
      organization_id: org.org.orgId,
      preferred_username: ADMIN_USERNAME
    });
  });

  it('a token it did not issue gets 401 INVALID_SESSION_ID', async () => {
    const conn = new Connection({
      instanceUrl: org.instanceUrl,
      accessToken: '00D000000000001!AQforged.005000000000001AAA.00',
      version: API_VERSION
    });
    expect((await failure(Promise.resolve(conn.query('SELECT Id FROM User')))).name).toBe('INVALID_SESSION_ID');
  });
});

describe('discovery and limits', () => {
  it('lists two-digit API versions, the resources of one, and the daily allocation', async () => {
    const versions = await (await fetch(`${org.instanceUrl}/services/data`)).json();
    expect(versions).toContainEqual({
      label: expect.any(String) as unknown,
      url: '/services/data/v62.0',
      version: '62.0'
    });
    expect(await org.conn.request('/')).toMatchObject({ query: '/services/data/v62.0/query' });
    const limits = await org.conn.request<{ DailyApiRequests: { Max: number; Remaining: number } }>('/limits');
    expect(limits.DailyApiRequests.Max - limits.DailyApiRequests.Remaining).toBe(org.org.apiUsed - 0);
    expect(org.conn.limitInfo?.apiUsage?.used).toBe(org.org.apiUsed);
  });
});
