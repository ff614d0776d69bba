import { createElement } from 'lwc';
import AircallServiceHealth from 'c/aircallServiceHealth';
import getStatus from '@salesforce/apex/AircallServiceController.getStatus';
import startHealth from '@salesforce/apex/AircallServiceController.startHealth';
import getHealth from '@salesforce/apex/AircallServiceController.getHealth';

jest.mock('@salesforce/apex/AircallServiceController.getStatus', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/AircallServiceController.startHealth', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/AircallServiceController.getHealth', () => ({ default: jest.fn() }), { virtual: true });

const REPORT = {
    defaultCountry: 'FR',
    phones: {
        records: 6,
        values: 7,
        unreadable: {
            count: 1,
            examples: [{ object: 'Contact', id: '003A', field: 'Phone', value: 'call reception' }]
        },
        shared: {
            count: 1,
            examples: [
                {
                    e164: '+33643000001',
                    holders: 2,
                    winner: { kind: 'Contact', id: '003B', name: 'Shared' },
                    why: 'R4: +33643000001 matches 1 Contact, 1 Lead'
                }
            ]
        },
        companyLines: { count: 0, examples: [] }
    },
    unreadablePhoneFields: ['Contact.Support_Phone__c'],
    agentsWithoutUser: null,
    lastDays: { days: 7, calls: 3, matched: 1, created: 1, skipped: { NO_NUMBER: 1 }, failed: 0, waiting: 0 },
    requests: 11
};

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function mount() {
    const element = createElement('c-aircall-service-health', { is: AircallServiceHealth });
    document.body.appendChild(element);
    await flush();
    return { element, $: (s) => element.shadowRoot.querySelector(s) };
}

describe('c-aircall-service-health', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
        jest.clearAllMocks();
        jest.useRealTimers();
    });

    it('shows the API share used, and its warning at the cap', async () => {
        getStatus.mockResolvedValue({
            apiShare: { pressure: 'capped', used24h: 50, cap: 50, reason: 'This service used 50 … its whole share' }
        });
        const { $ } = await mount();
        expect($('.share-line').textContent).toBe(
            'This service used 50 Salesforce API requests in the last 24 hours (a share of 50).'
        );
        expect($('.share-warning').textContent).toContain('whole share');
    });

    it('runs a health check, shows its progress, then the findings', async () => {
        getStatus.mockResolvedValue({ apiShare: { pressure: 'normal', used24h: 3, cap: null, reason: null } });
        startHealth.mockResolvedValue({ state: 'running', progress: { requests: 4, of: 11 }, report: null });
        getHealth.mockResolvedValue({ state: 'done', progress: { requests: 11, of: 11 }, report: REPORT });
        const { $ } = await mount();
        expect($('.share-line').textContent).toContain('(no cap)');
        const country = $('lightning-input.health-country');
        country.value = 'FR';
        country.dispatchEvent(new CustomEvent('change'));
        jest.useFakeTimers();
        $('lightning-button.health-run').click();
        await Promise.resolve();
        await Promise.resolve();
        expect(startHealth).toHaveBeenCalledWith({ country: 'FR' });
        expect($('.health-progress').textContent).toContain('4 of about 11 requests');
        jest.advanceTimersByTime(2000);
        await Promise.resolve();
        await Promise.resolve();
        await Promise.resolve();
        const text = $('ul.health-findings').textContent;
        expect(text).toContain('1 phone values no country reads as a number');
        expect(text).toContain('Contact 003A Phone: "call reception"');
        expect(text).toContain('+33643000001: 2 records, Contact 003B wins');
        expect(text).toContain('Contact.Support_Phone__c');
        expect(text).toContain('1 skipped: NO_NUMBER');
        expect($('.health-progress')).toBeNull();
    });

    it('says what the service refused', async () => {
        getStatus.mockRejectedValue({ body: { message: 'PANEL_SECRET_MISSING: set it' } });
        const { $ } = await mount();
        expect($('.health-errors').textContent).toContain('PANEL_SECRET_MISSING');
    });
});
