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
import type { InboxItem, Placement } from '../inbox/inbox';
import type { Inbox } from '../inbox/inbox';
import { plan } from '../rules/engine';
import type { OrgSnapshot, Plan } from '../rules/types';
import type { Metrics } from '../metrics';
import type { Settings } from '../settings/schema';
import { OrgError, toOrgError } from '../salesforce/errors';
import type { OrgGateway, WriteItem, WriteResult } from '../salesforce/gateway';
import type { SettingsSource } from './settings-source';
import { buildSnapshots } from './snapshots';
import type { SnapshotSubject } from './snapshots';

const subject = (p: Prepared): SnapshotSubject => ({ classified: p.classified, placement: p.item.placement });

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

  /** New work arrived: do not wait for the next poll. */
  notify(): void {
    this.wake?.();
  }

  /** Why the inbox cannot be written, while the circuit is open; null when it can. */
  storageProblem: string | null = null;
  private storagePauseMs = 0;
  private lastExpiry = 0;

  /**
   * The storage circuit breaker: once an inbox write fails, no batch starts (so no org request
   * is spent on work whose outcome cannot be recorded) until a probe write succeeds; probes
   * back off from the poll interval to 30 s.
   */
  private storageOpen(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.storageProblem === null) this.logger.error({ err: error }, 'the inbox cannot be written; pausing');
    this.storageProblem = `The inbox (DATA_DIR) cannot be written: ${message}`;
    this.storagePauseMs = Math.min(30_000, Math.max(this.options.pollMs, this.storagePauseMs * 2));
  }

  private storageHealthy(): boolean {
    if (this.storageProblem === null) return true;
    try {
      this.inbox.probe();
    } catch (error) {
      this.storageOpen(error);
      return false;
    }
    this.logger.info('the inbox can be written again; resuming');
    this.storageProblem = null;
    this.storagePauseMs = 0;
    return true;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let started = 0;
      if (this.storageHealthy()) {
        try {
          this.expireLive();
        } catch (error) {
          this.storageOpen(error);
        }
      }
      while (this.running && this.storageProblem === null && this.inFlight.size < this.options.concurrency) {
        let items: InboxItem[];
        try {
          items = this.inbox.claim(this.options.batchSize, this.busyPhones, this.busyKeys, this.options.batchWindowMs);
        } catch (error) {
          this.storageOpen(error);
          break;
        }
        if (items.length === 0) break;
        started += 1;
        for (const item of items) {
          this.busyKeys.add(item.key);
          if (item.phone) this.busyPhones.add(item.phone);
        }
        const task = this.processBatch(items)
          .catch((error: unknown) => this.batchFailed(items, error))
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
      if (this.storageProblem === null) {
        try {
          this.metrics.inboxDepth.set(this.inbox.depth());
        } catch (error) {
          this.storageOpen(error);
        }
      }
      if (!this.running) break;
      const busy = started > 0 && this.inFlight.size < this.options.concurrency;
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

  /** At most once a minute: live calls whose call.ended never came are given up (Inbox.expireLive). */
  private expireLive(): void {
    const now = this.inbox.now();
    if (now - this.lastExpiry < Math.min(60_000, this.options.liveCallExpiryMs)) return;
    this.lastExpiry = now;
    const expired = this.inbox.expireLive(this.options.liveCallExpiryMs);
    if (expired > 0) {
      this.metrics.callsSkipped.inc({ reason: 'LIVE_CALL_EXPIRED' }, expired);
      this.logger.warn({ expired }, 'live calls without call.ended given up');
    }
  }

  /**
   * A batch that threw. When the inbox cannot be written, the circuit opens and the items wait
   * (they are still pending: processing them again is idempotent). Otherwise each item counts
   * an attempt and backs off, then becomes a dead letter: never claimed again at once.
   */
  private batchFailed(items: readonly InboxItem[], error: unknown): void {
    try {
      this.inbox.probe();
    } catch (storageError) {
      this.storageOpen(storageError);
      return;
    }
    this.logger.error({ err: error }, 'batch failed unexpectedly');
    const unexpected = new OrgError(
      'INTERNAL_ERROR',
      `Unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
      [],
      500
    );
    for (const item of items) this.fail(item, unexpected);
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
  private ownNumbers(): ReadonlySet<string> {
    const seen = this.inbox.companyLines();
    return this.options.companyLines.length === 0 ? seen : new Set([...seen, ...this.options.companyLines]);
  }

  /** The item as classified at the boundary, with what only the coalesced item and the company's lines tell. */
  private classify(item: InboxItem, ownNumbers: ReadonlySet<string>): Classified {
    if (!item.classified)
      throw new Error(
        `Aircall sent a ${item.kind} this version cannot read (${item.lastError ?? 'unknown reason'}). ` +
          'It is kept: after an upgrade of aircall-sf, `aircall-sf dead-letters retry --all` reads it again.'
      );
    return inContext(item.classified, { voicemailLeft: item.voicemailLeft, ownNumbers });
  }

  private backoff(item: InboxItem, error: OrgError): number {
    const base = error.code === 'REQUEST_LIMIT_EXCEEDED' ? this.options.limitBackoffMs : this.options.backoffBaseMs;
    const exp = Math.min(this.options.backoffMaxMs, base * 2 ** item.attempts);
    return Math.round(exp * (0.5 + this.options.random() / 2));
  }

  private fail(item: InboxItem, error: OrgError): void {
    if (error.transient && item.attempts + 1 < this.options.maxAttempts) {
      const delay = this.backoff(item, error);
      this.inbox.retryLater(item.key, delay, error.reason);
      this.metrics.retries.inc({ code: error.code });
      this.logger.warn(
        { item: item.key, code: error.code, attempt: item.attempts + 1, retryInMs: delay },
        'transient failure; will retry'
      );
      return;
    }
    this.inbox.deadLetter(item.key, error.reason);
    this.metrics.callsFailed.inc({ kind: item.kind });
    this.logger.error({ item: item.key, code: error.code, reason: error.reason }, 'dead letter');
  }

  private async processBatch(items: readonly InboxItem[]): Promise<void> {
    let settings: Settings;
    try {
      const result = await this.settings.get();
      if (!result.ok) {
        // Invalid settings: events wait (contract §1), reported on /readyz and in the log.
        const message = result.errors[0]!.message;
        if (this.settingsProblem !== message) this.logger.error({ field: result.errors[0]!.field }, message);
        this.settingsProblem = message;
        for (const item of items) this.inbox.postpone(item.key, this.options.settingsRetryMs, message);
        return;
      }
      this.settingsProblem = null;
      settings = result.settings;
    } catch (error) {
      const orgError = toOrgError(error);
      for (const item of items) this.fail(item, orgError);
      return;
    }

    const prepared: Prepared[] = [];
    const ownNumbers = this.ownNumbers();
    for (const item of items) {
      try {
        prepared.push({ item, classified: this.classify(item, ownNumbers) });
      } catch (error) {
        this.inbox.deadLetter(item.key, error instanceof Error ? error.message : String(error));
        this.metrics.callsFailed.inc({ kind: item.kind });
      }
    }
    const plans = new Map<string, Plan>();
    const failed = new Set<string>();
    /** A plan, or null when the engine failed on the item: that item alone becomes a dead letter. */
    const planned = (p: Prepared, org: OrgSnapshot): Plan | null => {
      try {
        return plan({ item: p.classified, settings, org });
      } catch (error) {
        failed.add(p.item.key);
        this.inbox.deadLetter(
          p.item.key,
          `The rules engine could not plan this ${p.item.kind}: ${error instanceof Error ? error.message : String(error)}`
        );
        this.metrics.callsFailed.inc({ kind: p.item.kind });
        return null;
      }
    };
    const needsOrg = prepared.filter((p) => {
      // Decide the skips that need no lookup first: no API request is spent on them.
      const quick = planned(p, { candidates: [], users: [], integrationUserId: this.gateway.identity.userId });
      if (!quick) return false;
      if (quick.outcome === 'skip' && quick.reason !== 'UNKNOWN_NUMBER') {
        plans.set(p.item.key, quick);
        return false;
      }
      return true;
    });
    if (needsOrg.length > 0) {
      let snapshotFor: Awaited<ReturnType<typeof buildSnapshots>>;
      try {
        snapshotFor = await buildSnapshots(this.gateway, this.inbox, needsOrg.map(subject), settings);
      } catch (error) {
        const orgError = toOrgError(error);
        for (const p of needsOrg) this.fail(p.item, orgError);
        for (const p of prepared) {
          const quick = plans.get(p.item.key);
          if (quick?.outcome === 'skip') this.finishSkip(p.item, quick);
        }
        return;
      }
      for (const p of needsOrg) {
        const result = planned(p, snapshotFor(subject(p)));
        if (result) plans.set(p.item.key, result);
      }
    }

    const writes: { prepared: Prepared; write: WriteItem }[] = [];
    for (const p of prepared) {
      if (failed.has(p.item.key)) continue;
      const result = plans.get(p.item.key)!;
      if (result.outcome === 'skip') {
        this.finishSkip(p.item, result);
        continue;
      }
      writes.push({
        prepared: p,
        write: {
          key: p.item.key,
          plan: result,
          e164: p.classified.otherParty.e164 ?? '',
          taskExists: p.item.taskId !== null
        }
      });
    }
    if (writes.length === 0) return;
    await this.writeAll(writes);
  }

  private finishSkip(item: InboxItem, result: Extract<Plan, { outcome: 'skip' }>): void {
    this.inbox.complete(item.key, item.version, 'skipped', { reason: result.reason });
    this.metrics.callsSkipped.inc({ reason: result.reason });
    this.logger.info({ item: item.key, reason: result.reason }, 'not logged');
  }

  private async writeAll(writes: { prepared: Prepared; write: WriteItem }[], second = false): Promise<void> {
    let results: WriteResult[];
    try {
      results = await this.gateway.write(writes.map((w) => w.write));
    } catch (error) {
      const orgError = toOrgError(error);
      for (const w of writes) this.fail(w.prepared.item, orgError);
      return;
    }
    const again: { prepared: Prepared; write: WriteItem }[] = [];
    results.forEach((result, i) => {
      const { prepared, write } = writes[i]!;
      const item = prepared.item;
      if (result.ok) {
        if (result.created && prepared.classified.otherParty.e164) {
          this.inbox.rememberNumber(prepared.classified.otherParty.e164, result.created.sobject, result.created.id);
        }
        const target = write.plan.target;
        const placement: Placement = {
          kind: target.kind === 'existing' ? target.sobject : target.sobject,
          id: target.kind === 'existing' ? target.id : result.created!.id,
          personContactId: target.kind === 'existing' ? target.personContactId : null,
          accountId: target.kind === 'existing' ? target.accountId : null,
          relatedKind: write.plan.related?.sobject ?? null,
          relatedId: result.relatedId
        };
        this.inbox.complete(item.key, item.version, 'logged', { taskId: result.taskId, placement });
        this.metrics.callsLogged.inc({ kind: item.kind });
        this.metrics.latency.observe((this.inbox.now() - item.changedAt) / 1000);
        this.logger.info({ item: item.key, task: result.taskId, target: write.plan.target.kind }, 'logged');
        return;
      }
      // The Task exists though the inbox had not noted it (a crash after the write): update it
      // without the create-only fields.
      if (
        ['INVALID_CROSS_REFERENCE_KEY', 'ENTITY_IS_DELETED'].includes(result.error.code) &&
        prepared.classified.otherParty.e164
      ) {
        this.inbox.forgetNumber(prepared.classified.otherParty.e164);
      }
      if (!second && result.taskStep && result.error.code === 'INVALID_FIELD_FOR_INSERT_UPDATE' && !write.taskExists) {
        again.push({ prepared, write: { ...write, taskExists: true } });
        return;
      }
      this.fail(item, result.error);
    });
    if (again.length > 0) await this.writeAll(again, true);
  }
}
