/**
 * API cost of real traffic: a team's calls replayed through the real service (Fastify, SQLite
 * inbox, worker with its production batch size and concurrency, jsforce) into the local org,
 * whose meter counts API requests as Salesforce does.
 *
 * Traffic: Poisson arrivals (CALLS_PER_AGENT_HOUR per agent), Aircall's event sequence per call
 * (created, answered, hungup, ended about 30 s after hang-up, voicemail_left), redeliveries,
 * late tags (1 min) and comments (2 min), repeat callers, unknown callers (a Contact is
 * created), open Cases (Related_Record__c = Case). Events are sent at their time, compressed
 * by SPEED: every interval of the traffic and the service's time windows (the batch latency
 * budget, the poll) are divided by SPEED, so the batching sees the same traffic shape as in
 * real time; SPEED=1 is real time. Settings are read per batch, so there is no cache to scale.
 *
 * Prints, per team size, API requests per logged call (total and by purpose) and the
 * webhook-to-Task latency (call.ended to Task written) p50/p95 against the scaled budget;
 * then an isolated call and a backlog.
 *
 * With CARDS=on, every call.created also gets its insight card (src/cards/) from a local Aircall
 * that knows the calls: the card's window and the Aircall budget are scaled by SPEED like the
 * rest (1 s -> 1000/SPEED ms; 120 requests a minute -> 120 x SPEED), and it prints the cards
 * posted and dropped, the Aircall requests, and call.created-to-card latency.
 *
 * With API_SHARE=P (A1, src/budget/), the org's daily allocation is ORG_DAILY_LIMIT requests and
 * API_Share__c is P %: the service's cap is P % of it. The share is checked every 5 s / SPEED.
 * It prints the cap and what the service used in the run (the whole run is within one day).
 *
 * With AI=F (issue #31), a share F of the answered calls gets Aircall AI's five events
 * (transcription, summary, topics, sentiment, action items, from the documented shapes in
 * test/fixtures/aircall-ai.ts) 1 to 5 minutes after call.ended; each is written to the call's
 * Task and call record as a late tag is. AI off draws nothing more, so the traffic stays the same.
 *
 *   npm run bench:api-cost          AGENTS=5,50,500 MINUTES=20 SPEED=20 CALLS_PER_AGENT_HOUR=12 READ_PATH=auto|apex|rest CARDS=off|on API_SHARE=5 ORG_DAILY_LIMIT=1400
 */
import { join } from 'node:path';
import type { RunningLocalAircall } from '@aircall-sf/local-aircall';
import { Company, startLocalAircall } from '@aircall-sf/local-aircall';
import { openDatabase } from '../src/sqlite';
import { AGENT, PARIS_LINE, callData, envelope } from '../test/fixtures/aircall-builders';
import { dayNumber } from '../test/helpers/day';
import { aiEvents } from '../test/fixtures/aircall-ai';
import type { TestService } from '../test/helpers/service';
import { testService } from '../test/helpers/service';

const TEAMS = (process.env.AGENTS ?? '5,50,500').split(',').map(Number);
const MINUTES = Number(process.env.MINUTES ?? 20);
const SPEED = Number(process.env.SPEED ?? 20);
const PER_AGENT_HOUR = Number(process.env.CALLS_PER_AGENT_HOUR ?? 12);
const READ_PATH = process.env.READ_PATH ?? 'auto';
const CARDS = process.env.CARDS === 'on';
const API_SHARE = process.env.API_SHARE ? Number(process.env.API_SHARE) : null;
const ORG_DAILY_LIMIT = Number(process.env.ORG_DAILY_LIMIT ?? 100_000);
const AI_SHARE = process.env.AI ? Number(process.env.AI) : null;
/** The production interval of the share's check (AIRCALL_SF_API_SHARE_CHECK_MS). */
const SHARE_CHECK_MS = 5000;
/** The cards' production window (AIRCALL_CARD_WINDOW_MS) and Aircall budget (the company's 120 a minute). */
const CARD_WINDOW_MS = 1000;
const AIRCALL_PER_MINUTE = 120;
/** The service's production latency budget, poll and yield to webhooks (AIRCALL_SF_BATCH_WINDOW_MS, Worker). */
const BUDGET_MS = 10_000;
const POLL_MS = 250;
const YIELD_MS = 500;

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Timed {
  readonly at: number; // seconds from the start of the traffic
  readonly body: Record<string, unknown>;
}

