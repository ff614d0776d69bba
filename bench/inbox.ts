/**
 * The storage alone, in one process: how many webhooks' events each engine stores per second
 * (Inbox.accept, CONCURRENCY at once, each a distinct call.ended read as the server reads
 * it), with no HTTP, no worker and no Salesforce. It separates the engines' cost from the
 * service's in bench/storage.ts. PostgreSQL runs INBOXES engines (as that many processes
 * would) over one database on a server of its own, fsync on (the defaults). Each engine is
 * measured on an empty store, then again after PREFILL more deliveries (stored untimed), to
 * show whether accepts slow down as the tables grow.
 *   npx tsx bench/inbox.ts        # SECONDS=8 CONCURRENCY=32 INBOXES=3 PREFILL=100000
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readEnvelope, type AircallEvent } from '../src/aircall/read';
import type { Inbox } from '../src/inbox/inbox';
import { PostgresInbox } from '../src/inbox/postgres';
import { SqliteInbox } from '../src/inbox/sqlite';
import { callData, envelope } from '../test/fixtures/aircall-builders';
import { dayNumber } from '../test/helpers/day';
import { startPostgres } from '../test/helpers/postgres';

const SECONDS = Number(process.env.SECONDS ?? 8);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const INBOXES = Number(process.env.INBOXES ?? 3);
const PREFILL = Number(process.env.PREFILL ?? 100_000);

// Read once, before any clock starts (this measures storing, not reading); each accept is one
// of these under a call id of its own, so every event is a new item.
const TEMPLATES: AircallEvent[] = Array.from({ length: 2000 }, (_, i) => {
  const read = readEnvelope(envelope('call.ended', callData({ id: i + 1, raw_digits: dayNumber(i) })), {
    receivedAt: Date.now()
  });
  return read.event!;
});
let id = 0;
// A delivery's digest as the server makes it, a SHA-256 in hex: as random as a hash of the body.
const digest = (n: number) => createHash('sha256').update(`delivery ${n}`).digest('hex');

const nextEvent = (): AircallEvent => {
  id += 1;
  return { ...TEMPLATES[id % TEMPLATES.length]!, key: `call:${id}` };
};

/** The timed run on an empty store, then PREFILL deliveries untimed, then the timed run again. */
async function measure(name: string, inboxes: Inbox[]): Promise<void> {
  await run(`${name}, empty`, inboxes);
  if (PREFILL <= 0) return;
  for (let done = 0; done < PREFILL; done += 1000)
    await Promise.all(
      Array.from({ length: Math.min(1000, PREFILL - done) }, (_, k) =>
        inboxes[k % inboxes.length]!.accept(nextEvent(), digest(id))
      )
    );
  await run(`${name}, after ${PREFILL} more deliveries`, inboxes);
}

async function run(name: string, inboxes: Inbox[]): Promise<void> {
  let next = 0;
  const until = Date.now() + SECONDS * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, c) => {
      while (Date.now() < until) {
        next += 1;
        const event = nextEvent();
        await inboxes[c % inboxes.length]!.accept(event, digest(id));
      }
    })
  );
  const seconds = (Date.now() - started) / 1000;
  process.stdout.write(
    `${name}: ${next} events stored in ${seconds.toFixed(1)} s = ${(next / seconds).toFixed(0)} events/s` + '\n'
  );
}

async function main(): Promise<void> {
  process.stdout.write(`inbox bench: ${SECONDS} s per engine, ${CONCURRENCY} accepts at once\n`);
  const dir = mkdtempSync(join(tmpdir(), 'inbox-bench-'));
  const sqlite = new SqliteInbox(dir);
  try {
    await measure('sqlite, 1 engine', [sqlite]);
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const server = await startPostgres();
  try {
    for (const count of [1, INBOXES]) {
      const url = await server.database();
      const inboxes = await Promise.all(Array.from({ length: count }, () => PostgresInbox.open(url)));
      try {
        await measure(`postgres, ${count} engine(s) on one database`, inboxes);
      } finally {
        await Promise.all(inboxes.map((i) => i.close()));
      }
    }
  } finally {
    server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
