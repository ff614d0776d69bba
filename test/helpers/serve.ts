/** `aircall-sf serve` as a child process on a fresh data dir, as `npm start` runs it. */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly dataDir: string;
  readonly exited: Promise<number | null>;
  /** Everything printed so far, stdout then stderr as it came. */
  output(): string;
  /** Until the output matches `pattern` (rejects if serve exits first). */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL if still running, and the data dir removed. */
  cleanup(): void;
}

export function spawnServe(env: Record<string, string> = {}): ServeProcess {
  const dataDir = mkdtempSync(join(tmpdir(), 'serve-'));
  const child = spawn(process.execPath, [join(__dirname, '..', '..', 'bin', 'aircall-sf'), 'serve'], {
    env: { PATH: process.env.PATH, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe']
  });
  let out = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    out += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    dataDir,
    exited,
    output: () => out,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out);
          if (match) {
            listeners.delete(check);
            resolve(match);
          }
        };
        listeners.add(check);
        check();
        void exited.then((code) => reject(new Error(`serve exited with ${code} before ${pattern}:\n${out}`)));
      }),
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
    cleanup: () => {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
}
