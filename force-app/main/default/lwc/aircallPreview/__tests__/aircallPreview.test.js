import { createElement } from 'lwc';
import AircallPreview, { summaryRows } from 'c/aircallPreview';
import preview from '@salesforce/apex/AircallServiceController.preview';

jest.mock('@salesforce/apex/AircallServiceController.preview', () => ({ default: jest.fn() }), { virtual: true });

const side = (patch) => ({
    logged: 5,
    notLogged: {},
    completed: 5,
    inProgress: 0,
    on: { Contact: 2, 'new Contact': 3 },
    relatedTo: { Case: 0, Opportunity: 0 },
    created: { Contact: 2, Lead: 0, Account: 0, Case: 0 },
    owners: { '005000000000001AAA': 5 },
    written: { Task: 5, CallRecord: 5, FollowUp: 0 },
    ...patch
});
// The service's answer (test/service/preview.test.ts makes the same through the real service).
const RESULT = {
    days: 7,
    calls: 5,
    reads: 1,
    distinctNumbers: 4,
    changedFields: { Unknown_Number__c: { current: 'Contact', draft: 'Lead' } },
    current: side({}),
    draft: side({ on: { Contact: 2, 'new Lead': 3 }, created: { Contact: 0, Lead: 2, Account: 0, Case: 0 } }),
    changedCalls: 1,
    changes: [
        {
            key: 'call:1',
            current: 'Completed on a new Contact, owner 005',
            draft: 'Completed on a new Lead, owner 005',
            currentTrace: 'R3: Unknown_Number__c is Contact',
            draftTrace: 'R3: Unknown_Number__c is Lead'
        }
    ]
};

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function mount(draft) {
    const element = createElement('c-aircall-preview', { is: AircallPreview });
    element.draft = draft;
    document.body.appendChild(element);
    await flush();
    return { element, $: (s) => element.shadowRoot.querySelector(s) };
}

describe('c-aircall-preview', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
        jest.clearAllMocks();
    });

    it('sends the unsaved changes and the days, and shows both sides and each changed call', async () => {
        preview.mockResolvedValue(RESULT);
        const { $ } = await mount({ Unknown_Number__c: 'Lead' });
        const days = $('lightning-input.preview-days');
        days.value = '3';
        days.dispatchEvent(new CustomEvent('change'));
        $('lightning-button.preview-run').click();
        await flush();
        expect(preview).toHaveBeenCalledWith({ values: { Unknown_Number__c: 'Lead' }, days: 3 });
        expect($('.preview-headline').textContent).toContain('5 calls and messages of the last 7 days, 1 would change');
        const leads = [...$('table.preview-summary').querySelectorAll('tbody tr')].find((r) =>
            r.textContent.startsWith('Leads created')
        );
        expect([...leads.children].map((c) => c.textContent)).toEqual(['Leads created', '0', '2']);
        expect($('ul.preview-changes').textContent).toContain(
            'call:1: Completed on a new Contact, owner 005 → Completed on a new Lead'
        );
        expect($('ul.preview-changes').textContent).toContain('R3: Unknown_Number__c is Lead');
    });

    it('says what the service refused', async () => {
        preview.mockRejectedValue({ body: { message: 'PANEL_SECRET_INVALID: Send the secret.' } });
        const { $ } = await mount({});
        $('lightning-button.preview-run').click();
        await flush();
        expect($('.preview-errors').textContent).toContain('PANEL_SECRET_INVALID');
        expect($('.preview-headline')).toBeNull();
    });

    it('marks the figures the change moves', () => {
        const rows = summaryRows(RESULT);
        expect(rows.filter((r) => r.changed).map((r) => r.label)).toEqual([
            'Contacts created',
            'Leads created',
            'On a new Contact',
            'On a new Lead'
        ]);
        const existing = rows.find((r) => r.label === 'On existing Contacts');
        expect([existing.current, existing.draft]).toEqual([2, 2]);
        const owner = rows.find((r) => r.label === 'Owned by 005000000000001AAA');
        expect([owner.current, owner.draft]).toEqual([5, 5]);
    });

    it('shows what a change of the logging mode writes (L1)', () => {
        const rows = summaryRows({ ...RESULT, draft: side({ written: { Task: 0, CallRecord: 5, FollowUp: 0 } }) });
        expect(rows.filter((r) => r.changed).map((r) => [r.label, r.current, r.draft])).toEqual([
            ['Tasks written', 5, 0]
        ]);
        expect(rows.find((r) => r.label === 'Aircall Call records written').draft).toBe(5);
    });
});
