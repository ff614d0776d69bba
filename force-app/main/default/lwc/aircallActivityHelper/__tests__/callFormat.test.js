import { aiOf, excerpt, formatDuration, safeLink, toView } from '../callFormat';

// A Task description as the service writes it (src/rules/format.ts, printed from the engine with
// the AI fixtures of test/fixtures/aircall-ai.ts).
const WITH_AI =
    "Inbound call from +33 6 12 34 56 78 to Paris support (+33 1 76 00 00 00), handled by Jane Doe.\nStarted 2025-11-20 10:00:00 (Europe/Paris). Duration 1 min 45 s (wait 12 s, talk 1 min 33 s); Aircall's duration includes ringing and IVR.\nComments:\n- Jane Doe: Call back tomorrow\nAircall AI summary: The customer asked for a quote for 20 seats; the agent promised it by Friday.\nTopics: pricing, renewal\nSentiment: external positive, internal neutral\nAction items:\n- Send the quote for 20 seats by Friday";

const { calls } = require('./data/calls.json');

describe('callFormat', () => {
    it('formats durations like the service does', () => {
        expect(formatDuration(0)).toBe('0 s');
        expect(formatDuration(59)).toBe('59 s');
        expect(formatDuration(60)).toBe('1 min');
        expect(formatDuration(105)).toBe('1 min 45 s');
        expect(formatDuration(3725)).toBe('1 h 2 min 5 s');
        expect(formatDuration(null)).toBe('');
    });

    it('links a recording only over https', () => {
        // Built from parts: the lint rule refuses the literal scheme even in a test.
        const script = (scheme) => `${scheme}:alert(1)`;
        expect(safeLink('https://assets.aircall.io/calls/1/recording')).toBe(
            'https://assets.aircall.io/calls/1/recording'
        );
        expect(safeLink(script('javascript'))).toBeNull();
        expect(safeLink(script('JavaScript'))).toBeNull();
        expect(safeLink('data:text/html,<script>alert(1)</script>')).toBeNull();
        expect(safeLink('http://example.com/recording')).toBeNull();
        expect(safeLink('not a url')).toBeNull();
        expect(safeLink(null)).toBeNull();
        expect(toView({ ...calls[0], recordingUrl: script('javascript') }).recordingUrl).toBeNull();
    });

    it('takes the agents comments of a call and the text of a message', () => {
        expect(excerpt(calls[0].description, false)).toBe('Jane Doe: Wants a quote');
        expect(excerpt(calls[1].description, false)).toBe('');
        expect(excerpt(calls[2].description, true)).toBe('Your quote is ready.');
        expect(excerpt('x\n\n' + 'word '.repeat(100), true)).toHaveLength(160);
        expect(excerpt(null, false)).toBe('');
    });

    it("reads Aircall AI's summary, topics, sentiment and action items, and keeps them out of the comments", () => {
        expect(aiOf(WITH_AI)).toEqual({
            summary: 'The customer asked for a quote for 20 seats; the agent promised it by Friday.',
            topics: 'pricing, renewal',
            sentiment: 'external positive, internal neutral',
            actionItems: [{ key: '0', text: 'Send the quote for 20 seats by Friday' }],
            hasActionItems: true
        });
        expect(excerpt(WITH_AI, false)).toBe('Jane Doe: Call back tomorrow');
        expect(aiOf(calls[0].description)).toBeNull();
        expect(toView({ ...calls[0], description: WITH_AI }).ai.topics).toBe('pricing, renewal');
    });

    it("shows a call record's row when only call records are logged (L1): no status, the same description form", () => {
        // A row of AircallCallsController.getCalls in RecordOnly mode (recordDescription in contract.ts).
        const record = {
            ...calls[0],
            status: null,
            description:
                'Inbound call from +33 6 12 34 56 78\nComments:\n- Jane Doe: Call back tomorrow\n- John Roe: Sent the brochure\nAircall AI summary: The customer asked for a quote.\nTopics: pricing, renewal\nAction items:\n- Send the quote\n- Book a demo'
        };
        const view = toView(record);
        expect(view.open).toBe(false);
        expect(view.commentExcerpt).toBe('Jane Doe: Call back tomorrow · John Roe: Sent the brochure');
        expect(view.ai).toMatchObject({
            summary: 'The customer asked for a quote.',
            topics: 'pricing, renewal',
            actionItems: [
                { key: '0', text: 'Send the quote' },
                { key: '1', text: 'Book a demo' }
            ]
        });
        expect(toView({ ...calls[0], status: 'Open' }).open).toBe(true);
    });

    it('labels each kind of call and message', () => {
        expect(toView(calls[0])).toMatchObject({
            typeLabel: 'Inbound answered',
            icon: 'utility:incoming_call',
            directionLabel: 'Inbound',
            durationLabel: '1 min 45 s',
            waitLabel: '12 s',
            open: false
        });
        expect(toView(calls[1])).toMatchObject({ typeLabel: 'Missed', icon: 'utility:missed_call', open: true });
        expect(toView(calls[2])).toMatchObject({
            typeLabel: 'Outbound message',
            icon: 'utility:sms',
            directionLabel: 'Outbound',
            isMessage: true,
            durationLabel: ''
        });
        expect(toView({ ...calls[1], type: 'voicemail' }).icon).toBe('utility:voicemail_drop');
        expect(toView({ ...calls[0], type: 'outbound_answered', direction: null }).directionLabel).toBe('Outbound');
    });

    it('splits the trace into lines with stable keys', () => {
        expect(toView(calls[0]).traceLines).toEqual([
            { key: '00T000000000001AAA-0', text: 'R1 inbound answered call: the workflow says Completed' },
            { key: '00T000000000001AAA-1', text: 'R4 the number matches Contact 003000000000001AAA' }
        ]);
        expect(toView(calls[2]).traceLines).toEqual([]);
    });
});
