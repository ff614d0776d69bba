import {
  actionItemsData,
  sentimentData,
  summaryData,
  topicsData,
  transcriptionData
} from '../../test/fixtures/aircall-ai';
import { readAiEvent, toCallAi, withAiEvent } from './ai';
import type { StoredAi } from './ai';

describe('Aircall AI events (issue #31)', () => {
  it('finds the call under call_id or call.id, and refuses an event that names none', () => {
    expect(readAiEvent('summary.created', summaryData(7))).toEqual({ callId: '7', kind: 'summary' });
    expect(readAiEvent('topics.created', { call: { id: 8 }, content: [] })).toEqual({ callId: '8', kind: 'topics' });
    expect(() => readAiEvent('sentiment.created', { id: 1 })).toThrow(/names no call/);
  });

  it('keeps the latest of each kind, and each action item once (one item or a list per event)', () => {
    let stored: StoredAi = {};
    stored = withAiEvent(stored, 'summary', { call_id: 7, content: 'first' });
    stored = withAiEvent(stored, 'summary', summaryData(7));
    stored = withAiEvent(stored, 'action_items', actionItemsData(7));
    stored = withAiEvent(stored, 'action_items', actionItemsData(7)); // a redelivery
    stored = withAiEvent(stored, 'action_items', { id: 9502, call_id: 7, content: 'Call back on Monday' });
    const ai = toCallAi(stored)!;
    expect(ai.summary).toBe(summaryData(7).content);
    expect(ai.actionItems).toEqual([
      { id: '9501', content: 'Send the quote for 20 seats by Friday' },
      { id: '9502', content: 'Call back on Monday' }
    ]);
  });

  it('reads every documented shape into what the Task says, speaker by speaker', () => {
    let stored: StoredAi = {};
    stored = withAiEvent(stored, 'topics', topicsData(7));
    stored = withAiEvent(stored, 'sentiment', sentimentData(7));
    stored = withAiEvent(stored, 'transcription', transcriptionData(7));
    expect(toCallAi(stored)).toEqual({
      summary: null,
      topics: ['pricing', 'renewal'],
      sentiments: [
        { participant: 'external', value: 'POSITIVE' },
        { participant: 'internal', value: 'NEUTRAL' }
      ],
      actionItems: [],
      transcript: [
        { speaker: 'internal', startSeconds: 0.5, text: 'Hello, Acme support.' },
        { speaker: 'external', startSeconds: 3.4, text: 'I would like a quote for 20 seats.' }
      ],
      language: 'en'
    });
  });

  it('leaves out what it cannot read, and reads nothing from nothing', () => {
    expect(toCallAi({ summary: { content: 42 }, topics: 'x' })).toMatchObject({ summary: null, topics: [] });
    expect(toCallAi(undefined)).toBeNull();
  });
});
