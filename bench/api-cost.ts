/**
 * API cost of a business day: webhooks over HTTP into the real service (Fastify, SQLite inbox,
 * worker, jsforce) and the local org, whose meter counts API requests as Salesforce does.
 * Prints API requests per logged call, webhook-to-Task latency p50/p95, events per second.
 *
 *   npm run bench                  CALLS=2000 NUMBERS=600 RATE=0 (0 = as fast as possible)
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/sqlite';
import { businessDay, dayNumber } from '../test/helpers/day';
import { testService } from '../test/helpers/service';

const CALLS = Number(process.env.CALLS ?? 2000);
const NUMBERS = Number(process.env.NUMBERS ?? 600);
/** Events per second to send; 0 sends as fast as 8 parallel senders can. */
const RATE = Number(process.env.RATE ?? 0);
const PARALLEL = 8;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const svc = await testService({ worker: { pollMs: 20, backoffBaseMs: 200 } });
  const { org } = svc;
  // 80 % of the numbers belong to Contacts, Leads and Accounts in several formats; the rest are unknown.
  const store = org.org.store;
  store.transaction(() => {
    for (let i = 0; i < NUMBERS * 0.8; i += 1) {
      const n = dayNumber(i);
      if (i % 5 < 3)
        store.insert(
          'Contact',
          { LastName: `Customer ${i}`, Phone: i % 2 ? n : n.replace('+33 ', '0') },
          org.org.admin
        );
      else if (i % 5 === 3)
        store.insert('Lead', { LastName: `Prospect ${i}`, Company: 'Bench', MobilePhone: n }, org.org.admin);
      else store.insert('Account', { Name: `Company ${i}`, Phone: n }, org.org.admin);
    }
  });
  await svc.setSettings({ Unknown_Number__c: 'Contact' });
  const { events, keys } = businessDay({ calls: CALLS, numbers: NUMBERS, seed: 2026 });
  const apiBefore = org.org.apiUsed;
  const started = performance.now();
  let next = 0;
  const send = async () => {
    while (next < events.length) {
      const i = next;
      next += 1;
      if (RATE > 0) {
        const due = started + (i / RATE) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const res = await svc.post(events[i]);
      if (res.status !== 200) throw new Error(`event ${i} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, send));
  const sentMs = performance.now() - started;
  await svc.settle(600_000);
  const totalMs = performance.now() - started;
  const counts = svc.pipeline.inbox.counts(keys);
  const apiUsed = org.org.apiUsed - apiBefore;
  // From the inbox file itself: when each logged item's last change arrived, and when its Task was written.
  const db = openDatabase(join(svc.dataDir, 'inbox.sqlite'));
  const latency = (
    db.prepare("SELECT (updated_at - changed_at) / 1000.0 AS s FROM items WHERE state = 'logged'").all() as {
      s: number;
    }[]
  ).map((r) => r.s);
  db.close();
  const byPurpose = Object.fromEntries(svc.pipeline.gateway.requests);
  console.log(`calls ${CALLS} + messages ${keys.length - CALLS}, numbers ${NUMBERS}, events ${events.length}`);
  console.log(`logged ${counts.logged}, skipped ${counts.skipped}, failed ${counts.dead}, waiting ${counts.pending}`);
  console.log(`API requests used (local org meter): ${apiUsed}  by purpose: ${JSON.stringify(byPurpose)}`);
  console.log(`API requests per logged call: ${(apiUsed / counts.logged).toFixed(3)}`);
  console.log(
    `webhook-to-Task latency: p50 ${(quantile(latency, 0.5) * 1000).toFixed(0)} ms, p95 ${(quantile(latency, 0.95) * 1000).toFixed(0)} ms`
  );
  console.log(
    `events per second (ingest): ${(events.length / (sentMs / 1000)).toFixed(0)}; end to end ${(events.length / (totalMs / 1000)).toFixed(0)}`
  );
  await svc.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
