/**
 * One data dir, one process: `serve` and every command that starts the embedded local org
 * hold `DATA_DIR/aircall-sf.lock` (the holder's pid and name). The SQLite inbox and the local
 * org's data file are each written by one process; a second one would keep its own copy of the
 * local org in memory and move the port the banner calls stable. A lock whose process is gone
 * (kill -9, a crash) is taken over. Read-only commands (`dead-letters list`, `explain` on a
 * real org) do not lock.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AircallSfError, ERROR_CODES } from '../errors';

export const LOCK_FILE = 'aircall-sf.lock';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const held = new Map<string, number>();

/** Takes the data dir's lock for this process (re-entrant), or refuses with one line. */
export function lockDataDir(dataDir: string, holder: string): { release(): void } {
  const path = join(dataDir, LOCK_FILE);
  const release = () => {
    const count = (held.get(path) ?? 1) - 1;
    if (count > 0) return void held.set(path, count);
    held.delete(path);
    try {
      const owner = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown };
      if (owner.pid === process.pid) rmSync(path, { force: true });
    } catch {
      // already gone
    }
  };
  if (held.has(path)) {
    held.set(path, held.get(path)! + 1);
    return { release };
  }
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, holder }));
      closeSync(fd);
      held.set(path, 1);
      process.once('exit', () => {
        if (held.has(path)) rmSync(path, { force: true });
      });
      return { release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: { pid?: number; holder?: string } = {};
    try {
      owner = JSON.parse(readFileSync(path, 'utf8')) as { pid?: number; holder?: string };
    } catch {
      // unreadable: a lock written half; taken over below
    }
    if (typeof owner.pid === 'number' && owner.pid !== process.pid && alive(owner.pid))
      throw new AircallSfError(
        ERROR_CODES.CONFIG_INVALID,
        `The data dir ${dataDir} is in use by aircall-sf ${owner.holder ?? 'serve'} (pid ${owner.pid}): stop it first, or give this one another DATA_DIR (or --data-dir).`
      );
    rmSync(path, { force: true });
  }
  throw new AircallSfError(ERROR_CODES.CONFIG_INVALID, `The data dir ${dataDir} could not be locked (${path}).`);
}
