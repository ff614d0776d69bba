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
 *   call reaching several instances at once coalesce into one item. Accepts are written in
 *   groups (group commit) in two round trips a group, a claim in two, and a batch's
 *   completions in one statement: the round trips cost more than the SQL. Statements locking
 *   several items lock them in key order (no deadlock).
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
import { coalesce, type CoalescedItem } from './coalesce';
import type { Candidate, CompleteDetail, Inbox, InboxItem, ItemState, Row } from './inbox';
import {
  API_USE_KEPT_MS,
  Chooser,
  UPDATE_WAIT_BUDGETS,
  batchDue,
  itemValues,
  joinable,
  minuteOf,
  reread,
  toCoalesced,
  toItem
} from './inbox';

/** Advisory lock keys (two-int form): the namespace is ours, the second int the resource. */
const LOCK_NS = 0x41435346; // 'ACSF'
const CLAIM_LOCK = 1;
const MIGRATION_LOCK = 2;
/** Accepts of one item: lock (ITEM_NS, hashtext(key)). */
const ITEM_NS = 0x41435347;
const CHANNEL = 'aircall_inbox';

/** A value as an SQL constant, for statements sent together as one simple query (accept, claim). */
const json = (value: unknown): string => dollarQuoted(JSON.stringify(value));
/**
 * A dollar-quoted string constant: its content is taken as it is, with no escapes, so a long
 * JSON text is not rewritten character by character; the tag is one the text does not contain
 * (https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-DOLLAR-QUOTING).
 */
