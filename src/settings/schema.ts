/**
 * The one description of the Aircall_Settings__c custom setting (contract §1).
 *
 * Everything else is derived from this table: the TypeScript types, the parser that turns
 * the org's row into typed settings, the generated custom-setting metadata under force-app,
 * and the options the settings panel offers. Change a field here and regenerate.
 */
import type { CallType } from '../aircall/call-types';

export interface ChoiceValue<V extends string = string> {
  readonly value: V;
  readonly label: string;
  readonly description: string;
}

export const CALL_ACTION_VALUES = [
  {
    value: 'Completed',
    label: 'Completed',
    description: 'The Task is closed (Status Completed): Lightning shows it under Past Activities.'
  },
  {
    value: 'InProgress',
    label: 'In progress',
    description:
      'The Task stays open (Status In Progress, due on the call date): Lightning shows it under Upcoming & Overdue.'
  },
  {
    value: 'DoNothing',
    label: 'Do nothing',
    description: 'The call is not logged at all and leaves no trace in Salesforce.'
  }
] as const satisfies readonly ChoiceValue[];
export type CallAction = (typeof CALL_ACTION_VALUES)[number]['value'];

export const UNKNOWN_NUMBER_VALUES = [
  { value: 'Contact', label: 'Create a Contact', description: 'A new Contact is created for the number.' },
  { value: 'Lead', label: 'Create a Lead', description: 'A new Lead is created for the number.' },
  { value: 'Account', label: 'Create an Account', description: 'A new Account is created for the number.' },
  { value: 'None', label: 'Do not log', description: 'The call is not logged; the trace says why.' }
] as const satisfies readonly ChoiceValue[];
export type UnknownNumberChoice = (typeof UNKNOWN_NUMBER_VALUES)[number]['value'];

export const RELATED_RECORD_VALUES = [
  { value: 'None', label: 'None', description: 'Calls are logged on the matched record only.' },
  {
    value: 'Case',
    label: 'Open Case',
    description: "Calls are also related to the matched Contact's most recently updated open Case."
  },
  {
    value: 'Opportunity',
    label: 'Open Opportunity',
    description: "Calls are also related to the matched Contact's most recently updated open Opportunity."
  }
] as const satisfies readonly ChoiceValue[];
export type RelatedRecordChoice = (typeof RELATED_RECORD_VALUES)[number]['value'];

const shareValue = <P extends string>(percent: P) =>
  ({
    value: percent,
    label: `${percent} %`,
    description: `Up to ${percent} % of the org's daily API requests: nearer the share, batches grow and updates wait.`
  }) as const;

export const API_SHARE_VALUES = [
  {
    value: 'None',
    label: 'No cap',
    description: "The service uses what it needs of the org's daily API requests, batching as usual."
  },
  shareValue('5'),
  shareValue('10'),
  shareValue('25'),
  shareValue('50')
] as const satisfies readonly ChoiceValue[];
export type ApiShareChoice = (typeof API_SHARE_VALUES)[number]['value'];

export const LOG_MODE_VALUES = [
  {
    value: 'TaskAndRecord',
    label: 'Task and call record',
    description:
      'Each call or message is logged as a Task on the record, with an Aircall Call record beside it holding everything Aircall knows of it.'
  },
  {
    value: 'TaskOnly',
    label: 'Task only',
    description: 'Each call or message is logged as a Task; no Aircall Call record is written.'
  },
  {
    value: 'RecordOnly',
    label: 'Call record only',
    description:
      'Each call or message is logged as an Aircall Call record linked to the record; no Task is written (nothing in the Activity timeline).'
  }
] as const satisfies readonly ChoiceValue[];
export type LogModeChoice = (typeof LOG_MODE_VALUES)[number]['value'];

const dueValue = <D extends string>(days: D, label: string, when: string) =>
  ({
    value: days,
    label,
    description: `Each Aircall AI action item becomes an open Task for the call's agent, due ${when}.`
  }) as const;

export const FOLLOW_UP_VALUES = [
  { value: 'None', label: 'Off', description: "Aircall AI's action items are listed on the call only." },
  dueValue('0', 'Due the day of the call', 'the day of the call'),
  dueValue('1', 'Due the next day', 'the day after the call'),
  dueValue('3', 'Due in 3 days', '3 days after the call'),
  dueValue('7', 'Due in a week', 'a week after the call')
] as const satisfies readonly ChoiceValue[];
export type FollowUpChoice = (typeof FOLLOW_UP_VALUES)[number]['value'];

interface FieldBase {
  /** Property name in the typed settings. */
  readonly key: string;
  /** Field API name on Aircall_Settings__c. */
  readonly apiName: string;
  readonly label: string;
  readonly help: string;
  readonly rule: string;
}
export interface ChoiceField extends FieldBase {
  readonly kind: 'choice';
  readonly length: number;
  readonly values: readonly ChoiceValue[];
  readonly default: string;
  /** For the call workflow matrix: which call type the field configures. */
  readonly callType?: CallType;
}
export interface CheckboxField extends FieldBase {
  readonly kind: 'checkbox';
  readonly default: boolean;
}
export type SettingsField = ChoiceField | CheckboxField;

const callWorkflowField = (
  key: string,
  apiName: string,
  callType: CallType,
  label: string,
  defaultAction: CallAction
): ChoiceField => ({
  kind: 'choice',
  key,
  apiName,
  callType,
  label,
  help: `What to do with ${label.toLowerCase()}: Completed, InProgress or DoNothing.`,
  rule: 'R1',
  length: 20,
  values: CALL_ACTION_VALUES,
  default: defaultAction
});

