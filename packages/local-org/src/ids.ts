/**
 * Salesforce record Ids: a 3-character key prefix and 12 more (15, case-sensitive), plus a
 * 3-character checksum that makes the 18-character form case-insensitive
 * (reference/sf-rest-wire.md §4).
 */
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID15 = /^[a-zA-Z0-9]{15}$/;
const ID18 = /^[a-zA-Z0-9]{18}$/;

export function checksum(id15: string): string {
  let out = '';
  for (let block = 0; block < 3; block += 1) {
    let bits = 0;
    for (let i = 0; i < 5; i += 1) {
      const c = id15.charCodeAt(block * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    out += SUFFIX[bits];
  }
  return out;
}

/** The canonical 18-character Id for a 15- or 18-character one; null when it is not an Id. */
export function canonicalId(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (ID15.test(value)) return value + checksum(value);
  if (ID18.test(value)) {
    const base = value.slice(0, 15);
    return value.slice(15).toUpperCase() === checksum(base) ? base + checksum(base) : null;
  }
  return null;
}

export const keyPrefix = (id: string): string => id.slice(0, 3);

/** Mints Ids per key prefix from a counter: prefix, zero padding, base62 counter, checksum. */
export class IdMinter {
  private readonly counters = new Map<string, number>();

  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    let digits = '';
    for (let v = n; v > 0; v = Math.floor(v / 62)) digits = BASE62[v % 62] + digits;
    const id15 = `${prefix}${'0'.repeat(12 - digits.length)}${digits}`;
    return id15 + checksum(id15);
  }

  /** After loading stored records, continue after the highest counter seen. */
  observe(id: string): void {
    const prefix = keyPrefix(id);
    const body = id.slice(3, 15).replace(/^0+/, '');
    let n = 0;
    for (const ch of body) n = n * 62 + BASE62.indexOf(ch);
    if (n > (this.counters.get(prefix) ?? 0)) this.counters.set(prefix, n);
  }
}
