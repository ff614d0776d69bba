/** aircall-sf aircall-webhook and local-aircall as processes, against the local Aircall. */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RunningLocalAircall } from '@aircall-sf/local-aircall';
import { Company, startLocalAircall } from '@aircall-sf/local-aircall';
import { WEBHOOK_EVENTS } from '../../src/cli/aircall-webhook';

const run = promisify(execFile);
const BIN = join(__dirname, '..', '..', 'bin', 'aircall-sf');
const URL_ = 'https://aircall.acme.example/webhooks/aircall';
let aircall: RunningLocalAircall;

beforeAll(async () => {
  aircall = await startLocalAircall({ company: new Company('id', 'token') });
});
afterAll(() => aircall.close());

const cli = (args: string[]) =>
  run(process.execPath, [BIN, 'aircall-webhook', ...args], {
    env: {
      PATH: process.env.PATH,
      AIRCALL_API_URL: aircall.url,
      AIRCALL_API_ID: 'id',
      AIRCALL_API_TOKEN: 'token',
      LOG_LEVEL: 'silent'
    }
  });
const last = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;

describe('aircall-sf aircall-webhook', () => {
  it('creates the webhook with the events the product uses and prints the token to set', async () => {
    const { stdout, stderr } = await cli(['--url', URL_]);
    const webhook = last(stdout);
    expect(webhook).toMatchObject({ url: URL_, active: true, events: [...WEBHOOK_EVENTS] });
    expect(stderr).toContain(`Set AIRCALL_WEBHOOK_TOKEN=${String(webhook.token)}`);
    expect(WEBHOOK_EVENTS).toEqual(
      expect.arrayContaining(['call.created', 'call.ended', 'call.tagged', 'message.received'])
    );
  }, 60_000);

  it('run again after Aircall disabled it: the same webhook, re-enabled, no second one', async () => {
    const [id] = [...aircall.company.webhooks.keys()];
    aircall.company.disableWebhook(id!);
    const { stdout, stderr } = await cli(['--url', URL_]);
    expect(last(stdout)).toMatchObject({ webhook_id: id, active: true });
    expect(stderr).toContain(`Re-enabled the webhook ${id!}`);
    expect(aircall.company.webhooks.size).toBe(1);
  }, 60_000);

  it('refuses a URL that is not one', async () => {
    await expect(cli(['--url', 'not a url'])).rejects.toMatchObject({ code: 2 });
  }, 60_000);

  it.each([
    ['http:// on a public host', 'http://aircall.acme.example/webhooks/aircall', /https:\/\/ URL/],
    ['another path', 'https://aircall.acme.example/hooks', /must end with \/webhooks\/aircall/],
    ['a query string', 'https://aircall.acme.example/webhooks/aircall?x=1', /must end with/]
  ])(
    'refuses %s, and creates nothing',
    async (_label, url, message) => {
      const before = aircall.company.webhooks.size;
      const failure = (await cli(['--url', url]).then(
        () => ({ code: 0, stderr: '' }),
        (error: unknown) => error
      )) as { code: number; stderr: string };
      expect(failure.code).toBe(2);
      expect(failure.stderr).toMatch(message);
      expect(aircall.company.webhooks.size).toBe(before);
    },
    60_000
  );
});

describe('aircall-sf local-aircall', () => {
  it('serves a demo company and prints where and with which key', async () => {
    const child = spawn(process.execPath, [BIN, 'local-aircall', '--calls', '30', '--days', '2'], {
      env: { PATH: process.env.PATH }
    });
    try {
      const line = await new Promise<string>((resolve) =>
        child.stdout.once('data', (c: Buffer) => resolve(c.toString()))
      );
      const { url, apiId, apiToken } = JSON.parse(line) as { url: string; apiId: string; apiToken: string };
      const res = await fetch(`${url}/v1/calls?per_page=50`, {
        headers: { authorization: `Basic ${Buffer.from(`${apiId}:${apiToken}`).toString('base64')}` }
      });
      expect(((await res.json()) as { meta: { total: number } }).meta.total).toBe(30);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  }, 60_000);
});
