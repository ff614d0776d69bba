/**
 * How the events of one call or message fold into one item: the newest snapshot wins (an
 * older one arriving late never overwrites it), a readable snapshot is never replaced by
 * one the product cannot read, a voicemail seen once stays seen, and an item once final
 * stays final. Comments are additive: the item keeps every comment any of its snapshots
 * carried, whatever their order (Aircall's envelope timestamp is in seconds and delivery is
 * unordered, so a `call.ended` without a comment can arrive after a `call.commented` of the
 * same second). Tags come and go by their own events: on a tie of timestamps, the tags of a
 * `call.tagged`/`call.untagged` win over those of another event. The inbox stores events this
 * way, and `explain` folds a file's events with the same function, so the two cannot disagree.
 */
import type { StoredAi } from '../aircall/ai';
import { AI_KEY, toCallAi, withAiEvent } from '../aircall/ai';
import type { CallComment, Classified } from '../aircall/classify';
import type { AircallEvent } from '../aircall/read';

export interface CoalescedItem {
  readonly kind: 'call' | 'message';
  /** The event of the snapshot in `data`. */
  readonly event: string;
  readonly data: Record<string, unknown>;
  readonly classified: Classified | null;
  /** Why `data` cannot be read (`classified` is null then). */
  readonly problem: string | null;
  /** Timestamp of the snapshot in `data`. */
  readonly dataTs: number;
  readonly phone: string | null;
  readonly voicemailLeft: boolean;
  readonly final: boolean;
}

export function coalesce(
  current: CoalescedItem | null,
  event: AircallEvent
): { readonly item: CoalescedItem; readonly changed: boolean } {
  if (event.ai) return withAi(current, event, event.ai);
  const voicemailLeft = event.event === 'call.voicemail_left';
  const snapshot = {
    event: event.event,
    data: event.data,
    classified: event.classified,
    problem: event.problem,
    dataTs: event.timestamp
  };
  if (!current) {
    return {
      item: { kind: event.kind, ...snapshot, phone: event.phone, voicemailLeft, final: event.final },
      changed: true
    };
  }
  const replaces = current.classified === null ? true : event.classified !== null && event.timestamp >= current.dataTs;
  const chosen = replaces ? snapshot : current;
  const other = replaces ? current : snapshot;
  const kept = carryAi(
    current.classified === null || event.classified === null ? chosen : fold(chosen, other),
    current
  );
  const changed =
    JSON.stringify(kept.data) !== JSON.stringify(current.data) || (voicemailLeft && !current.voicemailLeft);
  return {
    item: {
      kind: current.kind,
      event: kept.event,
      data: kept.data,
      classified: kept.classified,
      problem: kept.problem,
      dataTs: replaces ? Math.max(event.timestamp, current.dataTs) : current.dataTs,
      phone: event.phone ?? current.phone,
      voicemailLeft: current.voicemailLeft || voicemailLeft,
      final: current.final || event.final
    },
    changed
  };
}

/**
 * An Aircall AI event (ai.ts): it adds to what the item knows of Aircall AI and leaves the call's
 * data as it is. Before any event of the call itself, the item waits (not final) for them.
 */
function withAi(
  current: CoalescedItem | null,
  event: AircallEvent,
  kind: NonNullable<AircallEvent['ai']>
): { readonly item: CoalescedItem; readonly changed: boolean } {
  const base: CoalescedItem = current ?? {
    kind: 'call',
    event: event.event,
    data: {},
    classified: null,
    problem: 'Only Aircall AI has come for this call yet: it is logged once its call events come.',
    dataTs: 0,
    phone: null,
    voicemailLeft: false,
    final: false
  };
  const stored = withAiEvent(base.data[AI_KEY] as StoredAi | undefined, kind, event.data);
  const data = { ...base.data, [AI_KEY]: stored };
  const classified = base.classified?.kind === 'call' ? { ...base.classified, ai: toCallAi(stored) } : base.classified;
  return {
    item: { ...base, data, classified },
    changed: current === null || JSON.stringify(data) !== JSON.stringify(base.data)
  };
}

/** A newer snapshot of the call keeps what Aircall AI said before it (its data never carries it). */
function carryAi(kept: Snapshot, current: CoalescedItem): Snapshot {
  const stored = current.data[AI_KEY];
  if (stored === undefined || kept.data[AI_KEY] !== undefined) return kept;
  return {
    ...kept,
    data: { ...kept.data, [AI_KEY]: stored },
    classified: kept.classified?.kind === 'call' ? { ...kept.classified, ai: toCallAi(stored) } : kept.classified
  };
}

interface Snapshot {
  readonly event: string;
  readonly data: Record<string, unknown>;
  readonly classified: Classified | null;
  readonly problem: string | null;
  readonly dataTs: number;
}

const TAG_EVENTS = new Set(['call.tagged', 'call.untagged']);
const rawKey = (c: unknown): string => {
  const r = (c ?? {}) as { id?: unknown; content?: unknown; posted_at?: unknown };
  return typeof r.id === 'number' || typeof r.id === 'string' ? `id:${r.id}` : JSON.stringify([r.content, r.posted_at]);
};
const commentKey = (c: CallComment): string => JSON.stringify([c.content, c.postedAt, c.author]);

function union<T>(first: readonly T[], second: readonly T[], key: (v: T) => string): T[] {
  const seen = new Set(first.map(key));
  return [...first, ...second.filter((v) => !seen.has(key(v)))];
}

/** The chosen snapshot with the other's comments added and, on a tie, a tag event's tags. */
function fold(chosen: Snapshot, other: Snapshot): Snapshot {
  const a = chosen.classified;
  const b = other.classified;
  if (a?.kind !== 'call' || b?.kind !== 'call') return chosen;
  const rawComments = union(
    Array.isArray(chosen.data.comments) ? (chosen.data.comments as unknown[]) : [],
    Array.isArray(other.data.comments) ? (other.data.comments as unknown[]) : [],
    rawKey
  );
  const comments = union(a.comments, b.comments, commentKey).sort(
    (x, y) => (x.postedAt ?? Number.MAX_SAFE_INTEGER) - (y.postedAt ?? Number.MAX_SAFE_INTEGER)
  );
  const tagsFromOther = other.dataTs === chosen.dataTs && TAG_EVENTS.has(other.event) && !TAG_EVENTS.has(chosen.event);
  const data: Record<string, unknown> = { ...chosen.data };
  if (rawComments.length > 0) data.comments = rawComments;
  if (tagsFromOther) data.tags = other.data.tags;
  if (rawComments.length === 0 && !tagsFromOther && comments.length === a.comments.length) return chosen;
  return {
    ...chosen,
    // The item then names the tag event its tags come from, so a later event of the same
    // second does not take them back (call data carries no field that could say so).
    event: tagsFromOther ? other.event : chosen.event,
    data,
    classified: { ...a, comments, tags: tagsFromOther ? b.tags : a.tags }
  };
}
