/**
 * What the service keeps, behind one interface with two engines (docs/architecture.md):
 * the inbox of calls and messages, the records it created per number, and the company's
 * lines. SQLite under DATA_DIR is the embedded default (sqlite.ts); PostgreSQL when
 * DATABASE_URL is set (postgres.ts), shared by any number of `serve` processes.
 *
 * An event is acknowledged to Aircall only once it is stored. Events of one call or message
 * are coalesced into one item (coalesce.ts), keyed by its Aircall_Id__c value; an item is
 * processed when it is final and again whenever a later event changes it (comments, tags,
 * recording), so one call stays one Task. The inbox keeps the classified item and its raw
 * `data`, never an envelope or its token. Both engines pass one suite (store.test.ts).
 */
import type { Classified } from '../aircall/classify';
import type { AircallEvent } from '../aircall/read';
import { readResource } from '../aircall/read';
import type { CoalescedItem } from './coalesce';
import type { Placement } from '../rules/types';

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

export interface CompleteDetail {
  taskId?: string | null;
  reason?: string | null;
  placement?: Placement | null;
  trace?: string | null;
}

/** How many batch budgets an update of a logged call may wait for a batch to join. */
export const UPDATE_WAIT_BUDGETS = 10;

/** How long the API use is kept: the day the share counts, and an hour. */
export const API_USE_KEPT_MS = 25 * 60 * 60_000;
export const minuteOf = (at: number): number => Math.floor(at / 60_000);

/** How many claimable rows one claim looks through, past busy numbers, to fill a batch. */
export const CLAIM_SCAN_LIMIT = 5000;

export interface Inbox {
  /** 'sqlite' or 'postgres': for logs, metrics and the CLI. */
  readonly engine: 'sqlite' | 'postgres';
  readonly now: () => number;

  /**
   * Stores an event and coalesces it into its item. `digest` identifies the delivery (a hash
   * of the body Aircall sent); resolves false for an exact redelivery, which changes nothing.
   * Resolves only once the event is durable.
   */
  accept(event: AircallEvent, digest: string): Promise<boolean>;

  /**
   * Items ready to process: pending, final, changed since processed, due, and with a phone
   * number nobody is working on (two calls from one number never run at once, across all the
   * processes that share the storage). A batch that is not full waits up to `windowMs` when
   * something could join it; with `holdUpdates`, updates of logged calls wait for a new call
   * (batchDue). Claimed items are this process's until it completes, retries,
   * postpones or dead-letters them (Postgres: a lease, renewed while the process lives).
   */
  claim(
    limit: number,
    busyPhones: ReadonlySet<string>,
    busyKeys: ReadonlySet<string>,
    windowMs?: number,
    holdUpdates?: boolean
  ): Promise<InboxItem[]>;

  /** Processed: logged or skipped for good, unless a newer version arrived meanwhile. */
  complete(key: string, version: number, state: 'logged' | 'skipped', detail?: CompleteDetail): Promise<void>;
  retryLater(key: string, delayMs: number, error: string): Promise<void>;
  /** Waits without counting an attempt: the cause is outside the item (invalid settings). */
  postpone(key: string, delayMs: number, reason: string): Promise<void>;
  deadLetter(key: string, reason: string): Promise<void>;
  /** Claimed items whose outcome could not be recorded (the storage failed): claimable again. */
  release(keys: readonly string[]): Promise<void>;

  /** A write that changes nothing of value: rejects when the storage cannot be written. */
  probe(): Promise<void>;

  /**
   * Live calls whose `call.ended` never came: after `olderThanMs` without a change they are
   * skipped (LIVE_CALL_EXPIRED) so nothing waits for ever; a `call.ended` arriving later still
   * makes the item pending again. Resolves how many expired.
   */
  expireLive(olderThanMs: number): Promise<number>;

  /**
   * Retention: logged and skipped items unchanged for `olderThanMs`, and deliveries received
   * before then, are deleted; dead letters are kept. Resolves how many items were deleted.
   */
  prune(olderThanMs: number): Promise<number>;

