import { LightningElement, api } from 'lwc';
import preview from '@salesforce/apex/AircallServiceController.preview';
import { reduceErrors } from 'c/aircallErrors';

// The changed calls listed here (the service lists up to 200; all are counted).
const LISTED = 20;

/** One row per figure: what the current settings did and what the draft would do. */
export function summaryRows(result) {
    const row = (label, pick) => {
        const current = pick(result.current);
        const draft = pick(result.draft);
        return { label, current, draft, changed: current !== draft };
    };
    const notLogged = (side) => Object.values(side.notLogged).reduce((a, b) => a + b, 0);
    // Every kind of record a side logs on, and every owner, on both sides (0 where one has none).
    const keys = (pick) =>
        [...new Set([...Object.keys(pick(result.current)), ...Object.keys(pick(result.draft))])].sort();
    const onRows = keys((s) => s.on).map((kind) =>
        row(`On ${kind.startsWith('new ') ? 'a ' + kind : 'existing ' + kind + 's'}`, (s) => s.on[kind] || 0)
    );
    const ownerRows = keys((s) => s.owners).map((owner) => row(`Owned by ${owner}`, (s) => s.owners[owner] || 0));
    return [
        row('Logged', (s) => s.logged),
        row('Not logged', notLogged),
        row('Completed', (s) => s.completed),
        row('In progress', (s) => s.inProgress),
        row('Related to a Case', (s) => s.relatedTo.Case),
        row('Related to an Opportunity', (s) => s.relatedTo.Opportunity),
        row('Contacts created', (s) => s.created.Contact),
        row('Leads created', (s) => s.created.Lead),
        row('Accounts created', (s) => s.created.Account),
        row('Cases created', (s) => s.created.Case),
        row('Tasks written', (s) => s.written.Task),
        row('Aircall Call records written', (s) => s.written.CallRecord),
        row('Follow-up Tasks', (s) => s.written.FollowUp),
        ...onRows,
        ...ownerRows
    ];
}

/**
 * Before saving: what the draft settings would have done to the last days' calls, against
 * what the current settings do (the service replays them through the same rules; nothing is
 * written). Part of the Aircall settings panel, which passes the changed fields.
 */
export default class AircallPreview extends LightningElement {
    /** The Aircall_Settings__c fields the panel would save. */
    @api draft = {};
    days = 7;
    busy = false;
    errors = [];
    result = null;

    get hasErrors() {
        return this.errors.length > 0;
    }
    get rows() {
        return this.result ? summaryRows(this.result) : [];
    }
    get changes() {
        return this.result ? this.result.changes.slice(0, LISTED) : [];
    }
    get headline() {
        const r = this.result;
        if (!r) return '';
        const changed = Object.keys(r.changedFields);
        return (
            `${r.calls} calls and messages of the last ${r.days} days, ${r.changedCalls} would change` +
            (changed.length ? ` (${changed.join(', ')})` : ' (the draft changes no setting)') +
            `. The org was read ${r.reads} time${r.reads === 1 ? '' : 's'}; nothing was written.`
        );
    }
    get moreChanges() {
        const r = this.result;
        return r && r.changedCalls > LISTED ? `and ${r.changedCalls - LISTED} more` : '';
    }

    handleDaysChange(event) {
        this.days = Number(event.target.value);
    }

    async handlePreview() {
        this.busy = true;
        this.errors = [];
        try {
            this.result = await preview({ values: { ...this.draft }, days: this.days });
        } catch (error) {
            this.result = null;
            this.errors = reduceErrors(error);
        } finally {
            this.busy = false;
        }
    }
}
