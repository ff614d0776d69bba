/**
 * The call record's metadata (L1, issue #31), rendered from its one description
 * (src/call-record/schema.ts): the custom object, its fields, the Task's lookup to it, a page
 * layout, a list view, a report type and a tab. Element names and allowed values follow the
 * Metadata API Developer Guide: CustomObject, CustomField, Layout, ListView, ReportType,
 * CustomTab (customObject tabs take their label from the object).
 */
import type { CallRecordField } from '../../src/call-record/schema';
import {
  CALL_RECORD_FIELDS,
  CALL_RECORD_KEY,
  CALL_RECORD_OBJECT,
  TASK_CALL_RECORD_FIELD
} from '../../src/call-record/schema';

const HEADER = '<?xml version="1.0" encoding="UTF-8"?>';
const NS = 'http://soap.sforce.com/2006/04/metadata';
const GENERATED = 'Generated from src/call-record/schema.ts.';
export const CALL_RECORD_LAYOUT = `${CALL_RECORD_OBJECT}-Aircall Call Layout`;
export const CALL_RECORD_REPORT_TYPE = 'Aircall_Calls';
const FIELDS: readonly CallRecordField[] = CALL_RECORD_FIELDS;

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const el = (name: string, value: string | number | boolean) => `<${name}>${escapeXml(String(value))}</${name}>`;
const raw = (name: string, body: string) => `<${name}>${body}</${name}>`;
const doc = (root: string, parts: readonly string[]) =>
  `${HEADER}\n<${root} xmlns="${NS}">\n${parts.join('\n')}\n</${root}>\n`;

export function callRecordObjectXml(): string {
  return doc('CustomObject', [
    el('deploymentStatus', 'Deployed'),
    el(
      'description',
      `One record per Aircall call or message, keyed by its Aircall id (L1, docs/rules.md). Written by the Aircall service. ${GENERATED}`
    ),
    el('enableActivities', false),
    el('enableBulkApi', true),
    el('enableFeeds', false),
    el('enableHistory', false),
    el('enableReports', true),
    el('enableSearch', true),
    el('enableSharing', true),
    el('enableStreamingApi', true),
    el('label', 'Aircall Call'),
    raw('nameField', el('label', 'Aircall Call Name') + el('type', 'Text')),
    el('pluralLabel', 'Aircall Calls'),
    // Public Read Only: every user with the object's Read sees every call; the service edits.
    el('sharingModel', 'Read'),
    el('visibility', 'Public')
  ]);
}

function relationship(field: CallRecordField): string[] {
  return [
    el('deleteConstraint', 'SetNull'),
    el('referenceTo', field.referenceTo!),
    el('relationshipLabel', 'Aircall Calls'),
    el('relationshipName', 'Aircall_Calls')
  ];
}

export function callRecordFieldXml(field: CallRecordField): string {
  const parts = [el('fullName', field.apiName)];
  if (field.type === 'Checkbox') parts.push(el('defaultValue', false));
  if (field.type === 'Lookup') parts.push(el('deleteConstraint', 'SetNull'));
  parts.push(el('description', `${field.help} ${GENERATED}`));
  if (field.type === 'Text') parts.push(el('externalId', field.apiName === CALL_RECORD_KEY));
  parts.push(el('inlineHelpText', field.help), el('label', field.label));
  if (field.type === 'Text' || field.type === 'LongTextArea') parts.push(el('length', field.length!));
  if (field.type === 'Number') parts.push(el('precision', 9));
  if (field.type === 'Lookup') parts.push(...relationship(field).slice(1));
  if (field.type !== 'Checkbox' && field.type !== 'LongTextArea') parts.push(el('required', false));
  if (field.type === 'Number') parts.push(el('scale', 0));
  parts.push(el('type', field.type));
  if (field.type === 'Text') parts.push(el('unique', field.apiName === CALL_RECORD_KEY));
  if (field.type === 'LongTextArea') parts.push(el('visibleLines', 5));
  // A Unique text field says whether case matters: Aircall ids are digits, so it does not.
  if (field.apiName === CALL_RECORD_KEY) parts.splice(1, 0, el('caseSensitive', false));
  return doc('CustomField', parts);
}

