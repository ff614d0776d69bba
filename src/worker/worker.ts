/**
 * Takes final items from the inbox, applies the rules engine and writes the plans. Items are
 * handled in batches so that lookups and writes of many calls share API requests; two items
 * of one phone number are never in flight at once (search-index lag must not create a
 * duplicate); transient failures are retried with exponential backoff and jitter; permanent
 * ones become dead letters with a reason an admin can act on.
 */
import type { Logger } from 'pino';
import type { Classified } from '../aircall/classify';
import { inContext } from '../aircall/classify';
import type { Inbox, InboxItem, Placement } from '../inbox/inbox';
import { UPDATE_WAIT_BUDGETS } from '../inbox/inbox';
import { plan, renderTrace } from '../rules/engine';
import type { Plan } from '../rules/types';
import type { Metrics } from '../metrics';
import type { Settings } from '../settings/schema';
import { OrgError, toOrgError } from '../salesforce/errors';
import { AircallSfError, ERROR_CODES, deadLetterCode } from '../errors';
import type { OrgGateway, WriteItem, WriteResult } from '../salesforce/gateway';
import type { SettingsSource } from './settings-source';
import { KeptReads } from './kept-reads';
import type { KeptItem } from './kept-reads';
import { buildSnapshots } from './snapshots';
import type { BatchSnapshot, SnapshotSubject } from './snapshots';

const subject = (p: Prepared): SnapshotSubject => ({ classified: p.classified, placement: p.item.placement });
const keptItem = (p: Prepared): KeptItem => ({ key: p.item.key, version: p.item.version, subject: subject(p) });

export interface WorkerOptions {
  readonly batchSize?: number;
  readonly concurrency?: number;
  readonly pollMs?: number;
  /** First retry delay; doubles each attempt, with jitter. */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** REQUEST_LIMIT_EXCEEDED waits longer: the org's allocation needs time to recover. */
  readonly limitBackoffMs?: number;
  /** Transient failures after this many attempts become dead letters too. */
  readonly maxAttempts?: number;
  /** A batch that is not full waits this long for more calls to share its requests. */
  readonly batchWindowMs?: number;
  /** How long items wait before settings are checked again when they are invalid. */
  readonly settingsRetryMs?: number;
  readonly random?: () => number;
  /** A live call with no call.ended for this long is given up (LIVE_CALL_EXPIRED). */
  readonly liveCallExpiryMs?: number;
  /** Company lines configured (AIRCALL_COMPANY_NUMBERS, E.164), besides those the inbox has seen. */
  readonly companyLines?: readonly string[];
  /** While webhooks arrive (`pressure`), a batch starts at most this often. */
  readonly yieldMs?: number;
  /** Logged and skipped items are pruned after this long (Inbox.prune, checked hourly); 0: never. */
  readonly retentionMs?: number;
}

interface Prepared {
  readonly item: InboxItem;
  readonly classified: Classified;
}

export class Worker {
  private running = false;
  private readonly busyPhones = new Set<string>();
  private readonly busyKeys = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Reads others paid for (cards, riders) that a batch may use instead of its own (kept-reads.ts). */
  private readonly kept = new KeptReads(() => this.options.batchWindowMs * UPDATE_WAIT_BUDGETS);
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private readonly options: Required<WorkerOptions>;
  settingsProblem: string | null = null;