export const SETTINGS_FIELDS = [
  callWorkflowField(
    'outboundAnswered',
    'Outbound_Answered__c',
    'outbound_answered',
    'Outbound answered calls',
    'Completed'
  ),
  callWorkflowField(
    'outboundUnanswered',
    'Outbound_Unanswered__c',
    'outbound_unanswered',
    'Outbound unanswered calls',
    'Completed'
  ),
  callWorkflowField(
    'inboundAnswered',
    'Inbound_Answered__c',
    'inbound_answered',
    'Inbound answered calls',
    'Completed'
  ),
  callWorkflowField('missedCall', 'Missed_Call__c', 'missed', 'Missed calls', 'InProgress'),
  callWorkflowField('voicemail', 'Voicemail__c', 'voicemail', 'Voicemails', 'InProgress'),
  {
    kind: 'checkbox',
    key: 'logWhenClosed',
    apiName: 'Log_When_Closed__c',
    label: 'Log calls when the number is closed',
    help: 'When checked, calls are logged also when the Aircall number was closed (outside business hours). Messages are never filtered.',
    rule: 'R2',
    default: true
  },
  {
    kind: 'choice',
    key: 'unknownNumber',
    apiName: 'Unknown_Number__c',
    label: 'Unknown numbers',
    help: 'What to create when the number matches no record: Contact, Lead, Account or None (do not log).',
    rule: 'R3',
    length: 10,
    values: UNKNOWN_NUMBER_VALUES,
    default: 'None'
  },
  {
    kind: 'choice',
    key: 'relatedRecord',
    apiName: 'Related_Record__c',
    label: 'Relate calls to',
    help: "Also relate calls and messages to the matched Contact's open Case or Opportunity: None, Case or Opportunity.",
    rule: 'R6',
    length: 12,
    values: RELATED_RECORD_VALUES,
    default: 'None'
  },
  {
    kind: 'checkbox',
    key: 'createCase',
    apiName: 'Create_Case__c',
    // Salesforce allows 40 characters in a field label (Knowledge Article 000381913).
    label: 'Create a Case if the Contact has none',
    help: 'Only with Relate calls to = Case: create a Case when the matched or created Contact has no open Case.',
    rule: 'R9',
    default: false
  },
  {
    kind: 'checkbox',
    key: 'logMessages',
    apiName: 'Log_Messages__c',
    label: 'Log SMS and messages',
    help: 'Log Aircall SMS, MMS and WhatsApp messages as Tasks.',
    rule: 'R14',
    default: true
  },
  {
    kind: 'choice',
    key: 'logMode',
    apiName: 'Log_Mode__c',
    label: 'Log each call as',
    help: 'TaskAndRecord (a Task and an Aircall Call record), TaskOnly or RecordOnly. The call workflow still decides whether a call is logged at all.',
    rule: 'L1',
    length: 16,
    values: LOG_MODE_VALUES,
    default: 'TaskAndRecord'
  },
  {
    kind: 'choice',
    key: 'followUpTasks',
    apiName: 'Follow_Up_Tasks__c',
    label: 'Follow-up Tasks from AI action items',
    help: "None (off), or the days after the call a follow-up Task is due (0, 1, 3 or 7): each Aircall AI action item becomes one open Task for the call's agent, on the same record.",
    rule: 'L2',
    length: 4,
    values: FOLLOW_UP_VALUES,
    default: 'None'
  },
  {
    kind: 'checkbox',
    key: 'insightCards',
    apiName: 'Insight_Cards__c',
    label: 'Show Salesforce in insight cards',
    help: "While a call rings, show the agent the caller's Salesforce record in an Aircall insight card (needs the Aircall API key and the call.created event).",
    rule: 'C1',
    default: true
  },
  {
    kind: 'choice',
    key: 'apiShare',
    apiName: 'API_Share__c',
    label: "Share of the org's daily API requests",
    help: "The most of the org's daily API allocation this service may use over 24 hours: None, 5, 10, 25 or 50 (per cent). Near it, calls are logged in larger batches and updates wait; nothing is dropped.",
    rule: 'A1',
    length: 4,
    values: API_SHARE_VALUES,
    default: 'None'
  }
] as const satisfies readonly SettingsField[];

export type CallWorkflowSettings = Readonly<Record<CallType, CallAction>>;

export interface Settings {
  readonly callWorkflow: CallWorkflowSettings;
  readonly logWhenClosed: boolean;
  readonly unknownNumber: UnknownNumberChoice;
  readonly relatedRecord: RelatedRecordChoice;
  readonly createCase: boolean;
  readonly logMessages: boolean;
  /** L1: a Task, an Aircall Call record, or both (src/call-record/). */
  readonly logMode: LogModeChoice;
  /** L2: follow-up Tasks from Aircall AI's action items, and when they are due. */
  readonly followUpTasks: FollowUpChoice;
  /** C1: post an insight card while a call rings (src/cards/). */
  readonly insightCards: boolean;
  /** A1: the share of the org's daily API allocation this service may use (src/budget/). */
  readonly apiShare: ApiShareChoice;
}

export const SETTINGS_OBJECT = 'Aircall_Settings__c';

/** The values a field allows, as the error messages list them. */
export function allowedValues(field: SettingsField): readonly string[] {
  return field.kind === 'checkbox' ? ['true', 'false'] : field.values.map((v) => v.value);
}

/** Values are matched exactly: "completed" or " Completed" is a configuration error, not a guess. */
export function isAllowedValue(field: SettingsField, value: unknown): boolean {
  return field.kind === 'checkbox'
    ? typeof value === 'boolean'
    : typeof value === 'string' && allowedValues(field).includes(value);
}

/** A missing row, or a blank field in an existing row, means "use the default" (contract §1). */
export function isBlankValue(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}
