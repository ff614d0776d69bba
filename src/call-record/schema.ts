/**
 * The one description of the call record (issue #31): a custom object beside the Task, one
 * record per Aircall call or message, keyed by the Aircall id. The object, its fields, layout,
 * list view, report type, tab and the permission sets' access are generated from this table
 * (scripts/generators/call-record.ts); the engine fills it (src/rules/call-record.ts) and the
 * gateway upserts it in the batch's composite write.
 *
 * Aircall's own integration writes such a record ("Aircall Log Object", Aircall help centre
 * article 34359598228765), with the Task holding a lookup to it. Custom lookups from an
 * activity to another object are what Salesforce lists under LookedUpFromActivity (Object
 * Reference, sforce_api_objects_lookedupfromactivity).
 */
export const CALL_RECORD_OBJECT = 'Aircall_Call__c';
/** Unique, external id: the same `call:<id>` or `message:<id>` as Task.Aircall_Id__c. */
export const CALL_RECORD_KEY = 'Aircall_Id__c';
/** On Activity: the Task's lookup to its call record. */
export const TASK_CALL_RECORD_FIELD = 'Aircall_Call_Record__c';
export const TASK_CALL_RECORD_RELATIONSHIP = 'Aircall_Call_Record__r';

/** Task.Aircall_Type__c of a follow-up Task made from an Aircall AI action item (L2). */
export const ACTION_ITEM_TYPE = 'action_item';

/** LongTextArea holds at most 131,072 characters (Help, "Custom Field Types"). */
export const TRANSCRIPT_LIMIT = 131072;
/**
 * A longer transcript is kept whole in a Salesforce File on the call record: a ContentVersion
 * whose FirstPublishLocationId is the record (src/salesforce/transcript-files.ts). Its title
 * names the call, so a retry finds it and never attaches it twice.
 */
export const transcriptFileTitle = (key: string): string => `Aircall transcript ${key}`;
export const transcriptFileName = (key: string): string => `aircall-transcript-${key.replace(/[^a-z0-9]+/gi, '-')}.txt`;
export const LONG_TEXT = 32768;

export type CallRecordFieldType = 'Text' | 'LongTextArea' | 'Number' | 'Url' | 'DateTime' | 'Checkbox' | 'Lookup';

export interface CallRecordField {
  readonly apiName: string;
  readonly label: string;
  readonly type: CallRecordFieldType;
  /** Text and LongTextArea: characters. */
  readonly length?: number;
  /** Lookup: the object it points to. */
  readonly referenceTo?: 'Contact' | 'Lead' | 'Account' | 'Case' | 'Opportunity';
  readonly help: string;
  /** Shown in the list view and the report type's default columns. */
  readonly listed?: boolean;
}

const text = (apiName: string, label: string, length: number, help: string, listed = false): CallRecordField => ({
  apiName,
  label,
  type: 'Text',
  length,
  help,
  ...(listed ? { listed } : {})
});
const long = (apiName: string, label: string, help: string, length = LONG_TEXT): CallRecordField => ({
  apiName,
  label,
  type: 'LongTextArea',
  length,
  help
});
const seconds = (apiName: string, label: string, help: string): CallRecordField => ({
  apiName,
  label,
  type: 'Number',
  help
});
const lookup = (
  apiName: string,
  label: string,
  referenceTo: NonNullable<CallRecordField['referenceTo']>,
  listed = false
): CallRecordField => ({
  apiName,
  label,
  type: 'Lookup',
  referenceTo,
  help: `The ${referenceTo} the call or message was logged on or related to.`,
  ...(listed ? { listed } : {})
});

export const CALL_RECORD_FIELDS = [
  text(
    CALL_RECORD_KEY,
    'Aircall Id',
    64,
    'call:<Aircall call id> or message:<Aircall message id>: one record per value.'
  ),
  text('Type__c', 'Type', 40, 'inbound_answered, outbound_unanswered, missed, voicemail, message_inbound…', true),
  text('Direction__c', 'Direction', 10, 'inbound or outbound.', true),
  text('Line_Number__c', 'Aircall Number', 40, 'The company line, as Aircall shows it.'),
  text('Line_Name__c', 'Aircall Number Name', 255, "The company line's name in Aircall.", true),
  text('External_Number__c', 'External Number', 40, 'The other party, in E.164 when it is a full number.', true),
  text('Agents__c', 'Agents', 255, 'The agents who handled it, in order.', true),
  text('Teams__c', 'Teams', 255, 'The Aircall teams it rang.'),
  long('Transfers__c', 'Transfers', 'Each transfer in order: by whom, to whom.', 4000),
  long('IVR_Options__c', 'IVR Options', 'The IVR options the caller chose, in order (when Aircall sends them).', 4000),
  { apiName: 'Answered__c', label: 'Answered', type: 'Checkbox', help: 'Checked when an agent answered.' },
  text('Outcome__c', 'Outcome', 255, 'Answered, missed with the reason in words, voicemail, sent or received.', true),
  text('Missed_Reason__c', 'Missed Call Reason', 40, "Aircall's missed_call_reason, as it came."),
  { apiName: 'Started_At__c', label: 'Started', type: 'DateTime', help: 'When it started.', listed: true },
  { apiName: 'Ended_At__c', label: 'Ended', type: 'DateTime', help: 'When it ended.' },
  seconds('Talk_Seconds__c', 'Talk (s)', 'From the answer to the end.'),
  seconds('Wait_Seconds__c', 'Wait (s)', 'From the start to the answer (all of it when unanswered).'),
  seconds('Duration_Seconds__c', 'Duration (s)', "Aircall's duration: ringing and IVR included."),
  {
    apiName: 'Recording_Url__c',
    label: 'Recording or Voicemail',
    type: 'Url',
    help: "The recording or voicemail: Aircall's asset page (a link that stays valid) when Aircall sent one."
  },
  text('Tags__c', 'Tags', 255, 'The Aircall tags.'),
  long('Comments__c', 'Comments', 'The Aircall comments, each with its author.'),
  long('Message_Body__c', 'Message', 'The SMS, MMS or WhatsApp message.'),
  long(
    'Media_Links__c',
    'Media',
    'The attachments of a message: name, type, link (Aircall signs the links: they expire).',
    4000
  ),
  long('Summary__c', 'AI Summary', "Aircall AI's summary of the call."),
  text('Topics__c', 'AI Topics', 255, "Aircall AI's key topics."),
  text('Sentiment__c', 'AI Sentiment', 255, "Aircall AI's sentiment per participant."),
  long('Action_Items__c', 'AI Action Items', "Aircall AI's action items, one per line."),
  long(
    'Transcript__c',
    'AI Transcript',
    `Aircall AI's transcript, speaker by speaker; a longer one is cut at ${TRANSCRIPT_LIMIT} characters and kept whole in a file on this record.`,
    TRANSCRIPT_LIMIT
  ),
  text('Language__c', 'Language', 20, "The transcript's language."),
  long('Trace__c', 'Aircall Trace', 'Why it was logged where it is, rule by rule (docs/rules.md).'),
  lookup('Contact__c', 'Contact', 'Contact', true),
  lookup('Lead__c', 'Lead', 'Lead', true),
  lookup('Account__c', 'Account', 'Account'),
  lookup('Case__c', 'Case', 'Case'),
  lookup('Opportunity__c', 'Opportunity', 'Opportunity')
] as const satisfies readonly CallRecordField[];

export type CallRecordFieldName = (typeof CALL_RECORD_FIELDS)[number]['apiName'];
export type CallRecordLink = 'Contact__c' | 'Lead__c' | 'Account__c' | 'Case__c' | 'Opportunity__c';
