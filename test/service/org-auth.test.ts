/** The org client's four auth modes against the local org, re-authentication, and config checks. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config';
import type { OrgAuth } from '../../src/config';
import { ADMIN_USERNAME, parseFaults } from '@aircall-sf/local-org';
import { createLogger } from '../../src/logger';
import { connect } from '../../src/salesforce/connection';
import { OrgGateway } from '../../src/salesforce/gateway';
import type { TestOrg } from '../helpers/local-org';
import { testOrg } from '../helpers/local-org';

let org: TestOrg;
let dir: string;
beforeAll(async () => {
  org = await testOrg();
  dir = mkdtempSync(join(tmpdir(), 'auth-'));
});
afterAll(async () => {
  await org.close();
  rmSync(dir, { recursive: true, force: true });
});

function keyFile(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = join(dir, `key-${Math.random()}.pem`);
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return file;
}

describe('connect()', () => {
  const modes = (): [string, OrgAuth][] => [
    ['access token', { mode: 'access-token', instanceUrl: org.instanceUrl, accessToken: org.accessToken }],
    [
      'client credentials',
      {
        mode: 'client-credentials',
        instanceUrl: org.instanceUrl,
        loginUrl: org.instanceUrl,
        clientId: 'id',
        clientSecret: 'secret'
      }
    ],
    [
      'JWT bearer',
      {
        mode: 'jwt',
        instanceUrl: org.instanceUrl,
        loginUrl: org.instanceUrl,
        clientId: 'id',
        username: ADMIN_USERNAME,
        keyFile: keyFile()
      }
    ],
    [
      'refresh token',
      {
        mode: 'refresh-token',
        instanceUrl: org.instanceUrl,
        loginUrl: org.instanceUrl,
        clientId: 'id',
        clientSecret: null,
        refreshToken: 'rt'
      }
    ]
  ];
  it.each([0, 1, 2, 3])('mode %#: logs in and identifies the integration user', async (i) => {
    const [, auth] = modes()[i]!;
    const gateway = new OrgGateway(await connect(auth, '62.0'), '62.0');
    expect(await gateway.init()).toEqual({ userId: org.org.adminUserId, orgId: org.org.orgId });
  });

  it.each([1, 2])('mode %#: re-mints the session after an expired one (401) and carries on', async (i) => {
    const expiring = await testOrg({ faults: parseFaults('rate=0.5,kinds=INVALID_SESSION_ID,seed=4') });
    try {
      const auth = { ...modes()[i]![1], instanceUrl: expiring.instanceUrl, loginUrl: expiring.instanceUrl } as OrgAuth;
      const conn = await connect(auth, '62.0');
      let refreshed = 0;
      conn.on('refresh', () => {
        refreshed += 1;
      });
      for (let n = 0; n < 10; n += 1) await conn.query('SELECT Id FROM Organization');
      expect(refreshed).toBeGreaterThan(0);
    } finally {
      await expiring.close();
    }
  });

  it('a refused login is a CONFIG_INVALID error that does not echo the secret', async () => {
    const auth: OrgAuth = {
      mode: 'jwt',
      instanceUrl: org.instanceUrl,
      loginUrl: org.instanceUrl,
      clientId: 'id',
      username: 'nobody@example.com',
      keyFile: keyFile()
    };
    await expect(connect(auth, '62.0')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('invalid_grant') as unknown
    });
  });
});

describe('loadConfig()', () => {
  it('picks the auth mode from the variables', () => {
    const base = { SF_INSTANCE_URL: 'https://acme.my.salesforce.com' };
    expect(loadConfig({ ...base, SF_ACCESS_TOKEN: 't' }).org?.mode).toBe('access-token');
    expect(loadConfig({ ...base, SF_CLIENT_ID: 'c', SF_CLIENT_SECRET: 's' }).org?.mode).toBe('client-credentials');
    expect(loadConfig({ ...base, SF_CLIENT_ID: 'c', SF_REFRESH_TOKEN: 'r' }).org?.mode).toBe('refresh-token');
    const file = keyFile();
    expect(loadConfig({ ...base, SF_CLIENT_ID: 'c', SF_USERNAME: 'u', SF_JWT_KEY_FILE: file }).org?.mode).toBe('jwt');
    expect(loadConfig({}).org).toBeNull();
    expect(loadConfig({ AIRCALL_WEBHOOK_TOKEN: 'a, b' }).webhookTokens).toEqual(['a', 'b']);
  });

  it.each([
    [{ SF_INSTANCE_URL: 'https://acme.my.salesforce.com' }, /no credentials are/],
    [{ SF_INSTANCE_URL: 'acme' }, /must be a URL/],
    [{ SF_INSTANCE_URL: 'http://acme.example.com', SF_ACCESS_TOKEN: 't' }, /must use https/],
    [
      {
        SF_INSTANCE_URL: 'https://a.my.salesforce.com',
        SF_CLIENT_ID: 'c',
        SF_USERNAME: 'u',
        SF_JWT_KEY_FILE: '/nope.pem'
      },
      /SF_JWT_KEY_FILE/
    ],
    [{ PORT: 'eighty' }, /PORT must be a port number/]
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never puts a secret in its messages', () => {
    const attempt = () =>
      loadConfig({ SF_INSTANCE_URL: 'http://evil.example.com', SF_ACCESS_TOKEN: 'SECRET-TOKEN-123' });
    expect(attempt).toThrow(/must use https/);
    expect(attempt).not.toThrow(/SECRET-TOKEN-123/);
  });
});

describe('logs', () => {
  it('redact tokens and credentials', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      }
    });
    const logger = createLogger({ destination: sink });
    logger.info(
      {
        token: 'webhook-secret',
        body: { token: 'nested-secret' },
        accessToken: 'sf-secret',
        req: { headers: { authorization: 'Bearer abc' } }
      },
      'hello'
    );
    expect(out).toContain('hello');
    for (const secret of ['webhook-secret', 'nested-secret', 'sf-secret', 'Bearer abc'])
      expect(out).not.toContain(secret);
  });
});
