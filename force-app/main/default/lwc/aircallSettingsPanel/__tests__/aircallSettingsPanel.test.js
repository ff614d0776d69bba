import { createElement } from 'lwc';
import AircallSettingsPanel from 'c/aircallSettingsPanel';
import getSettings from '@salesforce/apex/AircallSettingsController.getSettings';
import saveSettings from '@salesforce/apex/AircallSettingsController.saveSettings';

jest.mock('@salesforce/apex/AircallSettingsController.getSettings', () => ({ default: jest.fn() }), {
    virtual: true
});
jest.mock('@salesforce/apex/AircallSettingsController.saveSettings', () => ({ default: jest.fn() }), {
    virtual: true
});

// The agent mapping inside the panel has its own suite (c/aircallAgentMapping).
jest.mock(
    '@salesforce/apex/AircallAgentsController.getAgents',
    () => ({ default: jest.fn(() => Promise.resolve({ agents: [], canEdit: true })) }),
    {
        virtual: true
    }
);
jest.mock('@salesforce/apex/AircallAgentsController.saveAgent', () => ({ default: jest.fn() }), {
    virtual: true
});

const VIEW = require('./data/settingsView.json');

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function mount(view = VIEW) {
    getSettings.mockResolvedValue(JSON.parse(JSON.stringify(view)));
    const element = createElement('c-aircall-settings-panel', { is: AircallSettingsPanel });
    const toasts = [];
    element.addEventListener('lightning__showtoast', (event) => toasts.push(event.detail));
    document.body.appendChild(element);
    await flush();
    return { element, toasts, $: (selector) => element.shadowRoot.querySelector(selector) };
}

function radio(element, field, action) {
    return element.shadowRoot.querySelector(`tr[data-field="${field}"] input[data-action="${action}"]`);
}

async function choose(element, field, action) {
    const input = radio(element, field, action);
    input.checked = true;
    input.dispatchEvent(new CustomEvent('change'));
    await flush();
}

async function pick(group, value) {
    group.dispatchEvent(new CustomEvent('change', { detail: { value } }));
    await flush();
}

const saveButton = (element) => element.shadowRoot.querySelector('lightning-button.save');

