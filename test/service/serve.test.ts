/** `aircall-sf serve` with no org configured: what `npm start` runs on a fresh machine. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
