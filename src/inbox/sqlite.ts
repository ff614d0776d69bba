/**
 * The embedded engine: one SQLite file (WAL) under DATA_DIR, for one process. Fast at any
 * queue size: claiming walks a partial index of claimable items in the order they changed
 * (no sort), the depth is kept by triggers (no count), and accepts that arrive together share
 * one transaction and one fsync (group commit), each resolved only once it is durable.
 */
// The engine is synchronous (better-sqlite3) behind the async interface both engines share.
/* eslint-disable @typescript-eslint/require-await */
import { closeSync, fdatasync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AircallEvent } from '../aircall/read';
import type { SqliteDatabase, Statement } from '../sqlite';
import { openDatabase } from '../sqlite';
import { coalesce } from './coalesce';
import type { Candidate, CompleteDetail, Inbox, InboxItem, ItemState, Row } from './inbox';
import {
  API_USE_KEPT_MS,
  UPDATE_WAIT_BUDGETS,
  batchDue,
  choose,
  itemValues,
  joinable,
  minuteOf,
  reread,
  toCoalesced,
  toItem
} from './inbox';

/** The schema's version (PRAGMA user_version); `migrate` brings older files up to it. */
const SCHEMA_VERSION = 6;

/**
 * The deliveries, unique by item and then digest (a digest is a hash of the body, which names
 * its item, so this is the same constraint as the digest alone). A hash is random: unique by
 * itself, every delivery lands on a page of the index of its own, and at a few thousand a second
 * the commits wrote (and the cache missed) a page per event; with the item first, a new call's
 * deliveries are appended together, and accepts no longer slow down as the table grows.
 */
const EVENTS = `id INTEGER PRIMARY KEY, digest TEXT NOT NULL, key TEXT NOT NULL, event TEXT NOT NULL,
  received_at INTEGER NOT NULL, UNIQUE (key, digest)`;

/** Final items waiting to be logged (in flight or not). */
const OUTSTANDING = "state = 'pending' AND final = 1 AND version > processed_version";
/**
 * The items claim() may take, in the order it takes them: the partial index items_claimable.
 * Claimed items (in flight) leave it, so a claim never walks past the work already running.
 */
const CLAIMABLE = `${OUTSTANDING} AND claimed = 0`;
const WAITING = "state = 'pending' AND version > processed_version";
/** What every outcome of a claimed item writes: it is no longer in flight (`claimed` holds the claimer: its pid × 1000 + a number of its own). */
const RELEASE = 'claimed = 0';

/** How many items one prune deletes per transaction (writers wait no longer than that). */
const PRUNE_CHUNK = 1000;

