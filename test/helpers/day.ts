/**
 * A generated business day of Aircall webhooks: the call-type mix of reference/aircall.md,
 * numbers reused across calls, several events per call with redeliveries, and comments that
 * arrive after the end. Deterministic for a seed. Used by the crash test and the benchmark.
 */
import { AGENT, PARIS_LINE, callData, envelope, messageData } from '../fixtures/aircall-builders';
import { aiEvents } from '../fixtures/aircall-ai';

export interface DayOptions {
  readonly calls: number;
  readonly numbers: number;
  readonly seed?: number;
  readonly start?: number;
  /** The share of answered calls that get Aircall AI's five events, 1 to 5 minutes after call.ended (issue #31). */
  readonly ai?: number;
}

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const dayNumber = (i: number) =>
  `+33 6 ${String(20_000_000 + i)
    .replace(/(\d{2})(?=\d)/g, '$1 ')
    .slice(0, 14)}`;

export function businessDay(options: DayOptions): { events: Record<string, unknown>[]; keys: string[] } {
  const rnd = random(options.seed ?? 1);
  const start = options.start ?? 1_763_625_600; // 08:00 UTC
  const events: Record<string, unknown>[] = [];
  const keys: string[] = [];
  for (let i = 0; i < options.calls; i += 1) {
    const id = 50_000_000 + i;
    const t0 = start + Math.floor((i / options.calls) * 10 * 3600);
    const r = rnd();
    // Mix: inbound answered 45 %, missed 20 %, voicemail 5 %, outbound answered 20 %, outbound unanswered 10 %.
    const inbound = r < 0.7;
    const answered = r < 0.45 || (r >= 0.7 && r < 0.9);
    const voicemail = r >= 0.65 && r < 0.7;
    const raw = dayNumber(Math.floor(rnd() * options.numbers));
    const duration = answered ? 30 + Math.floor(rnd() * 400) : 5 + Math.floor(rnd() * 40);
    const base = {
      id,
      direction: inbound ? 'inbound' : 'outbound',
      started_at: t0,
      answered_at: answered ? t0 + 8 : null,
      ended_at: t0 + duration,
      duration,
      raw_digits: raw,
      user: answered || !inbound ? AGENT : null,
      number: PARIS_LINE,
      voicemail: voicemail ? `https://vm.example/${id}.mp3` : null,
      missed_call_reason: inbound && !answered ? (voicemail ? 'no_available_agent' : 'agents_did_not_answer') : null,
      tags: rnd() < 0.3 ? [{ id: 1, name: 'Sales' }] : [],
      comments: []
    };
    keys.push(`call:${id}`);
    const live = { ...base, ended_at: null, duration: 0 };
    events.push(envelope('call.created', callData({ ...live, answered_at: null }), { timestamp: t0 }));
    events.push(envelope('call.ringing_on_agent', callData(live), { timestamp: t0 + 1 }));
    if (answered) events.push(envelope('call.answered', callData(live), { timestamp: t0 + 8 }));
    events.push(envelope('call.hungup', callData(live), { timestamp: t0 + duration }));
    const ended = envelope('call.ended', callData(base), { timestamp: t0 + duration + 30 });
    events.push(ended);
    if (voicemail) events.push(envelope('call.voicemail_left', callData(base), { timestamp: t0 + duration + 33 }));
    if (rnd() < 0.25) events.push(ended); // redelivery
    // Drawn only when asked, so that a day without AI stays the same day for its seed.
    if (options.ai !== undefined && answered && rnd() < options.ai)
      events.push(...aiEvents(id, t0 + duration + 60 + Math.floor(rnd() * 240)));
    if (rnd() < 0.2) {
      const comment = { id: i, content: `Follow-up ${i}`, posted_at: t0 + duration + 120, posted_by: AGENT };
      events.push(
        envelope('call.commented', callData({ ...base, comments: [comment] }), { timestamp: t0 + duration + 120 })
      );
    }
  }
  // A few SMS across the day.
  for (let i = 0; i < Math.floor(options.calls / 20); i += 1) {
    const id = `SMday${i}`;
    keys.push(`message:${id}`);
    events.push(
      envelope('message.received', messageData({ id, external_number: dayNumber(Math.floor(rnd() * options.numbers)) }))
    );
  }
  return { events, keys };
}
