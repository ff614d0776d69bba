/**
 * The durable inbox (SQLite, WAL) under DATA_DIR. An event is acknowledged to Aircall only
 * once it is here. Events of one call or message are coalesced into one item (coalesce.ts),
 * keyed by its Aircall_Id__c value; an item is processed when it is final and again whenever
 * a later event changes it (comments, tags, recording), so one call stays one Task.
 * The inbox keeps the classified item and its raw `data`, never an envelope or its token.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Classified } from '../aircall/classify';
import type { AircallEvent } from '../aircall/read';
import { readResource } from '../aircall/read';
import type { Placement } from '../rules/types';
import type { SqliteDatabase } from '../sqlite';
import { openDatabase } from '../sqlite';
import type { CoalescedItem } from './coalesce';
import { coalesce } from './coalesce';

export type { Placement };

export type ItemState = 'pending' | 'logged' | 'skipped' | 'dead';

export interface InboxItem {
  readonly key: string;
  readonly kind: 'call' | 'message';
  readonly phone: string | null;
  /**
   * The newest snapshot, classified at the boundary (apply `inContext` before planning).
   * Null only for a payload an earlier version stored and the current parser cannot read.
   */
  readonly classified: Classified | null;
  readonly voicemailLeft: boolean;
  readonly version: number;
  readonly attempts: number;
  readonly taskId: string | null;
  /** Where the Task was placed when written (target and related record): updates keep it. */
  readonly placement: Placement | null;
  /** When the event that made this version arrived (webhook-to-Task latency). */
  readonly changedAt: number;
  readonly state: ItemState;
  readonly lastError: string | null;
  /** The rules' trace of the last time it was logged or skipped, one `R1: …` line each. */
  readonly trace: string | null;
}

interface Row {
  key: string;
  kind: 'call' | 'message';
  phone: string | null;
  event: string | null;
  data: string;
  classified: string | null;
  data_ts: number;
  voicemail_left: number;
  final: number;
  version: number;
  processed_version: number;
  state: ItemState;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  task_id: string | null;
  placement: string | null;
  trace: string | null;
  changed_at: number;
}

const toItem = (row: Row): InboxItem => ({
  key: row.key,
  kind: row.kind,
  phone: row.phone,
  classified: row.classified ? (JSON.parse(row.classified) as Classified | null) : null,
  voicemailLeft: row.voicemail_left === 1,
  version: row.version,
  attempts: row.attempts,
  taskId: row.task_id,
  placement: row.placement ? (JSON.parse(row.placement) as Placement) : null,
  changedAt: row.changed_at,
  state: row.state,
  lastError: row.last_error,
  trace: row.trace ?? null
});

const toCoalesced = (row: Row): CoalescedItem => ({
  kind: row.kind,
  event: row.event ?? (row.kind === 'call' ? 'call.ended' : 'message.received'),
  data: JSON.parse(row.data) as Record<string, unknown>,
  classified: row.classified ? (JSON.parse(row.classified) as Classified | null) : null,
  problem: row.classified ? null : row.last_error,
  dataTs: row.data_ts,
  phone: row.phone,
  voicemailLeft: row.voicemail_left === 1,
  final: row.final === 1
});

/** The schema's version (PRAGMA user_version); `migrate` brings older files up to it. */
const SCHEMA_VERSION = 3;

/** How many batch budgets an update of a logged call may wait for a batch to join. */
export const UPDATE_WAIT_BUDGETS = 10;

