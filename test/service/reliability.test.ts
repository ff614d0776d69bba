/**
 * Faults and permanent errors: every call is eventually logged through injected Salesforce
 * failures; what can never be logged becomes a dead letter that `retry` logs once fixed.
 */
import { callData, envelope } from '../fixtures/aircall-builders';
import { parseFaults } from '@aircall-sf/local-org';
import { testService } from '../helpers/service';

/** The test's own calls go through the faulty org too: retry them. */
async function read<T>(fn: () => PromiseLike<T>): Promise<T> {
  for (let i = 0; ; i += 1) {
    try {
      return await fn();
    } catch (error) {
      if (i > 20) throw error;
    }
  }
}

const phone = (n: number) =>
  `+33 7 ${String(n)
    .padStart(8, '0')
    .replace(/(\d{2})(?=\d)/g, '$1 ')}`;

describe('injected faults', () => {
  it('20 % faults (limits, locks, 503, expired sessions): every call logged exactly once', async () => {
    const svc = await testService({
      org: {
        faults: parseFaults('rate=0.2,kinds=REQUEST_LIMIT_EXCEEDED+UNABLE_TO_LOCK_ROW+503+INVALID_SESSION_ID,seed=11')
      },
      worker: { maxAttempts: 50, backoffBaseMs: 5, limitBackoffMs: 10 }
    });
    try {
      await read(() => svc.setSettings({ Unknown_Number__c: 'Contact' }));
      const ids = Array.from({ length: 40 }, (_, i) => 9000 + i);
      for (const id of ids) {
        const res = await svc.post(envelope('call.ended', callData({ id, raw_digits: phone(id % 15) })));
        expect(res.status).toBe(200);
      }
      await svc.settle(60_000);
      const counts = await svc.pipeline.inbox.counts(ids.map((id) => `call:${id}`));
      expect(counts).toEqual({ pending: 0, logged: 40, skipped: 0, dead: 0 });
      const tasks = await read(() =>
        svc.org.conn
          .query<{ Aircall_Id__c: string }>("SELECT Aircall_Id__c FROM Task WHERE Aircall_Id__c LIKE 'call:9%'")
          .run({ autoFetch: true })
      );
      expect(new Set(tasks.records.map((t) => t.Aircall_Id__c)).size).toBe(40);
      expect(tasks.records).toHaveLength(40);
      const contacts = await read(() =>
        svc.org.conn.query("SELECT COUNT() FROM Contact WHERE Aircall_Key__c LIKE 'number:%'")
      );
      expect(contacts.totalSize).toBe(15);
      expect(svc.pipeline.metrics.retries.values.size).toBeGreaterThan(0);
    } finally {
      await svc.close();
    }
  }, 90_000);
});

describe('dead letters', () => {
  it('a call matched to a record deleted meanwhile is a dead letter with its reason; retry logs it', async () => {
    const svc = await testService();
    try {
      await svc.setSettings({ Unknown_Number__c: 'Contact' });
      const number = phone(424242);
      await svc.post(envelope('call.ended', callData({ id: 9101, raw_digits: number })));
      await svc.settle();
      const created = await svc.org.conn.query<{ Id: string }>(`SELECT Id FROM Contact WHERE Phone = '${number}'`);
      await svc.org.conn.sobject('Contact').destroy(created.records[0]!.Id);
      await svc.post(envelope('call.ended', callData({ id: 9102, raw_digits: number })));
      await svc.settle();
      const dead = await svc.pipeline.inbox.deadLetters();
      expect(dead.map((d) => d.key)).toEqual(['call:9102']);
      expect(dead[0]!.lastError).toMatch(/INVALID_CROSS_REFERENCE_KEY.*retry the dead letter/);
      expect(await (await fetch(`${svc.url}/metrics`)).text()).toMatch(/aircall_items_failed_total\{kind="call"\} 1/);
      expect(await svc.pipeline.inbox.retry('call:9102')).toBe(1);
      await svc.settle();
      expect((await svc.pipeline.inbox.item('call:9102'))?.state).toBe('logged');
      const again = await svc.org.conn.query<{ Id: string }>(`SELECT Id FROM Contact WHERE Phone = '${number}'`);
      expect(again.totalSize).toBe(1);
    } finally {
      await svc.close();
    }
  });

  it('invalid settings: events wait (nothing lost), /readyz says which field; they are logged once fixed', async () => {
    const svc = await testService();
    try {
      const number = phone(515151);
      await svc.org.conn.sobject('Contact').create({ LastName: 'Waiting', Phone: number });
      await svc.setSettings({ Missed_Call__c: 'Sometimes' });
      await svc.post(envelope('call.ended', callData({ id: 9201, raw_digits: number })));
      await new Promise((r) => setTimeout(r, 200));
      expect((await svc.pipeline.inbox.item('call:9201'))?.state).toBe('pending');
      const ready = await fetch(`${svc.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { reason: string }).reason).toContain('Missed_Call__c');
      await svc.setSettings({ Missed_Call__c: 'InProgress' });
      await svc.settle();
      expect((await svc.pipeline.inbox.item('call:9201'))?.state).toBe('logged');
    } finally {
      await svc.close();
    }
  });
});
