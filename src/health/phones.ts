/**
 * The org's phone data as the matching reads it (pure): each stored value read as a number the
 * way the matching does (E.164 by libphonenumber, with the org's default country for national
 * formats). A value no country reads can never match a call; a number several records hold is
 * logged on one of them (R4, R5), said with the engine's own words; a company line stored on a
 * customer record makes that record look like the company.
 */
import { toE164 } from '../aircall/phone';
import { winningRecord } from '../rules/engine';
import type { CandidateRecord, MatchKind } from '../rules/types';

/** Listed in full up to this many; all are counted. */
export const EXAMPLES = 50;

export interface ScannedRecord {
  readonly object: 'Contact' | 'Lead' | 'Account';
  readonly id: string;
  readonly name: string | null;
  readonly lastModifiedDate: string;
  /** Field API name to its stored value (null or blank left out). */
  readonly phones: Readonly<Record<string, string>>;
  readonly isConverted?: boolean;
  readonly isPersonAccount?: boolean;
  readonly accountId?: string | null;
}

export interface UnreadableValue {
  readonly object: string;
  readonly id: string;
  readonly field: string;
  readonly value: string;
}

export interface SharedNumber {
  readonly e164: string;
  readonly holders: number;
  readonly winner: { readonly kind: MatchKind; readonly id: string; readonly name: string | null } | null;
  readonly why: string;
}

export interface PhoneFindings {
  readonly records: number;
  readonly values: number;
  readonly unreadable: { readonly count: number; readonly examples: readonly UnreadableValue[] };
  readonly shared: { readonly count: number; readonly examples: readonly SharedNumber[] };
  readonly companyLines: { readonly count: number; readonly examples: readonly UnreadableValue[] };
}

export class PhoneScan {
  private records = 0;
  private values = 0;
  private unreadableCount = 0;
  private readonly unreadable: UnreadableValue[] = [];
  private companyCount = 0;
  private readonly company: UnreadableValue[] = [];
  /**
   * Per number, the records holding it, each as one compact string (a million numbers fit in a
   * few hundred MB): the first kept alone, a list once a second comes.
   */
  private readonly holders = new Map<string, string | string[]>();

  constructor(
    private readonly defaultCountry: string | null,
    private readonly companyLines: ReadonlySet<string>
  ) {}

  add(record: ScannedRecord): void {
    this.records += 1;
    const candidate = encode(record);
    const seen = new Set<string>();
    for (const [field, value] of Object.entries(record.phones)) {
      if (!value.trim()) continue;
      this.values += 1;
      const e164 = toE164(value, this.defaultCountry);
      const where = { object: record.object, id: record.id, field, value };
      if (!e164) {
        this.unreadableCount += 1;
        if (this.unreadable.length < EXAMPLES) this.unreadable.push(where);
        continue;
      }
      if (this.companyLines.has(e164)) {
        this.companyCount += 1;
        if (this.company.length < EXAMPLES) this.company.push(where);
      }
      if (seen.has(e164)) continue; // two fields of one record with the same number
      seen.add(e164);
      const held = this.holders.get(e164);
      if (!held) this.holders.set(e164, candidate);
      else if (Array.isArray(held)) held.push(candidate);
      else this.holders.set(e164, [held, candidate]);
    }
  }

  findings(): PhoneFindings {
    const shared: SharedNumber[] = [];
    let sharedCount = 0;
    for (const [e164, held] of this.holders) {
      if (!Array.isArray(held)) continue;
      sharedCount += 1;
      if (shared.length >= EXAMPLES) continue;
      const { record, why } = winningRecord(e164, held.map(decode), [this.defaultCountry]);
      shared.push({
        e164,
        holders: held.length,
        winner: record ? { kind: record.kind, id: record.id, name: record.name ?? null } : null,
        why
      });
    }
    return {
      records: this.records,
      values: this.values,
      unreadable: { count: this.unreadableCount, examples: this.unreadable },
      shared: { count: sharedCount, examples: shared },
      companyLines: { count: this.companyCount, examples: this.company }
    };
  }
}

const SEP = '\u0001';

/** A record as the matching needs it, in one string: kind, id, modified, account, name, phones. */
function encode(r: ScannedRecord): string {
  const kind =
    r.object === 'Contact' ? 'C' : r.object === 'Lead' ? (r.isConverted ? 'X' : 'L') : r.isPersonAccount ? 'P' : 'A';
  return [kind, r.id, r.lastModifiedDate, r.accountId ?? '', r.name ?? '', ...Object.values(r.phones)].join(SEP);
}

function decode(text: string): CandidateRecord {
  const [kind, id, lastModifiedDate, accountId, name, ...phones] = text.split(SEP) as [
    string,
    string,
    string,
    string,
    string,
    ...string[]
  ];
  return toCandidate({
    object: kind === 'C' ? 'Contact' : kind === 'L' || kind === 'X' ? 'Lead' : 'Account',
    id,
    name: name || null,
    lastModifiedDate,
    phones: Object.fromEntries(phones.map((p, i) => [String(i), p])),
    isConverted: kind === 'X',
    isPersonAccount: kind === 'P',
    accountId: accountId || null
  });
}

function toCandidate(r: ScannedRecord): CandidateRecord {
  const base = {
    id: r.id,
    name: r.name,
    lastModifiedDate: r.lastModifiedDate,
    phones: Object.values(r.phones)
  };
  if (r.object === 'Contact') return { ...base, kind: 'Contact', accountId: r.accountId ?? null };
  if (r.object === 'Lead') return { ...base, kind: 'Lead', isConverted: r.isConverted === true };
  return r.isPersonAccount
    ? { ...base, kind: 'PersonAccount', accountId: r.id }
    : { ...base, kind: 'Account', accountId: r.id };
}