export class Inbox {
  private readonly db: SqliteDatabase;
  private readonly lines: Set<string>;
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
   * kept every webhook body (with its token) and no classified item; version 2 kept no trace.
   */
  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    // claim() asks on every wake-up whether traffic is flowing (recent changed_at): indexed, for
    // files of either version.
    if (version >= SCHEMA_VERSION) {
      this.db.exec('CREATE INDEX IF NOT EXISTS items_changed ON items (changed_at)');
      return;
    }
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
          const read = this.reread(row);
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
        CREATE INDEX IF NOT EXISTS items_ready ON items (state, next_attempt_at);
        CREATE INDEX IF NOT EXISTS items_changed ON items (changed_at);
        CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS lines (e164 TEXT PRIMARY KEY, first_seen INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS numbers (
          e164 TEXT PRIMARY KEY, sobject TEXT NOT NULL, record_id TEXT NOT NULL, created_at INTEGER NOT NULL);`);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  }

  close(): void {
    this.db.close();
  }

  /** An item's raw data read again with the current parser. */
  private reread(row: Row): { classified: Classified | null; problem: string } {
    const resource = { kind: row.kind, event: toCoalesced(row).event, timestamp: row.data_ts };
    try {
      return { classified: readResource(resource, JSON.parse(row.data)), problem: '' };
    } catch (error) {
      return { classified: null, problem: error instanceof Error ? error.message : String(error) };
    }
  }

  /**
   * Stores an event and coalesces it into its item. `digest` identifies the delivery (a hash
   * of the body Aircall sent); returns false for an exact redelivery, which changes nothing.
   */
  accept(event: AircallEvent, digest: string): boolean {
    const now = this.now();
    return this.db.transaction(() => {
      const inserted = this.db
        .prepare('INSERT OR IGNORE INTO events (digest, key, event, received_at) VALUES (?, ?, ?, ?)')
        .run(digest, event.key, event.event, now);
      if (inserted.changes === 0) return false;
      const row = this.db.prepare('SELECT * FROM items WHERE key = ?').get(event.key) as Row | undefined;
      const { item, changed } = coalesce(row ? toCoalesced(row) : null, event);
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
            item.phone,
            item.event,
            JSON.stringify(item.data),
            item.classified ? JSON.stringify(item.classified) : null,
            item.problem,
            item.dataTs,
            item.voicemailLeft ? 1 : 0,
            item.final ? 1 : 0,
            now,
            now
          );
        return true;
      }
      if (!changed) return true;
      this.db
        .prepare(
          `UPDATE items SET event = ?, data = ?, classified = ?, last_error = ?, data_ts = ?, phone = ?,
             voicemail_left = ?, final = ?, version = version + 1, changed_at = ?, updated_at = ?,
             state = CASE WHEN state = 'dead' THEN 'dead' ELSE 'pending' END, next_attempt_at = 0, attempts = 0
           WHERE key = ?`
        )
        .run(
          item.event,
          JSON.stringify(item.data),
          item.classified ? JSON.stringify(item.classified) : null,
          item.problem,
          item.dataTs,
          item.phone,
          item.voicemailLeft ? 1 : 0,
          item.final ? 1 : 0,
          now,
          now,
          event.key
        );
      return true;
    })();
  }

  /**
   * Items ready to process: pending, final (or messages), changed since processed, due,
   * and with a phone number nobody is working on (two calls from one number never run at once).
   */
  claim(limit: number, busyPhones: ReadonlySet<string>, busyKeys: ReadonlySet<string>, windowMs = 0): InboxItem[] {
    const now = this.now();
    const rows = this.db
      .prepare(
        `SELECT * FROM items WHERE state = 'pending' AND final = 1 AND version > processed_version AND next_attempt_at <= ?
         ORDER BY changed_at LIMIT ?`
      )
      .all(now, limit * 4) as Row[];
    // A batch that is not full waits until its oldest item is windowMs old, so that calls
    // ending close together share their API requests, but only when something could join it:
    // traffic is flowing, or an update of a call already logged waits. A call alone on a quiet
    // line goes at once.
    // An update (a late tag or comment of a call already logged) is not urgent: it waits up to
    // ten budgets for a batch that a new call starts.
    if (rows.length < limit && rows[0] && this.couldJoin(rows, now, windowMs)) {
      const first = rows.find((r) => r.processed_version === 0);
      const due = Math.min(
        first ? first.changed_at + windowMs : Number.POSITIVE_INFINITY,
        rows[0].changed_at + windowMs * UPDATE_WAIT_BUDGETS
      );
      if (now < due) return [];
    }
    const out: InboxItem[] = [];
    const phones = new Set(busyPhones);
    for (const row of rows) {
      if (busyKeys.has(row.key)) continue;
      if (row.phone) {
        if (phones.has(row.phone)) continue;
        phones.add(row.phone);
      }
      out.push(toItem(row));
      if (out.length >= limit) break;
    }
    return out;
  }

  /**
   * Whether another item may join a batch soon: an update is waiting, or traffic is flowing
   * (another item changed within the last ten budgets). The product does not store the live
   * events of every call (call.created is not used), so recent traffic is the signal.
   */
  private couldJoin(rows: readonly Row[], now: number, windowMs: number): boolean {
    if (rows.length > 1 || rows.some((r) => r.processed_version > 0)) return true;
    const recent = this.db
      .prepare('SELECT 1 FROM items WHERE changed_at >= ? AND key <> ? LIMIT 1')
      .get(now - windowMs * UPDATE_WAIT_BUDGETS, rows[0]!.key);
    return recent !== undefined;
  }

  /** Processed: logged or skipped for good, unless a newer version arrived meanwhile. */
  complete(
    key: string,
    version: number,
    state: 'logged' | 'skipped',
    detail: { taskId?: string | null; reason?: string | null; placement?: Placement | null; trace?: string | null } = {}
  ): void {
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

  retryLater(key: string, delayMs: number, error: string): void {
    this.db
      .prepare(
        'UPDATE items SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE key = ?'
      )
      .run(this.now() + delayMs, error, this.now(), key);
  }

  /** A write that changes nothing of value: throws when the storage cannot be written (disk full, read-only). */
  probe(): void {
    this.db
      .prepare('INSERT INTO probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at')
      .run(this.now());
  }

  /**
   * Live calls whose `call.ended` never came: after `olderThanMs` without a change they are
   * skipped (LIVE_CALL_EXPIRED) so nothing waits for ever; a `call.ended` arriving later still
   * makes the item pending again, and it is logged then. Returns how many expired.
   */
  expireLive(olderThanMs: number): number {
    return this.db
      .prepare(
        `UPDATE items SET state = 'skipped', last_error = 'LIVE_CALL_EXPIRED', processed_version = version, updated_at = ?
         WHERE state = 'pending' AND final = 0 AND version > processed_version AND changed_at < ?`
      )
      .run(this.now(), this.now() - olderThanMs).changes;
  }

  /** Waits without counting an attempt: the cause is outside the item (invalid settings). */
  postpone(key: string, delayMs: number, reason: string): void {
    this.db
      .prepare('UPDATE items SET next_attempt_at = ?, last_error = ?, updated_at = ? WHERE key = ?')
      .run(this.now() + delayMs, reason, this.now(), key);
  }

  deadLetter(key: string, reason: string): void {
    this.db
      .prepare("UPDATE items SET state = 'dead', last_error = ?, attempts = attempts + 1, updated_at = ? WHERE key = ?")
      .run(reason, this.now(), key);
  }

  deadLetters(): InboxItem[] {
    return (this.db.prepare("SELECT * FROM items WHERE state = 'dead' ORDER BY updated_at").all() as Row[]).map(toItem);
  }

  /**
   * Puts dead letters back in the queue; returns how many. Each is read again from its raw
   * `data`, so a payload that an earlier version could not read gets the current parser.
   */
  retry(key?: string): number {
    return this.db.transaction(() => {
      const where = `state = 'dead'${key ? ' AND key = ?' : ''}`;
      const params = key ? [key] : [];
      const rows = this.db.prepare(`SELECT * FROM items WHERE ${where}`).all(...params) as Row[];
      const update = this.db.prepare('UPDATE items SET classified = ? WHERE key = ?');
      for (const row of rows) {
        // Still unreadable: the worker dead-letters it again with the reason.
        const read = this.reread(row);
        if (read.classified) update.run(JSON.stringify(read.classified), row.key);
      }
      const sql = `UPDATE items SET state = 'pending', attempts = 0, next_attempt_at = 0,
                     processed_version = MIN(processed_version, version - 1) WHERE ${where}`;
      return this.db.prepare(sql).run(...params).changes;
    })();
  }

  /** The calls and messages most recently received or changed, newest first (the console's list). */
  recent(limit: number): InboxItem[] {
    return (this.db.prepare('SELECT * FROM items ORDER BY changed_at DESC, key LIMIT ?').all(limit) as Row[]).map(
      toItem
    );
  }

  item(key: string): InboxItem | undefined {
    const row = this.db.prepare('SELECT * FROM items WHERE key = ?').get(key) as Row | undefined;
    return row ? toItem(row) : undefined;
  }

  /** Items waiting to be processed (final or not). */
  depth(): number {
    return (
      this.db
        .prepare("SELECT COUNT(*) AS n FROM items WHERE state = 'pending' AND version > processed_version")
        .get() as { n: number }
    ).n;
  }

  /** Final items not yet logged, skipped or dead. */
  outstanding(keys?: readonly string[]): number {
    if (!keys) {
      return (
        this.db
          .prepare(
            "SELECT COUNT(*) AS n FROM items WHERE state = 'pending' AND final = 1 AND version > processed_version"
          )
          .get() as { n: number }
      ).n;
    }
    const stmt = this.db.prepare(
      "SELECT 1 FROM items WHERE key = ? AND state = 'pending' AND final = 1 AND version > processed_version"
    );
    return keys.filter((k) => stmt.get(k)).length;
  }

  counts(keys: readonly string[]): Record<ItemState, number> {
    const out: Record<ItemState, number> = { pending: 0, logged: 0, skipped: 0, dead: 0 };
    const stmt = this.db.prepare('SELECT state FROM items WHERE key = ?');
    for (const key of keys) {
      const row = stmt.get(key) as { state: ItemState } | undefined;
      if (row) out[row.state] += 1;
    }
    return out;
  }

  /**
   * The company's Aircall lines seen in any event (a call from one of them is internal),
   * kept across restarts and shared by serve, replay and explain.
   */
  rememberLines(e164s: readonly string[]): void {
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

  /** A record the service created for a number: found at once, whatever the search index says. */
  rememberNumber(e164: string, sobject: string, recordId: string): void {
    this.db
      .prepare('INSERT OR REPLACE INTO numbers (e164, sobject, record_id, created_at) VALUES (?, ?, ?, ?)')
      .run(e164, sobject, recordId, this.now());
  }

  /** The remembered record is gone (deleted in the org): match the number afresh next time. */
  forgetNumber(e164: string): void {
    this.db.prepare('DELETE FROM numbers WHERE e164 = ?').run(e164);
  }

  knownNumbers(e164s: readonly string[]): Map<string, { sobject: string; recordId: string }> {
    const out = new Map<string, { sobject: string; recordId: string }>();
    const stmt = this.db.prepare('SELECT sobject, record_id FROM numbers WHERE e164 = ?');
    for (const e164 of e164s) {
      const row = stmt.get(e164) as { sobject: string; record_id: string } | undefined;
      if (row) out.set(e164, { sobject: row.sobject, recordId: row.record_id });
    }
    return out;
  }
}
