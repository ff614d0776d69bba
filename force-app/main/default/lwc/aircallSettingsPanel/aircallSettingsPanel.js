import { LightningElement } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getSettings from '@salesforce/apex/AircallSettingsController.getSettings';
import saveSettings from '@salesforce/apex/AircallSettingsController.saveSettings';
import { reduceErrors } from 'c/aircallErrors';
import {
    ACTIONS,
    API_SHARE,
    BUSINESS_HOURS,
    BUSINESS_HOURS_OPTIONS,
    CREATE_CASE,
    INSIGHT_CARDS,
    LOG_MESSAGES,
    LOG_MODE,
    FOLLOW_UP_TASKS,
    RELATED_RECORD,
    UNKNOWN_NUMBER,
    applyChange,
    changedValues,
    choiceDescription,
    choiceOptions,
    field,
    withLabels,
    workflowRows
} from './settingsModel';

export default class AircallSettingsPanel extends LightningElement {
    loading = true;
    saving = false;
    loadErrors = [];
    saveErrors = [];
    problems = [];
    canEdit = false;
    values = {};
    saved = {};

    actions = ACTIONS;
    businessHoursOptions = BUSINESS_HOURS_OPTIONS;
    unknownNumberOptions = choiceOptions(UNKNOWN_NUMBER);
    relatedRecordOptions = choiceOptions(RELATED_RECORD);
    unknownNumberLabel = field(UNKNOWN_NUMBER).label;
    relatedRecordLabel = field(RELATED_RECORD).label;
    createCaseLabel = field(CREATE_CASE).label;
    logMessagesLabel = field(LOG_MESSAGES).label;
    logMessagesHelp = field(LOG_MESSAGES).help;
    insightCardsLabel = field(INSIGHT_CARDS).label;
    insightCardsHelp = field(INSIGHT_CARDS).help;
    apiShareOptions = choiceOptions(API_SHARE);
    apiShareLabel = field(API_SHARE).label;
    logModeOptions = choiceOptions(LOG_MODE);
    logModeLabel = field(LOG_MODE).label;
    followUpOptions = choiceOptions(FOLLOW_UP_TASKS);
    followUpLabel = field(FOLLOW_UP_TASKS).label;

    connectedCallback() {
        this.load();
    }

    async load() {
        this.loading = true;
        this.loadErrors = [];
        try {
            this.show(await getSettings());
        } catch (error) {
            this.loadErrors = reduceErrors(error);
        } finally {
            this.loading = false;
        }
    }

    show(view) {
        this.values = { ...view.values };
        this.saved = { ...view.values };
        this.canEdit = view.canEdit;
        this.problems = (view.problems || []).map(withLabels);
    }

    get ready() {
        return !this.loading && this.loadErrors.length === 0;
    }
    get readOnly() {
        return !this.canEdit;
    }
    get hasProblems() {
        return this.problems.length > 0;
    }
    get hasSaveErrors() {
        return this.saveErrors.length > 0;
    }
    /** Where focus waits while Save is disabled; says what is happening. */
    get saveStatus() {
        return this.saving ? 'Saving…' : '';
    }
    get dirty() {
        return Object.keys(changedValues(this.values, this.saved)).length > 0;
    }
    get saveDisabled() {
        return !this.dirty || this.saving;
    }
    get cancelDisabled() {
        return this.saveDisabled;
    }
    get workflowRows() {
        return workflowRows(this.values);
    }
    get businessHours() {
        return this.values[BUSINESS_HOURS] ? 'always' : 'open';
    }
    get unknownNumber() {
        return this.values[UNKNOWN_NUMBER];
    }
    get unknownNumberDescription() {
        return choiceDescription(UNKNOWN_NUMBER, this.values[UNKNOWN_NUMBER]);
    }
    get relatedRecord() {
        return this.values[RELATED_RECORD];
    }
    get relatedRecordDescription() {
        return choiceDescription(RELATED_RECORD, this.values[RELATED_RECORD]);
    }
    get createCase() {
        return this.values[CREATE_CASE] === true;
    }
    get createCaseDisabled() {
        return this.readOnly || this.values[RELATED_RECORD] !== 'Case';
    }
    get logMessages() {
        return this.values[LOG_MESSAGES] === true;
    }
    get insightCards() {
        return this.values[INSIGHT_CARDS] === true;
    }

    change(apiName, value) {
        this.values = applyChange(this.values, apiName, value);
        this.saveErrors = [];
    }

    handleWorkflowChange(event) {
        this.change(event.target.name, event.target.value);
    }
    handleBusinessHoursChange(event) {
        this.change(BUSINESS_HOURS, event.detail.value === 'always');
    }
    handleUnknownNumberChange(event) {
        this.change(UNKNOWN_NUMBER, event.detail.value);
    }
    handleRelatedRecordChange(event) {
        this.change(RELATED_RECORD, event.detail.value);
    }
    handleCreateCaseChange(event) {
        this.change(CREATE_CASE, event.target.checked);
    }
    handleLogMessagesChange(event) {
        this.change(LOG_MESSAGES, event.target.checked);
    }

    handleInsightCardsChange(event) {
        this.change(INSIGHT_CARDS, event.target.checked);
    }

    /** The unsaved changes, as saveSettings would send them: what the preview replays. */
    get draft() {
        return changedValues(this.values, this.saved);
    }

    get apiShare() {
        return this.values[API_SHARE];
    }
    get apiShareDescription() {
        return choiceDescription(API_SHARE, this.values[API_SHARE]);
    }
    handleApiShareChange(event) {
        this.change(API_SHARE, event.detail.value);
    }

    get logMode() {
        return this.values[LOG_MODE];
    }
    get logModeDescription() {
        return choiceDescription(LOG_MODE, this.values[LOG_MODE]);
    }
    handleLogModeChange(event) {
        this.change(LOG_MODE, event.detail.value);
    }

    get followUpTasks() {
        return this.values[FOLLOW_UP_TASKS];
    }
    get followUpDescription() {
        return choiceDescription(FOLLOW_UP_TASKS, this.values[FOLLOW_UP_TASKS]);
    }
    handleFollowUpChange(event) {
        this.change(FOLLOW_UP_TASKS, event.detail.value);
    }

    handleCancel() {
        this.values = { ...this.saved };
        this.saveErrors = [];
    }

    async handleSave() {
        // Save disables itself while saving: move focus to the footer's status first, so it does
        // not fall to <body> and a keyboard user keeps their place.
        this.template.querySelector('.save-status')?.focus();
        this.saving = true;
        this.saveErrors = [];
        try {
            this.show(await saveSettings({ values: changedValues(this.values, this.saved) }));
            this.dispatchEvent(
                new ShowToastEvent({
                    title: 'Aircall settings saved',
                    message: 'The service reads them for every batch it logs: the next call follows them.',
                    variant: 'success'
                })
            );
        } catch (error) {
            this.saveErrors = reduceErrors(error).map(withLabels);
            this.dispatchEvent(
                new ShowToastEvent({
                    title: 'The Aircall settings were not saved',
                    message: this.saveErrors.join(' '),
                    variant: 'error'
                })
            );
        } finally {
            this.saving = false;
        }
    }
}
