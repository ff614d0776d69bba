import { SettingsError } from './errors';
import type { CallType } from '../aircall/call-types';
import type {
  ApiShareChoice,
  FollowUpChoice,
  LogModeChoice,
  CallAction,
  RelatedRecordChoice,
  Settings,
  SettingsField,
  UnknownNumberChoice
} from './schema';
import { SETTINGS_FIELDS, allowedValues, isAllowedValue, isBlankValue } from './schema';

export type SettingsRow = Readonly<Record<string, unknown>>;

export type SettingsResult =
  | { readonly ok: true; readonly settings: Settings }
  | { readonly ok: false; readonly errors: readonly SettingsError[] };

const FIELDS: readonly SettingsField[] = SETTINGS_FIELDS;

function fieldValue(field: SettingsField, row: SettingsRow): { value: string | boolean } | { error: SettingsError } {
  const raw = row[field.apiName];
  if (isBlankValue(raw)) return { value: field.default };
  return isAllowedValue(field, raw)
    ? { value: raw as string | boolean }
    : { error: new SettingsError(field.apiName, raw, allowedValues(field)) };
}

/**
 * Turns the org-default row of Aircall_Settings__c (or null when the org has none) into
 * typed settings. Every invalid field is reported, in table order.
 */
export function parseSettings(row: SettingsRow | null | undefined): SettingsResult {
  const values: Record<string, string | boolean> = {};
  const errors: SettingsError[] = [];
  for (const field of FIELDS) {
    const result = fieldValue(field, row ?? {});
    if ('error' in result) errors.push(result.error);
    else values[field.key] = result.value;
  }
  if (errors.length > 0) return { ok: false, errors };

  const callWorkflow = {} as Record<CallType, CallAction>;
  for (const field of FIELDS) {
    if (field.kind === 'choice' && field.callType) callWorkflow[field.callType] = values[field.key] as CallAction;
  }
  return {
    ok: true,
    settings: {
      callWorkflow,
      logWhenClosed: values.logWhenClosed as boolean,
      unknownNumber: values.unknownNumber as UnknownNumberChoice,
      relatedRecord: values.relatedRecord as RelatedRecordChoice,
      createCase: values.createCase as boolean,
      logMessages: values.logMessages as boolean,
      logMode: values.logMode as LogModeChoice,
      followUpTasks: values.followUpTasks as FollowUpChoice,
      insightCards: values.insightCards as boolean,
      apiShare: values.apiShare as ApiShareChoice
    }
  };
}

/** Like parseSettings, but throws the first error: for callers that stop on bad settings. */
export function parseSettingsOrThrow(row: SettingsRow | null | undefined): Settings {
  const result = parseSettings(row);
  if (!result.ok) throw result.errors[0] as SettingsError;
  return result.settings;
}

export function defaultSettings(): Settings {
  return parseSettingsOrThrow(null);
}

/** The row (API names) that stores these settings: what the panel saves and the local org seeds. */
export function settingsToRow(settings: Settings): Record<string, string | boolean> {
  const row: Record<string, string | boolean> = {};
  for (const field of FIELDS) {
    if (field.kind === 'choice' && field.callType) row[field.apiName] = settings.callWorkflow[field.callType];
    else row[field.apiName] = (settings as unknown as Record<string, string | boolean>)[field.key] as string | boolean;
  }
  return row;
}
