/**
 * Errors that cross a boundary carry a stable code (documented in docs/errors.md) and a
 * message that says what to fix. `details` holds structured facts for logs and JSON output;
 * it must never contain a token or secret.
 */
import { MESSAGES, formatMessage, quoteValue } from './org-api/contract';

export const ERROR_CODES = {
  PAYLOAD_INVALID: 'AIRCALL_PAYLOAD_INVALID',
  SETTINGS_INVALID: 'SETTINGS_INVALID',
  CONFIG_INVALID: 'CONFIG_INVALID',
  USAGE: 'USAGE',
  INPUT_FILE_INVALID: 'INPUT_FILE_INVALID'
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export class AircallSfError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'AircallSfError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details: Readonly<Record<string, unknown>> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Settings that an admin stored with a value outside the allowed list. */
export class SettingsError extends AircallSfError {
  readonly field: string;
  readonly value: unknown;
  readonly allowed: readonly string[];

  constructor(field: string, value: unknown, allowed: readonly string[]) {
    super(
      ERROR_CODES.SETTINGS_INVALID,
      `${formatMessage(MESSAGES.invalidValue, field, quoteValue(value), allowed.join(', '))} ` +
        'Fix it in the Aircall Settings tab; events wait until then.',
      { field, value, allowed }
    );
    this.name = 'SettingsError';
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}
