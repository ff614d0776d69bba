import { LightningElement, api, wire } from 'lwc';
import getCalls from '@salesforce/apex/AircallCallsController.getCalls';
import getGuidance from '@salesforce/apex/AircallCallsController.getGuidance';
import { PAGE } from 'c/aircallSchema';
import { reduceErrors } from 'c/aircallErrors';
import { toView } from './callFormat';

export default class AircallActivityHelper extends LightningElement {
    @api recordId;
    /** Set in the Lightning App Builder when the page has no Activities component (R13). */
    @api pageLacksActivities = false;

    calls = [];
    loading = false;
    errors = [];
    hasMore = false;
    nextOffset = 0;
    openTraces = new Set();
    guidanceRequested = false;
    guidanceDismissed = false;
    guidance;

    @wire(getGuidance, { recordId: '$recordId' })
    wiredGuidance({ data }) {
        // Guidance is optional help: when it cannot be loaded, the helper still lists the calls.
        this.guidance = data;
    }

    connectedCallback() {
        this.reload();
    }

    async reload() {
        this.calls = [];
        this.nextOffset = 0;
        await this.loadPage();
    }

    async loadPage() {
        if (!this.recordId) return;
        this.loading = true;
        this.errors = [];
        try {
            const page = await getCalls({
                recordId: this.recordId,
                pageSize: PAGE.defaultSize,
                offset: this.nextOffset
            });
            this.calls = [...this.calls, ...page.calls];
            this.hasMore = page.hasMore;
            this.nextOffset = page.nextOffset;
        } catch (error) {
            this.errors = reduceErrors(error);
        } finally {
            this.loading = false;
        }
    }

    get rows() {
        return this.calls.map((call) => {
            const view = toView(call);
            const traceOpen = this.openTraces.has(call.id);
            const traceButtonLabel = traceOpen ? 'Hide trace' : 'Show trace';
            return {
                ...view,
                traceOpen,
                traceButtonLabel,
                traceExpanded: String(traceOpen),
                // Every call has these links and buttons: their accessible names say which call.
                traceButtonName: `${traceButtonLabel} of ${view.subject}`,
                recordingName: `Listen to the recording of ${view.subject}`,
                hasTrace: view.traceLines.length > 0
            };
        });
    }
    get hasCalls() {
        return this.calls.length > 0;
    }
    get isEmpty() {
        return !this.loading && this.errors.length === 0 && this.calls.length === 0;
    }
    get hasErrors() {
        return this.errors.length > 0;
    }
    get showLoadMore() {
        return this.hasMore && !this.loading;
    }
    get canSeeGuidance() {
        return Boolean(this.guidance && this.guidance.canSeeGuidance);
    }
    get showGuidance() {
        return this.canSeeGuidance && (this.guidanceRequested || (this.pageLacksActivities && !this.guidanceDismissed));
    }
    get guidanceExpanded() {
        return String(this.showGuidance);
    }
    get guidanceButtonLabel() {
        return this.showGuidance ? 'Hide setup help' : 'How to show calls in the Activity tab';
    }
    get guidanceSteps() {
        return this.guidance.steps.map((text, index) => ({ key: `step-${index}`, text }));
    }
    get guidanceTitle() {
        const label = this.guidance.objectLabel;
        return `Add the Activities component to the ${label ? `${label} ` : ''}record page`;
    }

    handleLoadMore() {
        this.loadPage();
    }
    handleRefresh() {
        this.reload();
    }
    handleToggleTrace(event) {
        const id = event.target.dataset.id;
        const open = new Set(this.openTraces);
        if (open.has(id)) open.delete(id);
        else open.add(id);
        this.openTraces = open;
    }
    handleToggleGuidance() {
        const open = !this.showGuidance;
        this.guidanceRequested = open;
        this.guidanceDismissed = !open;
    }
}
