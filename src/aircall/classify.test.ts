import { AGENT, callData, messageData, T0 } from '../../test/fixtures/aircall-builders';
import { classifyCall, classifyMessage } from './classify';
import { parseCall, parseMessage } from './schemas';

const classify = (patch: Record<string, unknown> = {}, options = {}) =>
  classifyCall(parseCall(callData(patch)), options);

describe('classifying calls (R1)', () => {
  it.each([
    ['outbound answered', { direction: 'outbound', answered_at: T0 + 5 }, {}, 'outbound_answered'],
    ['outbound unanswered', { direction: 'outbound', answered_at: null }, {}, 'outbound_unanswered'],
    ['inbound answered', { direction: 'inbound', answered_at: T0 + 5 }, {}, 'inbound_answered'],
    ['missed', { answered_at: null, user: null, missed_call_reason: 'agents_did_not_answer' }, {}, 'missed'],
    ['voicemail by URL', { answered_at: null, voicemail: 'https://vm.example/v.mp3' }, {}, 'voicemail'],
    ['voicemail by event', { answered_at: null }, { voicemailLeft: true }, 'voicemail'],
    ['outbound picked up by a voicemail box', { direction: 'outbound', answered_at: T0 + 9 }, {}, 'outbound_answered']
  ])('%s', (_label, patch, options, type) => {
    expect(classify(patch, options).type).toBe(type);
  });

  it('uses answered_at, never status', () => {
    expect(classify({ status: 'answered', answered_at: null }).type).toBe('missed');
  });

  it('marks a live call as not final', () => {
    expect(classify({ ended_at: null, duration: 0 }).final).toBe(false);
    expect(classify().final).toBe(true);
  });

  it('computes wait time: until answered, or the whole duration when unanswered', () => {
    expect(classify().waitSeconds).toBe(12);
    expect(classify({ answered_at: null, duration: 31 }).waitSeconds).toBe(31);
  });

  it('recognises anonymous callers', () => {
    const call = classify({ raw_digits: 'anonymous' });
    expect(call.otherParty).toMatchObject({ anonymous: true, e164: null, internal: false });
  });

  it("recognises a call from one of the company's own Aircall lines", () => {
    const call = classify({ raw_digits: '+33 1 76 00 00 01' }, { ownNumbers: new Set(['+33176000001']) });
    expect(call.otherParty).toMatchObject({ internal: true, e164: '+33176000001' });
    expect(classify().otherParty.internal).toBe(false);
  });

  it('reads national numbers in the Aircall line country', () => {
    expect(classify({ raw_digits: '06 12 34 56 78' }).otherParty.e164).toBe('+33612345678');
  });

  it.each([
    ['out_of_opening_hours', { missed_call_reason: 'out_of_opening_hours', answered_at: null }, true],
    ['always closed line', { number: { name: 'x', availability_status: 'closed' } }, true],
    ['stale number.open is not trusted', { number: { name: 'x', open: false, availability_status: 'custom' } }, false],
    ['open line', {}, false]
  ])('opening: %s', (_label, patch, closed) => {
    expect(classify(patch).opening.closed).toBe(closed);
  });

  it('prefers the lasting asset link over the expiring recording URL', () => {
    expect(
      classify({
        recording: 'https://s3/rec.mp3?X-Amz-Expires=600',
        asset: 'https://assets.aircall.io/calls/1/recording'
      }).recordingUrl
    ).toBe('https://assets.aircall.io/calls/1/recording');
    expect(classify({ recording: 'https://s3/rec.mp3' }).recordingUrl).toBe('https://s3/rec.mp3');
  });

  it('keeps comments and tags in Aircall order, agent email lower-cased', () => {
    const call = classify({
      user: { ...AGENT, email: 'Jane.Doe@Example.com' },
      tags: [
        { id: 1, name: 'VIP' },
        { id: 2, name: 'Billing' }
      ],
      comments: [{ id: 9, content: 'Call back Monday', posted_at: T0 + 200, posted_by: AGENT }]
    });
    expect(call.tags).toEqual(['VIP', 'Billing']);
    expect(call.comments).toEqual([{ content: 'Call back Monday', postedAt: (T0 + 200) * 1000, author: 'Jane Doe' }]);
    expect(call.agent?.email).toBe('jane.doe@example.com');
  });
});

describe('classifying messages (R14)', () => {
  it('reads the other party from external_number and the channel', () => {
    const message = classifyMessage(
      parseMessage(messageData({ channel: 'whatsapp', media_details: [{ file_name: 'a.jpg' }] }))
    );
    expect(message).toMatchObject({
      kind: 'message',
      externalId: 'message:abcdSM0001',
      channel: 'whatsapp',
      mediaCount: 1,
      otherParty: { e164: '+33612345678' }
    });
    expect(classifyMessage(parseMessage(messageData())).channel).toBe('sms');
  });
});
