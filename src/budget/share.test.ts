import pino from 'pino';
import { Metrics } from '../metrics';
import { parseSettings } from '../settings/parse';
import { ApiShare, DAY_MS, batching, shareState } from './share';
import type { ShareInput } from './share';

const ORG = { used: 10_000, max: 100_000 };

describe('shareState (A1)', () => {
  it.each<[string, ShareInput, string, number | null]>([
    ['no cap: usual batching whatever the use', { ownUsed: 90_000, org: ORG, sharePercent: null }, 'normal', null],
    ['under 60 % of the share', { ownUsed: 2_999, org: ORG, sharePercent: 5 }, 'normal', 5_000],
    ['from 60 % of the share: batch harder', { ownUsed: 3_000, org: ORG, sharePercent: 5 }, 'near', 5_000],
    [
      'from 80 %: the largest batches, a fifth left for new calls',
      { ownUsed: 4_000, org: ORG, sharePercent: 5 },
      'capped',
      5_000
    ],
    ['at the share', { ownUsed: 5_000, org: ORG, sharePercent: 5 }, 'capped', 5_000],
    ['past the share (new calls are still logged)', { ownUsed: 7_000, org: ORG, sharePercent: 5 }, 'capped', 5_000],
    [
      'the org near its maximum because of others',
      { ownUsed: 10, org: { used: 85_000, max: 100_000 }, sharePercent: null },
      'near',
      null
    ],
    [
      'the org at 95 % of its maximum',
      { ownUsed: 10, org: { used: 95_000, max: 100_000 }, sharePercent: 50 },
      'capped',
      50_000
    ],
    [
      'the worse of the two: own share near, org capped',
      { ownUsed: 3_500, org: { used: 96_000, max: 100_000 }, sharePercent: 5 },
      'capped',
      5_000
    ],
    [
      'no answer from the org yet: the maximum is unknown',
      { ownUsed: 1_000_000, org: null, sharePercent: 5 },
      'normal',
      null
    ]
  ])('%s', (_name, input, pressure, cap) => {
    const state = shareState(input);
    expect(state.pressure).toBe(pressure);
    expect(state.cap).toBe(cap);
    expect(state.reason === null).toBe(pressure === 'normal');
  });

  it('says what is happening and what to do', () => {
    expect(shareState({ ownUsed: 5_000, org: ORG, sharePercent: 5 }).reason).toMatch(
      /5000 Salesforce API requests in the last 24 hours, its whole share of 5000 \(API_Share__c 5 % of the org's 100000\).*Nothing is dropped\. Raise API_Share__c/
    );
    expect(shareState({ ownUsed: 0, org: { used: 96_000, max: 100_000 }, sharePercent: null }).reason).toMatch(
      /The org used 96000 of its 100000 daily API requests \(96 %\).*Setup, API Usage/
    );
  });
});

describe('batching', () => {
  it.each([
    ['normal', 10_000, false],
    ['near', 30_000, true],
    ['capped', 100_000, true]
  ] as const)('%s: a window of %i ms, updates held: %s', (pressure, windowMs, holdUpdates) => {
    expect(batching(pressure, 10_000)).toEqual({ windowMs, holdUpdates });
  });
});

describe('ApiShare', () => {
  function setup(share: string | null) {
    const used: { at: number; n: number }[] = [];
    let sent = 0;
    let now = 10 * DAY_MS;
    const settings = share === null ? null : parseSettings({ API_Share__c: share });
    const metrics = new Metrics();
    const apiShare = new ApiShare({
      inbox: {
        addApiUse: (n, at) => {
          used.push({ at, n });
          return Promise.resolve();
        },
        apiUse: (since) => Promise.resolve(used.filter((u) => u.at >= since).reduce((a, u) => a + u.n, 0))
      },
      requestsSent: () => sent,
      orgUsage: () => ({ used: 500, limit: 1_000 }),
      settings: { peek: () => settings },
      metrics,
      logger: pino({ level: 'silent' }),
      now: () => now
    });
    return {
      apiShare,
      used,
      metrics,
      send: (n: number) => (sent += n),
      later: (ms: number) => (now += ms)
    };
  }

  it('counts only what was sent since the last tick, and reads the last 24 hours', async () => {
    const { apiShare, used, send, later } = setup('10');
    send(30);
    expect((await apiShare.tick()).ownUsed).toBe(30);
    send(40); // 70 of a share of 100: near (60 to 80)
    const near = await apiShare.tick();
    expect(used.map((u) => u.n)).toEqual([30, 40]);
    expect(near).toMatchObject({ ownUsed: 70, cap: 100, pressure: 'near' });
    expect(await apiShare.tick()).toMatchObject({ ownUsed: 70 }); // nothing new: nothing added
    expect(used).toHaveLength(2);
    later(DAY_MS + 1); // the day has passed: the share is free again
    expect(await apiShare.tick()).toMatchObject({ ownUsed: 0, pressure: 'normal' });
  });

  it('shows the use, the cap and the pressure in /metrics', async () => {
    const { apiShare, metrics, send } = setup('10');
    send(100);
    await apiShare.tick();
    expect(metrics.apiShareUsed.get()).toBe(100);
    expect(metrics.apiShareCap.get()).toBe(100);
    expect(metrics.apiSharePressure.get()).toBe(2);
  });

  it('has no cap before the settings are known, or with API_Share__c None', async () => {
    for (const share of [null, 'None']) {
      const { apiShare, send } = setup(share);
      send(10_000);
      expect(await apiShare.tick()).toMatchObject({ pressure: 'normal', cap: null });
    }
  });
});
