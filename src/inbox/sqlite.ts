/**
 * The embedded engine: one SQLite file (WAL) under DATA_DIR, for one process. Fast at any
 * queue size: claiming walks a partial index of claimable items in the order they changed
 * (no sort), the depth is kept by triggers (no count), and accepts that arrive together share
 * one transaction and one fsync (group commit), each resolved only once it is durable.
 */
// The engine is synchronous (better-sqlite3) behind the async interface both engines share.
/* eslint-disable @typescript-eslint/require-await */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AircallEvent } from '../aircall/read';
import type { SqliteDatabase } from '../sqlite';
import { openDatabase } from '../sqlite';
import { coalesce } from './coalesce';
import type { CompleteDetail, Inbox, InboxItem, ItemState, Row } from './inbox';
import { UPDATE_WAIT_BUDGETS, batchDue, choose, itemValues, joinable, reread, toCoalesced, toItem } from './inbox';

/** The schema's version (PRAGMA user_version); `migrate` brings older files up to it. */
const SCHEMA_VERSION = 4;

/** The items claim() may take, in the order it takes them: the partial index items_claimable. */
const CLAIMABLE = "state = 'pending' AND final = 1 AND version > processed_version";
const WAITING = "state = 'pending' AND version > processed_version";

/** How many items one prune deletes per transaction (writers wait no longer than that). */
const PRUNE_CHUNK = 1000;

interface Pending {
  event: AircallEvent;
  digest: string;
  resolve: (stored: boolean) => void;
  reject: (error: unknown) => void;
}

export class SqliteInbox implements Inbox {
  readonly engine = 'sqlite' as const;
  private readonly db: SqliteDatabase;
  private readonly lines: Set<string>;
  private readonly listeners: (() => void)[] = [];
  private queue: Pending[] = [];
  private flushing = false;
  readonly now: () => number;

  constructor(dataDir: string, options: { now?: () => number } = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.now = options.now ?? Date.now;
    this.db = openDatabase(join(dataDir, 'inbox.sqlite'));
    this.db.pragma('journal_mode = WAL');
    // FULL: an event answered 200 must survive a power loss, not only a crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.lines = new Set((this.db.prepare('SELECT e164 FROM lines').all() as { e164: string }[]).map((r) => r.e164));
  }

