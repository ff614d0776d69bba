/**
 * A load generator in a process of its own (so it does not share the measured server's event
 * loop): keep-alive connections, CONCURRENCY requests in flight, for SECONDS, each a distinct
 * Aircall webhook (a call.ended of the verbatim-shaped builder, its id counting up from
 * FIRST_ID), as Aircall sends them. The first WARMUP seconds (default 3) are sent but not
 * counted: a process just started runs unoptimised code and cold caches, and the figure is the
 * steady rate. Prints {"ok":N,"failed":N,"seconds":S} (the counted part) and `series`, the
 * answers in each second from the start (warm-up included), on stdout.
 *   node --require tsx/cjs bench/lib/load.ts URL
 */
import http from 'node:http';
import { callData, envelope } from '../../test/fixtures/aircall-builders';
import { dayNumber } from '../../test/helpers/day';

const url = new URL(process.argv[2]!);
const seconds = Number(process.env.SECONDS ?? 10);
const warmup = Number(process.env.WARMUP ?? 3);
const concurrency = Number(process.env.CONCURRENCY ?? 32);
const token = process.env.TOKEN ?? 'bench-token';
let id = Number(process.env.FIRST_ID ?? 90_000_000);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

const body = () => {
  id += 1;
  return JSON.stringify({
    ...envelope('call.ended', callData({ id, raw_digits: dayNumber(id % 20_000) })),
    token
  });
};

function post(): Promise<boolean> {
  const payload = body();
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
      }
    );
    req.on('error', () => resolve(false));
    req.end(payload);
  });
}

async function main(): Promise<void> {
  const started = Date.now() + warmup * 1000;
  const until = started + seconds * 1000;
  let ok = 0;
  let failed = 0;
  // Answers per second from the first one sent, warm-up included: shows when the rate settles.
  const begun = Date.now();
  const series: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        // Counted when answered inside the window (a request sent just before it counts too: the
        // loop is closed, one answer per connection either way).
        const good = await post();
        const second = Math.floor((Date.now() - begun) / 1000);
        if (good) series[second] = (series[second] ?? 0) + 1;
        if (Date.now() < started) continue;
        if (good) ok += 1;
        else failed += 1;
      }
    })
  );
  agent.destroy();
  process.stdout.write(
    `${JSON.stringify({ ok, failed, seconds: (Date.now() - started) / 1000, series: Array.from(series, (n) => n ?? 0) })}\n`
  );
}

void main();
