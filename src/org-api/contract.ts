/**
 * The one description of the org package's Apex API: the @AuraEnabled methods the two
 * components call, their parameters and results, the validation messages, the query of a
 * record's calls and the R13 guidance.
 *
 * Three parts are built from it, so they cannot drift apart:
 * - the generated Apex class AircallSchema (constants the Apex controllers use),
 * - the generated LWC module aircallSchema (what the components show),
 * - the local implementation the console answers with (src/org-api/local.ts).
 * scripts/metadata.ts --check fails when the generated files are stale, and
 * src/org-api/apex-signatures.test.ts checks the Apex controllers against METHODS.
 */
import { ACTION_ITEM_TYPE, CALL_RECORD_OBJECT } from '../call-record/schema';
import { z } from 'zod';
import { SETTINGS_FIELDS, allowedValues, isAllowedValue, isBlankValue } from '../settings/schema';
import type { CallType } from '../aircall/call-types';
import type { SettingsField } from '../settings/schema';
import { SETTINGS_MESSAGES, formatMessage, quoteValue } from '../settings/messages';

const FIELDS: readonly SettingsField[] = SETTINGS_FIELDS;

export const SETTINGS_CONTROLLER = 'AircallSettingsController';
export const CALLS_CONTROLLER = 'AircallCallsController';
export const AGENTS_CONTROLLER = 'AircallAgentsController';
/** The settings panel's callouts to the service (issue #33): preview, API share, phone-data health. */
export const SERVICE_CONTROLLER = 'AircallServiceController';
/** The Named Credential and External Credential the callouts go through; the secret is the principal's. */
export const SERVICE_CREDENTIAL = 'Aircall_Service';
export const SERVICE_PRINCIPAL = 'Service';

/** Granted by the Aircall_Admin permission set: edit the settings, see setup guidance. */
export const MANAGE_PERMISSION = 'Aircall_Manage_Settings';

export interface MethodParam {
  readonly name: string;
  readonly apexType: string;
}
export interface MethodDescription {
  readonly controller:
    typeof SETTINGS_CONTROLLER | typeof CALLS_CONTROLLER | typeof AGENTS_CONTROLLER | typeof SERVICE_CONTROLLER;
  readonly method: string;
  readonly cacheable: boolean;
  readonly params: readonly MethodParam[];
  readonly returns: string;
}

export const METHODS = [
  {
    controller: SETTINGS_CONTROLLER,
    method: 'getSettings',
    cacheable: false,
    params: [],
    returns: 'SettingsView'
  },
  {
    controller: SETTINGS_CONTROLLER,
    method: 'saveSettings',
    cacheable: false,
    params: [{ name: 'values', apexType: 'Map<String, Object>' }],
    returns: 'SettingsView'
  },
  {
    controller: AGENTS_CONTROLLER,
    method: 'getAgents',
    cacheable: false,
    params: [],
    returns: 'AgentsView'
  },
  {
    controller: AGENTS_CONTROLLER,
    method: 'saveAgent',
    cacheable: false,
    params: [
      { name: 'salesforceUser', apexType: 'String' },
      { name: 'aircallEmail', apexType: 'String' }
    ],
    returns: 'AgentsView'
  },
  {
    controller: CALLS_CONTROLLER,
    method: 'getCalls',
    cacheable: false,
    params: [
      { name: 'recordId', apexType: 'Id' },
      { name: 'pageSize', apexType: 'Integer' },
      { name: 'offset', apexType: 'Integer' }
    ],
    returns: 'CallPage'
  },
  {
    controller: CALLS_CONTROLLER,
    method: 'getGuidance',
    cacheable: true,
    params: [{ name: 'recordId', apexType: 'Id' }],
    returns: 'Guidance'
  },
  // The service answers these (server/panel-api.ts); the Apex passes its JSON through.
  {
    controller: SERVICE_CONTROLLER,
    method: 'preview',
    cacheable: false,
    params: [
      { name: 'values', apexType: 'Map<String, Object>' },
      { name: 'days', apexType: 'Integer' }
    ],
    returns: 'Map<String, Object>'
  },
  {
    controller: SERVICE_CONTROLLER,
    method: 'getStatus',
    cacheable: false,
    params: [],
    returns: 'Map<String, Object>'
  },
  {
    controller: SERVICE_CONTROLLER,
    method: 'startHealth',
    cacheable: false,
    params: [{ name: 'country', apexType: 'String' }],
    returns: 'Map<String, Object>'
  },
  {
    controller: SERVICE_CONTROLLER,
    method: 'getHealth',
    cacheable: false,
    params: [],
    returns: 'Map<String, Object>'
  }
] as const satisfies readonly MethodDescription[];

