/**
 * The shared engine: PostgreSQL (DATABASE_URL), for any number of `serve` processes.
 *
 * Why not a job-queue library (pg-boss, graphile-worker): their unit is a job, and ours is an
 * item that changes after it was queued (a late comment makes a logged call pending again,
 * coalesced with what came before), that must never run beside another item of the same phone
 * number, and that is claimed in batches of up to 100 to share API requests. Those three
 * rules are a few lines of SQL over our own table, and would be a fight with a library.
 *
 * - Claiming runs in a short transaction under one advisory lock, so two processes never
 *   claim two items of one number, nor the same item: per-number serialisation needs to see
 *   the leases of other rows, which row locks (`FOR UPDATE SKIP LOCKED`) cannot express.
 *   Claimed items get a lease (owner, expiry) that a heartbeat renews while the process
 *   lives; kill -9 the process and its items are claimable again when the lease expires.
 * - Accepts of one item are serialised by an advisory lock on its key, so deliveries of one
 *   call reaching several instances at once coalesce into one item.
 * - A new claimable item is announced with NOTIFY, so an idle instance takes it at once.
 * - Migrations run under an advisory lock: processes starting together apply each step once.
 *
 * Times are the processes' clocks (as with SQLite): keep the hosts' clocks in sync (NTP); a
 * skew shortens or lengthens leases by as much.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { AircallEvent } from '../aircall/read';
import { coalesce } from './coalesce';
import type { Candidate, CompleteDetail, Inbox, InboxItem, ItemState, Row } from './inbox';
import { Chooser, UPDATE_WAIT_BUDGETS, batchDue, itemValues, joinable, reread, toCoalesced, toItem } from './inbox';

/** Advisory lock keys (two-int form): the namespace is ours, the second int the resource. */
const LOCK_NS = 0x41435346; // 'ACSF'
const CLAIM_LOCK = 1;
const MIGRATION_LOCK = 2;
/** Accepts of one item: lock (ITEM_NS, hashtext(key)). */
const ITEM_NS = 0x41435347;
const CHANNEL = 'aircall_inbox';

const CLAIMABLE = "state = 'pending' AND final = 1 AND version > processed_version";
const WAITING = "state = 'pending' AND version > processed_version";
const RELEASE = 'lease_owner = NULL, lease_until = 0';

/** The schema, step by step; a step is applied once, in order, under the migration lock. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE aircall_events (
     digest TEXT PRIMARY KEY, key TEXT NOT NULL, event TEXT NOT NULL, received_at BIGINT NOT NULL);
   CREATE INDEX aircall_events_received ON aircall_events (received_at);
   CREATE TABLE aircall_items (
     key TEXT PRIMARY KEY, kind TEXT NOT NULL, phone TEXT, event TEXT, data TEXT NOT NULL, classified TEXT,
     data_ts BIGINT NOT NULL, voicemail_left INTEGER NOT NULL DEFAULT 0, final INTEGER NOT NULL DEFAULT 0,
     version INTEGER NOT NULL DEFAULT 0, processed_version INTEGER NOT NULL DEFAULT 0,
     state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
     next_attempt_at BIGINT NOT NULL DEFAULT 0, last_error TEXT, task_id TEXT, placement TEXT, trace TEXT,
     changed_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
     lease_owner TEXT, lease_until BIGINT NOT NULL DEFAULT 0);
   CREATE INDEX aircall_items_claimable ON aircall_items (changed_at, key) WHERE ${CLAIMABLE};
   CREATE INDEX aircall_items_waiting ON aircall_items (key) WHERE ${WAITING};
   CREATE INDEX aircall_items_leased ON aircall_items (lease_owner) WHERE lease_owner IS NOT NULL;
   CREATE INDEX aircall_items_live ON aircall_items (changed_at) WHERE state = 'pending' AND final = 0;
   CREATE INDEX aircall_items_changed ON aircall_items (changed_at);
   CREATE INDEX aircall_items_done ON aircall_items (updated_at) WHERE state IN ('logged', 'skipped');
   CREATE INDEX aircall_items_dead ON aircall_items (updated_at) WHERE state = 'dead';
   CREATE TABLE aircall_probe (owner TEXT PRIMARY KEY, at BIGINT NOT NULL);
   CREATE TABLE aircall_lines (e164 TEXT PRIMARY KEY, first_seen BIGINT NOT NULL);
   CREATE TABLE aircall_numbers (
     e164 TEXT PRIMARY KEY, sobject TEXT NOT NULL, record_id TEXT NOT NULL, created_at BIGINT NOT NULL);`
];

/** The item columns both engines share (SQLite has `claimed` instead of the lease). */
const ITEM_COLUMNS = [
  'key',
  'kind',
  'phone',
  'event',
  'data',
  'classified',
  'data_ts',
  'voicemail_left',
  'final',
  'version',
  'processed_version',
  'state',
  'attempts',
  'next_attempt_at',
  'last_error',
  'task_id',
  'placement',
  'trace',
  'changed_at',
  'updated_at'
];