describe('c-aircall-settings-panel', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
        jest.clearAllMocks();
    });

    it('shows a spinner until the settings arrive', async () => {
        let resolve;
        getSettings.mockReturnValue(new Promise((r) => (resolve = r)));
        const element = createElement('c-aircall-settings-panel', { is: AircallSettingsPanel });
        document.body.appendChild(element);
        expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
        resolve(VIEW);
        await flush();
        expect(element.shadowRoot.querySelector('lightning-spinner')).toBeNull();
    });

    it('holds the agent mapping (R12), which saves on its own', async () => {
        const { $ } = await mount();
        expect($('c-aircall-agent-mapping')).not.toBeNull();
    });

    it('shows the call workflow as a matrix with the stored action checked', async () => {
        const { element } = await mount();
        const rows = element.shadowRoot.querySelectorAll('table.workflow tbody tr');
        expect(rows).toHaveLength(5);
        expect(radio(element, 'Missed_Call__c', 'InProgress').checked).toBe(true);
        expect(radio(element, 'Missed_Call__c', 'Completed').checked).toBe(false);
        const cell = element.shadowRoot.querySelector('tr[data-field="Voicemail__c"] td[data-action="DoNothing"]');
        expect(cell.querySelector('label .slds-assistive-text').textContent).toBe('Voicemails: Do nothing');
        const headers = [...element.shadowRoot.querySelectorAll('table.workflow thead th')].map((th) => th.textContent);
        expect(headers[1]).toContain('Past Activities');
        expect(headers[2]).toContain('Upcoming & Overdue');
    });

    it('offers the options of the settings schema', async () => {
        const { $ } = await mount();
        expect($('lightning-radio-group.unknown-number').options.map((o) => o.value)).toEqual([
            'Contact',
            'Lead',
            'Account',
            'None'
        ]);
        expect($('lightning-radio-group.related-record').options.map((o) => o.value)).toEqual([
            'None',
            'Case',
            'Opportunity'
        ]);
        expect($('lightning-radio-group.business-hours').value).toBe('always');
        expect($('lightning-input.log-messages').checked).toBe(true);
    });

    it('tracks unsaved changes and saves only what changed, with a toast', async () => {
        const { element, toasts, $ } = await mount();
        expect(saveButton(element).disabled).toBe(true);
        expect($('.unsaved')).toBeNull();

        await choose(element, 'Missed_Call__c', 'Completed');
        await pick($('lightning-radio-group.unknown-number'), 'Lead');
        expect(saveButton(element).disabled).toBe(false);
        expect($('.unsaved').textContent).toBe('Unsaved changes');

        saveSettings.mockResolvedValue({
            ...VIEW,
            values: { ...VIEW.values, Missed_Call__c: 'Completed', Unknown_Number__c: 'Lead' }
        });
        saveButton(element).click();
        await flush();

        expect(saveSettings).toHaveBeenCalledWith({
            values: { Missed_Call__c: 'Completed', Unknown_Number__c: 'Lead' }
        });
        expect(toasts).toEqual([expect.objectContaining({ variant: 'success', title: 'Aircall settings saved' })]);
        expect(saveButton(element).disabled).toBe(true);
        expect($('.unsaved')).toBeNull();
    });

    it('sends the business hours choice as the checkbox value', async () => {
        const { element, $ } = await mount();
        await pick($('lightning-radio-group.business-hours'), 'open');
        saveSettings.mockResolvedValue(VIEW);
        saveButton(element).click();
        await flush();
        expect(saveSettings).toHaveBeenCalledWith({ values: { Log_When_Closed__c: false } });
    });

    it('shows the validation message when the save is refused, and keeps the edits', async () => {
        const { element, toasts, $ } = await mount();
        await pick($('lightning-radio-group.unknown-number'), 'Contact');
        const message =
            'Aircall_Settings__c.Unknown_Number__c has the invalid value "Contact "; allowed values: Contact, Lead, Account, None.';
        saveSettings.mockRejectedValue({ body: { message }, status: 500 });
        saveButton(element).click();
        await flush();

        const shown =
            'Unknown numbers (Unknown_Number__c) has the invalid value "Contact "; allowed values: Contact, Lead, Account, None.';
        expect($('.save-errors').textContent).toContain(shown);
        expect(toasts).toEqual([expect.objectContaining({ variant: 'error', message: shown })]);
        expect($('lightning-radio-group.unknown-number').value).toBe('Contact');
        expect(saveButton(element).disabled).toBe(false);
    });

    it('cancel puts the saved values back', async () => {
        const { element, $ } = await mount();
        await choose(element, 'Voicemail__c', 'DoNothing');
        $('lightning-button.cancel').click();
        await flush();
        expect(radio(element, 'Voicemail__c', 'InProgress').checked).toBe(true);
        expect(saveButton(element).disabled).toBe(true);
    });

    it('enables Create a Case only with Case, and clears it when the relation changes', async () => {
        const { $ } = await mount();
        expect($('lightning-input.create-case').disabled).toBe(true);

        await pick($('lightning-radio-group.related-record'), 'Case');
        const createCase = $('lightning-input.create-case');
        expect(createCase.disabled).toBe(false);
        createCase.checked = true;
        createCase.dispatchEvent(new CustomEvent('change'));
        await flush();
        expect($('lightning-input.create-case').checked).toBe(true);

        await pick($('lightning-radio-group.related-record'), 'Opportunity');
        expect($('lightning-input.create-case').checked).toBe(false);
        expect($('lightning-input.create-case').disabled).toBe(true);
    });

    /** Switches a toggle off and saves: what the panel sends. */
    async function switchOffAndSave(element, toggle) {
        toggle.checked = false;
        toggle.dispatchEvent(new CustomEvent('change'));
        await flush();
        saveSettings.mockResolvedValue(VIEW);
        saveButton(element).click();
        await flush();
    }

    it('turns messages off', async () => {
        const { element, $ } = await mount();
        await switchOffAndSave(element, $('lightning-input.log-messages'));
        expect(saveSettings).toHaveBeenCalledWith({ values: { Log_Messages__c: false } });
    });

    it('turns insight cards off, with their help written out', async () => {
        const { element, $ } = await mount();
        expect($('.insight-cards-help').textContent).toContain('insight card');
        const toggle = $('lightning-input.insight-cards');
        expect(toggle.checked).toBe(true);
        await switchOffAndSave(element, toggle);
        expect(saveSettings).toHaveBeenCalledWith({ values: { Insight_Cards__c: false } });
    });

    it("caps the share of the org's API requests, saying what the choice does", async () => {
        const { element, $ } = await mount();
        const group = $('lightning-radio-group.api-share');
        expect(group.options.map((o) => o.value)).toEqual(['None', '5', '10', '25', '50']);
        await pick(group, '10');
        expect($('.api-share-description').textContent).toContain('Up to 10 %');
        saveSettings.mockResolvedValue(VIEW);
        saveButton(element).click();
        await flush();
        expect(saveSettings).toHaveBeenCalledWith({ values: { API_Share__c: '10' } });
    });

    it('logs calls as a call record only, saying what the choice does (L1)', async () => {
        const { element, $ } = await mount();
        const group = $('lightning-radio-group.log-mode');
        expect(group.options.map((o) => o.value)).toEqual(['TaskAndRecord', 'TaskOnly', 'RecordOnly']);
        expect(group.value).toBe('TaskAndRecord');
        await pick(group, 'RecordOnly');
        expect($('.log-mode-description').textContent).toContain('no Task is written');
        saveSettings.mockResolvedValue(VIEW);
        saveButton(element).click();
        await flush();
        expect(saveSettings).toHaveBeenCalledWith({ values: { Log_Mode__c: 'RecordOnly' } });
    });

    it('turns on follow-up Tasks from AI action items, due as chosen (L2)', async () => {
        const { element, $ } = await mount();
        const group = $('lightning-radio-group.follow-up-tasks');
        expect(group.value).toBe('None');
        expect(group.options.map((o) => o.value)).toEqual(['None', '0', '1', '3', '7']);
        await pick(group, '3');
        expect($('.follow-up-description').textContent).toContain('due 3 days after the call');
        saveSettings.mockResolvedValue(VIEW);
        saveButton(element).click();
        await flush();
        expect(saveSettings).toHaveBeenCalledWith({ values: { Follow_Up_Tasks__c: '3' } });
    });

    it('hands its unsaved changes to the preview, for admins only', async () => {
        const { $ } = await mount();
        await pick($('lightning-radio-group.unknown-number'), 'Lead');
        expect($('c-aircall-preview').draft).toEqual({ Unknown_Number__c: 'Lead' });
        expect($('c-aircall-service-health')).not.toBeNull();
        document.body.removeChild(document.body.firstChild);
        const readOnly = await mount({ ...VIEW, canEdit: false });
        expect(readOnly.$('c-aircall-preview')).toBeNull();
        expect(readOnly.$('c-aircall-service-health')).toBeNull();
    });

    it('is read-only for users without the admin permission set', async () => {
        const { element, $ } = await mount({ ...VIEW, canEdit: false });
        expect($('.read-only-notice').textContent).toContain('Aircall_Admin');
        expect(radio(element, 'Missed_Call__c', 'Completed').disabled).toBe(true);
        expect($('lightning-radio-group.unknown-number').disabled).toBe(true);
        expect($('lightning-input.log-messages').disabled).toBe(true);
        expect(saveButton(element)).toBeNull();
    });

    it('reports invalid stored values', async () => {
        const problem =
            'Aircall_Settings__c.Missed_Call__c has the invalid value "Later"; allowed values: Completed, InProgress, DoNothing.';
        const { $ } = await mount({ ...VIEW, problems: [problem] });
        // The admin reads the field's label; the API name stays, for a search in Setup.
        expect($('.stored-problems').textContent).toContain(
            'Missed calls (Missed_Call__c) has the invalid value "Later"; allowed values: Completed, InProgress, DoNothing.'
        );
        expect($('.stored-problems').textContent).not.toContain('Aircall_Settings__c.');
    });

    it('writes out the Messages help, which a toggle would not show', async () => {
        const { $ } = await mount();
        expect($('.log-messages-help').textContent).toBe('Log Aircall SMS, MMS and WhatsApp messages as Tasks.');
    });

    it('moves focus to the save status while Save is disabled, instead of losing it', async () => {
        const { element, $ } = await mount();
        await choose(element, 'Missed_Call__c', 'Completed');
        let resolveSave;
        saveSettings.mockReturnValue(new Promise((resolve) => (resolveSave = resolve)));
        saveButton(element).click();
        await flush();
        expect(element.shadowRoot.activeElement).toBe($('.save-status'));
        expect($('.save-status').textContent).toBe('Saving…');
        expect(saveButton(element).disabled).toBe(true);
        resolveSave(VIEW);
        await flush();
        expect($('.save-status').textContent).toBe('');
    });

    it('shows a load error and loads again on request', async () => {
        getSettings.mockRejectedValueOnce({ body: { message: 'You lack access to part of the Aircall data' } });
        const element = createElement('c-aircall-settings-panel', { is: AircallSettingsPanel });
        document.body.appendChild(element);
        await flush();
        const alert = element.shadowRoot.querySelector('.load-error');
        expect(alert.textContent).toContain('You lack access to part of the Aircall data');
        expect(element.shadowRoot.querySelector('table.workflow')).toBeNull();

        getSettings.mockResolvedValueOnce(VIEW);
        alert.querySelector('lightning-button').click();
        await flush();
        expect(element.shadowRoot.querySelector('.load-error')).toBeNull();
        expect(element.shadowRoot.querySelector('table.workflow')).not.toBeNull();
    });
});
