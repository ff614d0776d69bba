import { AircallSfError, ERROR_CODES } from '../errors';
import { SETTINGS_MESSAGES, formatMessage, quoteValue } from './messages';

/** Settings that an admin stored with a value outside the allowed list. */
export class SettingsError extends AircallSfError {
  readonly field: string;
  readonly value: unknown;
  readonly allowed: readonly string[];

  constructor(field: string, value: unknown, allowed: readonly string[]) {
    super(
      ERROR_CODES.SETTINGS_INVALID,
      `${formatMessage(SETTINGS_MESSAGES.invalidValue, field, quoteValue(value), allowed.join(', '))} ` +
        'Fix it in the Aircall Settings tab; events wait until then.',
      { field, value, allowed }
    );
    this.name = 'SettingsError';
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}