/** How many claimable rows one page of a claim reads (keys and phones only). */
const PAGE = 200;
const PRUNE_CHUNK = 1000;

export interface PostgresOptions {
  readonly now?: () => number;
  /** How long a claim is this process's without a heartbeat (default 30 s). */
  readonly leaseMs?: number;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
  /** How often the company's lines are read again from the database (default 30 s). */
  readonly linesRefreshMs?: number;
  /** An error the engine recovered from (the listener's connection lost…), for the log. */
  readonly onError?: (error: Error, context: string) => void;
}

// BIGINT columns are milliseconds and counts, well within Number's safe range.
const INT8_OID = 20;
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser(oid, format ?? 'text') as (
          value: string
        ) => unknown)) as pg.CustomTypesConfig['getTypeParser']
};

export class PostgresInbox implements Inbox {
  readonly engine = 'postgres' as const;
  readonly now: () => number;
  /** This process's name on its leases. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly pool: pg.Pool;
  private readonly leaseMs: number;
  private readonly listeners: (() => void)[] = [];
  private lines = new Set<string>();
  private listener: pg.Client | null = null;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(
    private readonly url: string,
    private readonly options: PostgresOptions
  ) {
    this.now = options.now ?? Date.now;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10, types });
    // An idle connection that breaks is dropped by the pool; the next query opens another.
    this.pool.on('error', (error) => this.options.onError?.(error, 'idle connection'));
  }

  /** Connects, migrates, and starts listening and renewing leases. */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresInbox> {
    const inbox = new PostgresInbox(url, options);
    try {
      await inbox.migrate();
      await inbox.refreshLines();
      await inbox.listen();
    } catch (error) {
      await inbox.close();
      throw error;
    }
    const every = (ms: number, fn: () => Promise<unknown>, context: string) => {
      const timer = setInterval(() => {
        fn().catch((error: unknown) => inbox.options.onError?.(error as Error, context));
      }, ms);
      timer.unref();
      inbox.timers.push(timer);
    };
    every(Math.max(100, Math.floor(inbox.leaseMs / 3)), () => inbox.renewLeases(), 'lease heartbeat');
    every(options.linesRefreshMs ?? 30_000, () => inbox.refreshLines(), 'company lines refresh');
    return inbox;
  }

