/** Seeded mutations of real payloads, for the fuzz tests of the boundary and of the engine. */
import { randomSource } from '@aircall-sf/local-org';

type Json = Record<string, unknown>;

/** The same seed, the same run (the local org's generator for its seeded faults). */
export const random = randomSource;

export const ODD_VALUES: unknown[] = [
  null,
  {},
  [],
  '',
  'x',
  0,
  -1,
  1e16,
  1.5,
  true,
  'anonymous',
  '\ud800',
  'x'.repeat(5000),
  '2026-13-45T99:99:99Z',
  { nested: { deeper: [1, { a: null }] } },
  [null, {}, 'a'],
  'Europe/Nowhere',
  '+33 6 12 34 56 78',
  Number.MAX_SAFE_INTEGER
];

export function mutate(value: unknown, rand: () => number, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 4) {
    return rand() < 0.5 ? ODD_VALUES[Math.floor(rand() * ODD_VALUES.length)] : value;
  }
  if (Array.isArray(value)) {
    if (value.length === 0 || rand() < 0.2) return ODD_VALUES[Math.floor(rand() * ODD_VALUES.length)];
    const i = Math.floor(rand() * value.length);
    return (value as unknown[]).map((v, j) => (j === i ? mutate(v, rand, depth + 1) : v));
  }
  const entries = Object.entries(value as Json);
  const copy: Json = { ...(value as Json) };
  const roll = rand();
  if (entries.length === 0 || roll < 0.1) copy[`unknown_${Math.floor(rand() * 100)}`] = ODD_VALUES[0];
  else {
    const [key, v] = entries[Math.floor(rand() * entries.length)]!;
    if (roll < 0.3) delete copy[key];
    else copy[key] = mutate(v, rand, depth + 1);
  }
  return copy;
}
