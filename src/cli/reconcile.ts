/**
 * Reconciliation in `serve` (with AIRCALL_API_ID/TOKEN): every few minutes, the calls Aircall's
 * API lists for a window that overlaps the last run, fed when no webhook brought them; the
 * company's lines from GET /v1/numbers; and the service's webhook, re-enabled when Aircall
 * disabled it. What it finds is on /metrics, and a webhook it could not re-enable on /readyz.
 */
import type { Logger } from 'pino';
import type { AiEndpoint, AircallApi } from '../aircall-api/client';
import type { CallAi } from '../aircall/ai';
import { readWebhook } from '../server/webhook';
import type { Metrics } from '../metrics';
import type { Inbox, InboxItem } from '../inbox/inbox';
import { WEBHOOK_EVENTS } from './aircall-webhook';
import { apiCallEvent } from './feed';

export interface ReconcileOptions {
  readonly intervalMs: number;
  /** How far back the first run looks, and how much each run overlaps the last. */
  readonly lookbackMs: number;
  /** The service's webhook URL (AIRCALL_WEBHOOK_URL); else any webhook ending in /webhooks/aircall. */
  readonly webhookUrl: string | null;
  /** AIRCALL_AI: fetch Aircall AI the webhooks missed (`auto`: once a call in the window came with some). */
  readonly ai?: 'auto' | 'on' | 'off';
  readonly now?: () => number;
}

/** Aircall AI comes seconds to minutes after a call (developer.aircall.io/docs/ai-assist): asked for after this. */
export const AI_SETTLE_S = 15 * 60;
/** Each endpoint's answer, and the event that would have brought it (the event's data is the inner object). */
const AI_FETCH: readonly { endpoint: AiEndpoint; event: string; unwrap: (body: Record<string, unknown>) => unknown }[] =
  [
    { endpoint: 'transcription', event: 'transcription.created', unwrap: (b) => b.transcription },
    { endpoint: 'summary', event: 'summary.created', unwrap: (b) => b.summary },
    { endpoint: 'topics', event: 'topics.created', unwrap: (b) => b.topic },
    { endpoint: 'sentiments', event: 'sentiment.created', unwrap: (b) => b.sentiment },
    { endpoint: 'action_items', event: 'action_item.created', unwrap: (b) => b }
  ];

export interface ReconcileStatus {
  readonly lastRunAt: number | null;
  readonly lastError: string | null;
  /** A webhook Aircall disabled and the service could not re-enable, or none found. */
  readonly webhookProblem: string | null;
}

export class Reconciler {
  private lastTo: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private state: ReconcileStatus = { lastRunAt: null, lastError: null, webhookProblem: null };
  private readonly now: () => number;
  /** AIRCALL_AI=auto: a call in a window came with Aircall AI, so the company has it. */
  private companyHasAi = false;
  /** Calls whose AI was asked for already (Aircall's answer does not change once settled). */
  private readonly aiAsked = new Set<string>();

  constructor(
    private readonly api: AircallApi,
    private readonly inbox: Inbox,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: ReconcileOptions,
    private readonly notify: () => void
  ) {
    this.now = options.now ?? Date.now;
  }

  get status(): ReconcileStatus {
    return this.state;
  }

