/**
 * The storage benchmarks (docs/performance.md), with `serve` as a process with its production
 * settings (batch window, batches of 100, concurrency, info logs) on a local org:
 *
 * - ingest: webhooks per second answered 200 by the service, against a bare Fastify app in the
 *   same run and the same load generator (its own process, 32 connections), first on an empty
 *   queue, then with QUEUED items waiting (the worker draining them meanwhile, as in production);
 * - drain: items per second the worker(s) log from a backlog of DRAIN calls (70 % of them from
 *   known callers, the others creating a Contact), with the Salesforce requests it took.
 *
 *   npx tsx bench/storage.ts                                  SQLite, one instance
 *   ENGINE=postgres INSTANCES=3 npx tsx bench/storage.ts      PostgreSQL (Debian's), three instances
 *   QUEUED=100000 DRAIN=20000 SECONDS=10 WARMUP=3 REPEAT=3 CONCURRENCY=32   (WARMUP s of load before each
 *   counted run, for the bare app and the service alike: the figures are steady rates)
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inbox } from '../src/inbox/inbox';
import { PostgresInbox } from '../src/inbox/postgres';
import { SqliteInbox } from '../src/inbox/sqlite';
import { readEnvelope } from '../src/aircall/read';
import { AGENT, PARIS_LINE, callData, envelope } from '../test/fixtures/aircall-builders';
import { dayNumber } from '../test/helpers/day';
import type { TestOrg } from '../test/helpers/local-org';
import { setOrgSettings, testOrg } from '../test/helpers/local-org';
import type { PostgresServer } from '../test/helpers/postgres';
import { startPostgres } from '../test/helpers/postgres';
import { integrationLogin } from '../test/helpers/service';

const ENGINE = process.env.ENGINE === 'postgres' ? 'postgres' : 'sqlite';
const INSTANCES = Number(process.env.INSTANCES ?? (ENGINE === 'postgres' ? 3 : 1));
const QUEUED = Number(process.env.QUEUED ?? 100_000);
const DRAIN = Number(process.env.DRAIN ?? 20_000);
const SECONDS = Number(process.env.SECONDS ?? 10);
const WARMUP = Number(process.env.WARMUP ?? 3);
const REPEAT = Number(process.env.REPEAT ?? 3);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const TOKEN = 'bench-token';
const ROOT = join(__dirname, '..');
const KNOWN = 15_000;

interface Storage {
  env: Record<string, string>;
  open(): Promise<Inbox>;
  cleanup(): void;
}

async function storage(server: PostgresServer | null): Promise<Storage> {
  if (server) {
    const url = await server.database();
    return { env: { DATABASE_URL: url }, open: () => PostgresInbox.open(url), cleanup: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'storage-bench-'));
  return {
    env: { DATA_DIR: dir },
    open: () => Promise.resolve(new SqliteInbox(dir)),
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  };
}

/** A process that prints its URL on stdout; the rest of its output is read and dropped. */
function spawnUrl(
  args: string[],
  env: Record<string, string>,
  pattern: RegExp
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (out.length < 100_000) out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        out = '\u0000'; // found: later output is dropped
        resolve({ child, url: match[1]! });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      if (out !== '\u0000' && out.length < 100_000) out += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`)));
  });
}

async function serveInstances(org: TestOrg, store: Storage): Promise<{ urls: string[]; stop(): Promise<void> }> {
  const { accessToken } = integrationLogin(org);
  const started = await Promise.all(
    Array.from({ length: INSTANCES }, () =>
      spawnUrl(
        [
          ...(process.env.BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROF}`] : []),
          join(ROOT, 'bin', 'aircall-sf'),
          'serve'
        ],
        {
          PORT: '0',
          SF_INSTANCE_URL: org.instanceUrl,
          SF_ACCESS_TOKEN: accessToken,
          AIRCALL_WEBHOOK_TOKEN: TOKEN,
          ...store.env
        },
        /running: POST (http:\/\/\S+\/webhooks\/aircall)/
      )
    )
  );
  return {
    urls: started.map((s) => s.url),
    async stop() {
      await Promise.all(
        started.map(
          ({ child }) =>
            new Promise<void>((resolve) => {
              child.removeAllListeners('exit');
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            })
        )
      );
    }
  };
}

interface LoadResult {
  ok: number;
  failed: number;
  seconds: number;
  series: number[];
}

/**
 * The load generator against each URL (one process per URL), summed: the counted rate, and
 * the answers in each second from the start, warm-up included.
 */
