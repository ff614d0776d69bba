/** The storage suite on the embedded engine: SQLite in a fresh data dir per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteInbox } from '../../src/inbox/sqlite';
import { storageSuite } from '../helpers/storage-suite';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storage-'));
  dirs.push(dir);
});

storageSuite('sqlite', ({ now }) => Promise.resolve(new SqliteInbox(dir, { now })));