  start(): void {
    const tick = () => {
      this.running ??= this.runOnce().finally(() => (this.running = null));
    };
    tick();
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One reconciliation; returns how many calls it fed. */
  async runOnce(): Promise<number> {
    const to = Math.floor(this.now() / 1000);
    // Each window reaches back `lookback` before the last run's end: a call that ended late, or
    // that Aircall listed late, is still seen.
    const since = (this.lastTo ?? to) - Math.floor(this.options.lookbackMs / 1000);
    let fed = 0;
    try {
      await this.inbox.rememberLines(await this.api.numbers());
      // Answered calls that settled, with their items: only a call the inbox had can be logged.
      const settled: { id: string; item: InboxItem }[] = [];
      for await (const call of this.api.calls(since, to)) {
        const read = apiCallEvent(call);
        if (!read) continue;
        // A call the inbox has (a webhook brought it) is left to its webhooks: no second write.
        // One of which only Aircall AI came (classified null: no call data yet) is fed.
        const stored = await this.inbox.item(read.event.key);
        if (stored !== undefined && stored.classified !== null) {
          if (
            typeof call.answered_at === 'number' &&
            typeof call.ended_at === 'number' &&
            call.ended_at <= to - AI_SETTLE_S
          )
            settled.push({ id: String(call.id), item: stored });
          continue;
        }
        await this.inbox.rememberLines([...read.lines]);
        if (await this.inbox.accept(read.event, read.digest)) fed += 1;
      }
      const aiFed = await this.fetchMissedAi(settled, to);
      if (fed + aiFed > 0) this.notify();
      this.metrics.reconcileFed.inc({}, fed);
      const webhookProblem = await this.checkWebhook();
      this.lastTo = to;
      this.metrics.reconcileRuns.inc({ outcome: 'ok' });
      this.state = { lastRunAt: this.now(), lastError: null, webhookProblem };
      if (fed > 0) this.logger.warn({ fed }, 'reconciliation found calls no webhook had brought');
      if (aiFed > 0) this.logger.warn({ aiFed }, 'reconciliation fetched Aircall AI no webhook had brought');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.metrics.reconcileRuns.inc({ outcome: 'failed' });
      this.state = { ...this.state, lastError: message };
      this.logger.error({ err: message }, 'reconciliation with Aircall failed; the next run tries again');
    }
    return fed;
  }

  /**
   * Aircall AI of answered calls that settled (ended AI_SETTLE_S ago) and whose item lacks some
   * of it, fetched from its endpoints and fed as the events that would have brought it, when
   * the company has AI (AIRCALL_AI). Each call is asked once; a 404 means none of that kind.
   * Returns how many AI events it fed.
   */
  private async fetchMissedAi(settled: readonly { id: string; item: InboxItem }[], to: number): Promise<number> {
    const mode = this.options.ai ?? 'auto';
    if (mode === 'off') return 0;
    const missing: { id: string; kinds: typeof AI_FETCH }[] = [];
    for (const { id, item } of settled) {
      if (this.aiAsked.has(id)) continue;
      const ai = item.classified?.kind === 'call' ? item.classified.ai : null;
      if (ai) this.companyHasAi = true;
      const kinds = AI_FETCH.filter((f) => !hasKind(ai, f.endpoint));
      if (item.state === 'logged' && kinds.length > 0) missing.push({ id, kinds });
    }
    if (mode === 'auto' && !this.companyHasAi) return 0;
    let fed = 0;
    for (const { id, kinds } of missing) {
      this.aiAsked.add(id);
      for (const kind of kinds) {
        const body = await this.api.callAi(id, kind.endpoint);
        const data = body ? kind.unwrap(body) : null;
        if (!data || typeof data !== 'object') continue;
        const read = readWebhook(
          JSON.stringify({ resource: kind.event.split('.')[0], event: kind.event, timestamp: to, data }),
          null
        );
        if (read.status === 200 && read.reason === 'accepted' && (await this.inbox.accept(read.incoming, read.digest)))
          fed += 1;
      }
    }
    // A bounded memory: the window moves on, and a call older than it is not listed again.
    if (this.aiAsked.size > 50_000) this.aiAsked.clear();
    return fed;
  }

  private async checkWebhook(): Promise<string | null> {
    const webhooks = await this.api.webhooks();
    const ours = webhooks.find((w) =>
      this.options.webhookUrl
        ? w.url === this.options.webhookUrl
        : new URL(w.url).pathname.endsWith('/webhooks/aircall')
    );
    if (!ours) {
      this.metrics.webhookActive.set(-1);
      return `No Aircall webhook points at ${this.options.webhookUrl ?? '…/webhooks/aircall'}: create it with aircall-sf aircall-webhook --url URL.`;
    }
    if (ours.active) {
      this.metrics.webhookActive.set(1);
      return null;
    }
    this.metrics.webhookActive.set(0);
    const enabled = await this.api.updateWebhook(ours.webhook_id, {
      url: ours.url,
      active: true,
      events: WEBHOOK_EVENTS
    });
    if (!enabled.active) return `Aircall's webhook ${ours.webhook_id} is disabled and could not be re-enabled.`;
    this.metrics.webhookReenabled.inc();
    this.metrics.webhookActive.set(1);
    this.logger.warn({ webhook: ours.webhook_id }, 'Aircall had disabled the webhook: re-enabled');
    return null;
  }
}

/** Whether the item already holds this kind of Aircall AI. */
function hasKind(ai: CallAi | null, endpoint: AiEndpoint): boolean {
  if (!ai) return false;
  switch (endpoint) {
    case 'transcription':
      return ai.transcript !== null;
    case 'summary':
      return ai.summary !== null;
    case 'topics':
      return ai.topics.length > 0;
    case 'sentiments':
      return ai.sentiments.length > 0;
    case 'action_items':
      return ai.actionItems.length > 0;
  }
}