async function load(urls: string[], firstId: number): Promise<{ rate: number; series: number[] }> {
  const results = await Promise.all(
    urls.map(
      (url, i) =>
        new Promise<LoadResult>((resolve, reject) => {
          const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'lib', 'load.ts'), url], {
            cwd: ROOT,
            env: {
              PATH: process.env.PATH,
              SECONDS: String(SECONDS),
              WARMUP: String(WARMUP),
              CONCURRENCY: String(Math.ceil(CONCURRENCY / urls.length)),
              TOKEN,
              FIRST_ID: String(firstId + i * 10_000_000)
            },
            stdio: ['ignore', 'pipe', 'inherit']
          });
          let out = '';
          child.stdout.on('data', (c: Buffer) => (out += c.toString()));
          child.once('exit', (code) =>
            code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load exited ${code}`))
          );
        })
    )
  );
  const failed = results.reduce((n, r) => n + r.failed, 0);
  if (failed > 0) process.stdout.write(`  (${failed} requests failed)\n`);
  const series: number[] = [];
  for (const r of results) r.series.forEach((n, s) => (series[s] = (series[s] ?? 0) + n));
  return { rate: results.reduce((n, r) => n + r.ok / r.seconds, 0), series };
}

/** `count` calls that ended, queued as webhooks would queue them: 70 % known callers. */
async function prefill(store: Storage, count: number, firstId: number): Promise<void> {
  const inbox = await store.open();
  try {
    for (let from = 0; from < count; from += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, count - from) }, (_, k) => {
          const id = firstId + from + k;
          const raw = id % 10 < 7 ? dayNumber(id % KNOWN) : dayNumber(1_000_000 + id);
          const data = callData({ id, raw_digits: raw, user: AGENT, number: PARIS_LINE });
          const read = readEnvelope({ ...envelope('call.ended', data), token: TOKEN }, { receivedAt: Date.now() });
          return inbox.accept(read.event!, `prefill-${id}`);
        })
      );
    }
  } finally {
    await inbox.close();
  }
}

async function waiting(store: Storage): Promise<number> {
  // Opening the inbox migrates a fresh database, so an empty queue counts 0.
  const inbox = await store.open();
  try {
    return await inbox.outstanding();
  } finally {
    await inbox.close();
  }
}

/** Calls logged so far by the instances (their /metrics). */
async function loggedSoFar(urls: string[]): Promise<number> {
  let n = 0;
  for (const url of urls) {
    const text = await (await fetch(url.replace(/\/webhooks\/aircall$/, '/metrics'))).text();
    n += Number(/^aircall_items_logged_total\{kind="call"\} (\d+)/m.exec(text)?.[1] ?? 0);
  }
  return n;
}

async function knownCallers(org: TestOrg): Promise<void> {
  const store = org.org.store;
  store.transaction(() => {
    for (let i = 0; i < KNOWN; i += 1) {
      const n = dayNumber(i);
      if (i % 5 < 3) store.insert('Contact', { LastName: `Customer ${i}`, Phone: n }, org.org.admin);
      else if (i % 5 === 3)
        store.insert('Lead', { LastName: `Prospect ${i}`, Company: 'Bench', MobilePhone: n }, org.org.admin);
      else store.insert('Account', { Name: `Company ${i}`, Phone: n }, org.org.admin);
    }
  });
  await setOrgSettings(org, { Unknown_Number__c: 'Contact' });
}

async function main(): Promise<void> {
  const server = ENGINE === 'postgres' ? await startPostgres() : null;
  const org = await testOrg({ seed: 'none' });
  await knownCallers(org);
  process.stdout.write(
    `storage bench: ${ENGINE}, ${INSTANCES} instance(s), ${SECONDS} s per ingest run after ${WARMUP} s of warm-up, ${CONCURRENCY} connections, ${REPEAT} runs each\n`
  );
  try {
    const bare = await Promise.all(
      Array.from({ length: INSTANCES }, () =>
        spawnUrl(['--require', 'tsx/cjs', join(__dirname, 'lib', 'bare-fastify.ts')], {}, /^(http:\S+)$/m)
      )
    );
    // Each run of the service right after one of the bare app (which idles meanwhile): the
    // machine's speed drifts between minutes (a shared VM), so a ratio compares like with like.
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    for (const queued of [0, QUEUED]) {
      const ratios: number[] = [];
      for (let run = 0; run < REPEAT; run += 1) {
        const { rate: bareRate } = await load(
          bare.map((b) => b.url),
          10_000_000 + run * 50_000_000
        );
        const store = await storage(server);
        if (queued > 0) await prefill(store, queued, 200_000_000);
        const before = await waiting(store);
        const running = await serveInstances(org, store);
        const { rate, series } = await load(running.urls, 300_000_000 + queued + run * 50_000_000);
        const logged = await loggedSoFar(running.urls);
        const after = await waiting(store);
        await running.stop();
        store.cleanup();
        ratios.push(rate / bareRate);
        process.stdout.write(
          `ingest, aircall-sf x${INSTANCES} (${ENGINE}), ${before} queued at the start, ${after} at the end: ` +
            `${rate.toFixed(0)} stored events/s = ${(rate / bareRate).toFixed(2)} x bare Fastify x${INSTANCES} ` +
            `(${bareRate.toFixed(0)} requests/s just before); ${logged} logged meanwhile\n` +
            `  answers per second from the start (the first ${WARMUP} not counted): ${series.join(' ')}\n`
        );
      }
      process.stdout.write(
        `ingest with ${queued} queued: median ${median(ratios).toFixed(2)} x bare Fastify over ${REPEAT} runs ` +
          `(${Math.min(...ratios).toFixed(2)} to ${Math.max(...ratios).toFixed(2)})\n`
      );
    }
    for (const b of bare) b.child.kill();

    const store = await storage(server);
    await prefill(store, DRAIN, 400_000_000);
    const apiBefore = org.org.apiUsed;
    const started = Date.now();
    const running = await serveInstances(org, store);
    let left = DRAIN;
    while ((left = await waiting(store)) > 0) await new Promise((r) => setTimeout(r, 250));
    const seconds = (Date.now() - started) / 1000;
    await running.stop();
    store.cleanup();
    const requests = org.org.apiUsed - apiBefore;
    process.stdout.write(
      `drain, aircall-sf x${INSTANCES} (${ENGINE}): ${DRAIN} calls in ${seconds.toFixed(1)} s (start-up included) = ` +
        `${(DRAIN / seconds).toFixed(0)} items/s, ${requests} Salesforce requests (${(requests / DRAIN).toFixed(3)} per call)${left ? `, ${left} left` : ''}\n`
    );
  } finally {
    await org.close();
    server?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