/**
 * Message templates, in Apex String.format syntax ({0}, {1}…). No apostrophes: String.format
 * treats a single quote as an escape.
 */
export const MESSAGES = {
  invalidValue: SETTINGS_MESSAGES.invalidValue,
  unknownField: SETTINGS_MESSAGES.unknownField,
  createCaseNeedsCase: SETTINGS_MESSAGES.createCaseNeedsCase,
  notAdmin:
    'Only users with the Aircall_Admin permission set can change the Aircall settings. Ask your Salesforce admin to assign it.',
  noValues: SETTINGS_MESSAGES.noValues,
  recordRequired: 'Give the Id of the record whose Aircall calls to show.',
  pageSize: 'The page size must be between 1 and {0}.',
  offset: 'The offset must be between 0 and {0}: narrow the list instead of paging further.',
  agentUserRequired: 'Give the username or the email of the Salesforce user.',
  agentUserNotFound: 'No active Salesforce user has the username or email {0}.',
  agentUserAmbiguous: 'Several active Salesforce users have the email {0}: give the username instead.',
  agentEmailInvalid:
    'The Aircall email {0} is not an email address: give the email the agent signs in to Aircall with.',
  agentEmailTaken:
    "The Aircall email {0} is already mapped to {1}: an agent's calls can go to one Salesforce user only. Remove that mapping first."
} as const;

/** At most this many mapped agents are listed (the mapping is for the exceptions). */
export const AGENTS_LIMIT = 200;

export { formatMessage, quoteValue };

export const PAGE = { defaultSize: 10, maxSize: 50, maxOffset: 2000 } as const;

/** Fields of a logged Task the helper shows; the query below selects exactly these. */
export const CALL_FIELDS = [
  'Id',
  'Subject',
  'Status',
  'ActivityDate',
  'CreatedDate',
  'CallType',
  'CallDurationInSeconds',
  'Description',
  'Owner.Name',
  'Aircall_Id__c',
  'Aircall_Type__c',
  'Aircall_Wait_Seconds__c',
  'Aircall_Tags__c',
  'Aircall_Recording_Url__c',
  'Aircall_Trace__c'
] as const;

/**
 * The calls and messages of a record, newest first. `:recordId` is a bind variable; the
 * page (LIMIT and OFFSET) is appended as whole numbers after they are checked.
 */
export const CALLS_QUERY =
  `SELECT ${CALL_FIELDS.join(', ')} FROM Task` +
  ' WHERE Aircall_Id__c != NULL AND (WhoId = :recordId OR WhatId = :recordId OR AccountId = :recordId)' +
  ' ORDER BY ActivityDate DESC NULLS LAST, CreatedDate DESC, Id DESC';

/** L1: in this Log_Mode__c value no Task is written, so the helper lists the call records. */
export const RECORD_ONLY_MODE = 'RecordOnly';

/** Fields of an Aircall Call record the helper shows when only call records are logged (L1). */
export const RECORD_CALL_FIELDS = [
  'Id',
  'Name',
  'CreatedDate',
  'Aircall_Id__c',
  'Type__c',
  'Direction__c',
  'Started_At__c',
  'Talk_Seconds__c',
  'Wait_Seconds__c',
  'Agents__c',
  'Tags__c',
  'Comments__c',
  'Message_Body__c',
  'Recording_Url__c',
  'Summary__c',
  'Topics__c',
  'Sentiment__c',
  'Action_Items__c',
  'Trace__c'
] as const;

/**
 * The call records of a record, newest first, as CALLS_QUERY for Tasks: the record is the
 * call's Contact, Lead, Account (a Contact's Account too) or its Case or Opportunity.
 */