  deadLetters(): Promise<InboxItem[]>;
  /**
   * Puts dead letters back in the queue; resolves how many. Each is read again from its raw
   * `data`, so a payload that an earlier version could not read gets the current parser.
   */
  retry(key?: string): Promise<number>;
  /**
   * The calls and messages changed from `since` (ms) on, oldest first, a page of `limit` after
   * `after` (the last one of the previous page): what a settings preview replays.
   */
  history(since: number, after: { changedAt: number; key: string } | null, limit: number): Promise<InboxItem[]>;
  /** The calls and messages most recently received or changed, newest first (the console's list). */
  recent(limit: number): Promise<InboxItem[]>;
  /**
   * What the next claims would take (claimable now, oldest change first), without claiming it:
   * a read paid for by another reader (insight cards) can cover it (worker.ts readWith).
   */
  waiting(limit: number): Promise<InboxItem[]>;
  item(key: string): Promise<InboxItem | undefined>;
  /**
   * Items waiting to be processed (final or not). SQLite keeps the count (cheap); PostgreSQL
   * counts them (`countsDepth`), a scan that costs a quarter of a second at 100,000 waiting.
   */
  depth(): Promise<number>;
  /** Whether depth() counts rows rather than reading a kept count: the worker then leaves it to /metrics. */
  readonly countsDepth: boolean;
  /** Final items not yet logged, skipped or dead (of `keys`, or all). */
  outstanding(keys?: readonly string[]): Promise<number>;
  counts(keys: readonly string[]): Promise<Record<ItemState, number>>;

  /** The company's Aircall lines seen in any event or listed by Aircall's API (a call from one is internal). */
  rememberLines(e164s: readonly string[]): Promise<void>;
  /** The lines known to this process (kept in memory, refreshed from the storage). */
  companyLines(): ReadonlySet<string>;

  /** A record the service created for a number: found at once, whatever the search index says. */
  rememberNumber(e164: string, sobject: string, recordId: string): Promise<void>;
  /** The remembered record is gone (deleted in the org): match the number afresh next time. */
  forgetNumber(e164: string): Promise<void>;
  knownNumbers(e164s: readonly string[]): Promise<Map<string, { sobject: string; recordId: string }>>;

  /**
   * This service's Salesforce requests (A1, the API share), counted per minute for every
   * process sharing the storage; minutes older than API_USE_KEPT_MS are dropped.
   */
  addApiUse(requests: number, at: number): Promise<void>;
  /** The requests counted from `since` (ms) on. */
  apiUse(since: number): Promise<number>;

  /** Called when work may have become claimable (here or, with Postgres, in another process). */
  onWork(listener: () => void): void;

  close(): Promise<void>;
}

/** Every item changed from `since` (ms) on, oldest first, read `page` at a time (previews, health). */
export async function* changedSince(
  inbox: Pick<Inbox, 'history'>,
  since: number,
  page = 500
): AsyncGenerator<InboxItem> {
  let after: { changedAt: number; key: string } | null = null;
  for (;;) {
    const items = await inbox.history(since, after, page);
    yield* items;
    if (items.length < page) return;
    const last = items[items.length - 1]!;
    after = { changedAt: last.changedAt, key: last.key };
  }
}

