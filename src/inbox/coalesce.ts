/**
 * How the events of one call or message fold into one item: the newest snapshot wins (an
 * older one arriving late never overwrites it), a readable snapshot is never replaced by
 * one the product cannot read, a voicemail seen once stays seen, and an item once final
 * stays final. The inbox stores events this way, and `explain` folds a file's events with
 * the same function, so the two cannot disagree.
 */
import type { Classified } from '../aircall/classify';
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
  const changed =
    (replaces && JSON.stringify(event.data) !== JSON.stringify(current.data)) ||
    (voicemailLeft && !current.voicemailLeft);
  const kept = replaces ? snapshot : current;
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