export const RECORD_CALLS_QUERY =
  `SELECT ${RECORD_CALL_FIELDS.join(', ')} FROM ${CALL_RECORD_OBJECT}` +
  ' WHERE Contact__c = :recordId OR Lead__c = :recordId OR Account__c = :recordId' +
  ' OR Case__c = :recordId OR Opportunity__c = :recordId' +
  ' ORDER BY Started_At__c DESC NULLS LAST, CreatedDate DESC, Id DESC';

/**
 * A call record's row carries its comments, message and Aircall AI in `description`, in the
 * form of a logged Task's description (src/rules/format.ts), which the helper already reads
 * (callFormat.js): the row keeps one shape whatever it lists. The Apex builds the same text.
 */
export const RECORD_DESCRIPTION = {
  comments: 'Comments:',
  summary: 'Aircall AI summary: ',
  topics: 'Topics: ',
  sentiment: 'Sentiment: ',
  actionItems: 'Action items:'
} as const;

export interface RecordDescriptionParts {
  readonly name: string | null;
  readonly isMessage: boolean;
  readonly body: string | null;
  readonly comments: string | null;
  readonly summary: string | null;
  readonly topics: string | null;
  readonly sentiment: string | null;
  /** Already one `- ` line per item. */
  readonly actionItems: string | null;
}

export function recordDescription(r: RecordDescriptionParts): string {
  const head = r.name ?? '';
  if (r.isMessage) return r.body ? `${head}\n\n${r.body}` : head;
  const lines = [head];
  if (r.comments) lines.push(RECORD_DESCRIPTION.comments, ...r.comments.split('\n').map((c) => `- ${c}`));
  if (r.summary) lines.push(`${RECORD_DESCRIPTION.summary}${r.summary}`);
  if (r.topics) lines.push(`${RECORD_DESCRIPTION.topics}${r.topics}`);
  if (r.sentiment) lines.push(`${RECORD_DESCRIPTION.sentiment}${r.sentiment}`);
  if (r.actionItems) lines.push(RECORD_DESCRIPTION.actionItems, r.actionItems);
  return lines.join('\n');
}

/** R13: how an admin adds the Activities component to a record page. */
export const GUIDANCE_STEPS = [
  'Open a record of this object in Lightning Experience.',
  'Click the gear icon, then Edit Page (Setup > Edit Page) to open the Lightning App Builder.',
  'Find the Activities component in the component list on the left.',
  'Drag it onto the page, for example into a tab named Activity or into the sidebar.',
  'Click Save, then Activate, and assign the page to the apps and profiles that need it.'
] as const;

/** Aircall_Type__c: which kind of call or message a Task logs (written by the rules engine). */
export const MESSAGE_TYPES = ['message_inbound', 'message_outbound'] as const;
export { ACTION_ITEM_TYPE };
export type AircallType = CallType | (typeof MESSAGE_TYPES)[number] | typeof ACTION_ITEM_TYPE;
export const AIRCALL_TYPE_LABELS: Readonly<Record<AircallType, string>> = {
  outbound_answered: 'Outbound answered',
  outbound_unanswered: 'Outbound unanswered',
  inbound_answered: 'Inbound answered',
  missed: 'Missed',
  voicemail: 'Voicemail',
  message_inbound: 'Inbound message',
  message_outbound: 'Outbound message',
  action_item: 'AI action item'
};

// Results, as the components receive them. The local implementation's answers are parsed
// with these, and the Apex wrapper classes carry the same property names.
const settingValue = z.union([z.string(), z.boolean()]);
export const settingsViewSchema = z.object({
  values: z.record(z.string(), settingValue),
  canEdit: z.boolean(),
  problems: z.array(z.string())
});
export type SettingsView = z.infer<typeof settingsViewSchema>;

/** A Salesforce user mapped to an Aircall agent whose email differs (User.Aircall_Email__c, R12). */
export const agentRowSchema = z.object({
  userId: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  aircallEmail: z.string()
});
export type AgentRow = z.infer<typeof agentRowSchema>;
export const agentsViewSchema = z.object({ agents: z.array(agentRowSchema), canEdit: z.boolean() });
export type AgentsView = z.infer<typeof agentsViewSchema>;

