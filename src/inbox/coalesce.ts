/**
 * How the events of one call or message fold into one item: the newest snapshot wins (an
 * older one arriving late never overwrites it), a voicemail seen once stays seen, and an
 * item once final stays final. The inbox stores events this way, and `explain` folds a
 * file's events with the same function, so the two cannot disagree.
 */
import type { Classified } from '../aircall/classify';
import type { AircallEvent } from '../aircall/read';

export interface CoalescedItem {
  readonly kind: 'call' | 'message';
  readonly data: Record<string, unknown>;
  readonly classified: Classified;
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
  if (!current) {
    return {
      item: {
        kind: event.kind,
        data: event.data,
        classified: event.classified,
        dataTs: event.timestamp,
        phone: event.phone,
        voicemailLeft,
        final: event.final
      },
      changed: true
    };
  }
  const newer = event.timestamp >= current.dataTs;
  const data = newer ? event.data : current.data;
  const changed =
    (newer && JSON.stringify(event.data) !== JSON.stringify(current.data)) || (voicemailLeft && !current.voicemailLeft);
  return {
    item: {
      kind: current.kind,
      data,
      classified: newer ? event.classified : current.classified,
      dataTs: Math.max(event.timestamp, current.dataTs),
      phone: event.phone ?? current.phone,
      voicemailLeft: current.voicemailLeft || voicemailLeft,
      final: current.final || event.final
    },
    changed
  };
}
