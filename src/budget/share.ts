/**
 * A1, the API share: every org shares one daily API allocation among all its integrations
 * (Salesforce's "API Request Limits and Allocations"; every REST answer reports the org's use
 * and maximum in `Sforce-Limit-Info: api-usage=used/max`). The admin gives this service a share
 * of it (`API_Share__c`, a percentage of the maximum); as the service's own requests over the
 * last 24 hours approach the share, it batches harder and holds updates for the next new call's
 * batch, and at the share it logs new calls in the largest batches. Nothing is ever dropped: the share bends the
 * batching, it never stops logging. When the whole org nears its maximum because of others,
 * the service backs off the same way.
 *
 * `shareState` is pure (tested table by table); `ApiShare` counts this service's requests into
 * the storage (every process sharing it counts into the same minutes) and re-evaluates.
 */
import type { Logger } from 'pino';
import type { Inbox } from '../inbox/inbox';
import type { Metrics } from '../metrics';
import type { SettingsSource } from '../worker/settings-source';

export type Pressure = 'normal' | 'near' | 'capped';

/** From this fraction of its share, the service batches harder and holds updates. */
export const SHARE_NEAR = 0.6;
/**
 * From this fraction, the largest batches: a fifth of the share is left for the new calls the
 * service still logs, so that a busy day ends under the share rather than just over it (with a
 * tenth, a busy line in real time ended 3 requests over: docs/performance.md).
 */
export const SHARE_CAPPED = 0.8;
/** From these fractions of the org's whole daily maximum (everyone's use), the same. */
export const ORG_NEAR = 0.85;
export const ORG_CAPPED = 0.95;
/** How the batch window grows: three windows near the share, ten (the longest an update waits) at it. */
export const NEAR_WINDOWS = 3;
export const CAPPED_WINDOWS = 10;

export const DAY_MS = 24 * 60 * 60_000;

export interface ShareInput {
  /** This service's requests over the last 24 hours. */
  readonly ownUsed: number;
  /** The org's use and maximum, from the last Sforce-Limit-Info; null before any answer. */
  readonly org: { readonly used: number; readonly max: number } | null;
  /** API_Share__c as a number of per cent; null for no cap (or settings not read yet). */
  readonly sharePercent: number | null;
}

export interface ShareState extends ShareInput {
  readonly pressure: Pressure;
  /** The share in requests (of the org's maximum); null without a cap or before the maximum is known. */
  readonly cap: number | null;
  /** What is happening and what to do, for /readyz, the log and the panel; null when normal. */
  readonly reason: string | null;
}

const percent = (n: number): string => `${Math.round(n * 1000) / 10} %`;

export function shareState(input: ShareInput): ShareState {
  const { ownUsed, org, sharePercent } = input;
  const cap = org && sharePercent !== null ? Math.floor((org.max * sharePercent) / 100) : null;
  const own: { pressure: Pressure; reason: string | null } =
    cap === null || ownUsed < cap * SHARE_NEAR
      ? { pressure: 'normal', reason: null }
      : ownUsed < cap * SHARE_CAPPED
        ? {
            pressure: 'near',
            reason: `This service used ${ownUsed} Salesforce API requests in the last 24 hours, near its share of ${cap} (API_Share__c ${sharePercent} % of the org's ${org!.max}): calls are logged in larger batches (${NEAR_WINDOWS} windows), and tags, comments and other updates wait for them.`
          }
        : {
            pressure: 'capped',
            reason: `This service used ${ownUsed} Salesforce API requests in the last 24 hours, ${ownUsed >= cap ? 'its whole share' : 'nearly all its share'} of ${cap} (API_Share__c ${sharePercent} % of the org's ${org!.max}): new calls are logged in the largest batches (${CAPPED_WINDOWS} windows) and tags, comments and other updates wait for them. Nothing is dropped. Raise API_Share__c to log at the usual pace.`
          };
  const orgShare = org && org.max > 0 ? org.used / org.max : 0;
  const whole: { pressure: Pressure; reason: string | null } =
    orgShare >= ORG_CAPPED
      ? {
          pressure: 'capped',
          reason: `The org used ${org!.used} of its ${org!.max} daily API requests (${percent(orgShare)}), most of them by others: this service logs new calls in the largest batches and holds updates until the org's use falls. Find the integration that spends the allocation (Setup, API Usage).`
        }
      : orgShare >= ORG_NEAR
        ? {
            pressure: 'near',
            reason: `The org used ${org!.used} of its ${org!.max} daily API requests (${percent(orgShare)}): this service logs calls in larger batches, updates with them, to leave the rest to others.`
          }
        : { pressure: 'normal', reason: null };
  const rank: Record<Pressure, number> = { normal: 0, near: 1, capped: 2 };
  const worst = rank[whole.pressure] > rank[own.pressure] ? whole : own;
  return { ...input, cap, pressure: worst.pressure, reason: worst.reason };
}