/** One call's events at their times, as Aircall sends them. */
function callEvents(id: number, t0: number, raw: string, rnd: () => number, epoch: number): Timed[] {
  const r = rnd();
  const inbound = r < 0.7;
  const answered = r < 0.45 || (r >= 0.7 && r < 0.9);
  const voicemail = r >= 0.65 && r < 0.7;
  const duration = answered ? 30 + Math.floor(rnd() * 300) : 5 + Math.floor(rnd() * 30);
  const start = epoch + Math.floor(t0);
  const base = {
    id,
    direction: inbound ? 'inbound' : 'outbound',
    started_at: start,
    answered_at: answered ? start + 8 : null,
    ended_at: start + duration,
    duration,
    raw_digits: raw,
    user: answered || !inbound ? AGENT : null,
    number: PARIS_LINE,
    voicemail: voicemail ? `https://vm.example/${id}.mp3` : null,
    missed_call_reason: inbound && !answered ? (voicemail ? 'no_available_agent' : 'agents_did_not_answer') : null,
    tags: [],
    comments: []
  };
  const live = { ...base, ended_at: null, duration: 0 };
  const out: Timed[] = [
    { at: t0, body: envelope('call.created', callData({ ...live, answered_at: null }), { timestamp: start }) }
  ];
  if (answered) out.push({ at: t0 + 8, body: envelope('call.answered', callData(live), { timestamp: start + 8 }) });
  out.push({ at: t0 + duration, body: envelope('call.hungup', callData(live), { timestamp: start + duration }) });
  const ended = envelope('call.ended', callData(base), { timestamp: start + duration + 30 });
  out.push({ at: t0 + duration + 30, body: ended });
  if (voicemail)
    out.push({
      at: t0 + duration + 33,
      body: envelope('call.voicemail_left', callData(base), { timestamp: start + duration + 33 })
    });
  if (rnd() < 0.1) out.push({ at: t0 + duration + 35, body: ended }); // a redelivery
  if (rnd() < 0.3)
    out.push({
      at: t0 + duration + 60,
      body: envelope('call.tagged', callData({ ...base, tags: [{ id: 1, name: 'Sales' }] }), {
        timestamp: start + duration + 60
      })
    });
  // Its own draws (seeded by the call), so that the calls are the same with AI on and off.
  const aiRnd = random(id * 7919);
  if (AI_SHARE !== null && answered && aiRnd() < AI_SHARE) {
    const after = duration + 30 + 60 + Math.floor(aiRnd() * 240);
    aiEvents(id, start + after).forEach((body, n) => out.push({ at: t0 + after + n, body }));
  }
  if (rnd() < 0.2) {
    const comment = { id, content: `Follow-up ${id}`, posted_at: start + duration + 120, posted_by: AGENT };
    out.push({
      at: t0 + duration + 120,
      body: envelope('call.commented', callData({ ...base, comments: [comment] }), {
        timestamp: start + duration + 120
      })
    });
  }
  return out;
}

function traffic(agents: number, seed: number, firstId: number): { events: Timed[]; calls: number } {
  const rnd = random(seed);
  const rate = (agents * PER_AGENT_HOUR) / 3600; // calls per second
  const pool = Math.max(20, agents * 30); // the callers this team hears from
  const events: Timed[] = [];
  let t = 0;
  let calls = 0;
  for (;;) {
    t += -Math.log(1 - rnd()) / rate;
    if (t > MINUTES * 60) break;
    // 70 % of calls come from the known pool (repeat callers), 30 % from numbers seen once.
    const raw = rnd() < 0.7 ? dayNumber(Math.floor(rnd() * pool)) : dayNumber(1_000_000 + firstId + calls);
    events.push(...callEvents(firstId + calls, t, raw, rnd, 1_763_625_600));
    calls += 1;
  }
  events.sort((a, b) => a.at - b.at);
  return { events, calls };
}

let aircall: RunningLocalAircall | null = null;

