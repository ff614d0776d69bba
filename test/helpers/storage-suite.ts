/**
 * The storage suite both engines pass (test/service/storage.test.ts runs it on SQLite,
 * test/postgres/storage.test.ts on PostgreSQL): what the worker, the server and the CLI rely on.
 */
import { callData, envelope, T0 } from '../fixtures/aircall-builders';
import { aiEvents } from '../fixtures/aircall-ai';
import type { AircallEvent } from '../../src/aircall/read';
import { readEnvelope } from '../../src/aircall/read';
import type { Inbox, Placement } from '../../src/inbox/inbox';

export type OpenInbox = (options: { now: () => number }) => Promise<Inbox>;

export const read = (name: string, data: Record<string, unknown>, timestamp = T0): AircallEvent => {
  const result = readEnvelope(envelope(name, data, { timestamp }), { receivedAt: 0 });
  if (!result.event) throw new Error(`${name} is not used`);
  return result.event;
};

const digits = (n: number) =>
  `+33 6 ${String(n)
    .padStart(8, '0')
    .replace(/(\d{2})(?=\d)/g, '$1 ')}`;
/** A call that ended, from a number of its own (or `phone`). */
export const ended = (id: number, phone = id) => read('call.ended', callData({ id, raw_digits: digits(phone) }));
const live = (id: number, phone = id) =>
  read('call.commented', callData({ id, raw_digits: digits(phone), ended_at: null, answered_at: null }), T0 - 60);

