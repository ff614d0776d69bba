import { LightningElement } from 'lwc';
import getStatus from '@salesforce/apex/AircallServiceController.getStatus';
import startHealth from '@salesforce/apex/AircallServiceController.startHealth';
import getHealth from '@salesforce/apex/AircallServiceController.getHealth';
import { reduceErrors } from 'c/aircallErrors';

// How often a running health check is asked how far it is.
const POLL_MS = 2000;

/**
 * What the Aircall service says of the org (issue #33): its share of the org's daily API
 * requests, and phone-data health (why numbers will not match), run on demand; a large org
 * takes minutes, so the run is polled. Part of the Aircall settings panel.
 */
export default class AircallServiceHealth extends LightningElement {
    share = null;
    country = '';
    run = null;
    errors = [];
    timer = null;

    connectedCallback() {
        this.loadStatus();
    }

    disconnectedCallback() {
        clearTimeout(this.timer);
    }

    async loadStatus() {
        try {
            this.share = (await getStatus()).apiShare;
        } catch (error) {
            this.errors = reduceErrors(error);
        }
    }

    get hasErrors() {
        return this.errors.length > 0;
    }
    get shareLine() {
        const s = this.share;
        if (!s) return '';
        const cap = s.cap === null || s.cap === undefined ? 'no cap' : `a share of ${s.cap}`;
        return `This service used ${s.used24h} Salesforce API requests in the last 24 hours (${cap}).`;
    }
    get shareWarning() {
        return this.share && this.share.reason ? this.share.reason : '';
    }
    get running() {
        return this.run !== null && this.run.state === 'running';
    }
    get progress() {
        const p = this.run && this.run.progress;
        return p ? `Reading the org: ${p.requests} of about ${p.of} requests.` : 'Starting…';
    }
    get report() {
        return this.run && this.run.state === 'done' ? this.run.report : null;
    }
    get failure() {
        return this.run && this.run.state === 'failed' ? this.run.error : '';
    }
    get findings() {
        const r = this.report;
        if (!r) return [];
        const p = r.phones;
        const unreadableFields = r.unreadablePhoneFields;
        return [
            {
                key: 'unreadable',
                text: `${p.unreadable.count} phone values no country reads as a number: calls from them are never matched.`,
                items: p.unreadable.examples.map((u) => `${u.object} ${u.id} ${u.field}: "${u.value}"`)
            },
            {
                key: 'shared',
                text: `${p.shared.count} numbers held by several records: each call is logged on one.`,
                items: p.shared.examples.map(
                    (s) =>
                        `${s.e164}: ${s.holders} records, ${s.winner ? `${s.winner.kind} ${s.winner.id} wins` : 'none is matched'}. ${s.why}`
                )
            },
            {
                key: 'fields',
                text:
                    unreadableFields === null
                        ? 'The phone fields the integration user cannot read are unknown on the REST read path.'
                        : `${unreadableFields.length} phone fields the integration user cannot read.`,
                items: unreadableFields || []
            },
            {
                key: 'lines',
                text: `${p.companyLines.count} of your Aircall lines are stored on customer records (their calls are internal).`,
                items: p.companyLines.examples.map((u) => `${u.object} ${u.id} ${u.field}: ${u.value}`)
            },
            {
                key: 'agents',
                text:
                    r.agentsWithoutUser === null
                        ? 'Agents with no Salesforce user: unknown (the service has no Aircall API key).'
                        : `${r.agentsWithoutUser.length} Aircall agents have no Salesforce user (their calls go to the integration user).`,
                items: (r.agentsWithoutUser || []).map((a) => `${a.name || a.id} <${a.email || 'no email'}>`)
            },
            {
                key: 'days',
                text: `Last ${r.lastDays.days} days: ${r.lastDays.calls} calls and messages, ${r.lastDays.matched} logged on a match, ${r.lastDays.created} on a new record, ${r.lastDays.failed} failed.`,
                items: Object.entries(r.lastDays.skipped).map(([reason, n]) => `${n} skipped: ${reason}`)
            }
        ];
    }

    handleCountryChange(event) {
        this.country = event.target.value || '';
    }

    async handleCheck() {
        this.errors = [];
        try {
            this.run = await startHealth({ country: this.country.trim() || null });
            this.poll();
        } catch (error) {
            this.errors = reduceErrors(error);
        }
    }

    poll() {
        clearTimeout(this.timer);
        if (!this.running) return;
        // eslint-disable-next-line @lwc/lwc/no-async-operation
        this.timer = setTimeout(async () => {
            try {
                this.run = await getHealth();
                this.poll();
            } catch (error) {
                this.errors = reduceErrors(error);
            }
        }, POLL_MS);
    }
}
