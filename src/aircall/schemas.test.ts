import { AircallSfError } from '../errors';
import { callData, envelope, messageData, T0 } from '../../test/fixtures/aircall-builders';
import { isUsedEvent, parseCall, parseEnvelope, parseMessage } from './schemas';

describe('Aircall payload schemas', () => {
  it('accepts a real-shaped call and keeps unknown fields', () => {
    const call = parseCall(callData({ some_new_field: { x: 1 }, hangup_cause: null }));
    expect(call.id).toBe('1234567');
    expect(call.started_at).toBe(T0 * 1000);
    expect((call as Record<string, unknown>).some_new_field).toEqual({ x: 1 });
  });

  it.each([
    ['unix seconds', T0, T0 * 1000],
    ['unix milliseconds', T0 * 1000, T0 * 1000],
    ['ISO string', '2025-11-20T09:00:00.000Z', Date.parse('2025-11-20T09:00:00.000Z')],
    ['numeric string', String(T0), T0 * 1000]
  ])('reads timestamps as %s', (_label, input, expected) => {
    expect(parseCall(callData({ started_at: input })).started_at).toBe(expected);
  });

  it('keeps unknown enum values where the product does not branch on them', () => {
    const call = parseCall(
      callData({ missed_call_reason: 'abandoned', status: 'brand_new', number: { availability_status: 'weird' } })
    );
    expect(call.missed_call_reason).toBe('abandoned');
    expect(call.status).toBe('brand_new');
  });

  it.each([
    ['direction', { direction: 'sideways' }, 'data.direction'],
    ['id', { id: null }, 'data.id'],
    ['started_at', { started_at: 'yesterday' }, 'data.started_at'],
    ['started_at out of range', { started_at: 1e16 }, 'data.started_at'],
    ['ended_at of another type', { ended_at: { at: 1 } }, 'data.ended_at']
  ])('rejects a call with a bad %s, naming the path', (_label, patch, path) => {
    expect(() => parseCall(callData(patch))).toThrow(AircallSfError);
    try {
      parseCall(callData(patch));
    } catch (error) {
      expect((error as AircallSfError).code).toBe('AIRCALL_PAYLOAD_INVALID');
      expect((error as AircallSfError).message).toContain(path);
    }
  });

  it('reads messages with ms and ISO timestamps and string ids', () => {
    const sent = parseMessage(
      messageData({ direction: 'outbound', created_at: T0 * 1000, user: { id: 1, email: 'a@b.c' } })
    );
    expect(sent.created_at).toBe(T0 * 1000);
    expect(sent.id).toBe('abcdSM0001');
    const received = parseMessage(messageData());
    expect(received.created_at).toBe(Date.parse('2025-11-20T09:00:00.000Z'));
  });

  it('reads what it can of the parts the product can do without', () => {
    const call = parseCall(
      callData({
        raw_digits: 42,
        duration: -3,
        user: {},
        contact: {},
        number: {},
        answered_at: 'soon',
        tags: [{ x: 1 }, { id: 2, name: 'VIP' }]
      })
    );
    expect(call).toMatchObject({
      raw_digits: null,
      duration: null,
      user: null,
      contact: {},
      number: {},
      answered_at: null
    });
    expect(call.tags).toEqual([null, { id: '2', name: 'VIP' }]);
    const message = parseMessage(messageData({ direction: 'sideways', created_at: null }));
    expect(message).toMatchObject({ direction: null, created_at: null });
  });

  it('requires only the shape of an envelope: resource, event and data', () => {
    expect(parseEnvelope(envelope('call.ended', callData())).event).toBe('call.ended');
    const bare = parseEnvelope({ resource: 'call', event: 'ended', data: {} });
    expect([bare.event, bare.timestamp ?? null]).toEqual(['ended', null]);
    expect(() => parseEnvelope({ ...envelope('call.ended', callData()), data: 'x' })).toThrow(/data/);
    expect(() => parseEnvelope({ event: 'call.ended', data: {} })).toThrow(/resource/);
  });

  it('routes only the events the product uses', () => {
    expect(isUsedEvent('call.ended')).toBe(true);
    expect(isUsedEvent('call.commented')).toBe(true);
    expect(isUsedEvent('message.received')).toBe(true);
    expect(isUsedEvent('call.created')).toBe(false);
    expect(isUsedEvent('call.ringing_on_agent')).toBe(false);
    expect(isUsedEvent('message.status_updated')).toBe(false);
  });
});
