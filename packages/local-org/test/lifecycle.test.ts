import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from 'jsforce';
import { DEMO_AGENTS, LocalOrg, parseFaults, startLocalOrg } from '../src';
import { API_VERSION, FIXTURE_FORCE_APP, exitOf, expectServesAndStops, failure, raw, testOrg } from './helpers';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-org-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('persistence (--data)', () => {
  it('a write answered 2xx survives a restart; tokens stay valid; Ids continue', async () => {
    const file = join(dir, 'org.sqlite');
    const first = await testOrg({ dataFile: file });
    const conn = first.conn;
    const { id } = (await conn.sobject('Contact').create({ LastName: 'Durable', Phone: '+33 6 11 11 11 11' })) as {
      id: string;
    };
    const used = first.org.apiUsed;
    await first.close();

    const second = await startLocalOrg({ dataFile: file, forceApp: FIXTURE_FORCE_APP });
    // The first run's token, on purpose: issued tokens stay valid across restarts.
    const again = new Connection({
      instanceUrl: second.instanceUrl,
      accessToken: first.accessToken,
      version: API_VERSION
    });
    expect((await again.sobject('Contact').retrieve(id)).LastName).toBe('Durable');
    expect(second.org.orgId).toBe(first.org.orgId);
    expect(second.org.apiUsed).toBeGreaterThanOrEqual(used);
    const search = await again.search('FIND {611111111} IN PHONE FIELDS RETURNING Contact(Id)');
    expect(search.searchRecords.map((r) => r.Id)).toEqual([id]);
    const next = (await again.sobject('Contact').create({ LastName: 'Next' })) as { id: string };
    expect(next.id).not.toBe(id);
    await second.close();
  });

  it('a rolled-back composite leaves nothing on disk', async () => {
    const file = join(dir, 'rollback.sqlite');
    const running = await testOrg({ dataFile: file });
    await running.conn.requestPost('/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'a', body: { Name: 'Ghost' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Contact', referenceId: 'b', body: {} }
      ]
    });
    await running.close();
    const reopened = new LocalOrg({ dataFile: file, forceApp: FIXTURE_FORCE_APP });
    expect([...reopened.store.table('Account').values()].filter((a) => a.Name === 'Ghost')).toHaveLength(0);
    reopened.close();
  });
});

describe('faults (--faults)', () => {
  it.each([
    ['UNABLE_TO_LOCK_ROW', 'POST', 400],
    ['REQUEST_LIMIT_EXCEEDED', 'GET', 403],
    ['503', 'GET', 503],
    ['INVALID_SESSION_ID', 'GET', 401]
  ])('injects %s', async (kind, method, status) => {
    const org = await testOrg({ faults: parseFaults(`rate=1,kinds=${kind}`) });
    const res = await raw(
      org,
      method,
      method === 'POST' ? '/services/data/v62.0/sobjects/Account' : '/services/data/v62.0/limits',
      method === 'POST' ? { Name: 'x' } : undefined
    );
    expect(res.status).toBe(status);
    await org.close();
  });

  it('never fails a read with a lock error', async () => {
    const org = await testOrg({ faults: parseFaults('rate=1,kinds=UNABLE_TO_LOCK_ROW') });
    expect((await raw(org, 'GET', '/services/data/v62.0/limits')).status).toBe(200);
    await org.close();
  });

  it('is deterministic for a seed', async () => {
    const pattern = async () => {
      const org = await testOrg({ faults: parseFaults('rate=0.3,kinds=503,seed=42') });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i += 1) statuses.push((await raw(org, 'GET', '/services/data/v62.0/limits')).status);
      await org.close();
      return statuses;
    };
    const a = await pattern();
    expect(a.filter((s) => s === 503).length).toBeGreaterThan(3);
    expect(await pattern()).toEqual(a);
  });

  it.each(['rate=2', 'kinds=FIRE', 'colour=red'])('rejects the spec %s with a message', (spec) => {
    expect(() => parseFaults(spec)).toThrow(/--faults/);
  });
});

describe('the API allocation', () => {
  it('answers REQUEST_LIMIT_EXCEEDED once the daily allocation is used', async () => {
    const org = await testOrg({ apiLimit: 3 });
    for (let i = 0; i < 3; i += 1) await org.conn.request('/limits');
    expect((await failure(Promise.resolve(org.conn.sobject('Account').create({ Name: 'x' })))).name).toBe(
      'REQUEST_LIMIT_EXCEEDED'
    );
    await org.close();
  });
});

describe('--seed demo', () => {
  it('users for the demo agents (one inactive), contacts, leads, cases, an opportunity with a role, a person account', async () => {
    const org = await testOrg({ seed: 'demo', personAccounts: true });
    const users = await org.conn.query<{ Email: string; IsActive: boolean }>('SELECT Email, IsActive FROM User');
    for (const agent of DEMO_AGENTS) {
      expect(users.records).toContainEqual(
        expect.objectContaining({ Email: agent.email, IsActive: !('inactive' in agent) })
      );
    }
    const open = await org.conn.query('SELECT COUNT() FROM Case WHERE IsClosed = false');
    const closed = await org.conn.query('SELECT COUNT() FROM Case WHERE IsClosed = true');
    expect(open.totalSize).toBeGreaterThan(0);
    expect(closed.totalSize).toBeGreaterThan(0);
    expect((await org.conn.query('SELECT COUNT() FROM OpportunityContactRole')).totalSize).toBe(1);
    expect((await org.conn.query('SELECT COUNT() FROM Account WHERE IsPersonAccount = true')).totalSize).toBe(1);
    await org.close();
  });
});

describe('the local-org bin', () => {
  const bin = join(__dirname, '..', 'bin', 'local-org');

  it('prints one JSON line when ready, serves, and exits cleanly on SIGTERM', async () => {
    await expectServesAndStops([bin, '--port', '0', '--seed', 'demo']);
  }, 20000);

  it('exits 2 and explains a bad flag', async () => {
    const { code, stderr } = await exitOf([bin, '--seed', 'lots']);
    expect(code).toBe(2);
    expect(stderr).toContain('--seed must be demo or none');
  }, 20000);
});

describe('listening', () => {
  it('a port in use rejects with EADDRINUSE, so the caller can choose another', async () => {
    const first = await testOrg();
    const port = Number(new URL(first.instanceUrl).port);
    try {
      await expect(startLocalOrg({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.close();
    }
  });
});
