import { createElement } from 'lwc';
import AircallActivityHelper from 'c/aircallActivityHelper';
import getCalls from '@salesforce/apex/AircallCallsController.getCalls';
import getGuidance from '@salesforce/apex/AircallCallsController.getGuidance';

jest.mock('@salesforce/apex/AircallCallsController.getCalls', () => ({ default: jest.fn() }), { virtual: true });
jest.mock(
    '@salesforce/apex/AircallCallsController.getGuidance',
    () => {
        const { createApexTestWireAdapter } = require('@salesforce/sfdx-lwc-jest');
        return { default: createApexTestWireAdapter(jest.fn()) };
    },
    { virtual: true }
);

const PAGE = require('./data/calls.json');
const RECORD_ID = '003000000000001AAA';
const ADMIN_GUIDANCE = {
    canSeeGuidance: true,
    objectLabel: 'Contact',
    steps: ['Open a record of this object in Lightning Experience.', 'Click Save, then Activate.']
};

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function mount({ page = PAGE, props = {} } = {}) {
    if (page) getCalls.mockResolvedValueOnce(JSON.parse(JSON.stringify(page)));
    const element = createElement('c-aircall-activity-helper', { is: AircallActivityHelper });
    element.recordId = RECORD_ID;
    Object.assign(element, props);
    document.body.appendChild(element);
    await flush();
    const $ = (selector) => element.shadowRoot.querySelector(selector);
    const $$ = (selector) => [...element.shadowRoot.querySelectorAll(selector)];
    return { element, $, $$ };
}