async function service(): Promise<TestService> {
  const cardEnv: Record<string, string> = aircall
    ? {
        AIRCALL_API_URL: aircall.url,
        AIRCALL_API_ID: aircall.company.apiId,
        AIRCALL_API_TOKEN: aircall.company.apiToken,
        AIRCALL_CARD_WINDOW_MS: String(Math.round(CARD_WINDOW_MS / SPEED))
      }
    : {};
  const svc = await testService({
    // SF_READ_PATH as in production: the Apex snapshot (apex, auto) or the REST-only path (rest).
    env: {
      SF_READ_PATH: READ_PATH,
      AIRCALL_SF_API_SHARE_CHECK_MS: String(Math.max(50, Math.round(SHARE_CHECK_MS / SPEED))),
      ...cardEnv
    },
    org: { apiLimit: ORG_DAILY_LIMIT },
    aircallRequestsPerMinute: AIRCALL_PER_MINUTE * SPEED,
    worker: {
      batchWindowMs: Math.round(BUDGET_MS / SPEED),
      pollMs: Math.max(5, Math.round(POLL_MS / SPEED)),
      yieldMs: Math.max(5, Math.round(YIELD_MS / SPEED)),
      backoffBaseMs: 1000,
      limitBackoffMs: 60_000,
      settingsRetryMs: 5000
    }
  });
  const { org } = svc;
  const store = org.org.store;
  // The known callers: Contacts (some with an open Case), Leads and Accounts, in several formats.
  store.transaction(() => {
    for (let i = 0; i < 15_000; i += 1) {
      const n = dayNumber(i);
      if (i % 5 < 3) {
        const id = store.insert(
          'Contact',
          { LastName: `Customer ${i}`, Phone: i % 2 ? n : n.replace('+33 ', '0') },
          org.org.admin
        );
        if (i % 10 === 0) store.insert('Case', { ContactId: id, Subject: `Open ${i}` }, org.org.admin);
      } else if (i % 5 === 3)
        store.insert('Lead', { LastName: `Prospect ${i}`, Company: 'Bench', MobilePhone: n }, org.org.admin);
      else store.insert('Account', { Name: `Company ${i}`, Phone: n }, org.org.admin);
    }
  });
  await svc.setSettings({
    Unknown_Number__c: 'Contact',
    Related_Record__c: 'Case',
    ...(API_SHARE !== null ? { API_Share__c: String(API_SHARE) } : {})
  });
  return svc;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

const requests = (svc: TestService) => new Map(svc.pipeline.gateway.requests);
const diff = (after: Map<string, number>, before: Map<string, number>): Record<string, number> =>
  Object.fromEntries(
    [...after].map(([k, v]): [string, number] => [k, v - (before.get(k) ?? 0)]).filter(([, v]) => v > 0)
  );

/** When each call.created was sent (ms), for the card latency. */
const createdAt = new Map<number, number>();

/** Cards posted for these calls, and call.created sent to card received (ms). */
function cardFigures(ids: readonly number[]): { posted: number; latency: number[] } {
  const latency: number[] = [];
  let posted = 0;
  for (const id of ids) {
    const card = aircall?.company.cards.get(id)?.[0];
    if (!card) continue;
    posted += 1;
    latency.push(card.receivedAt - createdAt.get(id)!);
  }
  return { posted, latency };
}

async function replay(svc: TestService, events: Timed[]): Promise<void> {
  const started = Date.now();
  const sent: Promise<void>[] = [];
  for (const e of events) {
    const wait = started + (e.at * 1000) / SPEED - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // A call Aircall knows: its card can be posted (the local Aircall answers 404 otherwise).
    if (aircall && e.body.event === 'call.created') {
      const data = e.body.data as { id: number; started_at: number };
      aircall.company.addCall({ id: data.id, started_at: data.started_at });
      createdAt.set(data.id, Date.now());
    }
    // Not awaited one by one: Aircall does not wait for one webhook before sending the next.
    sent.push(
      svc.post(e.body).then((res) => {
        if (res.status !== 200) throw new Error(`answered ${res.status}`);
      })
    );
  }
  await Promise.all(sent);
  await svc.settle(600_000);
}

function latencies(svc: TestService, keys: readonly string[]): number[] {
  const db = openDatabase(join(svc.dataDir, 'inbox.sqlite'));
  const wanted = new Set(keys);
  const rows = db.prepare("SELECT key, (updated_at - changed_at) AS ms FROM items WHERE state = 'logged'").all() as {
    key: string;
    ms: number;
  }[];
  db.close();
  return rows.filter((r) => wanted.has(r.key)).map((r) => r.ms);
}

async function main(): Promise<void> {
  console.log(
    `API cost, ${MINUTES} simulated minutes per team at SPEED ${SPEED} (budget ${BUDGET_MS} ms -> ${Math.round(BUDGET_MS / SPEED)} ms), SF_READ_PATH=${READ_PATH}`
  );
  if (CARDS) {
    aircall = await startLocalAircall({
      company: new Company('bench-id', 'bench-token'),
      rateLimit: AIRCALL_PER_MINUTE * SPEED
    });
    console.log(
      `insight cards on: window ${CARD_WINDOW_MS} ms -> ${Math.round(CARD_WINDOW_MS / SPEED)} ms, Aircall budget ${AIRCALL_PER_MINUTE}/min -> ${AIRCALL_PER_MINUTE * SPEED}/min`
    );
  }
  let firstId = 70_000_000;
  for (const agents of TEAMS) {
    const svc = await service();
    const { events, calls } = traffic(agents, agents, firstId);
    const keys = [
      ...new Set(
        events.filter((e) => e.body.resource === 'call').map((e) => `call:${(e.body.data as { id: number }).id}`)
      )
    ];
    firstId += calls + 1;
    const before = requests(svc);
    const meter = svc.org.org.apiUsed;
    const aircallBefore = aircall?.stats.requests ?? 0;
    await replay(svc, events);
    const counts = await svc.pipeline.inbox.counts(keys);
    const used = svc.org.org.apiUsed - meter;
    // call.ended to Task: calls with no late tag, comment or AI (for those, the inbox keeps the update's time).
    const updated = new Set([
      ...events
        .filter((e) => e.body.event === 'call.tagged' || e.body.event === 'call.commented')
        .map((e) => `call:${(e.body.data as { id: number }).id}`),
      ...events
        .filter((e) => e.body.resource !== 'call')
        .map((e) => `call:${(e.body.data as { call_id: number }).call_id}`)
    ]);
    const lat = latencies(
      svc,
      keys.filter((k) => !updated.has(k))
    );
    console.log(
      `${String(agents).padStart(3)} agents: ${calls} calls, ${events.length} events; logged ${counts.logged}, skipped ${counts.skipped}, failed ${counts.dead}`
    );
    console.log(
      `    ${(used / counts.logged).toFixed(3)} requests per logged call  by purpose ${JSON.stringify(diff(requests(svc), before))}`
    );
    console.log(
      `    webhook-to-Task p50 ${quantile(lat, 0.5)} ms, p95 ${quantile(lat, 0.95)} ms (scaled budget ${Math.round(BUDGET_MS / SPEED)} ms)`
    );
    if (API_SHARE !== null) {
      const state = await svc.pipeline.share.tick();
      const cap = Math.floor((ORG_DAILY_LIMIT * API_SHARE) / 100);
      console.log(
        `    API share ${API_SHARE} % of ${ORG_DAILY_LIMIT}: cap ${cap} requests; the service used ${state.ownUsed} (${state.ownUsed <= cap ? 'under' : 'OVER'} the cap), pressure at the end ${state.pressure}; ${counts.logged} of ${calls} calls logged`
      );
    }
    if (aircall) {
      const ids = keys.map((k) => Number(k.slice('call:'.length)));
      const cards = cardFigures(ids);
      const metrics = svc.pipeline.metrics.cardsNotPosted;
      console.log(
        `    cards: ${cards.posted} posted of ${calls} calls, not posted ${JSON.stringify(Object.fromEntries(metrics.values))}; Aircall requests ${aircall.stats.requests - aircallBefore}`
      );
      console.log(
        `    batches on a card's read (no read of their own) ${JSON.stringify(Object.fromEntries(svc.pipeline.metrics.readsKept.values))}; items put back to wait for one ${svc.pipeline.metrics.itemsDeferred.get()}`
      );
      console.log(
        `    call.created-to-card p50 ${quantile(cards.latency, 0.5)} ms, p95 ${quantile(cards.latency, 0.95)} ms (scaled window ${Math.round(CARD_WINDOW_MS / SPEED)} ms)`
      );
    }
    await svc.close();
  }

  // An isolated call: nothing else live, nothing pending.
  {
    const svc = await service();
    const rnd = random(7);
    const events = callEvents(firstId, 0, dayNumber(3), rnd, 1_763_625_600).map((e) => ({ ...e, at: 0 }));
    const before = svc.org.org.apiUsed;
    for (const e of events) {
      if (aircall && e.body.event === 'call.created') {
        aircall.company.addCall({ id: firstId, started_at: 0 });
        await svc.post(e.body);
        // The card's read happens while the call rings, before it ends.
        while (svc.cards.deciding(`call:${firstId}`)) await new Promise((r) => setTimeout(r, 5));
      } else await svc.post(e.body);
    }
    // An update alone (its AI, a late tag) may wait ten batch windows for company: 100 s in real time.
    await svc.settle(600_000);
    console.log(
      `isolated call: ${svc.org.org.apiUsed - before} requests  by purpose ${JSON.stringify(Object.fromEntries(svc.pipeline.gateway.requests))}`
    );
    await svc.close();
  }

  // A backlog: 2,000 ended calls waiting when the worker starts (after an outage, or a backfill).
  {
    const svc = await service();
    await svc.pipeline.worker.stop();
    const rnd = random(9);
    const keys: string[] = [];
    for (let i = 0; i < 2000; i += 1) {
      const id = firstId + 10 + i;
      keys.push(`call:${id}`);
      const all = callEvents(id, 0, dayNumber(Math.floor(rnd() * 20_000)), rnd, 1_763_625_600);
      for (const e of all) await svc.post(e.body);
    }
    const before = svc.org.org.apiUsed;
    svc.pipeline.worker.start();
    await svc.settle(600_000);
    const counts = await svc.pipeline.inbox.counts(keys);
    console.log(
      `backlog of 2000 calls: ${((svc.org.org.apiUsed - before) / counts.logged).toFixed(3)} requests per logged call (logged ${counts.logged})`
    );
    await svc.close();
  }
}

main()
  .finally(() => aircall?.close())
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