export const callRowSchema = z.object({
  id: z.string(),
  aircallId: z.string(),
  type: z.string().nullable(),
  direction: z.string().nullable(),
  subject: z.string().nullable(),
  status: z.string().nullable(),
  activityDate: z.string().nullable(),
  createdDate: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  waitSeconds: z.number().nullable(),
  ownerName: z.string().nullable(),
  tags: z.string().nullable(),
  description: z.string().nullable(),
  recordingUrl: z.string().nullable(),
  trace: z.string().nullable()
});
export type CallRow = z.infer<typeof callRowSchema>;

export const callPageSchema = z.object({
  calls: z.array(callRowSchema),
  hasMore: z.boolean(),
  nextOffset: z.number().int()
});
export type CallPage = z.infer<typeof callPageSchema>;

export const guidanceSchema = z.object({
  canSeeGuidance: z.boolean(),
  objectLabel: z.string(),
  steps: z.array(z.string())
});
export type Guidance = z.infer<typeof guidanceSchema>;

/** The Task field each CallRow property comes from. */
export const CALL_ROW_FIELDS: Readonly<Record<Exclude<keyof CallRow, 'ownerName'>, (typeof CALL_FIELDS)[number]>> = {
  id: 'Id',
  aircallId: 'Aircall_Id__c',
  type: 'Aircall_Type__c',
  direction: 'CallType',
  subject: 'Subject',
  status: 'Status',
  activityDate: 'ActivityDate',
  createdDate: 'CreatedDate',
  durationSeconds: 'CallDurationInSeconds',
  waitSeconds: 'Aircall_Wait_Seconds__c',
  tags: 'Aircall_Tags__c',
  description: 'Description',
  recordingUrl: 'Aircall_Recording_Url__c',
  trace: 'Aircall_Trace__c'
};

export type ValidationResult =
  | { readonly ok: true; readonly row: Record<string, string | boolean> }
  | { readonly ok: false; readonly messages: readonly string[] };

/** The message for a value the field does not allow, or null when the value is allowed. */
export function checkValue(field: SettingsField, value: unknown): string | null {
  if (isAllowedValue(field, value)) return null;
  return formatMessage(MESSAGES.invalidValue, field.apiName, quoteValue(value), allowedValues(field).join(', '));
}

/**
 * Checks the values an admin saves from the panel and merges them over the stored row.
 * The Apex controller applies the same checks with the same messages (AircallSchema).
 */
export function validateSettingsInput(
  values: Readonly<Record<string, unknown>>,
  stored: Readonly<Record<string, string | boolean>>
): ValidationResult {
  const names = FIELDS.map((f) => f.apiName);
  const keys = Object.keys(values);
  if (keys.length === 0) return { ok: false, messages: [MESSAGES.noValues] };
  const messages: string[] = [];
  for (const key of keys) {
    if (!names.includes(key)) messages.push(formatMessage(MESSAGES.unknownField, key, names.join(', ')));
  }
  const row: Record<string, string | boolean> = { ...stored };
  for (const field of FIELDS) {
    if (!(field.apiName in values)) continue;
    const value = values[field.apiName];
    const problem = checkValue(field, value);
    if (problem) messages.push(problem);
    else row[field.apiName] = value as string | boolean;
  }
  if (messages.length === 0 && row.Create_Case__c === true && row.Related_Record__c !== 'Case') {
    messages.push(MESSAGES.createCaseNeedsCase);
  }
  return messages.length > 0 ? { ok: false, messages } : { ok: true, row };
}

/** The stored row with defaults where a field is blank, and the problems of the stored values. */
export function settingsViewValues(stored: Readonly<Record<string, unknown>> | null): {
  values: Record<string, string | boolean>;
  problems: string[];
} {
  const values: Record<string, string | boolean> = {};
  const problems: string[] = [];
  for (const field of FIELDS) {
    const raw = stored?.[field.apiName];
    if (isBlankValue(raw)) {
      values[field.apiName] = field.default;
      continue;
    }
    values[field.apiName] = typeof raw === 'boolean' || typeof raw === 'string' ? raw : JSON.stringify(raw);
    const problem = checkValue(field, raw);
    if (problem) problems.push(problem);
  }
  return { values, problems };
}
