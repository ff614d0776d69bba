/**
 * Insight cards (C1): when a call starts ringing (`call.created`), the agent's Aircall phone
 * shows the caller's Salesforce record. The calls that start ringing within one window share
 * one read of the org, the snapshot the worker uses (buildSnapshots, with `details`), and the
 * same matching (previewRinging), so the card and the logged Task name the same record. A
 * card is worth something only while the call rings or runs: it is posted at once or dropped
 * and counted, never queued (the Aircall client gives cards the first slots of the budget).
 * What happened is kept per call for the Task's trace (`noteFor`), in this process.
 */
import type { Logger } from 'pino';
import type { AircallApi } from '../aircall-api/client';
import type { ClassifiedCall } from '../aircall/classify';
import { inContext } from '../aircall/classify';
import type { Inbox } from '../inbox/inbox';
import type { Metrics } from '../metrics';
import { previewRinging } from '../rules/engine';
import type { OrgGateway } from '../salesforce/gateway';
import { toOrgError } from '../salesforce/errors';
import type { SettingsSource } from '../worker/settings-source';
import { buildSnapshots } from '../worker/snapshots';
import type { BatchSnapshot, SnapshotSubject } from '../worker/snapshots';
import { cardContents } from './content';

export interface CardOptions {
  /** How long the first ringing call waits for others to share its read (ms). */
  readonly windowMs: number;
  /** Past this long after call.created, a card is no longer posted (ms). */
  readonly deadlineMs: number;
}

export const CARD_DEFAULTS: CardOptions = { windowMs: 1000, deadlineMs: 30_000 };

const PENDING = 'card pending';

/** Notes kept for the trace of calls to come; the oldest go first. */
const NOTES_KEPT = 20_000;

interface Ringing {
  readonly call: ClassifiedCall;
  readonly receivedAt: number;
}

export interface CardDeps {
  readonly gateway: OrgGateway;
  readonly inbox: Inbox;
  readonly settings: SettingsSource;
  /** Null without an Aircall API key: no card can be posted. */
  readonly api: AircallApi | null;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly ownNumbers: () => ReadonlySet<string>;
  /**
   * The read: by default one of its own; `serve` gives the worker's readWith, so that the same
   * request also serves the ended calls waiting for their batch (one request for both).
   */
  readonly read?: (subjects: readonly SnapshotSubject[], options: { details: boolean }) => Promise<BatchSnapshot>;
  readonly now?: () => number;
}