  /**
   * Creates the tables, or brings a file written by an earlier version up to date: version 1
   * kept every webhook body (with its token) and no classified item; version 2 kept no trace;
   * version 3 counted the queue on every wake-up (version 4 keeps the count, with its indexes).
   */
  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version >= SCHEMA_VERSION) return;
    const columns = (table: string) =>
      (this.db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as { name: string }[]).map(
        (c) => c.name
      );
    this.db.transaction(() => {
      if (columns('events').includes('body')) {
        this.db.exec(`
          CREATE TABLE events_v2 (id INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE, key TEXT NOT NULL,
            event TEXT NOT NULL, received_at INTEGER NOT NULL);
          INSERT INTO events_v2 (id, digest, key, event, received_at) SELECT id, digest, key, event, received_at FROM events;
          DROP TABLE events;
          ALTER TABLE events_v2 RENAME TO events;`);
      }
      const itemColumns = columns('items');
      if (itemColumns.length > 0 && !itemColumns.includes('trace'))
        this.db.exec('ALTER TABLE items ADD COLUMN trace TEXT');
      if (itemColumns.length > 0 && !itemColumns.includes('classified')) {
        this.db.exec('ALTER TABLE items ADD COLUMN classified TEXT');
        this.db.exec('ALTER TABLE items ADD COLUMN event TEXT');
        const rows = this.db.prepare('SELECT * FROM items').all() as Row[];
        const update = this.db.prepare('UPDATE items SET classified = ? WHERE key = ?');
        const dead = this.db.prepare("UPDATE items SET state = 'dead', last_error = ? WHERE key = ?");
        for (const row of rows) {
          const read = reread(row);
          if (read.classified) update.run(JSON.stringify(read.classified), row.key);
          else dead.run(read.problem, row.key);
        }
      }
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS events (
          id INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE, key TEXT NOT NULL, event TEXT NOT NULL,
          received_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS items (
          key TEXT PRIMARY KEY, kind TEXT NOT NULL, phone TEXT, event TEXT, data TEXT NOT NULL, classified TEXT,
          data_ts INTEGER NOT NULL, voicemail_left INTEGER NOT NULL DEFAULT 0, final INTEGER NOT NULL DEFAULT 0,
          version INTEGER NOT NULL DEFAULT 0, processed_version INTEGER NOT NULL DEFAULT 0,
          state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT, task_id TEXT,
          placement TEXT, trace TEXT, changed_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
        DROP INDEX IF EXISTS items_ready;
        CREATE INDEX IF NOT EXISTS items_claimable ON items (changed_at) WHERE ${CLAIMABLE};
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
    await this.drain();
    this.db.close();
  }

  onWork(listener: () => void): void {
    this.listeners.push(listener);
  }

  private signal(): void {
    for (const listener of this.listeners) listener();
  }

  accept(event: AircallEvent, digest: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, digest, resolve, reject });
      if (this.queue.length === 1 && !this.flushing) setImmediate(() => this.flush());
    });
  }

  /** Resolves once every accept queued so far is committed (close waits for it). */
  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing) await new Promise((r) => setImmediate(r));
  }

  /**
   * Group commit: every accept queued since the last flush in one transaction (each in its
   * own savepoint, so one that throws fails alone), then each promise settles.
   */
  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    this.flushing = true;
    const outcomes: ({ ok: true; stored: boolean; claimable: boolean } | { ok: false; error: unknown })[] = [];
    try {
      this.db.transaction(() => {
        const one = this.db.transaction((p: Pending) => this.acceptOne(p.event, p.digest));
        for (const p of batch) {
          try {
            outcomes.push({ ok: true, ...one(p) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      })();
    } catch (error) {
      // The commit itself failed (disk full, read-only): nothing of the batch is stored.
      for (const p of batch) p.reject(error);
      this.flushing = false;
      if (this.queue.length > 0) setImmediate(() => this.flush());
      return;
    }
    let claimable = false;
    batch.forEach((p, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) {
        claimable ||= outcome.claimable;
        p.resolve(outcome.stored);
      } else p.reject(outcome.error);
    });
    this.flushing = false;
    if (this.queue.length > 0) setImmediate(() => this.flush());
    if (claimable) this.signal();
  }

  private acceptOne(event: AircallEvent, digest: string): { stored: boolean; claimable: boolean } {
    const now = this.now();
    const inserted = this.db
      .prepare('INSERT OR IGNORE INTO events (digest, key, event, received_at) VALUES (?, ?, ?, ?)')
      .run(digest, event.key, event.event, now);
    if (inserted.changes === 0) return { stored: false, claimable: false };
    const row = this.db.prepare('SELECT * FROM items WHERE key = ?').get(event.key) as Row | undefined;
    const { item, changed } = coalesce(row ? toCoalesced(row) : null, event);
    const v = itemValues(item);
    if (!row) {
      this.db
        .prepare(
          `INSERT INTO items (key, kind, phone, event, data, classified, last_error, data_ts, voicemail_left, final,
             version, changed_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`
        )
        .run(
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
      return { stored: true, claimable: item.final };
    }
    if (!changed) return { stored: true, claimable: false };
    this.db
      .prepare(
        `UPDATE items SET event = ?, data = ?, classified = ?, last_error = ?, data_ts = ?, phone = ?,
           voicemail_left = ?, final = ?, version = version + 1, changed_at = ?, updated_at = ?,
           state = CASE WHEN state = 'dead' THEN 'dead' ELSE 'pending' END, next_attempt_at = 0, attempts = 0
         WHERE key = ?`
      )
      .run(v.event, v.data, v.classified, v.problem, v.dataTs, v.phone, v.voicemailLeft, v.final, now, now, event.key);
    return { stored: true, claimable: item.final && row.state !== 'dead' };
  }

  async claim(
    limit: number,
    busyPhones: ReadonlySet<string>,
    busyKeys: ReadonlySet<string>,
    windowMs = 0
  ): Promise<InboxItem[]> {
    const now = this.now();
    // Walks the partial index in changed_at order and stops as soon as the batch is full: the
    // cost does not grow with the queue, and a busy number at the head does not block the rest.
    const candidates = this.db
      .prepare(
        `SELECT * FROM items INDEXED BY items_claimable WHERE ${CLAIMABLE} AND next_attempt_at <= ? ORDER BY changed_at`
      )
      .iterate(now) as IterableIterator<Row>;
    let rows: Row[];
    try {
      rows = choose(candidates, limit, busyPhones, busyKeys);
    } finally {
      candidates.return?.();
    }
    if (rows.length === 0) return [];
    if (rows.length < limit && now < batchDue(rows, windowMs) && this.couldJoin(rows, now, windowMs)) return [];
    return rows.map(toItem);
  }

  /**
   * Whether another item may join a batch soon: an update is waiting, or traffic is flowing
   * (another item changed within the last ten budgets). The product does not store the live
   * events of every call (call.created is not used), so recent traffic is the signal.
   */
  private couldJoin(rows: readonly Row[], now: number, windowMs: number): boolean {
    if (joinable(rows)) return true;
    const recent = this.db
      .prepare('SELECT 1 FROM items WHERE changed_at >= ? AND key <> ? LIMIT 1')
      .get(now - windowMs * UPDATE_WAIT_BUDGETS, rows[0]!.key);
    return recent !== undefined;
  }

  async complete(
    key: string,
    version: number,
    state: 'logged' | 'skipped',
    detail: CompleteDetail = {}
  ): Promise<void> {
    this.db
      .prepare(
        `UPDATE items SET processed_version = MAX(processed_version, ?),
           state = CASE WHEN version > ? THEN 'pending' ELSE ? END,
           task_id = COALESCE(?, task_id), placement = COALESCE(?, placement), last_error = ?,
           trace = COALESCE(?, trace), attempts = 0, next_attempt_at = 0, updated_at = ?
         WHERE key = ?`
      )
      .run(
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
  }

  async retryLater(key: string, delayMs: number, error: string): Promise<void> {
    this.db
      .prepare(
        'UPDATE items SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE key = ?'
      )
      .run(this.now() + delayMs, error, this.now(), key);
  }

  async probe(): Promise<void> {
    this.db
      .prepare('INSERT INTO probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at')
      .run(this.now());
  }

  async expireLive(olderThanMs: number): Promise<number> {
    return this.db
      .prepare(
        `UPDATE items SET state = 'skipped', last_error = 'LIVE_CALL_EXPIRED', processed_version = version, updated_at = ?
         WHERE state = 'pending' AND final = 0 AND version > processed_version AND changed_at < ?`
      )
      .run(this.now(), this.now() - olderThanMs).changes;
  }

  async prune(olderThanMs: number): Promise<number> {
    const cutoff = this.now() - olderThanMs;
    let deleted = 0;
    const items = this.db.prepare(
      `DELETE FROM items WHERE rowid IN (SELECT rowid FROM items INDEXED BY items_done
         WHERE state IN ('logged', 'skipped') AND updated_at < ? LIMIT ${PRUNE_CHUNK})`
    );
    const events = this.db.prepare(
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

  async postpone(key: string, delayMs: number, reason: string): Promise<void> {
    this.db
      .prepare('UPDATE items SET next_attempt_at = ?, last_error = ?, updated_at = ? WHERE key = ?')
      .run(this.now() + delayMs, reason, this.now(), key);
  }

  async deadLetter(key: string, reason: string): Promise<void> {
    this.db
      .prepare("UPDATE items SET state = 'dead', last_error = ?, attempts = attempts + 1, updated_at = ? WHERE key = ?")
      .run(reason, this.now(), key);
  }

  async deadLetters(): Promise<InboxItem[]> {
    return (this.db.prepare("SELECT * FROM items WHERE state = 'dead' ORDER BY updated_at").all() as Row[]).map(toItem);
  }

  async retry(key?: string): Promise<number> {
    const retried = this.db.transaction(() => {
      const where = `state = 'dead'${key ? ' AND key = ?' : ''}`;
      const params = key ? [key] : [];
      const rows = this.db.prepare(`SELECT * FROM items WHERE ${where}`).all(...params) as Row[];
      const update = this.db.prepare('UPDATE items SET classified = ? WHERE key = ?');
      for (const row of rows) {
        // Still unreadable: the worker dead-letters it again with the reason.
        const read = reread(row);
        if (read.classified) update.run(JSON.stringify(read.classified), row.key);
      }
      const sql = `UPDATE items SET state = 'pending', attempts = 0, next_attempt_at = 0,
                     processed_version = MIN(processed_version, version - 1) WHERE ${where}`;
      return this.db.prepare(sql).run(...params).changes;
    })();
    if (retried > 0) this.signal();
    return retried;
  }

  async recent(limit: number): Promise<InboxItem[]> {
    return (this.db.prepare('SELECT * FROM items ORDER BY changed_at DESC, key LIMIT ?').all(limit) as Row[]).map(
      toItem
    );
  }

  async item(key: string): Promise<InboxItem | undefined> {
    const row = this.db.prepare('SELECT * FROM items WHERE key = ?').get(key) as Row | undefined;
    return row ? toItem(row) : undefined;
  }

  async depth(): Promise<number> {
    return (this.db.prepare('SELECT depth FROM stats WHERE id = 1').get() as { depth: number } | undefined)?.depth ?? 0;
  }

  async outstanding(keys?: readonly string[]): Promise<number> {
    if (!keys)
      return (
        this.db.prepare(`SELECT COUNT(*) AS n FROM items INDEXED BY items_claimable WHERE ${CLAIMABLE}`).get() as {
          n: number;
        }
      ).n;
    const stmt = this.db.prepare(`SELECT 1 FROM items WHERE key = ? AND ${CLAIMABLE}`);
    return keys.filter((k) => stmt.get(k)).length;
  }

  async counts(keys: readonly string[]): Promise<Record<ItemState, number>> {
    const out: Record<ItemState, number> = { pending: 0, logged: 0, skipped: 0, dead: 0 };
    const stmt = this.db.prepare('SELECT state FROM items WHERE key = ?');
    for (const key of keys) {
      const row = stmt.get(key) as { state: ItemState } | undefined;
      if (row) out[row.state] += 1;
    }
    return out;
  }

  async rememberLines(e164s: readonly string[]): Promise<void> {
    const fresh = e164s.filter((e) => !this.lines.has(e));
    if (fresh.length === 0) return;
    const insert = this.db.prepare('INSERT OR IGNORE INTO lines (e164, first_seen) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const e164 of fresh) insert.run(e164, this.now());
    })();
    for (const e164 of fresh) this.lines.add(e164);
  }

  companyLines(): ReadonlySet<string> {
    return this.lines;
  }

  async rememberNumber(e164: string, sobject: string, recordId: string): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO numbers (e164, sobject, record_id, created_at) VALUES (?, ?, ?, ?)')
      .run(e164, sobject, recordId, this.now());
  }

  async forgetNumber(e164: string): Promise<void> {
    this.db.prepare('DELETE FROM numbers WHERE e164 = ?').run(e164);
  }

  async knownNumbers(e164s: readonly string[]): Promise<Map<string, { sobject: string; recordId: string }>> {
    const out = new Map<string, { sobject: string; recordId: string }>();
    const stmt = this.db.prepare('SELECT sobject, record_id FROM numbers WHERE e164 = ?');
    for (const e164 of e164s) {
      const row = stmt.get(e164) as { sobject: string; record_id: string } | undefined;
      if (row) out.set(e164, { sobject: row.sobject, recordId: row.record_id });
    }
    return out;
  }
}
