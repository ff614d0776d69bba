/**
 * The durable inbox (SQLite, WAL) under DATA_DIR. An event is acknowledged to Aircall only
 * once it is here. Events of one call or message are coalesced into one item, keyed by its
 * Aircall_Id__c value; an item is processed when it is final and again whenever a later event
 * changes it (comments, tags, recording), so one call stays one Task.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SqliteDatabase } from '../sqlite';
import { openDatabase } from '../sqlite';

export type ItemState = 'pending' | 'logged' | 'skipped' | 'dead';

export interface InboxItem {
  readonly key: string;
  readonly kind: 'call' | 'message';
  readonly phone: string | null;
  readonly data: Record<string, unknown>;
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
}

export interface Placement {
  readonly kind: 'Contact' | 'Lead' | 'Account' | 'PersonAccount';
  readonly id: string;
  readonly personContactId: string | null;
  readonly accountId: string | null;
  readonly relatedKind: 'Case' | 'Opportunity' | null;
  readonly relatedId: string | null;
}

export interface IncomingEvent {
  readonly key: string;
  readonly kind: 'call' | 'message';
  readonly event: string;
  /** Envelope timestamp (ms): the moment Aircall built the payload. */
  readonly timestamp: number;
  readonly phone: string | null;
  readonly final: boolean;
  readonly data: Record<string, unknown>;
  readonly body: string;
}

interface Row {
  key: string;
  kind: 'call' | 'message';
  phone: string | null;
  data: string;
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
  changed_at: number;
}

const toItem = (row: Row): InboxItem => ({
  key: row.key,
  kind: row.kind,
  phone: row.phone,
  data: JSON.parse(row.data) as Record<string, unknown>,
  voicemailLeft: row.voicemail_left === 1,
  version: row.version,
  attempts: row.attempts,
  taskId: row.task_id,
  placement: row.placement ? (JSON.parse(row.placement) as Placement) : null,
  changedAt: row.changed_at,
  state: row.state,
  lastError: row.last_error
});

export class Inbox {
  private readonly db: SqliteDatabase;
  readonly now: () => number;

  constructor(dataDir: string, options: { now?: () => number } = {}) {
    mkdirSync(dataDir, { recursive: true });
    this.now = options.now ?? Date.now;
    this.db = openDatabase(join(dataDir, 'inbox.sqlite'));
    this.db.pragma('journal_mode = WAL');
    // FULL: an event answered 200 must survive a power loss, not only a crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE, key TEXT NOT NULL, event TEXT NOT NULL,
        received_at INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS items (
        key TEXT PRIMARY KEY, kind TEXT NOT NULL, phone TEXT, data TEXT NOT NULL, data_ts INTEGER NOT NULL,
        voicemail_left INTEGER NOT NULL DEFAULT 0, final INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL DEFAULT 0, processed_version INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT, task_id TEXT,
        placement TEXT, changed_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS items_ready ON items (state, next_attempt_at);
      CREATE TABLE IF NOT EXISTS numbers (
        e164 TEXT PRIMARY KEY, sobject TEXT NOT NULL, record_id TEXT NOT NULL, created_at INTEGER NOT NULL);
    `);
  }

  close(): void {
    this.db.close();
  }

  /**
   * Stores an event and coalesces it into its item. Returns false for an exact redelivery
   * (same body), which changes nothing.
   */
  accept(event: IncomingEvent): boolean {
    const now = this.now();
    const digest = createHash('sha256').update(event.body).digest('hex');
    return this.db.transaction(() => {
      const inserted = this.db
        .prepare('INSERT OR IGNORE INTO events (digest, key, event, received_at, body) VALUES (?, ?, ?, ?, ?)')
        .run(digest, event.key, event.event, now, event.body);
      if (inserted.changes === 0) return false;
      const row = this.db.prepare('SELECT * FROM items WHERE key = ?').get(event.key) as Row | undefined;
      const voicemail = event.event === 'call.voicemail_left' ? 1 : 0;
      if (!row) {
        this.db
          .prepare(
            `INSERT INTO items (key, kind, phone, data, data_ts, voicemail_left, final, version, changed_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`
          )
          .run(
            event.key,
            event.kind,
            event.phone,
            JSON.stringify(event.data),
            event.timestamp,
            voicemail,
            event.final ? 1 : 0,
            now,
            now
          );
        return true;
      }
      // Out of order: an older snapshot never overwrites a newer one.
      const newer = event.timestamp >= row.data_ts;
      const data = newer ? JSON.stringify(event.data) : row.data;
      const changed = data !== row.data || (voicemail === 1 && row.voicemail_left === 0);
      if (!changed) return true;
      this.db
        .prepare(
          `UPDATE items SET data = ?, data_ts = ?, phone = COALESCE(?, phone), voicemail_left = MAX(voicemail_left, ?),
             final = MAX(final, ?), version = version + 1, changed_at = ?, updated_at = ?,
             state = CASE WHEN state = 'dead' THEN 'dead' ELSE 'pending' END, next_attempt_at = 0, attempts = 0
           WHERE key = ?`
        )
        .run(
          data,
          Math.max(event.timestamp, row.data_ts),
          event.phone,
          voicemail,
          event.final ? 1 : 0,
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
    // ending close together share their API requests.
    if (rows.length < limit && rows[0] && now - rows[0].changed_at < windowMs) return [];
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

  /** Processed: logged or skipped for good, unless a newer version arrived meanwhile. */
  complete(
    key: string,
    version: number,
    state: 'logged' | 'skipped',
    detail: { taskId?: string | null; reason?: string | null; placement?: Placement | null } = {}
  ): void {
    this.db
      .prepare(
        `UPDATE items SET processed_version = MAX(processed_version, ?),
           state = CASE WHEN version > ? THEN 'pending' ELSE ? END,
           task_id = COALESCE(?, task_id), placement = COALESCE(?, placement), last_error = ?, attempts = 0,
           next_attempt_at = 0, updated_at = ?
         WHERE key = ?`
      )
      .run(
        version,
        version,
        state,
        detail.taskId ?? null,
        detail.placement ? JSON.stringify(detail.placement) : null,
        detail.reason ?? null,
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

  /** Puts dead letters back in the queue; returns how many. */
  retry(key?: string): number {
    const sql = `UPDATE items SET state = 'pending', attempts = 0, next_attempt_at = 0, processed_version = MIN(processed_version, version - 1)
                 WHERE state = 'dead'${key ? ' AND key = ?' : ''}`;
    return (key ? this.db.prepare(sql).run(key) : this.db.prepare(sql).run()).changes;
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