/** Whether a process with this id runs (EPERM: it does, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Pending {
  run: () => unknown;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

export class SqliteInbox implements Inbox {
  readonly engine = 'sqlite' as const;
  readonly countsDepth = false;
  private readonly db: SqliteDatabase;
  private readonly lines: Set<string>;
  private readonly listeners: (() => void)[] = [];
  private queue: Pending[] = [];
  private flushing = false;
  /** Set by a write of the current group that made work claimable: signalled after the commit. */
  private claimable = false;
  private readonly statements = new Map<string, Statement>();
  private readonly file: string;
  private readonly walSync: boolean;
  private walFd: number | null = null;
  /** Group commits whose WAL sync is under way (close waits for them). */
  private syncing = 0;
  /** What this instance writes in `claimed`: its process id and a number of its own. */
  private readonly claimer = process.pid * 1000 + Math.floor(Math.random() * 1000);
  readonly now: () => number;

  constructor(dataDir: string, options: { now?: () => number } = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.now = options.now ?? Date.now;
    this.file = join(dataDir, 'inbox.sqlite');
    this.db = openDatabase(this.file);
    const mode = this.db.pragma('journal_mode = WAL', { simple: true }) as string;
    // An event answered 200 must survive a power loss, not only a crash. In WAL mode with
    // synchronous = NORMAL a commit writes the WAL without syncing it (sqlite.org/pragma.html
    // #pragma_synchronous: "WAL mode does lose durability"); this class syncs the WAL itself
    // after each group commit, on libuv's thread pool, and acknowledges nothing before: the
    // same durability as FULL without blocking the event loop on the disk. Without WAL, FULL.
    this.walSync = mode.toLowerCase() === 'wal';
    this.db.pragma(this.walSync ? 'synchronous = NORMAL' : 'synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    // What a process that is gone had in flight (it stopped or crashed) is claimable again; a
    // process still running (serve, while `explain` opens the file) keeps its claims.
    const holders = this.stmt('SELECT DISTINCT claimed FROM items WHERE claimed <> 0').all() as { claimed: number }[];
    for (const { claimed } of holders)
      if (!alive(Math.floor(claimed / 1000))) this.stmt(`UPDATE items SET ${RELEASE} WHERE claimed = ?`).run(claimed);
    this.lines = new Set((this.stmt('SELECT e164 FROM lines').all() as { e164: string }[]).map((r) => r.e164));
  }

  /**
   * Creates the tables, or brings a file written by an earlier version up to date: version 1
   * kept every webhook body (with its token) and no classified item; version 2 kept no trace;
   * version 3 counted the queue on every wake-up (version 4 keeps the count, with its indexes);
   * version 4 made deliveries unique by digest alone (version 5: by item, then digest);
   * version 6 counts the API use (api_use).
   */
  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version >= SCHEMA_VERSION) return;
    const columns = (table: string) =>
      (this.stmt(`SELECT name FROM pragma_table_info('${table}')`).all() as { name: string }[]).map((c) => c.name);
    this.db.transaction(() => {
      if (columns('events').length > 0 && version < 5) {
        // Rebuilt with the unique index of version 5 (EVENTS); version 1 also kept the bodies.
        this.db.exec(`
          CREATE TABLE events_v5 (${EVENTS});
          INSERT INTO events_v5 (id, digest, key, event, received_at) SELECT id, digest, key, event, received_at FROM events;
          DROP TABLE events;
          ALTER TABLE events_v5 RENAME TO events;`);
      }
      const itemColumns = columns('items');
      if (itemColumns.length > 0 && !itemColumns.includes('claimed'))
        this.db.exec('ALTER TABLE items ADD COLUMN claimed INTEGER NOT NULL DEFAULT 0');
      if (itemColumns.length > 0 && !itemColumns.includes('trace'))
        this.db.exec('ALTER TABLE items ADD COLUMN trace TEXT');
      if (itemColumns.length > 0 && !itemColumns.includes('classified')) {
        this.db.exec('ALTER TABLE items ADD COLUMN classified TEXT');
        this.db.exec('ALTER TABLE items ADD COLUMN event TEXT');
        const rows = this.stmt('SELECT * FROM items').all() as Row[];
        const update = this.stmt('UPDATE items SET classified = ? WHERE key = ?');
        const dead = this.stmt("UPDATE items SET state = 'dead', last_error = ? WHERE key = ?");
        for (const row of rows) {
          const read = reread(row);
          if (read.classified) update.run(JSON.stringify(read.classified), row.key);
          else dead.run(read.problem, row.key);
        }
      }
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS events (${EVENTS});
        CREATE TABLE IF NOT EXISTS items (
          key TEXT PRIMARY KEY, kind TEXT NOT NULL, phone TEXT, event TEXT, data TEXT NOT NULL, classified TEXT,
          data_ts INTEGER NOT NULL, voicemail_left INTEGER NOT NULL DEFAULT 0, final INTEGER NOT NULL DEFAULT 0,
          version INTEGER NOT NULL DEFAULT 0, processed_version INTEGER NOT NULL DEFAULT 0,
          state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT, task_id TEXT,
          placement TEXT, trace TEXT, changed_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
          claimed INTEGER NOT NULL DEFAULT 0);
        DROP INDEX IF EXISTS items_ready;
        CREATE INDEX IF NOT EXISTS items_claimable ON items (changed_at) WHERE ${CLAIMABLE};
        CREATE INDEX IF NOT EXISTS items_outstanding ON items (key) WHERE ${OUTSTANDING};
        CREATE INDEX IF NOT EXISTS items_live ON items (changed_at) WHERE state = 'pending' AND final = 0;
        CREATE INDEX IF NOT EXISTS items_changed ON items (changed_at);
        CREATE INDEX IF NOT EXISTS items_done ON items (updated_at) WHERE state IN ('logged', 'skipped');
        CREATE INDEX IF NOT EXISTS items_dead ON items (updated_at) WHERE state = 'dead';
        CREATE INDEX IF NOT EXISTS events_received ON events (received_at);
        CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS lines (e164 TEXT PRIMARY KEY, first_seen INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS numbers (
          e164 TEXT PRIMARY KEY, sobject TEXT NOT NULL, record_id TEXT NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS stats (id INTEGER PRIMARY KEY CHECK (id = 1), depth INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS api_use (minute INTEGER PRIMARY KEY, requests INTEGER NOT NULL);
        INSERT OR REPLACE INTO stats (id, depth) SELECT 1, COUNT(*) FROM items WHERE ${WAITING};
        CREATE TRIGGER IF NOT EXISTS items_depth_insert AFTER INSERT ON items BEGIN
          UPDATE stats SET depth = depth + (NEW.state = 'pending' AND NEW.version > NEW.processed_version);
        END;
        CREATE TRIGGER IF NOT EXISTS items_depth_update AFTER UPDATE OF state, version, processed_version ON items BEGIN
          UPDATE stats SET depth = depth + (NEW.state = 'pending' AND NEW.version > NEW.processed_version)
            - (OLD.state = 'pending' AND OLD.version > OLD.processed_version);
        END;
        CREATE TRIGGER IF NOT EXISTS items_depth_delete AFTER DELETE ON items BEGIN
          UPDATE stats SET depth = depth - (OLD.state = 'pending' AND OLD.version > OLD.processed_version);
        END;`);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }

  async close(): Promise<void> {
    if (!this.db.open) return; // closing twice (a failed start, then the owner's close) is harmless
    await this.drain();
    // Anything still claimed (a batch whose outcome could not be recorded) is free again.
    this.stmt(`UPDATE items SET ${RELEASE} WHERE claimed = ?`).run(this.claimer);
    this.db.close();
    if (this.walFd !== null) closeSync(this.walFd);
    this.walFd = null;
  }

  onWork(listener: () => void): void {
    this.listeners.push(listener);
  }

  private signal(): void {
    for (const listener of this.listeners) listener();
  }

  /** A statement prepared once (preparing costs more than running a small one). */
  private stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * A write, committed with the others queued in the same turn of the event loop (group
   * commit: one transaction and one fsync for all); resolves once it is durable.
   */
  private write<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve, reject });
      if (this.queue.length === 1 && !this.flushing) setImmediate(() => this.flush());
    });
  }

  accept(event: AircallEvent, digest: string): Promise<boolean> {
    return this.write(() => this.acceptOne(event, digest));
  }

  /** Resolves once every write queued so far is durable (close waits for it). */
  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing || this.syncing > 0) await new Promise((r) => setImmediate(r));
  }

  /**
   * Group commit: every write queued since the last flush in one transaction, then each
   * promise settles. Writes rarely throw, so the group first runs as it is; when one throws,
   * the group is rolled back and run again with each write in its own savepoint, so the one
   * that throws fails alone (two statements less per write in the usual case).
   */
  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.flushing = true;
    let outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    const group = (isolated: boolean) => {
      this.claimable = false;
      outcomes = [];
      const one = this.db.transaction((p: Pending) => p.run());
      this.db.transaction(() => {
        for (const p of batch) {
          if (!isolated) {
            outcomes.push({ ok: true, value: p.run() });
            continue;
          }
          try {
            outcomes.push({ ok: true, value: one(p) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    };
    try {
      try {
        group(false);
      } catch {
        group(true);
      }
    } catch (error) {
      // The commit itself failed (disk full, read-only): nothing of the group is stored.
      for (const p of batch) p.reject(error);
      this.flushing = false;
      if (this.queue.length > 0) setImmediate(() => this.flush());
      return;
    }
    const settle = (syncError: unknown) => {
      batch.forEach((p, i) => {
        const outcome = outcomes[i]!;
        if (syncError) p.reject(syncError);
        else if (outcome.ok) p.resolve(outcome.value as never);
        else p.reject(outcome.error);
      });
    };
    const claimable = this.claimable;
    this.flushing = false;
    // The next group commits while this one's WAL is synced (pipelined).
    if (this.queue.length > 0) setImmediate(() => this.flush());
    if (!this.walSync) {
      settle(null);
      if (claimable) this.signal();
      return;
    }
    this.syncing += 1;
    this.syncWal((error) => {
      this.syncing -= 1;
      settle(error);
      if (claimable && !error) this.signal();
    });
  }

  /** fdatasync of the WAL file (opened once; its directory entry synced the first time). */
  private syncWal(done: (error: Error | null) => void): void {
    try {
      if (this.walFd === null) {
        this.walFd = openSync(`${this.file}-wal`, 'r');
        const dir = openSync(dirname(this.file), 'r');
        try {
          fsyncSync(dir);
        } finally {
          closeSync(dir);
        }
      }
    } catch (error) {
      done(error as Error);
      return;
    }
    fdatasync(this.walFd, (error) => done(error));
  }

  private acceptOne(event: AircallEvent, digest: string): boolean {
    const now = this.now();
    const inserted = this.stmt(
      'INSERT OR IGNORE INTO events (digest, key, event, received_at) VALUES (?, ?, ?, ?)'
    ).run(digest, event.key, event.event, now);
    if (inserted.changes === 0) return false;
    const row = this.stmt('SELECT * FROM items WHERE key = ?').get(event.key) as Row | undefined;
    const { item, changed } = coalesce(row ? toCoalesced(row) : null, event);
    const v = itemValues(item);
    if (!row) {
      this.stmt(
        `INSERT INTO items (key, kind, phone, event, data, classified, last_error, data_ts, voicemail_left, final,
             version, changed_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`
      ).run(
        event.key,
        item.kind,
        v.phone,
        v.event,
        v.data,
        v.classified,
        v.problem,
        v.dataTs,
        v.voicemailLeft,
        v.final,
        now,
        now
      );
      this.claimable ||= item.final;
      return true;
    }
    if (!changed) return true;
    this.stmt(
      `UPDATE items SET event = ?, data = ?, classified = ?, last_error = ?, data_ts = ?, phone = ?,
           voicemail_left = ?, final = ?, version = version + 1, changed_at = ?, updated_at = ?,
           state = CASE WHEN state = 'dead' THEN 'dead' ELSE 'pending' END, next_attempt_at = 0, attempts = 0
         WHERE key = ?`
    ).run(v.event, v.data, v.classified, v.problem, v.dataTs, v.phone, v.voicemailLeft, v.final, now, now, event.key);
    this.claimable ||= item.final && row.state !== 'dead';
    return true;
  }

  async claim(
    limit: number,
    busyPhones: ReadonlySet<string>,
    busyKeys: ReadonlySet<string>,
    windowMs = 0,
    holdUpdates = false
  ): Promise<InboxItem[]> {
    const now = this.now();
    // Walks the partial index in changed_at order, reading only what the policy needs, and
    // stops as soon as the batch is full: the cost does not grow with the queue, and a busy
    // number (or the items in flight) at the head does not block the rest.
    const candidates = this.stmt(
      `SELECT key, phone, processed_version, changed_at FROM items INDEXED BY items_claimable
       WHERE ${CLAIMABLE} AND next_attempt_at <= ? ORDER BY changed_at`
    ).iterate(now) as IterableIterator<Candidate>;
    let chosen: { rows: Candidate[]; newBehind: number | null };
    try {
      chosen = choose(candidates, limit, busyPhones, busyKeys);
    } finally {
      candidates.return?.();
    }
    const { rows, newBehind } = chosen;
    if (rows.length === 0) return [];
    if (
      rows.length < limit &&
      now < batchDue(rows, windowMs, holdUpdates, newBehind) &&
      this.couldJoin(rows, now, windowMs)
    )
      return [];
    const keys = JSON.stringify(rows.map((r) => r.key));
    // In flight until an outcome is recorded (or the process restarts); committed with the
    // writes of the same turn, as nothing is lost if it is not durable.
    await this.write(() =>
      this.stmt('UPDATE items SET claimed = ? WHERE key IN (SELECT value FROM json_each(?))').run(this.claimer, keys)
    );
    const full = this.stmt('SELECT * FROM items WHERE key IN (SELECT value FROM json_each(?))').all(keys) as Row[];
    const order = new Map(rows.map((r, i) => [r.key, i]));
    return full.sort((a, b) => order.get(a.key)! - order.get(b.key)!).map(toItem);
  }

  /**
   * Whether another item may join a batch soon: an update is waiting, or traffic is flowing
   * (another item changed within the last ten budgets). The product does not store the live
   * events of every call (call.created is not used), so recent traffic is the signal.
   */
  private couldJoin(rows: readonly Candidate[], now: number, windowMs: number): boolean {
    if (joinable(rows)) return true;
    const recent = this.stmt('SELECT 1 FROM items WHERE changed_at >= ? AND key <> ? LIMIT 1').get(
      now - windowMs * UPDATE_WAIT_BUDGETS,
      rows[0]!.key
    );
    return recent !== undefined;
  }

  complete(key: string, version: number, state: 'logged' | 'skipped', detail: CompleteDetail = {}): Promise<void> {
    return this.write(() => {
      this.stmt(
        `UPDATE items SET processed_version = MAX(processed_version, ?),
           state = CASE WHEN version > ? THEN 'pending' ELSE ? END,
           task_id = COALESCE(?, task_id), placement = COALESCE(?, placement), last_error = ?,
           trace = COALESCE(?, trace), attempts = 0, next_attempt_at = 0, updated_at = ?, ${RELEASE}
         WHERE key = ?`
      ).run(
        version,
        version,
        state,
        detail.taskId ?? null,
        detail.placement ? JSON.stringify(detail.placement) : null,
        detail.reason ?? null,
        detail.trace ?? null,
        this.now(),
        key
      );
    });
  }

  retryLater(key: string, delayMs: number, error: string): Promise<void> {
    return this.write(() => {
      this.stmt(
        `UPDATE items SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ?, ${RELEASE}
         WHERE key = ?`
      ).run(this.now() + delayMs, error, this.now(), key);
    });
  }

  release(keys: readonly string[]): Promise<void> {
    return this.write(() => {
      this.stmt(`UPDATE items SET ${RELEASE} WHERE key IN (SELECT value FROM json_each(?))`).run(JSON.stringify(keys));
    });
  }

  probe(): Promise<void> {
    return this.write(() => {
      this.stmt('INSERT INTO probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at').run(
        this.now()
      );
    });
  }

  async expireLive(olderThanMs: number): Promise<number> {
    return this.stmt(
      `UPDATE items SET state = 'skipped', last_error = 'LIVE_CALL_EXPIRED', processed_version = version, updated_at = ?
         WHERE state = 'pending' AND final = 0 AND version > processed_version AND changed_at < ?`
    ).run(this.now(), this.now() - olderThanMs).changes;
  }

  async prune(olderThanMs: number): Promise<number> {
    const cutoff = this.now() - olderThanMs;
    let deleted = 0;
    const items = this.stmt(
      `DELETE FROM items WHERE rowid IN (SELECT rowid FROM items INDEXED BY items_done
         WHERE state IN ('logged', 'skipped') AND updated_at < ? LIMIT ${PRUNE_CHUNK})`
    );
    const events = this.stmt(
      `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE received_at < ? LIMIT ${PRUNE_CHUNK})`
    );
    for (;;) {
      const n = items.run(cutoff).changes;
      deleted += n;
      if (n < PRUNE_CHUNK) break;
      await new Promise((r) => setImmediate(r)); // accepts go between chunks
    }
    while (events.run(cutoff).changes === PRUNE_CHUNK) await new Promise((r) => setImmediate(r));
    return deleted;
  }

  postpone(key: string, delayMs: number, reason: string): Promise<void> {
    return this.write(() => {
      this.stmt(`UPDATE items SET next_attempt_at = ?, last_error = ?, updated_at = ?, ${RELEASE} WHERE key = ?`).run(
        this.now() + delayMs,
        reason,
        this.now(),
        key
      );
    });
  }

  deadLetter(key: string, reason: string): Promise<void> {
    return this.write(() => {
      this.stmt(
        `UPDATE items SET state = 'dead', last_error = ?, attempts = attempts + 1, updated_at = ?, ${RELEASE}
         WHERE key = ?`
      ).run(reason, this.now(), key);
    });
  }

  async deadLetters(): Promise<InboxItem[]> {
    return (this.stmt("SELECT * FROM items WHERE state = 'dead' ORDER BY updated_at").all() as Row[]).map(toItem);
  }

  async retry(key?: string): Promise<number> {
    const retried = this.db.transaction(() => {
      const where = `state = 'dead'${key ? ' AND key = ?' : ''}`;
      const params = key ? [key] : [];
      const rows = this.stmt(`SELECT * FROM items WHERE ${where}`).all(...params) as Row[];
      const update = this.stmt('UPDATE items SET classified = ? WHERE key = ?');
      const problem = this.stmt('UPDATE items SET last_error = ? WHERE key = ?');
      for (const row of rows) {
        // Still unreadable: the worker dead-letters it again with the reading problem itself
        // (not the last reason, which would be wrapped in one more copy at every retry).
        const read = reread(row);
        if (read.classified) update.run(JSON.stringify(read.classified), row.key);
        else problem.run(read.problem, row.key);
      }
      const sql = `UPDATE items SET state = 'pending', attempts = 0, next_attempt_at = 0, ${RELEASE},
                     processed_version = MIN(processed_version, version - 1) WHERE ${where}`;
      return this.stmt(sql).run(...params).changes;
    })();
    if (retried > 0) this.signal();
    return retried;
  }

  /** Every row of the tables a move to PostgreSQL copies (copy.ts), table by table, in pages. */
  *dump(page = 1000): Generator<{ table: 'items' | 'events' | 'numbers' | 'lines'; rows: Record<string, unknown>[] }> {
    const tables = {
      items: 'SELECT * FROM items WHERE rowid > ? ORDER BY rowid LIMIT ?',
      events: 'SELECT digest, key, event, received_at FROM events WHERE id > ? ORDER BY id LIMIT ?',
      numbers: 'SELECT e164, sobject, record_id, created_at FROM numbers WHERE rowid > ? ORDER BY rowid LIMIT ?',
      lines: 'SELECT e164, first_seen FROM lines WHERE rowid > ? ORDER BY rowid LIMIT ?'
    } as const;
    for (const [table, sql] of Object.entries(tables) as [keyof typeof tables, string][]) {
      const withRowid = sql.replace('SELECT ', 'SELECT rowid AS _rowid, ');
      let after = 0;
      for (;;) {
        const rows = this.stmt(withRowid).all(after, page) as ({ _rowid: number } & Record<string, unknown>)[];
        if (rows.length === 0) break;
        after = rows[rows.length - 1]!._rowid;
        yield { table, rows: rows.map(({ _rowid: _, ...row }) => row) };
      }
    }
  }

  async waiting(limit: number): Promise<InboxItem[]> {
    return (
      this.stmt(
        `SELECT * FROM items INDEXED BY items_claimable WHERE ${CLAIMABLE} AND next_attempt_at <= ? ORDER BY changed_at LIMIT ?`
      ).all(this.now(), limit) as Row[]
    ).map(toItem);
  }

  async history(since: number, after: { changedAt: number; key: string } | null, limit: number): Promise<InboxItem[]> {
    const rows = this.stmt(
      `SELECT * FROM items INDEXED BY items_changed WHERE changed_at >= ? AND (changed_at, key) > (?, ?)
       ORDER BY changed_at, key LIMIT ?`
    ).all(since, after?.changedAt ?? Number.MIN_SAFE_INTEGER, after?.key ?? '', limit) as Row[];
    return rows.map(toItem);
  }

  async recent(limit: number): Promise<InboxItem[]> {
    return (this.stmt('SELECT * FROM items ORDER BY changed_at DESC, key LIMIT ?').all(limit) as Row[]).map(toItem);
  }

  async item(key: string): Promise<InboxItem | undefined> {
    const row = this.stmt('SELECT * FROM items WHERE key = ?').get(key) as Row | undefined;
    return row ? toItem(row) : undefined;
  }

  async depth(): Promise<number> {
    return (this.stmt('SELECT depth FROM stats WHERE id = 1').get() as { depth: number } | undefined)?.depth ?? 0;
  }

  async outstanding(keys?: readonly string[]): Promise<number> {
    if (!keys)
      return (
        this.stmt(`SELECT COUNT(*) AS n FROM items INDEXED BY items_outstanding WHERE ${OUTSTANDING}`).get() as {
          n: number;
        }
      ).n;
    const stmt = this.stmt(`SELECT 1 FROM items WHERE key = ? AND ${OUTSTANDING}`);
    return keys.filter((k) => stmt.get(k)).length;
  }

  async counts(keys: readonly string[]): Promise<Record<ItemState, number>> {
    const out: Record<ItemState, number> = { pending: 0, logged: 0, skipped: 0, dead: 0 };
    const stmt = this.stmt('SELECT state FROM items WHERE key = ?');
    for (const key of keys) {
      const row = stmt.get(key) as { state: ItemState } | undefined;
      if (row) out[row.state] += 1;
    }
    return out;
  }

  async rememberLines(e164s: readonly string[]): Promise<void> {
    const fresh = e164s.filter((e) => !this.lines.has(e));
    if (fresh.length === 0) return;
    const insert = this.stmt('INSERT OR IGNORE INTO lines (e164, first_seen) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const e164 of fresh) insert.run(e164, this.now());
    })();
    for (const e164 of fresh) this.lines.add(e164);
  }

  companyLines(): ReadonlySet<string> {
    return this.lines;
  }

  rememberNumber(e164: string, sobject: string, recordId: string): Promise<void> {
    return this.write(() => {
      this.stmt('INSERT OR REPLACE INTO numbers (e164, sobject, record_id, created_at) VALUES (?, ?, ?, ?)').run(
        e164,
        sobject,
        recordId,
        this.now()
      );
    });
  }

  forgetNumber(e164: string): Promise<void> {
    return this.write(() => {
      this.stmt('DELETE FROM numbers WHERE e164 = ?').run(e164);
    });
  }

  async knownNumbers(e164s: readonly string[]): Promise<Map<string, { sobject: string; recordId: string }>> {
    const out = new Map<string, { sobject: string; recordId: string }>();
    const stmt = this.stmt('SELECT sobject, record_id FROM numbers WHERE e164 = ?');
    for (const e164 of e164s) {
      const row = stmt.get(e164) as { sobject: string; record_id: string } | undefined;
      if (row) out.set(e164, { sobject: row.sobject, recordId: row.record_id });
    }
    return out;
  }

  addApiUse(requests: number, at: number): Promise<void> {
    return this.write(() => {
      this.stmt(
        `INSERT INTO api_use (minute, requests) VALUES (?, ?)
         ON CONFLICT (minute) DO UPDATE SET requests = requests + excluded.requests`
      ).run(minuteOf(at), requests);
      this.stmt('DELETE FROM api_use WHERE minute < ?').run(minuteOf(at - API_USE_KEPT_MS));
    });
  }

  async apiUse(since: number): Promise<number> {
    const row = this.stmt('SELECT COALESCE(SUM(requests), 0) AS n FROM api_use WHERE minute >= ?').get(
      minuteOf(since)
    ) as { n: number };
    return row.n;
  }
}
