/**
 * Messages about settings values, shared by the service, the Apex controllers (generated into
 * AircallSchema) and the panel. Templates in Apex String.format syntax ({0}, {1}…). No
 * apostrophes: String.format treats a single quote as an escape.
 */
export const SETTINGS_MESSAGES = {
  invalidValue: 'Aircall_Settings__c.{0} has the invalid value {1}; allowed values: {2}.',
  unknownField: 'Aircall_Settings__c has no field {0}; the settings are: {1}.',
  createCaseNeedsCase: 'Aircall_Settings__c.Create_Case__c can be checked only when Related_Record__c is Case (R9).',
  noValues: 'Nothing to save: send the settings to change, by API name.'
} as const;

/** Fills a template the way Apex String.format does for the plain {n} placeholders used here. */
export function formatMessage(template: string, ...args: readonly string[]): string {
  return template.replace(/\{(\d+)\}/g, (_, i: string) => args[Number(i)] ?? '');
}

/** How a rejected value is quoted in messages: JSON, as Apex JSON.serialize does. */
export function quoteValue(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}
