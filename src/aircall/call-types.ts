/**
 * The five kinds of Aircall call the admin configures (R1), told apart by direction,
 * `answered_at` and a voicemail (reference/aircall.md §8). The settings are keyed by them.
 */
export const CALL_TYPES = [
  'outbound_answered',
  'outbound_unanswered',
  'inbound_answered',
  'missed',
  'voicemail'
] as const;
export type CallType = (typeof CALL_TYPES)[number];
