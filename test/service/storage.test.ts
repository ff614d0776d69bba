/** The storage suite on the embedded engine: SQLite in a fresh data dir per test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteInbox } from '../../src/inbox/sqlite';
import { openDatabase } from '../../src/sqlite';
import { ended, storageSuite } from '../helpers/storage-suite';

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

describe('storage (sqlite): claims across the processes that open one file', () => {
  it("keeps a running process's claims when another opens the file, frees those of a process that is gone", async () => {
    const serve = new SqliteInbox(dir);
    await serve.accept(ended(1), 'a');
    await serve.accept(ended(2), 'b');
    expect(await serve.claim(10, new Set(), new Set())).toHaveLength(2);
    // `explain` or `dead-letters list` opens the file while serve runs: serve keeps its work.
    const other = new SqliteInbox(dir);
    expect(await other.claim(10, new Set(), new Set())).toEqual([]);
    await other.close();
    await serve.close();
    // A claim whose process is gone (a pid no process has) is released when the file is opened;
    // one of a process that runs is kept.
    const db = openDatabase(join(dir, 'inbox.sqlite'));
    db.prepare("UPDATE items SET claimed = 4194304999 WHERE key = 'call:2'").run();
    db.prepare("UPDATE items SET claimed = ? WHERE key = 'call:1'").run(process.pid * 1000 + 999);
    db.close();
    const next = new SqliteInbox(dir);
    expect((await next.claim(10, new Set(), new Set())).map((i) => i.key)).toEqual(['call:2']);
    await next.close();
  });
});
