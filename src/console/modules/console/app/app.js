import { LightningElement } from 'lwc';

const OBJECTS = [
    { name: 'Contact', label: 'Contacts' },
    { name: 'Lead', label: 'Leads' },
    { name: 'Account', label: 'Accounts' },
    { name: 'Case', label: 'Cases' },
    { name: 'Aircall_Call__c', label: 'Aircall Calls' }
];

const SAMPLE_OPTIONS = [
    { label: 'Inbound call, answered', value: 'inbound_answered' },
    { label: 'Outbound call, answered', value: 'outbound_answered' },
    { label: 'Outbound call, unanswered', value: 'outbound_unanswered' },
    { label: 'Missed call', value: 'missed' },
    { label: 'Voicemail', value: 'voicemail' },
    { label: 'Inbound SMS', value: 'sms_inbound' }
];

async function getJson(url, options) {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message || response.statusText);
    return body;
}

/** Where the hash points: the settings, a list of records, one record, or the recent calls. */
function route() {
    const parts = window.location.hash.replace(/^#\/?/, '').split('/');
    if (parts[0] === 'record' && parts[1]) return { view: 'record', id: parts[1] };
    if (parts[0] === 'records') return { view: 'records', object: parts[1] || 'Contact' };
    if (parts[0] === 'calls') return { view: 'calls' };
    return { view: 'settings' };
}

const APP_TITLE = 'Aircall call logging (local console)';

export default class App extends LightningElement {
    view = 'settings';
    object = 'Contact';
    records = [];
    record;
    recordError;
    helperVersion = 0;
    toasts = [];
    sampleKind = 'inbound_answered';
    samplePhone = '';
    sampleStatus = '';
    /** The record the last sample was logged on (maybe one the rules created), as a link. */
    sampleRecordHref = null;
    /** The insight card the agent's Aircall phone showed while the last sample rang (its blocks). */
    sampleCard = null;
    sending = false;
    sampleOptions = SAMPLE_OPTIONS;
    recent = [];
    recentLoaded = false;
    openTraces = new Set();
    /** Set by a route change: the new view's heading takes focus once rendered. */
    focusHeading = false;

    connectedCallback() {
        this.onHashChange = () => this.navigate();
        window.addEventListener('hashchange', this.onHashChange);
        this.template.addEventListener('lightning__showtoast', (event) => this.showToast(event.detail));
        this.navigate();
    }

    disconnectedCallback() {
        window.removeEventListener('hashchange', this.onHashChange);
    }

    renderedCallback() {
        if (!this.focusHeading) return;
        const heading = this.template.querySelector('h1');
        if (!heading) return; // not rendered yet (a record still loading): the next render
        this.focusHeading = false;
        heading.focus();
    }

    async navigate() {
        const target = route();
        this.view = target.view;
        this.toasts = []; // a toast belongs to the page it was raised on
        // A route change moves focus to the new view's heading, not to <body>.
        this.focusHeading = true;
        if (target.view === 'records') this.object = target.object;
        document.title = `${this.viewTitle} · ${APP_TITLE}`;
        if (target.view === 'calls') {
            this.recentLoaded = false;
            try {
                this.recent = (await getJson('/console/api/calls')).calls;
            } catch (error) {
                this.recent = [];
                this.showToast({ title: 'Could not list the recent calls', message: error.message, variant: 'error' });
            }
            this.recentLoaded = true;
        }
        if (target.view === 'records') {
            this.object = target.object;
            this.records = [];
            try {
                this.records = (
                    await getJson(`/console/api/records?type=${encodeURIComponent(target.object)}`)
                ).records;
            } catch (error) {
                this.showToast({ title: 'Could not list the records', message: error.message, variant: 'error' });
            }
        }
        if (target.view === 'record') {
            this.record = undefined;
            this.recordError = undefined;
            this.sampleStatus = '';
            this.sampleRecordHref = null;
            try {
                this.record = await getJson(`/console/api/records/${encodeURIComponent(target.id)}`);
                this.samplePhone = this.record.phone || '+33 6 12 34 56 78';
                document.title = `${this.record.name} · ${this.record.sobjectLabel} · ${APP_TITLE}`;
            } catch (error) {
                this.recordError = error.message;
                document.title = `Record not found · ${APP_TITLE}`;
            }
        }
    }

    get viewTitle() {
        if (this.isSettings) return 'Aircall Settings';
        if (this.isCalls) return 'Recent calls';
        if (this.isRecords) return this.objectLabel;
        return 'Record';
    }

    get isSettings() {
        return this.view === 'settings';
    }
    get isRecords() {
        return this.view === 'records';
    }
    get isRecord() {
        return this.view === 'record';
    }
    get isCalls() {
        return this.view === 'calls';
    }
    /** The tabs, the current one marked for the eye (slds-is-active) and for screen readers (aria-current). */
    get tabs() {
        const tab = (name, label, href, active) => ({
            name,
            label,
            href,
            className: `slds-context-bar__item${active ? ' slds-is-active' : ''}`,
            current: active ? 'page' : null
        });
        return [
            tab('settings', 'Aircall Settings', '#/settings', this.isSettings),
            ...OBJECTS.map((o) =>
                tab(
                    o.name,
                    o.label,
                    `#/records/${o.name}`,
                    (this.isRecords || this.isRecord) && this.currentObject === o.name
                )
            ),
            tab('calls', 'Recent calls', '#/calls', this.isCalls)
        ];
    }
    /** The object whose tab is current; none on a record that could not be shown. */
    get currentObject() {
        if (this.isRecord) return this.record ? this.record.sobject : null;
        return this.object;
    }
    get hasRecent() {
        return this.recent.length > 0;
    }
    get recentRows() {
        return this.recent.map((call) => {
            const open = this.openTraces.has(call.key);
            const label = open ? 'Hide trace' : 'Show trace';
            return {
                ...call,
                when: new Date(call.at).toLocaleString(),
                recordHref: call.recordId ? `#/record/${call.recordId}` : null,
                recordName: `Open the record of ${call.key}`,
                hasTrace: call.trace.length > 0,
                traceOpen: open,
                traceLabel: label,
                traceName: `${label} of ${call.key}`,
                traceExpanded: String(open),
                traceLines: call.trace.map((text, i) => ({ key: `${call.key}-${i}`, text }))
            };
        });
    }
    handleToggleRecentTrace(event) {
        const key = event.target.dataset.key;
        const open = new Set(this.openTraces);
        if (open.has(key)) open.delete(key);
        else open.add(key);
        this.openTraces = open;
    }
    get objectLabel() {
        return OBJECTS.find((o) => o.name === this.object).label;
    }
    get rows() {
        return this.records.map((r) => ({ ...r, href: `#/record/${r.id}` }));
    }
    get hasRecords() {
        return this.records.length > 0;
    }
    /**
     * One key per record and refresh: changing it mounts a fresh helper. None on an Aircall Call
     * record, which is itself a call (the helper lists the calls logged on a Contact, Lead, …).
     */
    get helperKeys() {
        return this.record && this.record.sobject !== 'Aircall_Call__c'
            ? [`${this.record.id}-${this.helperVersion}`]
            : [];
    }
    /** The card's blocks as Aircall's phone lays them out: a title, labelled short texts, links. */
    get sampleCardBlocks() {
        return (this.sampleCard || []).map((block, i) => ({
            key: `block-${i}`,
            isTitle: block.type === 'title',
            isLink: block.type === 'link',
            label: block.label ? `${block.label}: ` : '',
            text: block.type === 'link' ? block.label : block.text,
            link: block.link || null
        }));
    }
    get hasSampleCard() {
        return Array.isArray(this.sampleCard) && this.sampleCard.length > 0;
    }
    get sendDisabled() {
        return this.sending;
    }

    handleSampleKind(event) {
        this.sampleKind = event.detail.value;
    }
    handleSamplePhone(event) {
        this.samplePhone = event.target.value;
    }

    async handleSendSample() {
        // The button disables itself while sending: focus moves to the status it updates
        // (aria-live), rather than falling to <body>.
        this.template.querySelector('.sample-status').focus();
        this.sending = true;
        this.sampleRecordHref = null;
        this.sampleCard = null;
        // Batching is on as in production: a call waits up to the batch window when others could
        // share its org requests, so the wait is said rather than left to look like a hang.
        this.sampleStatus =
            'Sending the webhook, then waiting for the call to be logged: up to the batch window ' +
            '(AIRCALL_SF_BATCH_WINDOW_MS, 10 s by default) when other calls could share its org requests…';
        try {
            const result = await getJson('/console/api/sample-call', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ kind: this.sampleKind, phone: this.samplePhone })
            });
            this.sampleStatus = result.summary;
            this.sampleRecordHref = result.recordId ? `#/record/${result.recordId}` : null;
            this.sampleCard = result.card;
            this.helperVersion += 1;
        } catch (error) {
            this.sampleStatus = `Not sent: ${error.message}`;
        } finally {
            this.sending = false;
        }
    }

    showToast(detail) {
        const id = Date.now() + Math.random();
        const variant = detail.variant || 'info';
        this.toasts = [
            ...this.toasts,
            {
                id,
                title: detail.title,
                message: detail.message,
                className: `slds-notify slds-notify_toast slds-theme_${variant}`,
                icon: `utility:${variant === 'error' ? 'error' : variant === 'success' ? 'success' : 'info'}`
            }
        ];
        // Toasts close themselves, as on the platform.
        // eslint-disable-next-line @lwc/lwc/no-async-operation
        setTimeout(() => {
            this.toasts = this.toasts.filter((t) => t.id !== id);
        }, 6000);
    }

    handleCloseToast(event) {
        const id = Number(event.currentTarget.dataset.id);
        this.toasts = this.toasts.filter((t) => t.id !== id);
    }
}