  constructor(
    private readonly inbox: Inbox,
    private readonly gateway: OrgGateway,
    private readonly settings: SettingsSource,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    options: WorkerOptions = {}
  ) {
    this.options = {
      batchSize: 25,
      concurrency: 4,
      pollMs: 250,
      backoffBaseMs: 1000,
      backoffMaxMs: 15 * 60_000,
      limitBackoffMs: 60_000,
      maxAttempts: 25,
      settingsRetryMs: 5000,
      batchWindowMs: 200,
      random: Math.random,
      companyLines: [],
      liveCallExpiryMs: 12 * 60 * 60_000,
      retentionMs: 0,
      yieldMs: 500,
      ...options
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking work, waits for what is in flight, and returns. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.all([...this.inFlight]);
  }

  /** True while a batch is being processed (its outcomes may not be counted in the metrics yet). */
  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** New work arrived: do not wait for the next poll. */
  notify(): void {
    this.wake?.();
  }

  /** Whether the HTTP server is busy with webhooks (set by `serve`): the worker then yields. */
  pressure: () => boolean = () => false;
  /** What happened to a call's insight card, for its trace (src/cards/); none by default. */
  cardNote: (key: string) => string | null = () => null;
  /** The batching the API share asks for (src/budget/): by default the configured window. */
  batching: (windowMs: number) => { windowMs: number; holdUpdates: boolean } = (windowMs) => ({
    windowMs,
    holdUpdates: false
  });
  /** Ringing calls waiting for their card's read, which a batch's read serves too (src/cards/). */
  riders: () => { subjects: SnapshotSubject[]; deliver(result: BatchSnapshot | Error): void } | null = () => null;

  /** Why the inbox cannot be written, while the circuit is open; null when it can. */
  storageProblem: string | null = null;
  private storagePauseMs = 0;
  private lastExpiry = 0;
  private lastPrune = 0;
  private lastStart = 0;
  /** Claimed items of batches that failed while the inbox could not be written. */
  private readonly orphans = new Set<string>();
  private lastDepth = 0;

  /**
   * The storage circuit breaker: once an inbox write fails, no batch starts (so no org request
   * is spent on work whose outcome cannot be recorded) until a probe write succeeds; probes
   * back off from the poll interval to 30 s.
   */
  private storageOpen(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.storageProblem === null) this.logger.error({ err: error }, 'the inbox cannot be written; pausing');
    this.storageProblem = `The inbox (${this.inbox.engine === 'postgres' ? 'DATABASE_URL' : 'DATA_DIR'}) cannot be written: ${message}`;
    this.storagePauseMs = Math.min(30_000, Math.max(this.options.pollMs, this.storagePauseMs * 2));
  }

  private async storageHealthy(): Promise<boolean> {
    if (this.storageProblem === null) return true;
    try {
      await this.inbox.probe();
    } catch (error) {
      this.storageOpen(error);
      return false;
    }
    if (this.orphans.size > 0) {
      try {
        await this.inbox.release([...this.orphans]);
      } catch (error) {
        this.storageOpen(error);
        return false;
      }
      this.orphans.clear();
    }
    this.logger.info('the inbox can be written again; resuming');
    this.storageProblem = null;
    this.storagePauseMs = 0;
    return true;
  }

  /** Runs a claimed batch in the background, its items and numbers busy until it is done. */
  private startBatch(items: readonly InboxItem[]): void {
    this.lastStart = Date.now();
    for (const item of items) {
      this.busyKeys.add(item.key);
      if (item.phone) this.busyPhones.add(item.phone);
    }
    const task = this.processBatch(items)
      .catch((error: unknown) => this.batchFailed(items, error))
      .catch((error: unknown) => this.storageOpen(error))
      .finally(() => {
        this.recordUsage();
        for (const item of items) {
          this.busyKeys.delete(item.key);
          if (item.phone) this.busyPhones.delete(item.phone);
        }
        this.inFlight.delete(task);
        this.wake?.();
      });
    this.inFlight.add(task);
  }

  /**
   * A read of the org for others (insight cards) that also covers the items waiting for their
   * batch window: the request is paid now, so their batch need not pay another. They are not
   * claimed (a batch taken early would write alone, one request more per card): the read is
   * kept for them, and for the ringing calls it was made for, and the batch that later claims
   * them uses it when it answers every item of the batch (kept-reads.ts says when).
   */
  async readWith(extra: readonly SnapshotSubject[], options: { details?: boolean } = {}): Promise<BatchSnapshot> {
    const waiting: Prepared[] = [];
    if (this.running && this.storageProblem === null) {
      try {
        const ownNumbers = this.ownNumbers();
        for (const item of await this.inbox.waiting(this.options.batchSize)) {
          if (this.busyKeys.has(item.key) || item.classified === null) continue;
          waiting.push({ item, classified: this.classify(item, ownNumbers) });
        }
      } catch {
        waiting.length = 0; // the batch reads for itself
      }
    }
    const at = Date.now();
    const snapshot = await buildSnapshots(this.gateway, this.inbox, [...waiting.map(subject), ...extra], options);
    this.kept.keepWaiting(waiting.map(keptItem), snapshot, at);
    this.kept.keepRinging(extra, snapshot, at);
    return snapshot;
  }

