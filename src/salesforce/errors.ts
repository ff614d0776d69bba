/** Org failures, sorted into what a retry can fix and what an admin must fix. */
import { AircallSfError } from '../errors';

/** Salesforce error codes that a later retry can succeed on. */
const TRANSIENT = new Set([
  'UNABLE_TO_LOCK_ROW',
  'REQUEST_LIMIT_EXCEEDED',
  'SERVER_UNAVAILABLE',
  'INVALID_SESSION_ID',
  'PROCESSING_HALTED',
  'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  'UNKNOWN_EXCEPTION',
  'QUERY_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'NETWORK'
]);

/** What an admin can do about a permanent error, shown with the dead letter. */
const ADVICE: Record<string, string> = {
  DUPLICATES_DETECTED:
    'A blocking duplicate rule refused the record: relax the rule for the integration user or merge the duplicates.',
  FIELD_CUSTOM_VALIDATION_EXCEPTION:
    'A validation rule refused the record: exempt the integration user or fix the rule.',
  REQUIRED_FIELD_MISSING: 'A required field is missing: make it optional for the integration or give it a default.',
  INSUFFICIENT_ACCESS_OR_READONLY: 'The integration user lacks access: assign the Aircall_Integration permission set.',
  INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY:
    'The integration user cannot see a related record: check sharing and the Aircall_Integration permission set.',
  INVALID_FIELD: 'A field is missing in the org: deploy the org package (force-app).',
  INVALID_TYPE: 'An object is missing in the org: deploy the org package (force-app).',
  NOT_FOUND: 'An object or field is missing in the org: deploy the org package (force-app).',
  INVALID_FIELD_FOR_INSERT_UPDATE:
    'A field is read-only for the integration user: check the Aircall_Integration permission set.',
  INACTIVE_OWNER_OR_USER: "The owner is inactive: reactivate the user or fix the agent's email in Aircall.",
  ENTITY_IS_DELETED: 'A record the call was matched to was deleted meanwhile: retry the dead letter to match again.',
  INVALID_CROSS_REFERENCE_KEY:
    'A record the call was matched to no longer exists: retry the dead letter to match again.'
};

/** A Salesforce failure; `code` is Salesforce's errorCode (or the network error's code). */
export class OrgError extends AircallSfError<string> {
  readonly transient: boolean;
  constructor(
    code: string,
    message: string,
    readonly fields: readonly string[] = [],
    readonly status = 0
  ) {
    super(code, message, { fields, status });
    this.name = 'OrgError';
    // 408: the org timed the request out (an org pause); the same request later succeeds.
    this.transient = TRANSIENT.has(code) || status >= 500 || status === 429 || status === 408;
  }

  /** The reason an admin reads in `dead-letters list`. */
  get reason(): string {
    const advice = ADVICE[this.code];
    return `${this.code}: ${this.message}${this.fields.length ? ` [${this.fields.join(', ')}]` : ''}${advice ? ` ${advice}` : ''}`;
  }
}

interface JsforceError {
  name?: string;
  errorCode?: string;
  message?: string;
  code?: string;
  data?: unknown;
}

/** jsforce errors and network errors as OrgError. */
export function toOrgError(error: unknown): OrgError {
  if (error instanceof OrgError) return error;
  const e = (error ?? {}) as JsforceError;
  const code = e.errorCode ?? e.code ?? (e.name && /^[A-Z_0-9]+$/.test(e.name) ? e.name : undefined);
  const status = /^ERROR_HTTP_(\d+)$/.exec(code ?? '')?.[1];
  const fields = (e.data as { fields?: string[] } | undefined)?.fields ?? [];
  if (status) return new OrgError(code!, e.message ?? 'HTTP error', fields, Number(status));
  if (code) return new OrgError(code, e.message ?? code, fields);
  const message = e.message ?? String(error);
  // fetch failures (connection refused, reset) surface as TypeError('fetch failed').
  return new OrgError('NETWORK', message);
}
