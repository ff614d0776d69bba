/**
 * Injected Salesforce failures for reliability tests (`--faults`):
 * `rate=0.2,kinds=REQUEST_LIMIT_EXCEEDED+UNABLE_TO_LOCK_ROW+503+INVALID_SESSION_ID+slow,slowMs=1500,seed=7`.
 */
export const FAULT_KINDS = [
  'REQUEST_LIMIT_EXCEEDED',
  'UNABLE_TO_LOCK_ROW',
  '503',
  'INVALID_SESSION_ID',
  'slow'
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  readonly rate: number;
  readonly kinds: readonly FaultKind[];
  readonly slowMs: number;
  readonly seed: number;
}

export function parseFaults(text: string): FaultSpec {
  const spec: { rate: number; kinds: FaultKind[]; slowMs: number; seed: number } = {
    rate: 0,
    kinds: [...FAULT_KINDS],
    slowMs: 1000,
    seed: 1
  };
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [key, value = ''] = part.split('=');
    if (key === 'rate') {
      const rate = Number(value);
      if (!(rate >= 0 && rate <= 1)) throw new Error(`--faults: rate must be between 0 and 1, got "${value}"`);
      spec.rate = rate;
    } else if (key === 'kinds') {
      const kinds = value.split('+').filter(Boolean);
      for (const k of kinds) {
        if (!(FAULT_KINDS as readonly string[]).includes(k)) {
          throw new Error(`--faults: unknown kind "${k}"; known kinds: ${FAULT_KINDS.join(', ')}`);
        }
      }
      spec.kinds = kinds as FaultKind[];
    } else if (key === 'slowMs') {
      spec.slowMs = Number(value);
    } else if (key === 'seed') {
      spec.seed = Number(value);
    } else {
      throw new Error(`--faults: unknown key "${key}"; use rate, kinds, slowMs, seed`);
    }
  }
  return spec;
}

/** A small deterministic generator (mulberry32), so a seeded run injects the same faults. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