  /** A batch's own read, which also reads for the calls ringing now (their cards ride along). */
  private async batchRead(prepared: readonly Prepared[]): Promise<BatchSnapshot> {
    const riders = this.riders();
    if (!riders) return buildSnapshots(this.gateway, this.inbox, prepared.map(subject));
    try {
      const at = Date.now();
      const snapshot = await buildSnapshots(this.gateway, this.inbox, [...prepared.map(subject), ...riders.subjects], {
        details: true
      });
      this.kept.keepRinging(riders.subjects, snapshot, at);
      riders.deliver(snapshot);
      return snapshot;
    } catch (error) {
      riders.deliver(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let started = 0;
      if (await this.storageHealthy()) {
        try {
          await this.housekeeping();
        } catch (error) {
          this.storageOpen(error);
        }
      }
      // Webhooks first: while they arrive, at most one batch starts per `yieldMs`, so that
      // Aircall gets its 200s at once; the inbox keeps the rest, the drain catches up in the lulls.
      // Asked before every start: a claim awaits the storage, and webhooks may begin meanwhile.
      const concurrency = () =>
        !this.pressure() ? this.options.concurrency : Date.now() - this.lastStart >= this.options.yieldMs ? 1 : 0;
      while (this.running && this.storageProblem === null && this.inFlight.size < concurrency()) {
        let items: InboxItem[];
        try {
          const { windowMs, holdUpdates } = this.batching(this.options.batchWindowMs);
          items = await this.inbox.claim(this.options.batchSize, this.busyPhones, this.busyKeys, windowMs, holdUpdates);
        } catch (error) {
          this.storageOpen(error);
          break;
        }
        if (items.length === 0) break;
        started += 1;
        this.startBatch(items);
      }
      // The gauge, at most once a second (not on every wake-up), where the depth is a kept count;
      // a counted depth (PostgreSQL) is read by /metrics when scraped: counted every second by
      // every process, it was most of the database's work with 100,000 waiting.
      if (this.storageProblem === null && !this.inbox.countsDepth && Date.now() - this.lastDepth >= 1000) {
        this.lastDepth = Date.now();
        try {
          this.metrics.inboxDepth.set(await this.inbox.depth());
        } catch (error) {
          this.storageOpen(error);
        }
      }
      if (!this.running) break;
      const busy = started > 0 && this.inFlight.size < concurrency();
      const pause = this.storageProblem !== null ? this.storagePauseMs : busy ? 0 : this.options.pollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  /**
   * At most once a minute, live calls whose call.ended never came are given up
   * (Inbox.expireLive); at most once an hour, items older than the retention are pruned.
   */
  private async housekeeping(): Promise<void> {
    const now = this.inbox.now();
    if (now - this.lastExpiry >= Math.min(60_000, this.options.liveCallExpiryMs)) {
      this.lastExpiry = now;
      const expired = await this.inbox.expireLive(this.options.liveCallExpiryMs);
      if (expired > 0) {
        this.metrics.callsSkipped.inc({ reason: 'LIVE_CALL_EXPIRED' }, expired);
        this.logger.warn({ expired }, 'live calls without call.ended given up');
      }
    }
    if (this.options.retentionMs > 0 && now - this.lastPrune >= 60 * 60_000) {
      this.lastPrune = now;
      const pruned = await this.inbox.prune(this.options.retentionMs);
      if (pruned > 0) this.logger.info({ pruned }, 'logged and skipped items past the retention deleted');
    }
  }

  /**
   * A batch that threw. When the inbox cannot be written, the circuit opens and the items wait
   * (they are still pending: processing them again is idempotent). Otherwise each item counts
   * an attempt and backs off, then becomes a dead letter: never claimed again at once.
   */
  private async batchFailed(items: readonly InboxItem[], error: unknown): Promise<void> {
    try {
      await this.inbox.probe();
    } catch (storageError) {
      this.storageOpen(storageError);
      // Their outcome is unknown to the inbox: released once it can be written again.
      for (const item of items) this.orphans.add(item.key);
      return;
    }
    this.logger.error({ err: error }, 'batch failed unexpectedly');
    const unexpected = new OrgError(
      'INTERNAL_ERROR',
      `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
      [],
      500
    );
    await Promise.all(items.map((item) => this.fail(item, unexpected)));
  }

  /** API usage for /metrics: the org's meter (Sforce-Limit-Info) and this service's own count by purpose. */
  private recordUsage(): void {
    const usage = this.gateway.apiUsage;
    if (usage) {
      this.metrics.apiRequests.set(usage.used);
      this.metrics.apiLimit.set(usage.limit);
    }
    for (const [purpose, count] of this.gateway.requests) this.metrics.apiCalls.set(count, { purpose });
  }

  /** The company's lines: every line an event named (kept by the inbox), and the configured ones. */
  /** The company's lines: the ones events named, and AIRCALL_COMPANY_NUMBERS. */
  ownNumbers(): ReadonlySet<string> {
    const seen = this.inbox.companyLines();
    return this.options.companyLines.length === 0 ? seen : new Set([...seen, ...this.options.companyLines]);
  }

  /** The item as classified at the boundary, with what only the coalesced item and the company's lines tell. */
  private classify(item: InboxItem, ownNumbers: ReadonlySet<string>): Classified {
    if (!item.classified)
      throw new AircallSfError(
        ERROR_CODES.PAYLOAD_INVALID,
        `${ERROR_CODES.PAYLOAD_INVALID}: Aircall sent a ${item.kind} this version cannot read (${item.lastError ?? 'unknown reason'}). ` +
          'It is kept: after an upgrade of aircall-sf, `aircall-sf dead-letters retry --all` reads it again.'
      );
    return inContext(item.classified, { voicemailLeft: item.voicemailLeft, ownNumbers });
  }

  private backoff(item: InboxItem, error: OrgError): number {
    const base = error.code === 'REQUEST_LIMIT_EXCEEDED' ? this.options.limitBackoffMs : this.options.backoffBaseMs;
    const exp = Math.min(this.options.backoffMaxMs, base * 2 ** item.attempts);
    return Math.round(exp * (0.5 + this.options.random() / 2));
  }

  private async fail(item: InboxItem, error: OrgError): Promise<void> {
    if (error.transient && item.attempts + 1 < this.options.maxAttempts) {
      const delay = this.backoff(item, error);
      await this.inbox.retryLater(item.key, delay, error.reason);
      this.metrics.retries.inc({ code: error.code });
      this.logger.warn(
        { item: item.key, code: error.code, attempt: item.attempts + 1, retryInMs: delay },
        'transient failure; will retry'
      );
      return;
    }
    await this.deadLetter(item, error.reason);
  }

  /** Every dead letter, whatever made it, is counted and logged at error level with its code and reason. */
  private async deadLetter(item: InboxItem, reason: string): Promise<void> {
    await this.inbox.deadLetter(item.key, reason);
    this.metrics.callsFailed.inc({ kind: item.kind });
    this.logger.error({ item: item.key, code: deadLetterCode(reason), reason }, 'dead letter');
  }

  /**
   * One batch: one read of the org (settings and everything the rules need, fresh), the
   * engine's plans, one write. Invalid settings postpone the batch; a failed read retries it.
   */
  private async processBatch(items: readonly InboxItem[]): Promise<void> {
    const prepared: Prepared[] = [];
    const ownNumbers = this.ownNumbers();
    for (const item of items) {
      try {
        prepared.push({ item, classified: this.classify(item, ownNumbers) });
      } catch (error) {
        await this.deadLetter(item, error instanceof Error ? error.message : String(error));
      }
    }
    if (prepared.length === 0) return;
    await this.deferUncovered(prepared);
    let snapshot: BatchSnapshot;
    try {
      const kept = this.kept.take(prepared.map(keptItem));
      if (kept) this.metrics.readsKept.inc({ kind: kept.ringing ? 'ringing' : 'waiting' });
      snapshot = kept?.snapshot ?? (await this.batchRead(prepared));
    } catch (error) {
      const orgError = toOrgError(error);
      await Promise.all(prepared.map((p) => this.fail(p.item, orgError)));
      return;
    }
    this.settings.observe(snapshot.settings);
    if (!snapshot.settings.ok) {
      // Invalid settings: events wait (contract §1), reported on /readyz and in the log.
      const problem = snapshot.settings.errors[0]!;
      if (this.settingsProblem !== problem.message) this.logger.error({ field: problem.field }, problem.message);
      this.settingsProblem = problem.message;
      await Promise.all(
        prepared.map((p) => this.inbox.postpone(p.item.key, this.options.settingsRetryMs, problem.message))
      );
      return;
    }
    this.settingsProblem = null;
    const settings: Settings = snapshot.settings.settings;

    const writes: { prepared: Prepared; write: WriteItem }[] = [];
    const skips: Promise<void>[] = [];
    for (const p of prepared) {
      let result: Plan;
      try {
        result = plan({
          item: p.classified,
          settings,
          org: snapshot.snapshotFor(subject(p)),
          card: this.cardNote(p.item.key)
        });
      } catch (error) {
        await this.deadLetter(
          p.item,
          `${ERROR_CODES.ENGINE_FAILED}: The rules engine could not plan this ${p.item.kind}: ${error instanceof Error ? error.message : String(error)}`
        );
        continue;
      }
      if (result.outcome === 'skip') {
        skips.push(this.finishSkip(p.item, result));
        continue;
      }
      writes.push({
        prepared: p,
        write: {
          key: p.item.key,
          plan: result,
          e164: p.classified.otherParty.e164 ?? '',
          taskId: snapshot.taskFor(p.classified.externalId)?.id ?? null,
          followUps: result.followUps.filter((f) => !snapshot.taskFor(f.key))
        }
      });
    }
    // The skips are recorded with the writes' outcomes (one commit when the storage groups them).
    await Promise.all([...skips, writes.length > 0 ? this.writeAll(writes) : Promise.resolve()]);
  }

  /**
   * Puts back the items of a batch that kept reads do not answer, when they answer the rest and
   * those items' own batch window has time left (kept-reads.ts, `deferrable`): the batch then
   * costs no read, and the items put back wait for a card's read or their own batch. Each waits
   * no longer than its window after its last change, as it would have as the first of a batch;
   * the margin (a fifth of the window) leaves the claim loop time to take it again.
   */
  private async deferUncovered(prepared: Prepared[]): Promise<void> {
    const { windowMs } = this.batching(this.options.batchWindowMs);
    const keys = this.kept.deferrable(
      prepared.map((p) => ({ ...keptItem(p), waitsUntil: p.item.changedAt + windowMs })),
      Date.now() + windowMs / 5
    );
    if (keys.length === 0) return;
    try {
      await this.inbox.release(keys);
    } catch {
      return; // still claimed by this batch: it reads for them all
    }
    const deferred = new Set(keys);
    prepared.splice(0, prepared.length, ...prepared.filter((p) => !deferred.has(p.item.key)));
    this.metrics.itemsDeferred.inc({}, keys.length);
  }

  private async finishSkip(item: InboxItem, result: Extract<Plan, { outcome: 'skip' }>): Promise<void> {
    await this.inbox.complete(item.key, item.version, 'skipped', {
      reason: result.reason,
      trace: renderTrace(result.trace)
    });
    this.metrics.callsSkipped.inc({ reason: result.reason });
    this.logger.info({ item: item.key, reason: result.reason }, 'not logged');
  }

  private async writeAll(writes: { prepared: Prepared; write: WriteItem }[]): Promise<void> {
    let results: WriteResult[];
    this.kept.writing(writes.map((w) => w.write.e164));
    try {
      results = await this.gateway.write(writes.map((w) => w.write));
    } catch (error) {
      const orgError = toOrgError(error);
      await Promise.all(writes.map((w) => this.fail(w.prepared.item, orgError)));
      return;
    }
    // Recorded together: the inbox commits writes made in the same turn as one (group commit).
    await Promise.all(results.map((result, i) => this.record(writes[i]!, result)));
  }

  private async record(
    { prepared, write }: { prepared: Prepared; write: WriteItem },
    result: WriteResult
  ): Promise<void> {
    {
      const item = prepared.item;
      if (result.ok) {
        // Issued together with the completion: one commit for both.
        const remembered =
          result.created && prepared.classified.otherParty.e164
            ? this.inbox.rememberNumber(prepared.classified.otherParty.e164, result.created.sobject, result.created.id)
            : Promise.resolve();
        const target = write.plan.target;
        const placement: Placement = {
          kind: target.sobject,
          id: target.kind === 'existing' ? target.id : result.created!.id,
          personContactId: target.kind === 'existing' ? target.personContactId : null,
          accountId: target.kind === 'existing' ? target.accountId : null,
          relatedKind: write.plan.related?.sobject ?? null,
          relatedId: result.relatedId
        };
        await Promise.all([
          remembered,
          this.inbox.complete(item.key, item.version, 'logged', {
            taskId: result.taskId,
            placement,
            trace: renderTrace(write.plan.trace)
          })
        ]);
        this.metrics.callsLogged.inc({ kind: item.kind });
        this.metrics.latency.observe((this.inbox.now() - item.changedAt) / 1000);
        this.logger.info({ item: item.key, task: result.taskId, target: write.plan.target.kind }, 'logged');
        return;
      }
      // A record the call was matched to is gone: forget it, so the retry matches again.
      if (
        ['INVALID_CROSS_REFERENCE_KEY', 'ENTITY_IS_DELETED'].includes(result.error.code) &&
        prepared.classified.otherParty.e164
      ) {
        await this.inbox.forgetNumber(prepared.classified.otherParty.e164);
      }
      await this.fail(item, result.error);
    }
  }
}