  private async migrate(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS, MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS aircall_schema (version INTEGER NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM aircall_schema');
      const current = rows[0]?.version ?? 0;
      if (current > MIGRATIONS.length)
        throw new Error(
          `the database's schema is version ${current}, newer than this aircall-sf knows (${MIGRATIONS.length}): upgrade aircall-sf`
        );
      for (let v = current; v < MIGRATIONS.length; v += 1) await client.query(MIGRATIONS[v]!);
      if (rows.length === 0)
        await client.query('INSERT INTO aircall_schema (version) VALUES ($1)', [MIGRATIONS.length]);
      else await client.query('UPDATE aircall_schema SET version = $1', [MIGRATIONS.length]);
    });
  }

  /** One connection LISTENs for new work; lost, it reconnects (the worker polls meanwhile). */
  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url, types });
    const lost = (error?: Error) => {
      if (this.listener !== client) return;
      this.listener = null;
      client.removeAllListeners();
      client.end().catch(() => undefined);
      if (this.closed) return;
      if (error) this.options.onError?.(error, 'notification listener');
      const timer = setTimeout(() => {
        this.listen().catch((e: unknown) => lost(e as Error));
      }, 1000);
      timer.unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', () => this.signal());
    this.listener = client;
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
  }

  private signal(): void {
    for (const listener of this.listeners) listener();
  }

  onWork(listener: () => void): void {
    this.listeners.push(listener);
  }

  private async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, params)).rows;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    // Graceful stop: what this process held is claimable by the others at once.
    await this.pool
      .query(`UPDATE aircall_items SET ${RELEASE} WHERE lease_owner = $1`, [this.owner])
      .catch(() => undefined);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  async accept(event: AircallEvent, digest: string): Promise<boolean> {
    const now = this.now();
    return this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ITEM_NS, event.key]);
      const inserted = await client.query(
        'INSERT INTO aircall_events (digest, key, event, received_at) VALUES ($1, $2, $3, $4) ON CONFLICT (digest) DO NOTHING',
        [digest, event.key, event.event, now]
      );
      if (inserted.rowCount === 0) return false;
      const found = await client.query<Row>('SELECT * FROM aircall_items WHERE key = $1', [event.key]);
      const row = found.rows[0];
      const { item, changed } = coalesce(row ? toCoalesced(row) : null, event);
      const v = itemValues(item);
      let claimable = false;
      if (!row) {
        await client.query(
          `INSERT INTO aircall_items (key, kind, phone, event, data, classified, last_error, data_ts, voicemail_left,
             final, version, changed_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11)`,
          [
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
            now
          ]
        );
        claimable = item.final;
      } else if (changed) {
        await client.query(
          `UPDATE aircall_items SET event = $1, data = $2, classified = $3, last_error = $4, data_ts = $5, phone = $6,
             voicemail_left = $7, final = $8, version = version + 1, changed_at = $9, updated_at = $9,
             state = CASE WHEN state = 'dead' THEN 'dead' ELSE 'pending' END, next_attempt_at = 0, attempts = 0
           WHERE key = $10`,
          [v.event, v.data, v.classified, v.problem, v.dataTs, v.phone, v.voicemailLeft, v.final, now, event.key]
        );
        claimable = item.final && row.state !== 'dead';
      }
      // Delivered to every listening process when the transaction commits.
      if (claimable) await client.query(`SELECT pg_notify('${CHANNEL}', '')`);
      return true;
    });
  }

  async claim(
    limit: number,
    busyPhones: ReadonlySet<string>,
    busyKeys: ReadonlySet<string>,
    windowMs = 0
  ): Promise<InboxItem[]> {
    const now = this.now();
    const claimed = await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS, CLAIM_LOCK]);
      // The numbers any process is working on (their items are leased).
      const leased = await client.query<{ phone: string }>(
        'SELECT DISTINCT phone FROM aircall_items WHERE lease_owner IS NOT NULL AND lease_until > $1 AND phone IS NOT NULL',
        [now]
      );
      const chooser = new Chooser<Candidate>(
        limit,
        new Set([...busyPhones, ...leased.rows.map((r) => r.phone)]),
        busyKeys
      );
      // Pages of keys in changed_at order, until the batch is full: the cost does not grow
      // with the queue, and a busy number at the head does not block the rest.
      let after: { changedAt: number; key: string } | null = null;
      while (!chooser.done) {
        const page: Candidate[] = (
          await client.query<Candidate>(
            `SELECT key, phone, processed_version, changed_at FROM aircall_items
             WHERE ${CLAIMABLE} AND next_attempt_at <= $1 AND lease_until <= $1
               AND ($2::BIGINT IS NULL OR (changed_at, key) > ($2, $3))
             ORDER BY changed_at, key LIMIT ${PAGE}`,
            [now, after?.changedAt ?? null, after?.key ?? '']
          )
        ).rows;
        for (const row of page) {
          chooser.offer(row);
          if (chooser.done) break;
        }
        if (page.length < PAGE) break;
        const last = page[page.length - 1]!;
        after = { changedAt: last.changed_at, key: last.key };
      }
      const rows = chooser.rows;
      if (rows.length === 0) return [];
      if (rows.length < limit && now < batchDue(rows, windowMs)) {
        if (joinable(rows)) return [];
        const recent = await client.query('SELECT 1 FROM aircall_items WHERE changed_at >= $1 AND key <> $2 LIMIT 1', [
          now - windowMs * UPDATE_WAIT_BUDGETS,
          rows[0]!.key
        ]);
        if (recent.rows.length > 0) return [];
      }
      return (
        await client.query<Row>(
          'UPDATE aircall_items SET lease_owner = $1, lease_until = $2 WHERE key = ANY($3) RETURNING *',
          [this.owner, now + this.leaseMs, rows.map((r) => r.key)]
        )
      ).rows;
    });
    return claimed.sort((a, b) => a.changed_at - b.changed_at || (a.key < b.key ? -1 : 1)).map(toItem);
  }

  /** The heartbeat: this process's leases last another lease period. */
  async renewLeases(): Promise<void> {
    await this.pool.query('UPDATE aircall_items SET lease_until = $1 WHERE lease_owner = $2', [
      this.now() + this.leaseMs,
      this.owner
    ]);
  }

  async complete(
    key: string,
    version: number,
    state: 'logged' | 'skipped',
    detail: CompleteDetail = {}
  ): Promise<void> {
    const rows = await this.rows<{ state: ItemState }>(
      `UPDATE aircall_items SET processed_version = GREATEST(processed_version, $1),
         state = CASE WHEN version > $1 THEN 'pending' ELSE $2 END,
         task_id = COALESCE($3, task_id), placement = COALESCE($4, placement), last_error = $5,
         trace = COALESCE($6, trace), attempts = 0, next_attempt_at = 0, updated_at = $7, ${RELEASE}
       WHERE key = $8 RETURNING state`,
      [
        version,
        state,
        detail.taskId ?? null,
        detail.placement ? JSON.stringify(detail.placement) : null,
        detail.reason ?? null,
        detail.trace ?? null,
        this.now(),
        key
      ]
    );
    // A newer version arrived while it was processed: whoever is free takes it.
    if (rows[0]?.state === 'pending') await this.pool.query(`SELECT pg_notify('${CHANNEL}', '')`);
  }

  async retryLater(key: string, delayMs: number, error: string): Promise<void> {
    await this.pool.query(
      `UPDATE aircall_items SET attempts = attempts + 1, next_attempt_at = $1, last_error = $2, updated_at = $3, ${RELEASE}
       WHERE key = $4`,
      [this.now() + delayMs, error, this.now(), key]
    );
  }

  async postpone(key: string, delayMs: number, reason: string): Promise<void> {
    await this.pool.query(
      `UPDATE aircall_items SET next_attempt_at = $1, last_error = $2, updated_at = $3, ${RELEASE} WHERE key = $4`,
      [this.now() + delayMs, reason, this.now(), key]
    );
  }

  async deadLetter(key: string, reason: string): Promise<void> {
    await this.pool.query(
      `UPDATE aircall_items SET state = 'dead', last_error = $1, attempts = attempts + 1, updated_at = $2, ${RELEASE}
       WHERE key = $3`,
      [reason, this.now(), key]
    );
  }

  async release(keys: readonly string[]): Promise<void> {
    await this.pool.query(`UPDATE aircall_items SET ${RELEASE} WHERE key = ANY($1) AND lease_owner = $2`, [
      keys,
      this.owner
    ]);
  }

  async probe(): Promise<void> {
    await this.pool.query(
      'INSERT INTO aircall_probe (owner, at) VALUES ($1, $2) ON CONFLICT (owner) DO UPDATE SET at = excluded.at',
      [this.owner, this.now()]
    );
  }

  async expireLive(olderThanMs: number): Promise<number> {
    const result = await this.pool.query(
      `UPDATE aircall_items SET state = 'skipped', last_error = 'LIVE_CALL_EXPIRED', processed_version = version,
         updated_at = $1
       WHERE state = 'pending' AND final = 0 AND version > processed_version AND changed_at < $2`,
      [this.now(), this.now() - olderThanMs]
    );
    return result.rowCount ?? 0;
  }

  async prune(olderThanMs: number): Promise<number> {
    const cutoff = this.now() - olderThanMs;
    let deleted = 0;
    for (;;) {
      const result = await this.pool.query(
        `DELETE FROM aircall_items WHERE key IN (SELECT key FROM aircall_items
           WHERE state IN ('logged', 'skipped') AND updated_at < $1 LIMIT ${PRUNE_CHUNK})`,
        [cutoff]
      );
      deleted += result.rowCount ?? 0;
      if ((result.rowCount ?? 0) < PRUNE_CHUNK) break;
    }
    for (;;) {
      const result = await this.pool.query(
        `DELETE FROM aircall_events WHERE digest IN (SELECT digest FROM aircall_events WHERE received_at < $1 LIMIT ${PRUNE_CHUNK})`,
        [cutoff]
      );
      if ((result.rowCount ?? 0) < PRUNE_CHUNK) break;
    }
    return deleted;
  }

  async deadLetters(): Promise<InboxItem[]> {
    return (await this.rows<Row>("SELECT * FROM aircall_items WHERE state = 'dead' ORDER BY updated_at, key")).map(
      toItem
    );
  }

  async retry(key?: string): Promise<number> {
    const retried = await this.transaction(async (client) => {
      const where = `state = 'dead'${key ? ' AND key = $1' : ''}`;
      const params = key ? [key] : [];
      const { rows } = await client.query<Row>(`SELECT * FROM aircall_items WHERE ${where} FOR UPDATE`, params);
      for (const row of rows) {
        // Still unreadable: the worker dead-letters it again with the reason.
        const read = reread(row);
        if (read.classified)
          await client.query('UPDATE aircall_items SET classified = $1 WHERE key = $2', [
            JSON.stringify(read.classified),
            row.key
          ]);
      }
      const result = await client.query(
        `UPDATE aircall_items SET state = 'pending', attempts = 0, next_attempt_at = 0,
           processed_version = LEAST(processed_version, version - 1) WHERE ${where}`,
        params
      );
      if ((result.rowCount ?? 0) > 0) await client.query(`SELECT pg_notify('${CHANNEL}', '')`);
      return result.rowCount ?? 0;
    });
    return retried;
  }

  /** Whether the database holds no item yet (a copy from SQLite goes only into an empty one). */
  async empty(): Promise<boolean> {
    return (await this.rows('SELECT 1 FROM aircall_items LIMIT 1')).length === 0;
  }

  /**
   * Rows of a dump of the SQLite engine (copy.ts), inserted as they are: items keep their
   * state, versions, Task and attempts, without a lease; a delivery or number already there is kept.
   */
  async restore(
    table: 'items' | 'events' | 'numbers' | 'lines',
    rows: readonly Record<string, unknown>[]
  ): Promise<void> {
    const columns = {
      items: ITEM_COLUMNS,
      events: ['digest', 'key', 'event', 'received_at'],
      numbers: ['e164', 'sobject', 'record_id', 'created_at'],
      lines: ['e164', 'first_seen']
    }[table];
    const list = columns.join(', ');
    await this.pool.query(
      `INSERT INTO aircall_${table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::aircall_${table}, $1)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(rows)]
    );
  }

  async recent(limit: number): Promise<InboxItem[]> {
    return (await this.rows<Row>('SELECT * FROM aircall_items ORDER BY changed_at DESC, key LIMIT $1', [limit])).map(
      toItem
    );
  }

  async item(key: string): Promise<InboxItem | undefined> {
    const [row] = await this.rows<Row>('SELECT * FROM aircall_items WHERE key = $1', [key]);
    return row ? toItem(row) : undefined;
  }

  /**
   * Counted over a partial index of the waiting items (a counter row would be one more write
   * that every process contends for); the worker reads it at most once a second.
   */
  async depth(): Promise<number> {
    const [row] = await this.rows<{ n: number }>(`SELECT COUNT(*)::INTEGER AS n FROM aircall_items WHERE ${WAITING}`);
    return row!.n;
  }

  async outstanding(keys?: readonly string[]): Promise<number> {
    const [row] = keys
      ? await this.rows<{ n: number }>(
          `SELECT COUNT(*)::INTEGER AS n FROM aircall_items WHERE key = ANY($1) AND ${CLAIMABLE}`,
          [keys]
        )
      : await this.rows<{ n: number }>(`SELECT COUNT(*)::INTEGER AS n FROM aircall_items WHERE ${CLAIMABLE}`);
    return row!.n;
  }

  async counts(keys: readonly string[]): Promise<Record<ItemState, number>> {
    const out: Record<ItemState, number> = { pending: 0, logged: 0, skipped: 0, dead: 0 };
    const rows = await this.rows<{ state: ItemState; n: number }>(
      'SELECT state, COUNT(*)::INTEGER AS n FROM aircall_items WHERE key = ANY($1) GROUP BY state',
      [keys]
    );
    for (const row of rows) out[row.state] = row.n;
    return out;
  }

  private async refreshLines(): Promise<void> {
    const rows = await this.rows<{ e164: string }>('SELECT e164 FROM aircall_lines');
    for (const row of rows) this.lines.add(row.e164);
  }

  async rememberLines(e164s: readonly string[]): Promise<void> {
    const fresh = e164s.filter((e) => !this.lines.has(e));
    if (fresh.length === 0) return;
    await this.pool.query(
      'INSERT INTO aircall_lines (e164, first_seen) SELECT unnest($1::TEXT[]), $2 ON CONFLICT (e164) DO NOTHING',
      [fresh, this.now()]
    );
    for (const e164 of fresh) this.lines.add(e164);
  }

  companyLines(): ReadonlySet<string> {
    return this.lines;
  }

  async rememberNumber(e164: string, sobject: string, recordId: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO aircall_numbers (e164, sobject, record_id, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (e164) DO UPDATE SET sobject = excluded.sobject, record_id = excluded.record_id,
         created_at = excluded.created_at`,
      [e164, sobject, recordId, this.now()]
    );
  }

  async forgetNumber(e164: string): Promise<void> {
    await this.pool.query('DELETE FROM aircall_numbers WHERE e164 = $1', [e164]);
  }

  async knownNumbers(e164s: readonly string[]): Promise<Map<string, { sobject: string; recordId: string }>> {
    const out = new Map<string, { sobject: string; recordId: string }>();
    if (e164s.length === 0) return out;
    const rows = await this.rows<{ e164: string; sobject: string; record_id: string }>(
      'SELECT e164, sobject, record_id FROM aircall_numbers WHERE e164 = ANY($1)',
      [e164s]
    );
    for (const row of rows) out.set(row.e164, { sobject: row.sobject, recordId: row.record_id });
    return out;
  }
}
