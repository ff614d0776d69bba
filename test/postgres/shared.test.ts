/**
 * What only a shared engine must do: processes that share one database never work on one
 * item or one number at once, a process killed with -9 loses its claims when its lease
 * expires, new work reaches the other processes at once, and migrations run once when
 * several processes start together.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { copySqliteToPostgres } from '../../src/inbox/copy';
import { PostgresInbox } from '../../src/inbox/postgres';
import { SqliteInbox } from '../../src/inbox/sqlite';
import { testDatabase } from '../helpers/postgres';
import { ended } from '../helpers/storage-suite';

const none = new Set<string>();

describe('PostgreSQL shared by several processes', () => {
  let url = '';
  beforeEach(async () => {
    url = await testDatabase();
  });

  it('runs the migrations once when five processes start at the same moment', async () => {
    const inboxes = await Promise.all(Array.from({ length: 5 }, () => PostgresInbox.open(url)));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ version: number }>('SELECT version FROM aircall_schema');
    await client.end();
    expect(rows).toEqual([{ version: 3 }]);
    await Promise.all(inboxes.map((i) => i.close()));
  });

  it('upgrades a version 1 database (deliveries unique by digest) to unique by item and digest, keeping them', async () => {
    const first = await PostgresInbox.open(url);
    expect(await first.accept(ended(61), 'digest-61')).toBe(true);
    await first.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // Version 1 as it was: the digest alone was the key.
      await client.query(`ALTER TABLE aircall_events DROP CONSTRAINT aircall_events_pkey;
        ALTER TABLE aircall_events ADD PRIMARY KEY (digest); UPDATE aircall_schema SET version = 1`);
      const inbox = await PostgresInbox.open(url);
      try {
        expect(await inbox.accept(ended(61), 'digest-61')).toBe(false); // seen before the upgrade
        expect(await inbox.accept(ended(62), 'digest-62')).toBe(true);
      } finally {
        await inbox.close();
      }
      const { rows } = await client.query<{ column: string }>(
        `SELECT a.attname AS column FROM pg_index i
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
         WHERE i.indrelid = 'aircall_events'::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`
      );
      expect(rows.map((r) => r.column)).toEqual(['key', 'digest']);
      expect((await client.query('SELECT version FROM aircall_schema')).rows).toEqual([{ version: 3 }]);
    } finally {
      await client.end();
    }
  });

  it('never gives one item or one number to two processes, however they race', async () => {
    const a = await PostgresInbox.open(url);
    const b = await PostgresInbox.open(url);
    const c = await PostgresInbox.open(url);
    try {
      // 60 calls on 20 numbers.
      await Promise.all(Array.from({ length: 60 }, (_, i) => a.accept(ended(100 + i, i % 20), `d${i}`)));
      const seen: string[] = [];
      const inFlight = new Map<string, string>();
      const work = async (inbox: PostgresInbox, name: string) => {
        for (;;) {
          const items = await inbox.claim(5, none, none);
          if (items.length === 0) {
            if ((await inbox.outstanding()) === 0) return;
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          for (const item of items) {
            const holder = inFlight.get(item.phone!);
            if (holder) throw new Error(`${item.phone} claimed by ${name} while ${holder} holds it`);
            inFlight.set(item.phone!, name);
          }
          await new Promise((r) => setTimeout(r, 5));
          for (const item of items) {
            inFlight.delete(item.phone!);
            seen.push(item.key);
            await inbox.complete(item.key, item.version, 'logged', {});
          }
        }
      };
      await Promise.all([work(a, 'a'), work(b, 'b'), work(c, 'c')]);
      expect(seen).toHaveLength(60);
      expect(new Set(seen).size).toBe(60);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  }, 60_000);

  it('groups accepts without deadlock while other processes accept the same calls, claim and renew leases', async () => {
    const inboxes = await Promise.all([0, 1, 2].map(() => PostgresInbox.open(url, { leaseMs: 300 })));
    try {
      // 40 calls, each delivered by all three processes in different orders, with claims and
      // heartbeats (which lock several rows) running against the same rows meanwhile.
      const ids = Array.from({ length: 40 }, (_, i) => 300 + i);
      const claiming = inboxes.map(async (inbox) => {
        for (let round = 0; round < 20; round += 1) {
          await inbox.claim(10, none, none);
          await inbox.renewLeases();
        }
      });
      const accepted = await Promise.all(
        inboxes.flatMap((inbox, n) =>
          (n === 1 ? [...ids].reverse() : ids).map((id) => inbox.accept(ended(id), `g${id}`))
        )
      );
      await Promise.all(claiming);
      expect(accepted.filter(Boolean)).toHaveLength(40); // each delivery stored once, by one process
      expect(await inboxes[0]!.counts(ids.map((id) => `call:${id}`))).toMatchObject({ pending: 40 });
    } finally {
      await Promise.all(inboxes.map((i) => i.close()));
    }
  }, 60_000);

  it('an event the database refuses fails alone: the others accepted with it are stored', async () => {
    const inbox = await PostgresInbox.open(url);
    try {
      const outcomes = await Promise.allSettled([
        inbox.accept(ended(401), 'ok-1'),
        inbox.accept(ended(402), 'ok-2'),
        inbox.accept(ended(403), 'bad\u0000digest'), // PostgreSQL's TEXT holds no NUL
        inbox.accept(ended(404), 'ok-4')
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(await inbox.item('call:404')).toMatchObject({ state: 'pending' });
      expect(await inbox.item('call:403')).toBeUndefined();
    } finally {
      await inbox.close();
    }
  });

  it('gives the claims of a process killed with -9 to another once their lease expires', async () => {
    const survivor = await PostgresInbox.open(url, { leaseMs: 1000 });
    try {
      await survivor.accept(ended(201), 'x');
      // Another process claims the call, then dies without completing it.
      const script = `
        const { PostgresInbox } = require(${JSON.stringify(join(__dirname, '../../src/inbox/postgres'))});
        PostgresInbox.open(process.argv[1], { leaseMs: 1000 }).then(async (inbox) => {
          const items = await inbox.claim(10, new Set(), new Set());
          console.log('claimed ' + items.map((i) => i.key).join(','));
        });`;
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', '-e', script, url], {
        stdio: ['ignore', 'pipe', 'inherit']
      });
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('claimed call:201')) resolve();
        })
      );
      // While the holder lives (its heartbeat renews the lease), nobody else takes it.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await survivor.claim(10, none, none)).toEqual([]);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      let claimed: string[] = [];
      const deadline = Date.now() + 5000;
      while (claimed.length === 0 && Date.now() < deadline) {
        claimed = (await survivor.claim(10, none, none)).map((i) => i.key);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(claimed).toEqual(['call:201']);
    } finally {
      await survivor.close();
    }
  }, 30_000);

  it('wakes another process at once when one accepts a call, and sees the lines and records it kept', async () => {
    const a = await PostgresInbox.open(url);
    const b = await PostgresInbox.open(url, { linesRefreshMs: 100 });
    try {
      const woken = new Promise<void>((resolve) => b.onWork(resolve));
      await a.accept(ended(301), 'n');
      await woken;
      await a.rememberLines(['+33100000301']);
      await a.rememberNumber('+33600000301', 'Contact', '003000000000301AAA');
      expect((await b.knownNumbers(['+33600000301'])).get('+33600000301')).toEqual({
        sobject: 'Contact',
        recordId: '003000000000301AAA'
      });
      for (let i = 0; i < 50 && !b.companyLines().has('+33100000301'); i += 1)
        await new Promise((r) => setTimeout(r, 20));
      expect(b.companyLines().has('+33100000301')).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses a database whose schema is newer than this version, with what to do', async () => {
    const first = await PostgresInbox.open(url);
    await first.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('UPDATE aircall_schema SET version = 99');
    await client.end();
    await expect(PostgresInbox.open(url)).rejects.toThrow(/version 99, newer than this aircall-sf knows.*upgrade/);
  });

  it('moves a single node to PostgreSQL: copy-storage carries every item, delivery, number and line over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'copy-'));
    try {
      const sqlite = new SqliteInbox(dir);
      for (let i = 0; i < 2500; i += 1) await sqlite.accept(ended(10_000 + i), `c${i}`);
      const [logged, dead] = await sqlite.claim(2, none, none);
      await sqlite.complete(logged!.key, 1, 'logged', { taskId: '00T000000000777AAA', trace: 'R1: logged' });
      await sqlite.deadLetter(dead!.key, 'INVALID_FIELD: retry the dead letter');
      await sqlite.rememberNumber('+33600000777', 'Contact', '003000000000777AAA');
      await sqlite.rememberLines(['+33100000777']);
      await sqlite.close();

      const counts = await copySqliteToPostgres(dir, url);
      expect(counts).toEqual({ items: 2500, events: 2500, numbers: 1, lines: 1 });
      const pg = await PostgresInbox.open(url);
      try {
        expect(await pg.item(logged!.key)).toMatchObject({
          state: 'logged',
          taskId: '00T000000000777AAA',
          trace: 'R1: logged'
        });
        expect((await pg.deadLetters()).map((d) => d.key)).toEqual([dead!.key]);
        expect(await pg.outstanding()).toBe(2498);
        expect(await pg.accept(ended(10_005), 'c5')).toBe(false); // a delivery seen before stays seen
        expect((await pg.knownNumbers(['+33600000777'])).size).toBe(1);
        expect(pg.companyLines().has('+33100000777')).toBe(true);
        expect(await pg.claim(10, none, none)).toHaveLength(10);
      } finally {
        await pg.close();
      }
      await expect(copySqliteToPostgres(dir, url)).rejects.toThrow(/already holds items/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
