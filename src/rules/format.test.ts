/**
 * The service writes durations into the Task description with formatDuration; the
 * Activity-tab helper shows them with its own copy (an LWC bundle cannot import the
 * TypeScript). This pins the two together: the same text for every duration up to 10 hours.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { formatDuration } from './format';

const HELPER = join(
  __dirname,
  '..',
  '..',
  'force-app',
  'main',
  'default',
  'lwc',
  'aircallActivityHelper',
  'callFormat.js'
);

function helperFormatDuration(): (seconds: number | null) => string {
  const source = readFileSync(HELPER, 'utf8');
  const match = /^export function formatDuration\(seconds\) \{\n[\s\S]*?\n\}$/m.exec(source);
  if (!match) throw new Error(`formatDuration not found in ${HELPER}`);
  return runInNewContext(`(${match[0].replace(/^export /, '')})`) as (seconds: number | null) => string;
}

describe('formatDuration', () => {
  const helper = helperFormatDuration();

  it('reads the same in the Task description and in the helper, second by second up to 10 h', () => {
    const differing: number[] = [];
    for (let s = 0; s <= 36_000; s += 1) if (helper(s) !== formatDuration(s)) differing.push(s);
    expect(differing).toEqual([]);
  });

  it.each([
    [0, '0 s'],
    [59, '59 s'],
    [60, '1 min'],
    [105, '1 min 45 s'],
    [3725, '1 h 2 min 5 s']
  ])('%i s reads "%s"', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
