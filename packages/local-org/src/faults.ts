/**
 * Injected Salesforce failures for reliability tests (`--faults`):
 * `rate=0.2,kinds=REQUEST_LIMIT_EXCEEDED+UNABLE_TO_LOCK_ROW+503+INVALID_SESSION_ID+slow,slowMs=1500,seed=7`.
 */
import { SfError } from './errors';

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

/**
 * Fails one request as Salesforce does under load, at the spec's rate: throws the error of
 * a drawn kind, or waits for `slow`. UNABLE_TO_LOCK_ROW is drawn for writes only.
 */
export async function injectFault(spec: FaultSpec | undefined, random: () => number, method: string): Promise<void> {
  if (!spec || spec.rate <= 0 || random() >= spec.rate) return;
  const writes = method !== 'GET';
  const kinds = spec.kinds.filter((k) => k !== 'UNABLE_TO_LOCK_ROW' || writes);
  const kind = kinds[Math.floor(random() * kinds.length)];
  switch (kind) {
    case 'REQUEST_LIMIT_EXCEEDED':
      throw new SfError(403, 'REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded. (injected fault)');
    case 'UNABLE_TO_LOCK_ROW':
      throw new SfError(
        400,
        'UNABLE_TO_LOCK_ROW',
        'unable to obtain exclusive access to this record or 1 records (injected fault)'
      );
    case '503':
      throw new SfError(503, 'SERVER_UNAVAILABLE', 'Service Unavailable (injected fault)');
    case 'INVALID_SESSION_ID':
      throw new SfError(401, 'INVALID_SESSION_ID', 'Session expired or invalid (injected fault)');
    case 'slow':
      await new Promise((resolve) => setTimeout(resolve, spec.slowMs));
      return;
    default:
      return;
  }
}
