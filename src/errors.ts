/**
 * The one error base class. Errors that cross a boundary carry a stable code (documented in
 * docs/errors.md) and a message that says what to fix. `details` holds structured facts for
 * logs and JSON output; it must never contain a token or secret.
 */
export const ERROR_CODES = {
  PAYLOAD_INVALID: 'AIRCALL_PAYLOAD_INVALID',
  SETTINGS_INVALID: 'SETTINGS_INVALID',
  CONFIG_INVALID: 'CONFIG_INVALID',
  USAGE: 'USAGE',
  INPUT_FILE_INVALID: 'INPUT_FILE_INVALID',
  /** The webhook's answers (contract §2): each refused request names its code. */
  WEBHOOK_CONTENT_TYPE: 'WEBHOOK_CONTENT_TYPE',
  WEBHOOK_NOT_JSON: 'WEBHOOK_NOT_JSON',
  WEBHOOK_NOT_ENVELOPE: 'WEBHOOK_NOT_ENVELOPE',
  WEBHOOK_TOO_DEEP: 'WEBHOOK_TOO_DEEP',
  WEBHOOK_TOKEN_INVALID: 'WEBHOOK_TOKEN_INVALID',
  WEBHOOK_TOO_LARGE: 'WEBHOOK_TOO_LARGE',
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  /** An installed package (npm pack) has no emulator: it needs a real org. */
  LOCAL_ORG_UNAVAILABLE: 'LOCAL_ORG_UNAVAILABLE',
  /** Aircall's Public API (aircall-api/). */
  AIRCALL_API_AUTH: 'AIRCALL_API_AUTH',
  AIRCALL_API_UNAVAILABLE: 'AIRCALL_API_UNAVAILABLE',
  AIRCALL_API_REFUSED: 'AIRCALL_API_REFUSED',
  METRICS_TOKEN_INVALID: 'METRICS_TOKEN_INVALID',
  /** The settings panel's calls to the service (server/panel-api.ts). */
  PANEL_SECRET_MISSING: 'PANEL_SECRET_MISSING',
  PANEL_SECRET_INVALID: 'PANEL_SECRET_INVALID',
  /** A console call to the local Apex controllers that the Apex would refuse too. */
  CONTROLLER_REFUSED: 'CONTROLLER_REFUSED',
  /** The rules engine threw on an item (a bug): dead-lettered with the reason. */
  ENGINE_FAILED: 'ENGINE_FAILED'
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/**
 * `C` is the code's type: the product's own codes by default; org errors keep Salesforce's
 * own stable `errorCode` (OrgError).
 */
export class AircallSfError<C extends string = ErrorCode> extends Error {
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'AircallSfError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: C; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** A dead letter's code: the `CODE: ` its stored reason starts with (org errors and the product's own). */
export function deadLetterCode(reason: string | null | undefined): string | null {
  return /^([A-Z][A-Z0-9_]+): /.exec(reason ?? '')?.[1] ?? null;
}
