/**
 * Reads of the org that someone else paid for (an insight card's read, or a batch's read that
 * ringing calls rode along), kept so that the batch that later logs the call need not read
 * again. A batch uses them only when every item of it has one that still answers its question:
 *
 * - a read taken for a waiting item, at the item's version (nothing of the call changed since);
 * - a read taken while the call rang (its card's), when the batch would ask the same question
 *   (the same number, line country and agent; not yet logged) and nobody worked the call: it
 *   was never answered, so no agent had it open to create or edit records meanwhile.
 *
 * Either way the read is at most `reuseMs` old (the longest an item may wait for its batch, so a
 * batch read that late is already allowed), and no write of this process for the same number
 * has started since it was taken (a record created since is seen by the next read, not missed).
 * Kept in this process: another instance reads for itself.
 *
 * A batch that kept reads answer only in part need not read for the rest: the items they do not
 * answer, while their own batch window has time left, are put back to wait (`deferrable`), and
 * the batch goes on kept reads alone. A card read while they wait covers them too; if none comes,
 * they go with their own window's batch, as they would have had they arrived a little later.
 */
import type { BatchSnapshot, SnapshotSubject } from './snapshots';

interface Kept {
  readonly snapshot: BatchSnapshot;
  /** When the read was sent: anything written after may be missing from it. */
  readonly at: number;
  /** A waiting item's version, or null for a ringing call's read. */
  readonly version: number | null;
  readonly question: string;
}

/** What a read answered for a subject: the number it searched, with its hint, and the agent. */
function question(s: SnapshotSubject): string {
  const c = s.classified;
  return JSON.stringify([c.otherParty.e164, c.line.country, c.agent?.email ?? null, s.placement !== null]);
}

export interface KeptItem {
  readonly key: string;
  readonly version: number;
  readonly subject: SnapshotSubject;
}

export class KeptReads {
  private readonly byKey = new Map<string, Kept>();
  /** Per number: when this process last started a write for it. */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly reuseMs: () => number,
    private readonly now: () => number = Date.now
  ) {}

  /** A read sent at `at` that covered these waiting items, at their versions. */
  keepWaiting(items: readonly KeptItem[], snapshot: BatchSnapshot, at: number): void {
    this.prune();
    for (const i of items) this.byKey.set(i.key, { snapshot, at, version: i.version, question: question(i.subject) });
  }

  /** A read sent at `at` that covered these ringing calls (keyed by their Aircall id, as the inbox). */
  keepRinging(subjects: readonly SnapshotSubject[], snapshot: BatchSnapshot, at: number): void {
    this.prune();
    for (const s of subjects) {
      if (s.classified.kind !== 'call' || s.placement !== null) continue;
      const key = s.classified.externalId;
      // A newer read for a waiting item at its version says more than a ringing call's.
      if (this.byKey.get(key)?.version != null) continue;
      this.byKey.set(key, { snapshot, at, version: null, question: question(s) });
    }
  }

  /** A write for these numbers starts now: reads sent before it no longer serve them. */
  writing(numbers: readonly string[]): void {
    const at = this.now();
    for (const n of numbers) if (n) this.written.set(n, at);
  }

  /**
   * The items of a claimed batch to put back to wait, by key: those no kept read answers whose
   * own wait lasts past `horizon` (`waitsUntil`), when kept reads answer every other item.
   * Empty when the batch must read anyway (an item no kept read answers has no time left) or no
   * kept read answers any item (a read of its own answers them all, nothing is gained by waiting).
   */
  deferrable(items: readonly (KeptItem & { readonly waitsUntil: number })[], horizon: number): string[] {
    const at = this.now();
    const answered = items.map((i) => this.fits(this.byKey.get(i.key), i, at));
    if (!answered.includes(true) || !answered.includes(false)) return [];
    if (items.some((i, n) => !answered[n] && i.waitsUntil <= horizon)) return [];
    return items.filter((_, n) => !answered[n]).map((i) => i.key);
  }

  /** Whether a kept read answers an item now (the rules in the header). */
  private fits(k: Kept | undefined, i: KeptItem, now: number): k is Kept {
    if (!k || now - k.at > this.reuseMs() || k.question !== question(i.subject)) return false;
    const e164 = i.subject.classified.otherParty.e164;
    if (e164 && (this.written.get(e164) ?? -Infinity) >= k.at) return false;
    if (k.version !== null) return k.version === i.version;
    const c = i.subject.classified;
    return c.kind === 'call' && c.answeredAt === null && i.subject.placement === null;
  }

  /**
   * The reads that answer every item of a batch, as one snapshot, and whether a ringing call's
   * read is among them; else null (the batch reads for itself).
   */
  take(items: readonly KeptItem[]): { snapshot: BatchSnapshot; ringing: boolean } | null {
    const now = this.now();
    const kept = items.map((i) => this.byKey.get(i.key));
    for (const i of items) this.byKey.delete(i.key);
    if (items.length === 0 || !items.every((i, n) => this.fits(kept[n], i, now))) return null;
    const reads = kept as Kept[];
    const ringing = reads.some((r) => r.version === null);
    const newest = reads.reduce((a, b) => (b.at > a.at ? b : a)).snapshot;
    if (reads.every((r) => r.snapshot === newest)) return { snapshot: newest, ringing };
    const byId = new Map(items.map((i, n) => [i.subject.classified.externalId, reads[n]!.snapshot]));
    return {
      ringing,
      snapshot: {
        settings: newest.settings,
        details: newest.details,
        snapshotFor: (s) => (byId.get(s.classified.externalId) ?? newest).snapshotFor(s),
        taskFor: (externalId) => (byId.get(externalId) ?? newest).taskFor(externalId)
      }
    };
  }

  private prune(): void {
    const oldest = this.now() - this.reuseMs();
    for (const [key, k] of this.byKey) if (k.at < oldest) this.byKey.delete(key);
    for (const [n, at] of this.written) if (at < oldest) this.written.delete(n);
  }
}
