/**
 * The API request meter: what a request costs (a composite or collections request is one;
 * a composite batch counts each subrequest), REQUEST_LIMIT_EXCEEDED past the allocation, the
 * `Sforce-Limit-Info` header and `/limits`.
 */
import { SfError } from '../errors';
import type { LocalOrg } from '../org';
import type { Reply } from './reply';
import { ok } from './reply';

function batchSize(text: string): number {
  try {
    const body = JSON.parse(text) as { batchRequests?: unknown[] };
    return Math.max(1, body.batchRequests?.length ?? 1);
  } catch {
    return 1;
  }
}

/** Counts one REST request against the daily allocation, or refuses it when the allocation is used up. */
export function meter(org: LocalOrg, rest: string, text: string): void {
  const cost = rest === 'composite/batch' ? batchSize(text) : 1;
  if (org.apiUsed + cost > org.apiLimit) {
    throw new SfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
  }
  org.countApiRequests(cost);
}

export const limitInfoHeader = (org: LocalOrg): string => `api-usage=${org.apiUsed}/${org.apiLimit}`;

export function limits(org: LocalOrg): Reply {
  return ok({ DailyApiRequests: { Max: org.apiLimit, Remaining: org.apiLimit - org.apiUsed } });
}