/** The Task's lookup to its call record (on Activity: shared with Event). */
export function taskLookupXml(): string {
  return doc('CustomField', [
    el('fullName', TASK_CALL_RECORD_FIELD),
    el('deleteConstraint', 'SetNull'),
    el('description', `The Aircall Call record of the call or message this activity logs (L1). ${GENERATED}`),
    el(
      'inlineHelpText',
      'The Aircall Call record: everything Aircall knows of the call. Set by the Aircall integration.'
    ),
    el('label', 'Aircall Call'),
    el('referenceTo', CALL_RECORD_OBJECT),
    el('relationshipLabel', 'Activities'),
    el('relationshipName', 'Aircall_Activities'),
    el('required', false),
    el('type', 'Lookup')
  ]);
}

const SECTIONS: readonly { label: string; fields: readonly string[] }[] = [
  {
    label: 'Call',
    fields: [
      'Name',
      'Type__c',
      'Direction__c',
      'Outcome__c',
      'Answered__c',
      'Missed_Reason__c',
      'Started_At__c',
      'Ended_At__c',
      'Talk_Seconds__c',
      'Wait_Seconds__c',
      'Duration_Seconds__c',
      'Recording_Url__c',
      CALL_RECORD_KEY
    ]
  },
  {
    label: 'Who and where',
    fields: [
      'External_Number__c',
      'Contact__c',
      'Lead__c',
      'Account__c',
      'Case__c',
      'Opportunity__c',
      'Line_Number__c',
      'Line_Name__c',
      'Agents__c',
      'Teams__c',
      'Transfers__c',
      'IVR_Options__c'
    ]
  },
  { label: 'Tags, comments and message', fields: ['Tags__c', 'Comments__c', 'Message_Body__c', 'Media_Links__c'] },
  {
    label: 'Aircall AI',
    fields: ['Summary__c', 'Topics__c', 'Sentiment__c', 'Action_Items__c', 'Language__c', 'Transcript__c']
  },
  { label: 'Trace', fields: ['Trace__c'] }
];

export function callRecordLayoutXml(): string {
  const known = new Set(['Name', ...FIELDS.map((f) => f.apiName)]);
  const sections = SECTIONS.map((section) => {
    const fields = section.fields.filter((f) => known.has(f));
    const half = Math.ceil(fields.length / 2);
    const columns = [fields.slice(0, half), fields.slice(half)].map((list) =>
      raw(
        'layoutColumns',
        list
          .map((f) => raw('layoutItems', el('behavior', f === 'Name' ? 'Required' : 'Edit') + el('field', f)))
          .join('')
      )
    );
    return raw(
      'layoutSections',
      el('customLabel', true) +
        el('detailHeading', true) +
        el('editHeading', true) +
        el('label', section.label) +
        columns.join('') +
        el('style', 'TwoColumnsTopToBottom')
    );
  });
  const system = raw(
    'layoutSections',
    el('customLabel', false) +
      el('detailHeading', true) +
      el('editHeading', false) +
      el('label', 'System Information') +
      raw('layoutColumns', raw('layoutItems', el('behavior', 'Readonly') + el('field', 'CreatedById'))) +
      raw('layoutColumns', raw('layoutItems', el('behavior', 'Readonly') + el('field', 'LastModifiedById'))) +
      el('style', 'TwoColumnsTopToBottom')
  );
  return doc('Layout', [...sections, system, el('showEmailCheckbox', false), el('showHighlightsPanel', false)]);
}

export function callRecordListViewXml(): string {
  const columns = ['NAME', ...FIELDS.filter((f) => f.listed).map((f) => f.apiName)];
  return doc('ListView', [
    el('fullName', 'All'),
    ...columns.map((c) => el('columns', c)),
    el('filterScope', 'Everything'),
    el('label', 'All')
  ]);
}

export function callRecordReportTypeXml(): string {
  const columns = ['Name', ...FIELDS.map((f) => f.apiName)].map((f) =>
    raw(
      'columns',
      el('checkedByDefault', f === 'Name' || FIELDS.some((x) => x.apiName === f && x.listed)) +
        el('field', f) +
        el('table', CALL_RECORD_OBJECT)
    )
  );
  return doc('ReportType', [
    el('baseObject', CALL_RECORD_OBJECT),
    el('category', 'activities'),
    el('deployed', true),
    el('description', `Aircall calls and messages, with what Aircall AI said of them. ${GENERATED}`),
    el('label', 'Aircall Calls'),
    raw('sections', columns.join('') + el('masterLabel', 'Aircall Calls'))
  ]);
}

export function callRecordTabXml(): string {
  return doc('CustomTab', [
    el('customObject', true),
    el('description', 'Every Aircall call and message logged in Salesforce.'),
    el('motif', 'Custom53: Bell')
  ]);
}
