/**
 * Local org speed with 100,000 records: phone search, lookup by Id and by external id,
 * over HTTP through jsforce as the product calls it. Prints medians and p95; asserts nothing.
 *
 *   npm run bench:local-org            (RECORDS=20000 for a quicker run)
 */
import { performance } from 'node:perf_hooks';
import { Connection } from 'jsforce';
import { startLocalOrg } from '../src';
import { FIXTURE_FORCE_APP } from '../test/helpers';

const RECORDS = Number(process.env.RECORDS ?? 100_000);
const SAMPLES = 300;

function stats(samples: number[]): { median: string; p95: string } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2);
  return { median: at(0.5), p95: at(0.95) };
}

async function time(label: string, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 20; i += 1) await fn(i); // warm up
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i += 1) {
    const start = performance.now();
    await fn(i);
    samples.push(performance.now() - start);
  }
  const s = stats(samples);
  console.log(`${label.padEnd(44)} median ${s.median.padStart(6)} ms   p95 ${s.p95.padStart(6)} ms`);
}

async function main(): Promise<void> {
  const running = await startLocalOrg({ port: 0, forceApp: FIXTURE_FORCE_APP });
  const { store } = running.org;
  const admin = running.org.admin;
  const started = performance.now();
  const contactIds: string[] = [];
  // Load through the store's own DML (rules, indexes), in batches of one transaction each.
  for (let batch = 0; batch < RECORDS / 1000; batch += 1) {
    store.transaction(() => {
      for (let i = batch * 1000; i < (batch + 1) * 1000; i += 1) {
        const phone = `+33 6 ${String(10_000_000 + i).replace(/(\d{2})(?=\d)/g, '$1 ')}`;
        const kind = i % 10;
        if (kind < 6) contactIds.push(store.insert('Contact', { LastName: `Contact ${i}`, Phone: phone }, admin));
        else if (kind < 8) store.insert('Lead', { LastName: `Lead ${i}`, Company: 'Bench', MobilePhone: phone }, admin);
        else if (kind < 9) store.insert('Account', { Name: `Account ${i}`, Phone: phone }, admin);
        else store.insert('Task', { Subject: `Task ${i}`, Aircall_Id__c: `call:${i}` }, admin);
      }
    });
  }
  console.log(`loaded ${RECORDS} records in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const conn = new Connection({ instanceUrl: running.instanceUrl, accessToken: running.accessToken, version: '62.0' });
  const pick = (i: number) => (i * 7919) % RECORDS;
  await time('SOSL phone search (3 objects)', (i) =>
    conn.search(
      `FIND {6${String(10_000_000 + pick(i)).slice(1)}} IN PHONE FIELDS RETURNING Contact(Id, Phone), Lead(Id, MobilePhone), Account(Id, Phone)`
    )
  );
  await time('retrieve by Id', (i) => conn.sobject('Contact').retrieve(contactIds[i % contactIds.length]!));
  await time('SOQL by Id', (i) =>
    Promise.resolve(conn.query(`SELECT Id, LastName FROM Contact WHERE Id = '${contactIds[i % contactIds.length]!}'`))
  );
  await time('GET by external id (Aircall_Id__c)', (i) =>
    conn.request(`/sobjects/Task/Aircall_Id__c/call:${pick(i) - (pick(i) % 10) + 9}`)
  );
  await time('SOQL by external id (Aircall_Id__c)', (i) =>
    Promise.resolve(conn.query(`SELECT Id FROM Task WHERE Aircall_Id__c = 'call:${pick(i) - (pick(i) % 10) + 9}'`))
  );
  await running.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
