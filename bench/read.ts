/**
 * The boundary's cost per webhook, in one process (docs/performance.md): microseconds per
 * call.ended for reading the body as the server does (`readWebhook`: the depth guard, JSON,
 * the token, the envelope and call schemas, classification, the delivery's digest) and for
 * each step alone. No HTTP, no storage. Bodies as the storage bench's load generator sends
 * them, each a distinct call from one of 20,000 numbers; every step runs over all of them
 * once untimed, then timed.
 *   npx tsx bench/read.ts        # BODIES=20000 ROUNDS=3 (the best round is printed)
 */
import { createHash } from 'node:crypto';
import { readEnvelope } from '../src/aircall/read';
import { classifyCall } from '../src/aircall/classify';
import { parseCall, parseEnvelope } from '../src/aircall/schemas';
import { readWebhook, tokenMatches } from '../src/server/webhook';
import { callData, envelope } from '../test/fixtures/aircall-builders';
import { dayNumber } from '../test/helpers/day';

const BODIES = Number(process.env.BODIES ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const TOKEN = 'bench-token';

const bodies = Array.from({ length: BODIES }, (_, i) =>
  JSON.stringify({
    ...envelope('call.ended', callData({ id: 1000 + i, raw_digits: dayNumber(i % 20_000) })),
    token: TOKEN
  })
);
const parsed = bodies.map((b) => JSON.parse(b) as { data: Record<string, unknown> });
const calls = parsed.map((p) => parseCall(p.data));

function measure(name: string, step: (i: number) => unknown): void {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round <= ROUNDS; round += 1) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < BODIES; i += 1) step(i);
    const us = Number(process.hrtime.bigint() - started) / 1000 / BODIES;
    if (round > 0) best = Math.min(best, us); // round 0 warms up
  }
  process.stdout.write(`${name.padEnd(34)} ${best.toFixed(1).padStart(6)} µs\n`);
}

process.stdout.write(
  `read bench: ${BODIES} call.ended bodies of ${bodies[0]!.length} bytes, best of ${ROUNDS} rounds\n`
);
measure('readWebhook (all of the below)', (i) => readWebhook(bodies[i]!, [TOKEN]));
measure('  JSON.parse', (i) => JSON.parse(bodies[i]!));
measure('  token check', () => tokenMatches(TOKEN, [TOKEN]));
measure('  readEnvelope (schemas, classify)', (i) => readEnvelope(parsed[i], { receivedAt: 0 }));
measure('    envelope schema', (i) => parseEnvelope(parsed[i]));
measure('    call schema', (i) => parseCall(parsed[i]!.data));
measure('    classifyCall', (i) => classifyCall(calls[i]!));
measure('  digest (SHA-256 of the body)', (i) => createHash('sha256').update(bodies[i]!).digest('hex'));
