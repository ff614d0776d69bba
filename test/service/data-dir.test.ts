/**
 * One data dir, one process (#30): a second `serve`, or a command that starts the embedded
 * local org, on a data dir a running `serve` holds is refused with one line, and the local
 * org's port the banner calls stable does not move; once serve stops, the data dir is free.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { callData, envelope } from '../fixtures/aircall-builders';
import { spawnServe } from '../helpers/serve';

const BIN = join(__dirname, '..', '..', 'bin', 'aircall-sf');
const run = promisify(execFile);

async function failing(args: string[], dataDir: string): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' },
      timeout: 60_000
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    return error as { code: number; stderr: string };
  }
}

it('refuses a second serve and a replay on a data dir serve holds; the port stays; free once serve stops', async () => {
  const first = spawnServe();
  try {
    await first.waitFor(/webhooks\/aircall/);
    const port = readFileSync(join(first.dataDir, 'local-org.port'), 'utf8');
    const second = await failing(['serve'], first.dataDir);
    expect(second.code).toBe(1);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toMatch(/is in use by aircall-sf serve \(pid \d+\): stop it first/);
    const events = join(first.dataDir, 'events.jsonl');
    writeFileSync(events, `${JSON.stringify(envelope('call.ended', callData()))}\n`);
    const replay = await failing(['replay', events], first.dataDir);
    expect(replay.code).not.toBe(0);
    expect(replay.stderr).toMatch(/is in use by aircall-sf serve/);
    expect(readFileSync(join(first.dataDir, 'local-org.port'), 'utf8')).toBe(port);
    expect(await first.stop()).toBe(0);
    const again = spawnServe({ DATA_DIR: first.dataDir });
    try {
      await again.waitFor(/webhooks\/aircall/);
      expect(readFileSync(join(first.dataDir, 'local-org.port'), 'utf8')).toBe(port);
      expect(await again.stop()).toBe(0);
    } finally {
      again.child.kill('SIGKILL');
    }
  } finally {
    first.cleanup();
  }
}, 120_000);
