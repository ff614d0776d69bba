import { callData, envelope } from '../../test/fixtures/aircall-builders';
import { parseEnvelope } from '../aircall/schemas';
import { MAX_JSON_DEPTH, nestsDeeperThan, readWebhook } from './webhook';

const nested = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`;

describe('nestsDeeperThan: the depth guard, counted without parsing', () => {
  it.each([
    ['at the limit, arrays', nested(MAX_JSON_DEPTH), false],
    ['one past the limit, arrays', nested(MAX_JSON_DEPTH + 1), true],
    ['one past the limit, objects and arrays mixed', `{"a":${nested(MAX_JSON_DEPTH, '[{"b":', '}]')}}`, true],
    ['many siblings, shallow (more openers than the limit)', `[${Array(500).fill('{"a":[1]}').join(',')}]`, false],
    ['brackets inside strings do not nest', `{"a":"${'['.repeat(1000)}{{{{"}`, false],
    ['an escaped quote keeps the string open', `{"a":"\\"${'['.repeat(200)}"}`, false],
    ['deep after many shallow siblings', `[${Array(100).fill('[]').join(',')},${nested(MAX_JSON_DEPTH)}]`, true]
  ])('%s', (_name, text, deeper) => {
    expect(nestsDeeperThan(text, MAX_JSON_DEPTH)).toBe(deeper);
  });

  it('agrees with JSON.parse on where the depth lies, for random shapes', () => {
    // A reference depth from the parsed value, against the guard, around the limit.
    const depthOf = (v: unknown): number =>
      v && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as Record<string, unknown>).map(depthOf)) : 0;
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let n = 0; n < 200; n += 1) {
      const depth = MAX_JSON_DEPTH - 3 + Math.floor(random() * 6);
      let text = '"x{["';
      for (let d = 0; d < depth; d += 1) text = random() < 0.5 ? `[1,${text},"]"]` : `{"k[":${text},"z":{}}`;
      expect(nestsDeeperThan(text, MAX_JSON_DEPTH)).toBe(depthOf(JSON.parse(text)) > MAX_JSON_DEPTH);
    }
  });
});

describe('readWebhook: the envelope', () => {
  it('keeps the data object as it came (no copy), and refuses data that is no object', () => {
    const body = JSON.stringify({ ...envelope('call.ended', callData({ id: 77 })), token: 't' });
    const outcome = readWebhook(body, ['t']);
    expect(outcome.status).toBe(200);
    expect(outcome.reason === 'accepted' && outcome.incoming.data).toEqual(
      (JSON.parse(body) as { data: unknown }).data
    );
    const sent = JSON.parse(JSON.stringify({ ...envelope('call.ended', callData({ id: 78 })), token: 't' })) as {
      data: Record<string, unknown>;
    };
    expect(parseEnvelope(sent).data).toBe(sent.data);
    for (const data of [[1], null, 'call', 3]) {
      const bad = readWebhook(JSON.stringify({ resource: 'call', event: 'call.ended', token: 't', data }), ['t']);
      expect(bad).toMatchObject({ status: 400, code: 'WEBHOOK_NOT_ENVELOPE' });
      expect(bad.status === 400 && bad.message).toContain(
        `data: Invalid input: expected an object, received ${data === null ? 'null' : Array.isArray(data) ? 'array' : typeof data}`
      );
    }
  });
});