/**
 * The batching a pressure asks for: the claim's window, and whether updates of logged calls
 * (tags, comments, recordings) wait for a new call's batch, from the approach of the share on.
 */
export function batching(pressure: Pressure, windowMs: number): { windowMs: number; holdUpdates: boolean } {
  if (pressure === 'capped') return { windowMs: windowMs * CAPPED_WINDOWS, holdUpdates: true };
  if (pressure === 'near') return { windowMs: windowMs * NEAR_WINDOWS, holdUpdates: true };
  return { windowMs, holdUpdates: false };
}

export const PRESSURE_LEVEL: Record<Pressure, number> = { normal: 0, near: 1, capped: 2 };

export interface ApiShareDeps {
  readonly inbox: Pick<Inbox, 'addApiUse' | 'apiUse'>;
  /** This process's requests so far (all purposes) and the org's meter. */
  readonly requestsSent: () => number;
  readonly orgUsage: () => { used: number; limit: number } | undefined;
  readonly settings: Pick<SettingsSource, 'peek'>;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class ApiShare {
  private counted = 0;
  private current: ShareState = shareState({ ownUsed: 0, org: null, sharePercent: null });
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private readonly now: () => number;

  constructor(private readonly deps: ApiShareDeps) {
    this.now = deps.now ?? Date.now;
  }

  get state(): ShareState {
    return this.current;
  }

  /**
   * Counts the requests sent since the last tick into the storage, then reads the last 24
   * hours (every process's) and the org's meter, and re-evaluates the pressure.
   */
  async tick(): Promise<ShareState> {
    const sent = this.deps.requestsSent();
    const fresh = sent - this.counted;
    const now = this.now();
    if (fresh > 0) {
      await this.deps.inbox.addApiUse(fresh, now);
      this.counted = sent;
    }
    const ownUsed = await this.deps.inbox.apiUse(now - DAY_MS);
    const usage = this.deps.orgUsage();
    const seen = this.deps.settings.peek();
    const share = seen?.ok ? seen.settings.apiShare : 'None';
    const next = shareState({
      ownUsed,
      org: usage ? { used: usage.used, max: usage.limit } : null,
      sharePercent: share === 'None' ? null : Number(share)
    });
    if (next.pressure !== this.current.pressure) {
      if (next.pressure === 'normal')
        this.deps.logger.info({ ownUsed, cap: next.cap }, 'API share: back to the usual batching');
      else this.deps.logger.warn({ ownUsed, cap: next.cap, pressure: next.pressure }, next.reason!);
    }
    this.current = next;
    const m = this.deps.metrics;
    m.apiShareUsed.set(ownUsed);
    m.apiSharePressure.set(PRESSURE_LEVEL[next.pressure]);
    if (next.cap !== null) m.apiShareCap.set(next.cap);
    return next;
  }

  /** Re-evaluates every `intervalMs`; a failed tick keeps the last state and is logged. */
  start(intervalMs: number): void {
    const run = () => {
      this.ticking = this.tick()
        .then(() => undefined)
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'API share: could not count the use'))
        .finally(() => {
          this.ticking = null;
        });
    };
    run();
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
  }

  /** Stops, counting what was sent since the last tick. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
    await this.tick().catch(() => undefined);
  }
}
