/**
 * The service starts whatever the org does: when Salesforce does not answer at start-up (an
 * outage, the network, a wrong SF_INSTANCE_URL), `serve` still listens and stores every
 * webhook, `/readyz` answers 503 with a short reason, and this watch asks the org again with
 * backoff until it answers; the worker's batches wait in the inbox meanwhile (they retry with
 * their own backoff), so nothing is lost. Readiness follows the last org request's outcome,
 * not a cache that lags an outage.
 */
import type { Logger } from 'pino';
import type { OrgGateway } from './gateway';
import type { OrgError } from './errors';

/** Backoff between attempts to reach the org at start: 1 s doubling to 60 s. */
export const ORG_RETRY_MIN_MS = 1000;
export const ORG_RETRY_MAX_MS = 60_000;

/** One line an operator can act on: what failed, and what to check. */
export function orgProblem(error: OrgError, instanceUrl: string): string {
  let host = instanceUrl;
  try {
    host = new URL(instanceUrl).host;
  } catch {
    // keep the configured text
  }
  const what = error.status >= 500 ? `HTTP ${error.status}` : error.code;
  return `Salesforce at ${host} does not answer (${what}): check SF_INSTANCE_URL, the network and the token. Webhooks are stored and will be logged once it answers.`;
}

/** The reason the org is not ready now (the last org request failed to reach it), or null. */
export function orgReadiness(gateway: OrgGateway): string | null {
  const last = gateway.lastResult;
  if (!last || last.ok || !last.error) return gateway.identified ? null : 'Salesforce has not answered yet.';
  return orgProblem(last.error, gateway.conn.instanceUrl);
}

export interface OrgWatch {
  /** Resolves once the org answered (identity known). */
  readonly ready: Promise<void>;
  stop(): void;
}

/** Asks the org for the service's identity until it answers, logging each new failure once. */
export function watchOrg(gateway: OrgGateway, logger: Logger, first: OrgError | null): OrgWatch {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;
  const ready = (async () => {
    let delay = ORG_RETRY_MIN_MS;
    let reported = first ? orgProblem(first, gateway.conn.instanceUrl) : null;
    if (reported) logger.error({ code: first?.code }, reported);
    while (!stopped && !gateway.identified) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, delay);
      });
      if (stopped) return;
      try {
        await gateway.init(1);
        logger.info({ userId: gateway.identity.userId }, 'Salesforce answers: logging the stored webhooks');
      } catch (error) {
        const problem = orgProblem(error as OrgError, gateway.conn.instanceUrl);
        if (problem !== reported) logger.error({ code: (error as OrgError).code }, problem);
        reported = problem;
        delay = Math.min(delay * 2, ORG_RETRY_MAX_MS);
      }
    }
  })();
  return {
    ready,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
    }
  };
}