describe('c-aircall-activity-helper', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
        jest.clearAllMocks();
    });

    it('lists the record calls and messages with their facts', async () => {
        const { $$ } = await mount();
        expect(getCalls).toHaveBeenCalledWith({ recordId: RECORD_ID, pageSize: 10, offset: 0 });
        const items = $$('li.call');
        expect(items).toHaveLength(3);
        const first = items[0];
        expect(first.querySelector('.subject').textContent).toBe('Inbound call from +33 6 12 34 56 78');
        expect(first.querySelector('lightning-badge.type').label).toBe('Inbound answered');
        expect(first.querySelector('.date').textContent).toBe('2026-11-20');
        expect(first.querySelector('.duration').textContent).toBe('1 min 45 s');
        expect(first.querySelector('.wait').textContent).toBe('12 s');
        expect(first.querySelector('.owner').textContent).toBe('Jane Doe');
        expect(first.querySelector('.tags').textContent).toBe('VIP, Billing');
        expect(first.querySelector('.comment').textContent).toBe('Jane Doe: Wants a quote');
        expect(first.querySelector('a.recording').href).toBe('https://assets.aircall.io/calls/1234567/recording');
        expect(first.querySelector('a.recording').getAttribute('aria-label')).toBe(
            `Listen to the recording of ${first.querySelector('.subject').textContent}`
        );
        expect(items[1].querySelector('lightning-badge.status').label).toBe('In Progress');
        expect(items[2].querySelector('lightning-icon').iconName).toBe('utility:sms');
        expect(items[2].querySelector('.duration')).toBeNull();
    });

    it('shows what Aircall AI said of a call: summary, topics, sentiment and action items', async () => {
        const page = JSON.parse(JSON.stringify(PAGE));
        page.calls[0].description +=
            '\nAircall AI summary: A quote for 20 seats.\nTopics: pricing, renewal\nSentiment: external positive, internal neutral\nAction items:\n- Send the quote by Friday\n- Book a demo';
        const { $$ } = await mount({ page });
        const [first, second] = $$('li.call');
        expect(first.querySelector('.ai-summary').textContent).toBe('A quote for 20 seats.');
        expect(first.querySelector('.ai-topics').textContent).toBe('pricing, renewal');
        expect(first.querySelector('.ai-sentiment').textContent).toBe('external positive, internal neutral');
        expect([...first.querySelectorAll('.ai-actions li')].map((li) => li.textContent)).toEqual([
            'Send the quote by Friday',
            'Book a demo'
        ]);
        expect(first.querySelector('.comment').textContent).toBe('Jane Doe: Wants a quote');
        expect(second.querySelector('.ai')).toBeNull();
    });

    it('shows the trace on demand', async () => {
        const { $$ } = await mount();
        const first = $$('li.call')[0];
        expect(first.querySelector('.trace')).toBeNull();
        first.querySelector('lightning-button.trace-toggle').click();
        await flush();
        const lines = [...first.querySelectorAll('.trace li')].map((li) => li.textContent);
        expect(lines).toEqual([
            'R1 inbound answered call: the workflow says Completed',
            'R4 the number matches Contact 003000000000001AAA'
        ]);
        expect(first.querySelector('lightning-button.trace-toggle').label).toBe('Hide trace');
        expect(first.querySelector('lightning-button.trace-toggle').ariaExpanded).toBe('true');
        expect(first.querySelector('lightning-button.trace-toggle').ariaLabel).toBe(
            `Hide trace of ${first.querySelector('.subject').textContent}`
        );
        first.querySelector('lightning-button.trace-toggle').click();
        await flush();
        expect(first.querySelector('.trace')).toBeNull();
        expect($$('li.call')[2].querySelector('lightning-button.trace-toggle')).toBeNull();
    });

    it('says so when the record has no call', async () => {
        const { $ } = await mount({ page: { calls: [], hasMore: false, nextOffset: 0 } });
        expect($('.empty').textContent).toContain('No Aircall call or message');
        expect($('ul.calls')).toBeNull();
    });

    it('shows a spinner while loading', async () => {
        let resolve;
        getCalls.mockReturnValueOnce(new Promise((r) => (resolve = r)));
        const { $ } = await mount({ page: null });
        expect($('lightning-spinner')).not.toBeNull();
        expect($('.empty')).toBeNull();
        resolve(PAGE);
        await flush();
        expect($('lightning-spinner')).toBeNull();
    });

    it('shows the error when the calls cannot be loaded', async () => {
        getCalls.mockRejectedValueOnce({ body: { message: 'You lack access to part of the Aircall data' } });
        const { $ } = await mount({ page: null });
        expect($('.load-error').textContent).toContain('You lack access to part of the Aircall data');
        expect($('.empty')).toBeNull();
    });

    it('loads more with the next offset and appends', async () => {
        const { $, $$ } = await mount({
            page: { ...PAGE, calls: PAGE.calls.slice(0, 2), hasMore: true, nextOffset: 2 }
        });
        expect($$('li.call')).toHaveLength(2);
        getCalls.mockResolvedValueOnce({ calls: PAGE.calls.slice(2), hasMore: false, nextOffset: 3 });
        $('lightning-button.load-more').click();
        await flush();
        expect(getCalls).toHaveBeenLastCalledWith({ recordId: RECORD_ID, pageSize: 10, offset: 2 });
        expect($$('li.call')).toHaveLength(3);
        expect($('lightning-button.load-more')).toBeNull();
    });

    it('refreshes from the first page', async () => {
        const { $, $$ } = await mount();
        getCalls.mockResolvedValueOnce({ calls: PAGE.calls.slice(0, 1), hasMore: false, nextOffset: 1 });
        $('lightning-button-icon.refresh').click();
        await flush();
        expect(getCalls).toHaveBeenLastCalledWith({ recordId: RECORD_ID, pageSize: 10, offset: 0 });
        expect($$('li.call')).toHaveLength(1);
    });

    it('shows admins the R13 steps when asked', async () => {
        const { $, $$ } = await mount();
        getGuidance.emit(ADMIN_GUIDANCE);
        await flush();
        expect($('.guidance')).toBeNull();
        // The button says what it opens: the steps, not the calls.
        expect($('lightning-button.guidance-toggle').label).toBe('How to show calls in the Activity tab');
        $('lightning-button.guidance-toggle').click();
        await flush();
        expect($('lightning-button.guidance-toggle').label).toBe('Hide setup help');
        expect($('lightning-button.guidance-toggle').ariaExpanded).toBe('true');
        expect($('.guidance h2').textContent).toBe('Add the Activities component to the Contact record page');
        expect($$('.guidance li').map((li) => li.textContent)).toEqual(ADMIN_GUIDANCE.steps);
        $('lightning-button.guidance-toggle').click();
        await flush();
        expect($('.guidance')).toBeNull();
    });

    it('shows admins the steps at once when the page has no Activities component', async () => {
        const { $ } = await mount({ props: { pageLacksActivities: true } });
        getGuidance.emit(ADMIN_GUIDANCE);
        await flush();
        expect($('.guidance')).not.toBeNull();
        $('lightning-button.guidance-toggle').click();
        await flush();
        expect($('.guidance')).toBeNull();
    });

    it('never shows the steps to users who are not Aircall admins', async () => {
        const { $ } = await mount({ props: { pageLacksActivities: true } });
        getGuidance.emit({ canSeeGuidance: false, objectLabel: 'Contact', steps: [] });
        await flush();
        expect($('.guidance')).toBeNull();
        expect($('lightning-button.guidance-toggle')).toBeNull();
        expect(getGuidance.getLastConfig()).toEqual({ recordId: RECORD_ID });
    });
});