/** The item row as both engines store it (integers for booleans, JSON text for objects). */
export interface Row {
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

export const toItem = (row: Row): InboxItem => ({
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

export const toCoalesced = (row: Row): CoalescedItem => ({
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

/** An item's raw data read again with the current parser (migrations and dead-letter retries). */
export function reread(row: Row): { classified: Classified | null; problem: string } {
  const resource = { kind: row.kind, event: toCoalesced(row).event, timestamp: row.data_ts };
  try {
    return { classified: readResource(resource, JSON.parse(row.data)), problem: '' };
  } catch (error) {
    return { classified: null, problem: error instanceof Error ? error.message : String(error) };
  }
}

/** The columns an accepted event writes into its item (both engines, same order). */
export function itemValues(item: CoalescedItem): {
  event: string;
  data: string;
  classified: string | null;
  problem: string | null;
  dataTs: number;
  phone: string | null;
  voicemailLeft: number;
  final: number;
} {
  return {
    event: item.event,
    data: JSON.stringify(item.data),
    classified: item.classified ? JSON.stringify(item.classified) : null,
    problem: item.problem,
    dataTs: item.dataTs,
    phone: item.phone,
    voicemailLeft: item.voicemailLeft ? 1 : 0,
    final: item.final ? 1 : 0
  };
}

/** What the claim policy looks at in a row. */
export type Candidate = Pick<Row, 'key' | 'phone' | 'processed_version' | 'changed_at'>;

/**
 * The claim policy both engines share, over candidate rows in the order they changed:
 * one item per phone number (and none of a number in flight), up to `limit`; a batch that is
 * not full waits until its oldest new item is `windowMs` old, so that calls ending close
 * together share their API requests, but only when something could join it (`couldJoin`).
 * An update of a call already logged is not urgent: it waits up to ten budgets for a batch.
 */
export class Chooser<C extends Candidate> {
  readonly rows: C[] = [];
  /**
   * When the oldest new call passed over changed, because an earlier item of its number (an
   * update waiting for company) is in this batch: that call cannot go before the update does,
   * so the update must not wait its ten budgets (batchDue). Null when none was passed over.
   */
  newBehind: number | null = null;
  private readonly phones: Set<string>;
  private readonly inBatch = new Set<string>();
  private scanned = 0;

  constructor(
    private readonly limit: number,
    busyPhones: ReadonlySet<string>,
    private readonly busyKeys: ReadonlySet<string>
  ) {
    this.phones = new Set(busyPhones);
  }

  /** Whether the batch is full, or enough rows were looked at: stop offering. */
  get done(): boolean {
    return this.rows.length >= this.limit || this.scanned >= CLAIM_SCAN_LIMIT;
  }

  offer(row: C): void {
    this.scanned += 1;
    if (this.busyKeys.has(row.key)) return;
    if (row.phone) {
      if (this.phones.has(row.phone)) {
        if (this.inBatch.has(row.phone) && row.processed_version === 0 && this.newBehind === null)
          this.newBehind = row.changed_at;
        return;
      }
      this.phones.add(row.phone);
      this.inBatch.add(row.phone);
    }
    this.rows.push(row);
  }
}

export function choose<C extends Candidate>(
  candidates: Iterable<C>,
  limit: number,
  busyPhones: ReadonlySet<string>,
  busyKeys: ReadonlySet<string>
): { rows: C[]; newBehind: number | null } {
  const chooser = new Chooser<C>(limit, busyPhones, busyKeys);
  for (const row of candidates) {
    chooser.offer(row);
    if (chooser.done) break;
  }
  return { rows: chooser.rows, newBehind: chooser.newBehind };
}

/**
 * When a batch that is not full may go (see `choose`; rows in the order they changed). Items with
 * no phone number (anonymous, unreadable) cost no org read to share: the engine skips them, so a
 * batch of only those goes at once instead of waiting for company. With `holdUpdates` (the API
 * share reached), updates wait for a new call's batch however long (nothing is dropped).
 */
export function batchDue(
  rows: readonly Candidate[],
  windowMs: number,
  holdUpdates = false,
  /** Chooser.newBehind: a new call waiting behind an update of its number in this batch. */
  newBehind: number | null = null
): number {
  if (rows.every((r) => r.phone === null)) return Number.NEGATIVE_INFINITY;
  const first = rows.find((r) => r.processed_version === 0);
  const firstNew = Math.min(first ? first.changed_at : Number.POSITIVE_INFINITY, newBehind ?? Number.POSITIVE_INFINITY);
  // At the API share (A1): updates of logged calls go only with a new call, or as a full batch.
  if (holdUpdates) return firstNew + windowMs;
  return Math.min(firstNew + windowMs, rows[0]!.changed_at + windowMs * UPDATE_WAIT_BUDGETS);
}

/** Whether another item may join a batch soon without asking the storage: several wait, or an update does. */
export const joinable = (rows: readonly Candidate[]): boolean =>
  rows.length > 1 || rows.some((r) => r.processed_version > 0);
