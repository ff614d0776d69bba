/**
 * Reconciliation in `serve` (with AIRCALL_API_ID/TOKEN): every few minutes, the calls Aircall's
 * API lists for a window that overlaps the last run, fed when no webhook brought them; the
 * company's lines from GET /v1/numbers; and the service's webhook, re-enabled when Aircall
 * disabled it. What it finds is on /metrics, and a webhook it could not re-enable on /readyz.
 */
import type { Logger } from 'pino';
import type { AircallApi } from '../aircall-api/client';
import type { Metrics } from '../metrics';
import type { Inbox } from '../inbox/inbox';
import { WEBHOOK_EVENTS } from './aircall-webhook';
import { apiCallEvent } from './feed';

export interface ReconcileOptions {
  readonly intervalMs: number;
  /** How far back the first run looks, and how much each run overlaps the last. */
  readonly lookbackMs: number;
  /** The service's webhook URL (AIRCALL_WEBHOOK_URL); else any webhook ending in /webhooks/aircall. */
  readonly webhookUrl: string | null;
  readonly now?: () => number;
}

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
      for await (const call of this.api.calls(since, to)) {
        const read = apiCallEvent(call);
        if (!read) continue;
        // A call the inbox has (a webhook brought it) is left to its webhooks: no second write.
        // One of which only Aircall AI came (classified null: no call data yet) is fed.
        const stored = await this.inbox.item(read.event.key);
        if (stored !== undefined && stored.classified !== null) continue;
        await this.inbox.rememberLines([...read.lines]);
        if (await this.inbox.accept(read.event, read.digest)) fed += 1;
      }
      if (fed > 0) this.notify();
      this.metrics.reconcileFed.inc({}, fed);
      const webhookProblem = await this.checkWebhook();
      this.lastTo = to;
      this.metrics.reconcileRuns.inc({ outcome: 'ok' });
      this.state = { lastRunAt: this.now(), lastError: null, webhookProblem };
      if (fed > 0) this.logger.warn({ fed }, 'reconciliation found calls no webhook had brought');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.metrics.reconcileRuns.inc({ outcome: 'failed' });
      this.state = { ...this.state, lastError: message };
      this.logger.error({ err: message }, 'reconciliation with Aircall failed; the next run tries again');
    }
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
