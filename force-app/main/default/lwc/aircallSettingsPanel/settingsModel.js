/**
 * The panel's view of the settings schema (generated into c/aircallSchema from the one
 * TypeScript schema): matrix rows, radio options, what changed. Pure, so it is tested alone.
 */
import { SETTINGS_FIELDS } from 'c/aircallSchema';

const FIELDS = new Map(SETTINGS_FIELDS.map((f) => [f.apiName, f]));

export const WORKFLOW_FIELDS = SETTINGS_FIELDS.filter((f) => f.callType);
export const ACTIONS = WORKFLOW_FIELDS[0].values;

export const BUSINESS_HOURS = 'Log_When_Closed__c';
export const UNKNOWN_NUMBER = 'Unknown_Number__c';
export const RELATED_RECORD = 'Related_Record__c';
export const CREATE_CASE = 'Create_Case__c';
export const LOG_MESSAGES = 'Log_Messages__c';
export const INSIGHT_CARDS = 'Insight_Cards__c';
export const API_SHARE = 'API_Share__c';
export const LOG_MODE = 'Log_Mode__c';
export const FOLLOW_UP_TASKS = 'Follow_Up_Tasks__c';

export function field(apiName) {
    return FIELDS.get(apiName);
}

/**
 * A validation message as an admin reads it: the field's label first, its API name after, for
 * whoever looks it up in Setup. "Aircall_Settings__c.Unknown_Number__c has …" becomes
 * "Unknown numbers (Unknown_Number__c) has …".
 */
export function withLabels(message) {
    return String(message).replace(/\bAircall_Settings__c\.(\w+__c)\b/g, (whole, apiName) => {
        const known = FIELDS.get(apiName);
        return known ? `${known.label} (${apiName})` : whole;
    });
}

/** Rows of the call workflow matrix: one per call type, one radio per action. */
export function workflowRows(values) {
    return WORKFLOW_FIELDS.map((f) => ({
        apiName: f.apiName,
        label: f.label,
        cells: ACTIONS.map((action) => ({
            key: `${f.apiName}-${action.value}`,
            value: action.value,
            checked: values[f.apiName] === action.value,
            ariaLabel: `${f.label}: ${action.label}`
        }))
    }));
}

/** Options for lightning-radio-group from a choice field. */
export function choiceOptions(apiName) {
    return field(apiName).values.map((v) => ({ label: v.label, value: v.value }));
}

/** What the chosen value of a choice field does, for the line under its radio group. */
export function choiceDescription(apiName, value) {
    const chosen = field(apiName).values.find((v) => v.value === value);
    return chosen ? chosen.description : '';
}

export const BUSINESS_HOURS_OPTIONS = [
    { label: 'Only when the number is open (within its business hours)', value: 'open' },
    { label: 'Also when the number is closed', value: 'always' }
];

/** The values that differ from the saved ones: what Save sends. */
export function changedValues(values, saved) {
    const changed = {};
    for (const f of SETTINGS_FIELDS) {
        if (values[f.apiName] !== saved[f.apiName]) changed[f.apiName] = values[f.apiName];
    }
    return changed;
}

/** Applies one edit, keeping the panel consistent: Create a Case only goes with Case (R9). */
export function applyChange(values, apiName, value) {
    const next = { ...values, [apiName]: value };
    if (apiName === RELATED_RECORD && value !== 'Case') next[CREATE_CASE] = false;
    return next;
}