export function storageSuite(engine: string, open: OpenInbox): void {
  describe(`storage (${engine})`, () => {
    let now = 1_000_000;
    let inbox: Inbox;
    const none = new Set<string>();
    beforeEach(async () => {
      now = 1_000_000;
      inbox = await open({ now: () => now });
    });
    afterEach(async () => {
      await inbox.close();
    });
    const keys = (items: { key: string }[]) => items.map((i) => i.key).sort();

    it('stores an event once: a redelivery changes nothing, a live event is not claimable', async () => {
      expect(await inbox.accept(ended(1), 'd1')).toBe(true);
      expect(await inbox.accept(ended(1), 'd1')).toBe(false);
      expect(await inbox.accept(live(2), 'd2')).toBe(true);
      expect(await inbox.item('call:1')).toMatchObject({ state: 'pending', version: 1, phone: '+33600000001' });
      expect(keys(await inbox.claim(10, none, none))).toEqual(['call:1']);
      expect(await inbox.depth()).toBe(2);
      expect(await inbox.outstanding()).toBe(1);
      expect(await inbox.counts(['call:1', 'call:2', 'call:3'])).toEqual({
        pending: 2,
        logged: 0,
        skipped: 0,
        dead: 0
      });
      expect(await inbox.item('call:3')).toBeUndefined();
    });

    it('coalesces the events of one call; a change after it was logged makes it pending again, keeping its Task', async () => {
      await inbox.accept(live(3), 'a');
      await inbox.accept(ended(3), 'b');
      const [item] = await inbox.claim(10, none, none);
      expect(item).toMatchObject({ key: 'call:3', version: 2 });
      // A tag arrives while the call is being written: the completion keeps it pending.
      await inbox.accept(
        read('call.tagged', callData({ id: 3, raw_digits: digits(3), tags: [{ id: 1, name: 'VIP' }] }), T0 + 60),
        'c'
      );
      const placement: Placement = {
        kind: 'Contact',
        id: '003000000000001AAA',
        personContactId: null,
        accountId: null,
        relatedKind: null,
        relatedId: null
      };
      await inbox.complete('call:3', item!.version, 'logged', { taskId: '00T000000000001AAA', placement, trace: 'R1' });
      expect(await inbox.item('call:3')).toMatchObject({
        state: 'pending',
        version: 3,
        taskId: '00T000000000001AAA',
        placement
      });
      const [again] = await inbox.claim(10, none, none);
      expect(again).toMatchObject({ key: 'call:3', version: 3, taskId: '00T000000000001AAA' });
      await inbox.complete('call:3', 3, 'logged', {});
      expect(await inbox.item('call:3')).toMatchObject({ state: 'logged', trace: 'R1', taskId: '00T000000000001AAA' });
      expect(await inbox.depth()).toBe(0);
    });

    it('loses no comment nor tag whatever the order of events of one second (each permutation)', async () => {
      const same = T0 + 30;
      const comment = { id: 77, content: 'Wants a quote', posted_at: same, posted_by: { name: 'Jane' } };
      const tag = { id: 5, name: 'VIP' };
      const events = [
        read('call.ended', callData({ id: 40, raw_digits: digits(40) }), same),
        read('call.commented', callData({ id: 40, raw_digits: digits(40), comments: [comment] }), same),
        read('call.tagged', callData({ id: 40, raw_digits: digits(40), tags: [tag] }), same)
      ];
      const orders = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0]
      ];
      for (const [n, order] of orders.entries()) {
        const key = `call:${40 + n}`;
        for (const [i, e] of order.entries()) {
          const event = events[e]!;
          const data = { ...event.data, id: 40 + n };
          await inbox.accept(read(event.event, data, same), `perm-${n}-${i}`);
        }
        const item = await inbox.item(key);
        const classified = item!.classified as unknown as { comments: { content: string }[]; tags: string[] };
        expect({ order, comments: classified.comments.map((c) => c.content), tags: classified.tags }).toEqual({
          order,
          comments: ['Wants a quote'],
          tags: ['VIP']
        });
      }
    });

    it('folds Aircall AI into its call whatever the order, before or after call.ended, never making it final (issue #31)', async () => {
      const ai = (callId: number) =>
        aiEvents(callId, T0 + 300).map((e) =>
          read(String(e.event), e.data as Record<string, unknown>, Number(e.timestamp))
        );
      const call = (callId: number) => [
        read('call.ended', callData({ id: callId, raw_digits: digits(callId) }), T0 + 30),
        read(
          'call.tagged',
          callData({ id: callId, raw_digits: digits(callId), tags: [{ id: 5, name: 'VIP' }] }),
          T0 + 60
        )
      ];
      // AI first, call last; interleaved; call first: the same item every time.
      const orders = [
        (id: number) => [...ai(id), ...call(id)],
        (id: number) => [ai(id)[1]!, call(id)[0]!, ...ai(id).slice(2), ai(id)[0]!, call(id)[1]!],
        (id: number) => [...call(id), ...ai(id).reverse()]
      ];
      for (const [n, order] of orders.entries()) {
        const id = 450 + n;
        const events = order(id);
        await inbox.accept(events[0]!, `ai-${n}-0`);
        if (events[0]!.ai) {
          // Only AI so far: waiting for the call, not claimable.
          expect(await inbox.item(`call:${id}`)).toMatchObject({ classified: null });
          expect(keys(await inbox.claim(10, none, none))).not.toContain(`call:${id}`);
        }
        for (const [i, e] of events.slice(1).entries()) await inbox.accept(e, `ai-${n}-${i + 1}`);
        const item = await inbox.item(`call:${id}`);
        const classified = item!.classified as unknown as {
          tags: string[];
          ai: { summary: string; topics: string[]; actionItems: unknown[]; transcript: unknown[] };
        };
        expect({ n, tags: classified.tags, summary: classified.ai.summary, topics: classified.ai.topics }).toEqual({
          n,
          tags: ['VIP'],
          summary: expect.stringContaining('quote for 20 seats') as string,
          topics: ['pricing', 'renewal']
        });
        expect(classified.ai.actionItems).toHaveLength(1);
        expect(classified.ai.transcript).toHaveLength(2);
      }
    });

    it('claims one item per number, none of a busy number or key, and a hot number does not block the others', async () => {
      // 300 calls of one number at the head of the queue, then 40 calls of 40 other numbers.
      const events: Promise<boolean>[] = [];
      for (let i = 0; i < 300; i += 1) events.push(inbox.accept(ended(1000 + i, 7), `h${i}`));
      await Promise.all(events);
      now += 1;
      await Promise.all(Array.from({ length: 40 }, (_, i) => inbox.accept(ended(2000 + i), `o${i}`)));
      const batch = await inbox.claim(25, none, none);
      expect(batch).toHaveLength(25);
      expect(new Set(batch.map((i) => i.phone)).size).toBe(25);
      expect(batch[0]!.key).toBe('call:1000');
      const next = await inbox.claim(25, new Set(['+33600000007']), new Set(['call:2030']));
      expect(next.map((i) => i.phone)).not.toContain('+33600000007');
      expect(next.map((i) => i.key)).not.toContain('call:2030');
      expect(await inbox.depth()).toBe(340);
    });

    it('never claims an item in flight again until its outcome is recorded or it is released', async () => {
      for (const id of [15, 16]) await inbox.accept(ended(id), `f${id}`);
      expect(keys(await inbox.claim(10, none, none))).toEqual(['call:15', 'call:16']);
      expect(await inbox.claim(10, none, none)).toEqual([]);
      expect(await inbox.outstanding()).toBe(2);
      await inbox.release(['call:16']);
      expect(keys(await inbox.claim(10, none, none))).toEqual(['call:16']);
      await inbox.complete('call:15', 1, 'logged', {});
      await inbox.accept(
        read('call.tagged', callData({ id: 15, raw_digits: digits(15), tags: [{ id: 1, name: 'VIP' }] }), T0 + 60),
        'f15t'
      );
      expect(keys(await inbox.claim(10, none, none))).toEqual(['call:15']);
    });

    it('retries later, postpones and dead-letters; a retry of a dead letter puts it back', async () => {
      for (const id of [11, 12, 13]) await inbox.accept(ended(id), `r${id}`);
      await inbox.claim(10, none, none);
      await inbox.retryLater('call:11', 5000, 'UNABLE_TO_LOCK_ROW');
      await inbox.postpone('call:12', 5000, 'settings invalid');
      await inbox.deadLetter('call:13', 'INVALID_CROSS_REFERENCE_KEY: retry the dead letter');
      expect(await inbox.claim(10, none, none)).toEqual([]);
      expect(await inbox.item('call:11')).toMatchObject({ attempts: 1, lastError: 'UNABLE_TO_LOCK_ROW' });
      expect(await inbox.item('call:12')).toMatchObject({ attempts: 0, lastError: 'settings invalid' });
      now += 5000;
      expect(keys(await inbox.claim(10, none, none))).toEqual(['call:11', 'call:12']);
      expect((await inbox.deadLetters()).map((d) => [d.key, d.lastError])).toEqual([
        ['call:13', 'INVALID_CROSS_REFERENCE_KEY: retry the dead letter']
      ]);
      expect(await inbox.depth()).toBe(2);
      expect(await inbox.retry('call:13')).toBe(1);
      expect(await inbox.retry()).toBe(0);
      expect(await inbox.depth()).toBe(3);
      expect(keys(await inbox.claim(10, new Set(['+33600000011', '+33600000012']), none))).toEqual(['call:13']);
    });

    it('gives up live calls without call.ended after the expiry; a late call.ended logs them', async () => {
      await inbox.accept(live(21), 'l');
      now += 60_000;
      expect(await inbox.expireLive(30_000)).toBe(1);
      expect(await inbox.item('call:21')).toMatchObject({ state: 'skipped', lastError: 'LIVE_CALL_EXPIRED' });
      await inbox.accept(ended(21), 'e');
      expect(keys(await inbox.claim(10, none, none))).toEqual(['call:21']);
    });

    it('prunes logged and skipped items past the retention, keeps dead letters and recent items', async () => {
      for (const id of [31, 32, 33, 34]) await inbox.accept(ended(id), `p${id}`);
      await inbox.claim(10, none, none);
      await inbox.complete('call:31', 1, 'logged', { taskId: '00T000000000031AAA' });
      await inbox.complete('call:32', 1, 'skipped', { reason: 'INTERNAL_CALL' });
      await inbox.deadLetter('call:33', 'broken');
      now += 10 * 86_400_000;
      await inbox.complete('call:34', 1, 'logged', {});
      expect(await inbox.prune(86_400_000)).toBe(2);
      expect(keys(await inbox.recent(10))).toEqual(['call:33', 'call:34']);
      // The deliveries went too: a redelivery of a pruned call is stored again (and found by its Task).
      expect(await inbox.accept(ended(31), 'p31')).toBe(true);
    });

    it('lists the newest items first', async () => {
      await inbox.accept(ended(41), 'a');
      now += 10;
      await inbox.accept(ended(42), 'b');
      expect((await inbox.recent(10)).map((i) => i.key)).toEqual(['call:42', 'call:41']);
      expect((await inbox.recent(1)).map((i) => i.key)).toEqual(['call:42']);
    });

    it('keeps the company lines and the records created per number', async () => {
      await inbox.rememberLines(['+33100000001', '+33100000002']);
      await inbox.rememberLines(['+33100000001']);
      expect([...inbox.companyLines()].sort()).toEqual(['+33100000001', '+33100000002']);
      await inbox.rememberNumber('+33600000051', 'Contact', '003000000000051AAA');
      await inbox.rememberNumber('+33600000052', 'Lead', '00Q000000000052AAA');
      await inbox.forgetNumber('+33600000052');
      expect([...(await inbox.knownNumbers(['+33600000051', '+33600000052', '+33600000053']))]).toEqual([
        ['+33600000051', { sobject: 'Contact', recordId: '003000000000051AAA' }]
      ]);
      expect((await inbox.knownNumbers([])).size).toBe(0);
    });

    it('announces claimable work, not a live event nor a redelivery', async () => {
      let signals = 0;
      inbox.onWork(() => (signals += 1));
      await inbox.accept(live(61), 'a');
      await inbox.accept(ended(62), 'b');
      await inbox.accept(ended(62), 'b');
      // Postgres delivers its notifications asynchronously.
      for (let i = 0; i < 100 && signals === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
      expect(signals).toBe(1);
    });

    it('accepts many deliveries of one call at once as one item', async () => {
      const tags = Array.from({ length: 20 }, (_, i) =>
        read(
          'call.tagged',
          callData({ id: 71, raw_digits: digits(71), tags: [{ id: i, name: `T${i}` }] }),
          T0 + 100 + i
        )
      );
      expect(await Promise.all(tags.map((e, i) => inbox.accept(e, `t${i}`)))).toEqual(tags.map(() => true));
      const item = (await inbox.item('call:71'))!;
      expect(item.version).toBeGreaterThanOrEqual(1);
      expect(item.classified).toMatchObject({ tags: ['T19'] });
      expect(await inbox.depth()).toBe(1);
    });

    it('accepts arriving together: new calls, updates of stored ones and redeliveries, each answered for itself', async () => {
      await inbox.accept(ended(91), 'e91');
      await inbox.accept(ended(92), 'e92');
      await inbox.deadLetter('call:92', 'UNREADABLE');
      const tagged = (id: number) =>
        read('call.tagged', callData({ id, raw_digits: digits(id), tags: [{ id: 1, name: 'VIP' }] }), T0 + 60);
      const together = await Promise.all([
        inbox.accept(ended(93), 'e93'),
        inbox.accept(tagged(91), 't91'),
        inbox.accept(ended(93), 'e93'), // the same delivery twice at once: stored once
        inbox.accept(ended(91), 'e91'), // a redelivery of what was stored before
        inbox.accept(tagged(92), 't92'),
        inbox.accept(live(94), 'l94')
      ]);
      expect(together).toEqual([true, true, false, false, true, true]);
      expect(await inbox.item('call:91')).toMatchObject({
        state: 'pending',
        version: 2,
        classified: { tags: ['VIP'] }
      });
      expect(await inbox.item('call:92')).toMatchObject({ state: 'dead', classified: { tags: ['VIP'] } });
      expect(await inbox.item('call:93')).toMatchObject({ state: 'pending', version: 1 });
      expect(await inbox.item('call:94')).toMatchObject({ state: 'pending' }); // live: stored, not claimable
      expect(keys(await inbox.claim(10, none, none))).toEqual(['call:91', 'call:93']);
    });

    it('stores text as it came: quotes, backslashes, SQL, non-ASCII and a NUL survive, in the payload and the digest', async () => {
      const content = `It's "quoted" \\ back\\slash; $1 -- ' OR '1'='1'; DROP TABLE x; $j$ $j0$ $$ é 漢字 🎉 \u0000 end`;
      const commented = read(
        'call.commented',
        callData({ id: 98, raw_digits: digits(98), comments: [{ id: 1, content, posted_at: T0 + 1 }] }),
        T0 + 1
      );
      const digest = `d'98\\"; $2`;
      expect(await Promise.all([inbox.accept(commented, digest), inbox.accept(ended(99), "e'99")])).toEqual([
        true,
        true
      ]);
      expect(await inbox.accept(commented, digest)).toBe(false);
      expect((await inbox.item('call:98'))!.classified).toMatchObject({ comments: [{ content }] });
    });

    it('a write that throws fails alone: the others committed with it are stored', async () => {
      const broken = { ...ended(96), data: { ...ended(96).data, id: 96n } }; // JSON.stringify throws on a BigInt
      const outcomes = await Promise.allSettled([
        inbox.accept(ended(95), 'w95'),
        inbox.accept(broken, 'w96'),
        inbox.accept(ended(97), 'w97')
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await inbox.item('call:95')).toMatchObject({ state: 'pending' });
      expect(await inbox.item('call:96')).toBeUndefined();
      expect(await inbox.accept(ended(96), 'w96')).toBe(true); // its delivery was not kept either
      expect(keys(await inbox.claim(10, none, none))).toEqual(['call:95', 'call:96', 'call:97']);
    });

    it('records the outcomes of a batch together, each for its own item and version', async () => {
      for (const id of [51, 52, 53]) await inbox.accept(ended(id), `c${id}`);
      const batch = await inbox.claim(10, none, none);
      await inbox.accept(
        read('call.tagged', callData({ id: 52, raw_digits: digits(52), tags: [{ id: 1, name: 'VIP' }] }), T0 + 60),
        'c52t'
      );
      await Promise.all(
        batch.map((item) =>
          inbox.complete(item.key, item.version, item.key === 'call:53' ? 'skipped' : 'logged', {
            taskId: item.key === 'call:53' ? undefined : `00T00000000005${item.key.slice(-1)}AAA`
          })
        )
      );
      expect(await inbox.item('call:51')).toMatchObject({ state: 'logged', taskId: '00T000000000051AAA' });
      expect(await inbox.item('call:52')).toMatchObject({ state: 'pending', taskId: '00T000000000052AAA' });
      expect(await inbox.item('call:53')).toMatchObject({ state: 'skipped', taskId: null });
      expect(keys(await inbox.claim(10, none, none))).toEqual(['call:52']);
    });

    it('a probe writes; what was stored survives a reopen', async () => {
      await inbox.probe();
      await inbox.accept(ended(81), 'x');
      await inbox.close();
      inbox = await open({ now: () => now });
      expect(await inbox.item('call:81')).toMatchObject({ state: 'pending' });
      expect(await inbox.depth()).toBe(1);
    });

    it('lists what the next claims would take without claiming it', async () => {
      await inbox.accept(ended(71), 'a');
      await inbox.accept(live(72), 'b');
      expect(keys(await inbox.waiting(10))).toEqual(['call:71']);
      expect(keys(await inbox.claim(10, none, none))).toEqual(['call:71']);
      expect(await inbox.waiting(10)).toEqual([]);
    });

    describe('the batch window is a latency budget', () => {
      const claim = async () => keys(await inbox.claim(25, none, none, 3000));
      /** A call claimed and logged, then tagged: an update of a logged call is waiting. */
      const loggedThenTagged = async (id: number) => {
        await inbox.accept(ended(id), 'd');
        const [item] = await inbox.claim(25, none, none, 3000);
        await inbox.complete(item!.key, item!.version, 'logged', { taskId: '00T000000000001AAA' });
        await inbox.accept(
          read('call.tagged', callData({ id, raw_digits: digits(id), tags: [{ id: 1, name: 'VIP' }] }), T0 + 60),
          'e'
        );
      };

      it('sends a call that ended at once when nothing could join it', async () => {
        await inbox.accept(ended(91), 'a');
        expect(await claim()).toEqual(['call:91']);
      });

      it('waits up to the budget while traffic flows (another call changed recently)', async () => {
        await inbox.accept(live(92), 'b');
        await inbox.accept(ended(93), 'c');
        expect(await claim()).toEqual([]);
        now += 3000;
        expect(await claim()).toEqual(['call:93']);
      });

      it('does not hold an anonymous call, which needs no org read to share', async () => {
        await inbox.accept(live(97), 'h');
        await inbox.accept(read('call.ended', callData({ id: 98, raw_digits: 'anonymous' })), 'i');
        expect(await claim()).toEqual(['call:98']);
      });

      it('lets an update of a logged call wait for the next batch', async () => {
        await loggedThenTagged(94);
        expect(await claim()).toEqual([]);
        now += 3000;
        expect(await claim()).toEqual([]);
        // A new call that ended starts a batch after its own budget, and the update rides along.
        await inbox.accept(ended(95), 'f');
        await inbox.accept(live(96), 'g');
        expect(await claim()).toEqual([]);
        now += 3000;
        expect(await claim()).toEqual(['call:94', 'call:95']);
      });

      it('an update waits no longer than its budget when a new call of its number waits behind it', async () => {
        await loggedThenTagged(400);
        // A new call from the same number: one item per number a batch, so the update goes first,
        // after the new call's budget, not after the ten budgets an update may wait alone.
        await inbox.accept(read('call.ended', callData({ id: 401, raw_digits: digits(400) })), 'f');
        await inbox.accept(live(402), 'g');
        expect(await claim()).toEqual([]);
        now += 3000;
        const [update] = await inbox.claim(25, none, none, 3000);
        expect(update?.key).toBe('call:400');
        await inbox.complete(update!.key, update!.version, 'logged');
        expect(await claim()).toEqual(['call:401']);
      });

      it('at the API share, holds an update for a new call however long, and loses nothing (A1)', async () => {
        const held = async () => keys(await inbox.claim(25, none, none, 3000, true));
        await inbox.accept(ended(194), 'd');
        const [item] = await held();
        expect(item).toBe('call:194');
        await inbox.complete(item!, 1, 'logged', { taskId: '00T000000000001AAA' });
        await inbox.accept(
          read('call.tagged', callData({ id: 194, raw_digits: digits(194), tags: [{ id: 1, name: 'VIP' }] }), T0 + 60),
          'e'
        );
        now += 3000 * 100; // long past the ten budgets an update waits otherwise
        expect(await held()).toEqual([]);
        expect(keys(await inbox.claim(25, none, none, 3000))).toEqual(['call:194']); // without the hold, it goes
        await inbox.release(['call:194']);
        await inbox.accept(ended(195), 'f');
        expect(await held()).toEqual([]);
        now += 3000;
        expect(await held()).toEqual(['call:194', 'call:195']);
        expect((await inbox.item('call:194'))?.classified).toMatchObject({ tags: ['VIP'] });
      });

      it('a full batch of held updates goes without waiting for a new call', async () => {
        for (const id of [301, 302]) {
          await inbox.accept(ended(id), `n${id}`);
          now += 1;
        }
        for (const i of await inbox.claim(25, none, none, 0)) await inbox.complete(i.key, i.version, 'logged');
        for (const id of [301, 302])
          await inbox.accept(
            read('call.tagged', callData({ id, raw_digits: digits(id), tags: [{ id: 1, name: 'x' }] })),
            `t${id}`
          );
        expect(keys(await inbox.claim(3, none, none, 3000, true))).toEqual([]);
        expect(keys(await inbox.claim(2, none, none, 3000, true))).toEqual(['call:301', 'call:302']);
      });
    });

    it('pages through the items changed since a time, oldest first (a settings preview)', async () => {
      for (const id of [401, 402, 403, 404]) {
        await inbox.accept(ended(id), `h${id}`);
        now += 1000;
      }
      const since = 1_000_000 + 1000; // after the first
      const first = await inbox.history(since, null, 2);
      expect(first.map((i) => i.key)).toEqual(['call:402', 'call:403']);
      const last = first[first.length - 1]!;
      const next = await inbox.history(since, { changedAt: last.changedAt, key: last.key }, 2);
      expect(next.map((i) => i.key)).toEqual(['call:404']);
      expect(await inbox.history(since, { changedAt: now, key: '' }, 2)).toEqual([]);
    });

    it('counts the API use per minute for the last day and an hour, every write added (A1)', async () => {
      const minute = 60_000;
      now = 100 * 24 * 60 * minute;
      await inbox.addApiUse(3, now);
      await inbox.addApiUse(4, now + 10_000); // the same minute
      await inbox.addApiUse(5, now + minute);
      expect(await inbox.apiUse(now)).toBe(12);
      expect(await inbox.apiUse(now + minute)).toBe(5);
      expect(await inbox.apiUse(now + 2 * minute)).toBe(0);
      // A day and an hour later, the first minutes are gone; the sum counts what is kept.
      await inbox.addApiUse(1, now + 25 * 60 * minute + 2 * minute);
      expect(await inbox.apiUse(0)).toBe(1);
    });
  });
}