function dollarQuoted(text: string): string {
  let tag = '$j$';
  for (let n = 0; text.includes(tag); n += 1) tag = `$j${n}$`;
  return `${tag}${text}${tag}`;
}
const safeInteger = (n: number): number => {
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
  return n;
};

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
     e164 TEXT PRIMARY KEY, sobject TEXT NOT NULL, record_id TEXT NOT NULL, created_at BIGINT NOT NULL);`,
  // Deliveries unique by item, then digest (the body's hash names its item: the same
  // constraint). By the hash alone every insert landed on a random page of the index, each
  // one more page written to the WAL (in full after each checkpoint); by item, a new call's
  // deliveries are appended together.
  `ALTER TABLE aircall_events DROP CONSTRAINT aircall_events_pkey;
   ALTER TABLE aircall_events ADD PRIMARY KEY (key, digest);`,
  // This service's Salesforce requests per minute, for every process (A1, the API share).
  `CREATE TABLE IF NOT EXISTS aircall_api_use (minute BIGINT PRIMARY KEY, requests BIGINT NOT NULL);`
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
/**
 * The keys of the rows matching `where`, locked in key order. Every statement that locks
 * several items locks them in this order, so two of them (an accept group and a claim, a
 * heartbeat) can wait for each other but never deadlock.
 */
const inKeyOrder = (where: string) => `SELECT key FROM aircall_items WHERE ${where} ORDER BY key FOR UPDATE`;
/** Accept groups written at once by one process, and the most events in one group. */
const ACCEPT_GROUPS = 2;
const ACCEPT_GROUP_MAX = 200;

interface PendingCompletion {
  readonly key: string;
  readonly version: number;
  readonly state: 'logged' | 'skipped';
  readonly detail: CompleteDetail;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

interface PendingAccept {
  readonly event: AircallEvent;
  readonly digest: string;
  readonly resolve: (stored: boolean) => void;
  readonly reject: (error: unknown) => void;
}

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
  readonly countsDepth = true;
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
  private acceptQueue: PendingAccept[] = [];
  private acceptGroups = 0;
  private completions: PendingCompletion[] = [];
  private completing = 0;

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

  /** A connection for `fn`, which begins and commits its transaction: rolled back if `fn` throws. */
  private async withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await fn(client);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    });
  }

  private async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.pool.query<R>(sql, params)).rows;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.acceptQueue.length > 0 || this.acceptGroups > 0 || this.completions.length > 0)
      await new Promise((r) => setTimeout(r, 5));
    for (const timer of this.timers) clearInterval(timer);
    // Graceful stop: what this process held is claimable by the others at once.
    await this.pool
      .query(`UPDATE aircall_items SET ${RELEASE} WHERE key IN (${inKeyOrder('lease_owner = $1')})`, [this.owner])
      .catch(() => undefined);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  /**
   * Group commit, as the SQLite engine does: accepts that arrive while a group is being
   * written go together into the next one, written with a few set-based statements in one
   * transaction (one commit, one WAL flush); each resolves once its group is committed.
   */
  accept(event: AircallEvent, digest: string): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.acceptQueue.push({ event, digest, resolve, reject });
      this.nextGroup();
    });
  }

  private nextGroup(): void {
    while (this.acceptGroups < ACCEPT_GROUPS && this.acceptQueue.length > 0) {
      const group = this.acceptQueue.splice(0, ACCEPT_GROUP_MAX);
      this.acceptGroups += 1;
      void this.acceptGroup(group).finally(() => {
        this.acceptGroups -= 1;
        this.nextGroup();
      });
    }
  }

  private async acceptGroup(group: readonly PendingAccept[]): Promise<void> {
    let results: boolean[];
    try {
      results = await this.acceptMany(group);
    } catch (error) {
      if (group.length === 1) {
        group[0]!.reject(error);
        return;
      }
      // One event failed the group (or it lost a deadlock): each alone, so the others are stored.
      for (const p of group) await this.acceptGroup([p]);
      return;
    }
    group.forEach((p, i) => p.resolve(results[i]!));
  }

  /**
   * The group's events in arrival order, as one accept each would store them, in one
   * transaction of two round trips instead of seven (each round trip wakes a backend and waits
   * for it; docs/performance.md has what that gained). node-postgres sends one statement per
   * round trip with parameters, so the statements go as multi-statement simple queries, their
   * values as JSON in dollar-quoted constants and integers checked as such. Each statement of
   * such a query runs in order in the transaction its BEGIN opened, with its own snapshot,
   * and the query stops at the first error
   * (https://www.postgresql.org/docs/15/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT).
   */
  private async acceptMany(group: readonly PendingAccept[]): Promise<boolean[]> {
    const now = safeInteger(this.now());
    const keys = json([...new Set(group.map((p) => p.event.key))].sort());
    const events = json(group.map((p) => ({ d: p.digest, k: p.event.key, e: p.event.event })));
    return this.withClient(async (client) => {
      const [, , inserted, found] = (await client.query(
        // The advisory locks serialise accepts of a call across processes (taken in one order,
        // so groups never deadlock); the row locks are in key order too (claims and heartbeats
        // take them in the same order). The rows are read after the locks, in a statement of
        // their own, so they are the latest committed.
        `BEGIN;
         SELECT pg_advisory_xact_lock(${ITEM_NS}, h)
           FROM (SELECT DISTINCT hashtext(k) AS h FROM json_array_elements_text(${keys}) k ORDER BY 1) l;
         INSERT INTO aircall_events (digest, key, event, received_at)
           SELECT d, k, e, ${now} FROM json_to_recordset(${events}) AS t(d TEXT, k TEXT, e TEXT)
           ON CONFLICT (key, digest) DO NOTHING RETURNING digest;
         SELECT * FROM aircall_items WHERE key IN (SELECT json_array_elements_text(${keys})) ORDER BY key FOR UPDATE`
      )) as unknown as [unknown, unknown, pg.QueryResult<{ digest: string }>, pg.QueryResult<Row>];
      const fresh = new Set(inserted.rows.map((r) => r.digest));
      const results = group.map((p) => fresh.delete(p.digest)); // a digest twice in the group: the first is new
      const rows = new Map(found.rows.map((r) => [r.key, r]));
      const folded = new Map<string, { item: CoalescedItem; changed: boolean }>();
      group.forEach((p, i) => {
        if (!results[i]) return;
        const key = p.event.key;
        const before = folded.get(key);
        const row = rows.get(key);
        const { item, changed } = coalesce(before ? before.item : row ? toCoalesced(row) : null, p.event);
        folded.set(key, { item, changed: (before?.changed ?? false) || changed });
      });
      const written: Record<string, string | number | null>[] = [];
      let claimable = false;
      for (const [key, { item, changed }] of folded) {
        const row = rows.get(key);
        if (row && !changed) continue;
        const v = itemValues(item);
        written.push({
          key,
          kind: item.kind,
          phone: v.phone,
          event: v.event,
          data: v.data,
          classified: v.classified,
          problem: v.problem,
          data_ts: v.dataTs,
          voicemail_left: v.voicemailLeft,
          final: v.final
        });
        claimable ||= item.final && row?.state !== 'dead';
      }
      if (written.length === 0) {
        await client.query('COMMIT');
        return results;
      }
      // New items are inserted at version 1; a changed one takes the new snapshot, a version
      // more, and is pending again (a dead letter stays dead until retried). NOTIFY is
      // delivered to every listening process when the transaction commits.
      await client.query(
        `INSERT INTO aircall_items (key, kind, phone, event, data, classified, last_error, data_ts, voicemail_left,
           final, version, changed_at, updated_at)
         SELECT key, kind, phone, event, data, classified, problem, data_ts, voicemail_left, final, 1, ${now}, ${now}
         FROM json_to_recordset(${json(written)}) AS v(key TEXT, kind TEXT, phone TEXT, event TEXT, data TEXT,
           classified TEXT, problem TEXT, data_ts BIGINT, voicemail_left INTEGER, final INTEGER)
         ON CONFLICT (key) DO UPDATE SET event = excluded.event, data = excluded.data,
           classified = excluded.classified, last_error = excluded.last_error, data_ts = excluded.data_ts,
           phone = excluded.phone, voicemail_left = excluded.voicemail_left, final = excluded.final,
           version = aircall_items.version + 1, changed_at = ${now}, updated_at = ${now},
           state = CASE WHEN aircall_items.state = 'dead' THEN 'dead' ELSE 'pending' END, next_attempt_at = 0,
           attempts = 0;
         ${claimable ? `SELECT pg_notify('${CHANNEL}', '');` : ''}
         COMMIT`
      );
      return results;
    });
  }

  async claim(
    limit: number,
    busyPhones: ReadonlySet<string>,
    busyKeys: ReadonlySet<string>,
    windowMs = 0,
    holdUpdates = false
  ): Promise<InboxItem[]> {
    const now = safeInteger(this.now());
    // Pages of keys in changed_at order, until the batch is full: the cost does not grow
    // with the queue, and a busy number at the head does not block the rest.
    const page = (after: Candidate | null) =>
      `SELECT key, phone, processed_version, changed_at FROM aircall_items
       WHERE ${CLAIMABLE} AND next_attempt_at <= ${now} AND lease_until <= ${now}
         ${after ? `AND (changed_at, key) > (${safeInteger(after.changed_at)}, ${pg.escapeLiteral(after.key)})` : ''}
       ORDER BY changed_at, key LIMIT ${PAGE}`;
    const claimed = await this.withClient(async (client): Promise<Row[]> => {
      // One round trip to lock, see the numbers any process is working on (their items are
      // leased) and read the first page; one more to lease and commit (see acceptMany).
      const [, , leased, first] = (await client.query(
        `BEGIN;
         SELECT pg_advisory_xact_lock(${LOCK_NS}, ${CLAIM_LOCK});
         SELECT DISTINCT phone FROM aircall_items
           WHERE lease_owner IS NOT NULL AND lease_until > ${now} AND phone IS NOT NULL;
         ${page(null)}`
      )) as unknown as [unknown, unknown, pg.QueryResult<{ phone: string }>, pg.QueryResult<Candidate>];
      const chooser = new Chooser<Candidate>(
        limit,
        new Set([...busyPhones, ...leased.rows.map((r) => r.phone)]),
        busyKeys
      );
      for (let rows = first.rows; ;) {
        for (const row of rows) {
          chooser.offer(row);
          if (chooser.done) break;
        }
        if (chooser.done || rows.length < PAGE) break;
        rows = (await client.query<Candidate>(page(rows[rows.length - 1]!))).rows;
      }
      const rows = chooser.rows;
      let wait = rows.length === 0;
      if (!wait && rows.length < limit && now < batchDue(rows, windowMs, holdUpdates, chooser.newBehind)) {
        wait =
          joinable(rows) ||
          (
            await client.query('SELECT 1 FROM aircall_items WHERE changed_at >= $1 AND key <> $2 LIMIT 1', [
              now - windowMs * UPDATE_WAIT_BUDGETS,
              rows[0]!.key
            ])
          ).rows.length > 0;
      }
      if (wait) {
        await client.query('COMMIT');
        return [];
      }
      const [leasedNow] = (await client.query(
        `UPDATE aircall_items SET lease_owner = ${pg.escapeLiteral(this.owner)},
           lease_until = ${safeInteger(now + this.leaseMs)}
         WHERE key IN (${inKeyOrder(`key IN (SELECT json_array_elements_text(${json(rows.map((r) => r.key))}))`)})
         RETURNING *;
         COMMIT`
      )) as unknown as [pg.QueryResult<Row>, unknown];
      return leasedNow.rows;
    });
    return claimed.sort((a, b) => a.changed_at - b.changed_at || (a.key < b.key ? -1 : 1)).map(toItem);
  }

  /** The heartbeat: this process's leases last another lease period. */
  async renewLeases(): Promise<void> {
    await this.pool.query(
      `UPDATE aircall_items SET lease_until = $1 WHERE key IN (${inKeyOrder('lease_owner = $2')})`,
      [this.now() + this.leaseMs, this.owner]
    );
  }

  /**
   * Completions of one batch arrive together (the worker records them at once): they are
   * written as one statement, not one round trip each.
   */
  complete(key: string, version: number, state: 'logged' | 'skipped', detail: CompleteDetail = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.completions.push({ key, version, state, detail, resolve, reject });
      if (this.completions.length === 1) setImmediate(() => void this.completeQueued());
    });
  }

  private async completeQueued(): Promise<void> {
    const queued = this.completions;
    this.completions = [];
    // A key twice in one statement would be updated once: the later one goes in the next.
    const group: PendingCompletion[] = [];
    const seen = new Set<string>();
    for (const c of queued) {
      if (seen.has(c.key)) {
        this.completions.push(c);
        continue;
      }
      seen.add(c.key);
      group.push(c);
    }
    if (this.completions.length > 0) setImmediate(() => void this.completeQueued());
    this.completing += 1;
    try {
      await this.completeMany(group);
      for (const c of group) c.resolve();
    } catch (error) {
      if (group.length === 1) group[0]!.reject(error);
      // One completion failed the statement: each alone, so the others are recorded.
      else
        for (const c of group)
          await this.completeMany([c]).then(
            () => c.resolve(),
            (e: unknown) => c.reject(e)
          );
    } finally {
      this.completing -= 1;
    }
  }

  private async completeMany(group: readonly PendingCompletion[]): Promise<void> {
    const rows = await this.rows<{ state: ItemState }>(
      `UPDATE aircall_items i SET processed_version = GREATEST(i.processed_version, v.version),
         state = CASE WHEN i.version > v.version THEN 'pending' ELSE v.state END,
         task_id = COALESCE(v.task_id, i.task_id), placement = COALESCE(v.placement, i.placement),
         last_error = v.reason, trace = COALESCE(v.trace, i.trace), attempts = 0, next_attempt_at = 0,
         updated_at = $8, ${RELEASE}
       FROM unnest($1::TEXT[], $2::INTEGER[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[])
         AS v(key, version, state, task_id, placement, reason, trace)
       WHERE i.key = v.key AND i.key IN (${inKeyOrder('key = ANY($1)')})
       RETURNING i.state`,
      [
        group.map((c) => c.key),
        group.map((c) => c.version),
        group.map((c) => c.state),
        group.map((c) => c.detail.taskId ?? null),
        group.map((c) => (c.detail.placement ? JSON.stringify(c.detail.placement) : null)),
        group.map((c) => c.detail.reason ?? null),
        group.map((c) => c.detail.trace ?? null),
        this.now()
      ]
    );
    // A newer version arrived while it was processed: whoever is free takes it.
    if (rows.some((r) => r.state === 'pending')) await this.pool.query(`SELECT pg_notify('${CHANNEL}', '')`);
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
    await this.pool.query(
      `UPDATE aircall_items SET ${RELEASE} WHERE key IN (${inKeyOrder('key = ANY($1) AND lease_owner = $2')})`,
      [keys, this.owner]
    );
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
       WHERE key IN (${inKeyOrder("state = 'pending' AND final = 0 AND version > processed_version AND changed_at < $2")})`,
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
        `DELETE FROM aircall_events WHERE (key, digest) IN
           (SELECT key, digest FROM aircall_events WHERE received_at < $1 LIMIT ${PRUNE_CHUNK})`,
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
      const { rows } = await client.query<Row>(
        `SELECT * FROM aircall_items WHERE ${where} ORDER BY key FOR UPDATE`,
        params
      );
      for (const row of rows) {
        // Still unreadable: the worker dead-letters it again with the reading problem itself
        // (not the last reason, which would be wrapped in one more copy at every retry).
        const read = reread(row);
        if (read.classified)
          await client.query('UPDATE aircall_items SET classified = $1 WHERE key = $2', [
            JSON.stringify(read.classified),
            row.key
          ]);
        else await client.query('UPDATE aircall_items SET last_error = $1 WHERE key = $2', [read.problem, row.key]);
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

  async waiting(limit: number): Promise<InboxItem[]> {
    const now = safeInteger(this.now());
    return (
      await this.rows<Row>(
        `SELECT * FROM aircall_items WHERE ${CLAIMABLE} AND next_attempt_at <= $1 AND lease_until <= $1
         ORDER BY changed_at, key LIMIT $2`,
        [now, limit]
      )
    ).map(toItem);
  }

  async history(since: number, after: { changedAt: number; key: string } | null, limit: number): Promise<InboxItem[]> {
    const rows = await this.rows<Row>(
      `SELECT * FROM aircall_items WHERE changed_at >= $1 AND (changed_at, key) > ($2, $3)
       ORDER BY changed_at, key LIMIT $4`,
      [since, after?.changedAt ?? Number.MIN_SAFE_INTEGER, after?.key ?? '', limit]
    );
    return rows.map(toItem);
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
   * that every process contends for), so only when /metrics is scraped (countsDepth).
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

  async addApiUse(requests: number, at: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO aircall_api_use (minute, requests) VALUES ($1, $2)
       ON CONFLICT (minute) DO UPDATE SET requests = aircall_api_use.requests + EXCLUDED.requests;
       `,
      [minuteOf(at), requests]
    );
    await this.pool.query('DELETE FROM aircall_api_use WHERE minute < $1', [minuteOf(at - API_USE_KEPT_MS)]);
  }

  async apiUse(since: number): Promise<number> {
    const rows = await this.rows<{ n: string }>(
      'SELECT COALESCE(SUM(requests), 0) AS n FROM aircall_api_use WHERE minute >= $1',
      [minuteOf(since)]
    );
    return Number(rows[0]?.n ?? 0);
  }
}
