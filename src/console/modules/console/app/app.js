import { LightningElement } from 'lwc';

const OBJECTS = [
    { name: 'Contact', label: 'Contacts' },
    { name: 'Lead', label: 'Leads' },
    { name: 'Account', label: 'Accounts' },
    { name: 'Case', label: 'Cases' }
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

/** Where the hash points: the settings, a list of records, or one record. */
function route() {
    const parts = window.location.hash.replace(/^#\/?/, '').split('/');
    if (parts[0] === 'record' && parts[1]) return { view: 'record', id: parts[1] };
    if (parts[0] === 'records') return { view: 'records', object: parts[1] || 'Contact' };
    return { view: 'settings' };
}

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
    sending = false;
    sampleOptions = SAMPLE_OPTIONS;

    connectedCallback() {
        this.onHashChange = () => this.navigate();
        window.addEventListener('hashchange', this.onHashChange);
        this.template.addEventListener('lightning__showtoast', (event) => this.showToast(event.detail));
        this.navigate();
    }

    disconnectedCallback() {
        window.removeEventListener('hashchange', this.onHashChange);
    }

    async navigate() {
        const target = route();
        this.view = target.view;
        this.toasts = []; // a toast belongs to the page it was raised on
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
            try {
                this.record = await getJson(`/console/api/records/${encodeURIComponent(target.id)}`);
                this.samplePhone = this.record.phone || '+33 6 12 34 56 78';
            } catch (error) {
                this.recordError = error.message;
            }
        }
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
    get settingsTabClass() {
        return `slds-context-bar__item${this.isSettings ? ' slds-is-active' : ''}`;
    }
    get objectTabs() {
        return OBJECTS.map((o) => ({
            ...o,
            href: `#/records/${o.name}`,
            className: `slds-context-bar__item${(this.isRecords || this.isRecord) && this.currentObject === o.name ? ' slds-is-active' : ''}`
        }));
    }
    get currentObject() {
        return this.isRecord && this.record ? this.record.sobject : this.object;
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
    /** One key per record and refresh: changing it mounts a fresh helper. */
    get helperKeys() {
        return this.record ? [`${this.record.id}-${this.helperVersion}`] : [];
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
        this.sending = true;
        this.sampleStatus = 'Sending the webhook…';
        try {
            const result = await getJson('/console/api/sample-call', {
                method: 'POST',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({ kind: this.sampleKind, phone: this.samplePhone })
            });
            this.sampleStatus = result.summary;
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