export class CardService {
  private pending: Ringing[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  /** Per call key: what happened to its card, for the trace ("card posted", or why not). */
  private readonly notes = new Map<string, string>();
  private readonly now: () => number;
  private warnedNoApi = false;

  constructor(
    private readonly deps: CardDeps,
    private readonly options: CardOptions = CARD_DEFAULTS
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** The trace line of a call's card, if this process handled its call.created and decided. */
  noteFor(key: string): string | null {
    const note = this.notes.get(key);
    return note && note !== PENDING ? note : null;
  }

  /** Whether the card of this call is still being read or posted. */
  deciding(key: string): boolean {
    return this.notes.get(key) === PENDING;
  }

  private note(key: string, text: string, reason: string | null): void {
    if (this.notes.has(key)) this.notes.delete(key);
    this.notes.set(key, text);
    if (this.notes.size > NOTES_KEPT) this.notes.delete(this.notes.keys().next().value!);
    if (reason) this.deps.metrics.cardsNotPosted.inc({ reason });
  }

  /** A call that started ringing, read at the webhook boundary. */
  offer(call: ClassifiedCall, receivedAt: number = this.now()): void {
    if (this.notes.has(call.externalId)) return; // a redelivery: one card per call
    if (!this.deps.api) {
      this.note(call.externalId, 'no card: no Aircall API key (AIRCALL_API_ID, AIRCALL_API_TOKEN)', 'no_api_key');
      if (!this.warnedNoApi) {
        this.warnedNoApi = true;
        this.deps.logger.warn('insight cards need an Aircall API key: set AIRCALL_API_ID and AIRCALL_API_TOKEN');
      }
      return;
    }
    // Off in the settings seen lately: no org read at all.
    const seen = this.deps.settings.peek();
    if (seen?.ok && !seen.settings.insightCards) {
      this.note(call.externalId, 'no card: Insight_Cards__c is off', 'off');
      return;
    }
    this.note(call.externalId, PENDING, null);
    this.pending.push({ call, receivedAt });
    this.timer ??= setTimeout(() => this.track(this.flush()), this.options.windowMs);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Reads the org once for the calls waiting, then posts their cards. */
  async flush(): Promise<void> {
    const calls = this.take();
    if (calls.length === 0) return;
    let snapshot: BatchSnapshot;
    try {
      const subjects = calls.map((r) => ({ classified: r.call, placement: null }));
      snapshot = this.deps.read
        ? await this.deps.read(subjects, { details: true })
        : await buildSnapshots(this.deps.gateway, this.deps.inbox, subjects, { details: true });
    } catch (error) {
      return this.unread(calls, error);
    }
    await this.post(calls, snapshot);
  }

  /** The calls waiting for their read, in context (the company's lines), the window closed. */
  private take(): Ringing[] {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    const own = this.deps.ownNumbers();
    return batch.map((r) => ({ ...r, call: inContext(r.call, { ownNumbers: own }) as ClassifiedCall }));
  }

  /**
   * The calls waiting for their card's read, handed to a read that is being made anyway (a
   * batch of the worker): it reads for them too, with details, and gives them the snapshot.
   * Null when none waits.
   */
  ride(): { subjects: SnapshotSubject[]; deliver(result: BatchSnapshot | Error): void } | null {
    if (this.pending.length === 0) return null;
    const calls = this.take();
    return {
      subjects: calls.map((r) => ({ classified: r.call, placement: null })),
      deliver: (result) =>
        this.track(result instanceof Error ? Promise.resolve(this.unread(calls, result)) : this.post(calls, result))
    };
  }

  private unread(calls: readonly Ringing[], error: unknown): void {
    const orgError = toOrgError(error);
    this.deps.logger.warn({ err: orgError, calls: calls.length }, 'no insight cards: the org could not be read');
    for (const r of calls) this.note(r.call.externalId, `no card: the org could not be read (${orgError.code})`, 'org');
  }

  /** Posts the cards of these calls from a read that covered them. */
  private async post(calls: readonly Ringing[], snapshot: BatchSnapshot): Promise<void> {
    if (snapshot.settings.ok) this.deps.settings.observe(snapshot.settings);
    const settings = snapshot.settings.ok ? snapshot.settings.settings : null;
    await Promise.all(
      calls.map(async ({ call, receivedAt }) => {
        if (!settings) return this.note(call.externalId, 'no card: the settings are invalid', 'settings_invalid');
        if (!settings.insightCards) return this.note(call.externalId, 'no card: Insight_Cards__c is off', 'off');
        const preview = previewRinging({
          item: call,
          settings,
          org: snapshot.snapshotFor({ classified: call, placement: null })
        });
        // Aircall's deliveries are unordered: a call.created that comes after the call ended is
        // no card for anyone (what Aircall does with a card on an ended call is not documented).
        const stored = await this.deps.inbox.item(call.externalId).catch(() => undefined);
        if (stored?.classified?.kind === 'call' && stored.classified.final)
          return this.note(call.externalId, 'no card: the call had already ended', 'late');
        if (preview.outcome === 'skip') {
          const why =
            preview.reason === 'INTERNAL_CALL' ? 'an internal call' : 'the number is hidden or not a full number';
          return this.note(call.externalId, `no card: ${why}`, preview.reason.toLowerCase());
        }
        const contents = cardContents({
          call,
          preview,
          details: snapshot.details,
          instanceUrl: this.deps.gateway.conn.instanceUrl
        });
        const outcome = await this.deps.api!.postInsightCard(
          Number(call.id),
          contents,
          receivedAt + this.options.deadlineMs
        );
        if (outcome.posted) {
          this.deps.metrics.cardsPosted.inc();
          this.deps.metrics.cardLatency.observe((this.now() - receivedAt) / 1000);
          const on =
            preview.target?.kind === 'existing' ? ` naming ${preview.target.sobject} ${preview.target.id}` : '';
          return this.note(call.externalId, `card posted${on}`, null);
        }
        this.deps.logger.info({ item: call.externalId, reason: outcome.reason }, `no insight card: ${outcome.detail}`);
        return this.note(call.externalId, `no card: ${outcome.detail}`, outcome.reason);
      })
    );
  }

  /** Posts what is waiting and waits for cards on their way (a stop loses none in the window). */
  async stop(): Promise<void> {
    if (this.pending.length > 0) this.track(this.flush());
    await Promise.all([...this.inFlight]);
  }
}
