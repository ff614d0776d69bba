import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callData, envelope, T0 } from '../../test/fixtures/aircall-builders';
import type { AircallEvent } from '../aircall/read';
import { readEnvelope } from '../aircall/read';
import { openDatabase } from '../sqlite';
import { coalesce } from './coalesce';
import type { CoalescedItem } from './coalesce';
import { SqliteInbox } from './sqlite';

const read = (name: string, data: Record<string, unknown>, timestamp: number): AircallEvent => {
  const result = readEnvelope(envelope(name, data, { timestamp }), { receivedAt: 0 });
  if (!result.event) throw new Error(`${name} is not used`);
  return result.event;
};

describe('coalesce: the events of one call fold into one item', () => {
  const fold = (events: AircallEvent[]) =>
    events.reduce<{ item: CoalescedItem | null; changes: boolean[] }>(
      (acc, e) => {
        const { item, changed } = coalesce(acc.item, e);
        return { item, changes: [...acc.changes, changed] };
      },
      { item: null, changes: [] }
    );
  const live = read('call.commented', callData({ id: 7, ended_at: null, answered_at: null }), T0);
  const ended = read('call.ended', callData({ id: 7 }), T0 + 120);
  const tagged = read('call.tagged', callData({ id: 7, tags: [{ id: 1, name: 'VIP' }] }), T0 + 150);
  const voicemail = read('call.voicemail_left', callData({ id: 7, answered_at: null }), T0 + 100);

  it('keeps the newest snapshot, whatever the order of arrival', () => {
    const { item, changes } = fold([tagged, live, ended]);
    expect(item!.classified).toEqual(tagged.classified);
    expect(changes).toEqual([true, false, false]);
    expect(item!.final).toBe(true);
  });

  it('an older snapshot arriving late changes nothing; a voicemail, once seen, stays seen', () => {
    const { item, changes } = fold([ended, voicemail, live]);
    expect(changes).toEqual([true, true, false]);
    expect(item!.voicemailLeft).toBe(true);
    expect(item!.classified).toEqual(ended.classified);
  });

  it('a redelivered snapshot is no change', () => {
    expect(fold([ended, ended]).changes).toEqual([true, false]);
  });
});

describe('Inbox: files of an earlier version', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'inbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The schema of version 1: every webhook body kept (token included), no classified item. */
  function writeVersion1(rows: { key: string; data: unknown }[]): void {
    const db = openDatabase(join(dir, 'inbox.sqlite'));
    db.exec(`
      CREATE TABLE events (id INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE, key TEXT NOT NULL, event TEXT NOT NULL,
        received_at INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE items (key TEXT PRIMARY KEY, kind TEXT NOT NULL, phone TEXT, data TEXT NOT NULL, data_ts INTEGER NOT NULL,
        voicemail_left INTEGER NOT NULL DEFAULT 0, final INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0,
        processed_version INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0, last_error TEXT, task_id TEXT, placement TEXT, changed_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL);
      CREATE TABLE numbers (e164 TEXT PRIMARY KEY, sobject TEXT NOT NULL, record_id TEXT NOT NULL, created_at INTEGER NOT NULL);`);
    rows.forEach((row, i) => {
      db.prepare('INSERT INTO events (digest, key, event, received_at, body) VALUES (?, ?, ?, 0, ?)').run(
        `d${i}`,
        row.key,
        'call.ended',
        '{"token":"secret"}'
      );
      db.prepare(
        "INSERT INTO items (key, kind, data, data_ts, final, version, changed_at, updated_at) VALUES (?, 'call', ?, 0, 1, 1, 0, 0)"
      ).run(row.key, JSON.stringify(row.data));
    });
    db.close();
  }

  it('drops the stored bodies and classifies the items, so the worker can take them', async () => {
    writeVersion1([{ key: 'call:11', data: callData({ id: 11 }) }]);
    const inbox = new SqliteInbox(dir);
    const item = (await inbox.item('call:11'))!;
    expect(item.classified).toMatchObject({ kind: 'call', externalId: 'call:11', type: 'inbound_answered' });
    expect((await inbox.claim(10, new Set(), new Set())).map((i) => i.key)).toEqual(['call:11']);
    await inbox.close();
    const db = openDatabase(join(dir, 'inbox.sqlite'));
    const columns = (db.prepare("SELECT name FROM pragma_table_info('events')").all() as { name: string }[]).map(
      (c) => c.name
    );
    expect(columns).not.toContain('body');
    expect(db.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 1 });
    db.close();
  });

  it('makes a stored payload that cannot be read a dead letter with the reason, and a retry reads it again', async () => {
    writeVersion1([{ key: 'call:12', data: callData({ id: 12, direction: 'sideways' }) }]);
    const inbox = new SqliteInbox(dir);
    const dead = await inbox.deadLetters();
    expect(dead.map((d) => [d.key, d.classified])).toEqual([['call:12', null]]);
    expect(dead[0]!.lastError).toContain('data.direction');
    expect(await inbox.retry('call:12')).toBe(1);
    expect(await inbox.item('call:12')).toMatchObject({ state: 'pending', classified: null });
    await inbox.close();
  });

  it('rebuilds the deliveries of a version 4 file (unique by digest) unique by item and digest, keeping them', async () => {
    const first = new SqliteInbox(dir);
    await first.accept(read('call.ended', callData({ id: 14 }), T0), 'digest-14');
    await first.close();
    const db = openDatabase(join(dir, 'inbox.sqlite'));
    db.exec(`
      CREATE TABLE events_v4 (id INTEGER PRIMARY KEY, digest TEXT NOT NULL UNIQUE, key TEXT NOT NULL, event TEXT NOT NULL,
        received_at INTEGER NOT NULL);
      INSERT INTO events_v4 SELECT id, digest, key, event, received_at FROM events;
      DROP TABLE events;
      ALTER TABLE events_v4 RENAME TO events;
      CREATE INDEX events_received ON events (received_at);`);
    db.pragma('user_version = 4');
    db.close();
    const inbox = new SqliteInbox(dir);
    // The delivery seen before the upgrade is still known: its redelivery changes nothing.
    expect(await inbox.accept(read('call.ended', callData({ id: 14 }), T0), 'digest-14')).toBe(false);
    expect(await inbox.accept(read('call.ended', callData({ id: 15 }), T0), 'digest-15')).toBe(true);
    await inbox.close();
    const after = openDatabase(join(dir, 'inbox.sqlite'));
    const unique = (
      after.prepare('SELECT name FROM pragma_index_list(\'events\') WHERE "unique" = 1').all() as {
        name: string;
      }[]
    ).map((i) =>
      (after.prepare(`SELECT name FROM pragma_index_info('${i.name}') ORDER BY seqno`).all() as { name: string }[]).map(
        (c) => c.name
      )
    );
    expect(unique).toEqual([['key', 'digest']]);
    expect(
      after
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL")
        .all()
    ).toEqual([{ name: 'events_received' }]);
    after.close();
  });
});

describe('Inbox: the trace of what was done, and the recent items', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'inbox-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the trace a completion gives, and lists the newest items first', async () => {
    let now = 1_000;
    const inbox = new SqliteInbox(dir, { now: () => now });
    await inbox.accept(read('call.ended', callData({ id: 21 }), T0), 'a');
    now = 2_000;
    await inbox.accept(read('call.ended', callData({ id: 22 }), T0), 'b');
    await inbox.complete('call:21', 1, 'skipped', {
      reason: 'INTERNAL_CALL',
      trace: 'R8: internal\nSKIP: INTERNAL_CALL'
    });
    expect((await inbox.recent(10)).map((i) => [i.key, i.state, i.trace])).toEqual([
      ['call:22', 'pending', null],
      ['call:21', 'skipped', 'R8: internal\nSKIP: INTERNAL_CALL']
    ]);
    expect((await inbox.recent(1)).map((i) => i.key)).toEqual(['call:22']);
    await inbox.close();
  });

  it('brings a version 2 file, which had no trace, up to date without losing its items', async () => {
    const first = new SqliteInbox(dir);
    await first.accept(read('call.ended', callData({ id: 23 }), T0), 'c');
    await first.close();
    const db = openDatabase(join(dir, 'inbox.sqlite'));
    db.exec('ALTER TABLE items DROP COLUMN trace');
    db.pragma('user_version = 2');
    db.close();
    const inbox = new SqliteInbox(dir);
    expect(await inbox.item('call:23')).toMatchObject({ state: 'pending', trace: null });
    await inbox.complete('call:23', 1, 'logged', { taskId: '00T000000000001AAA', trace: 'R1: logged' });
    expect((await inbox.item('call:23'))!.trace).toBe('R1: logged');
    await inbox.close();
  });
});

describe('Inbox.claim: the batch window is a latency budget', () => {
  let dir: string;
  let now = 1_000_000;
  let inbox: SqliteInbox;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'inbox-'));
    inbox = new SqliteInbox(dir, { now: () => now });
  });
  afterEach(async () => {
    await inbox.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const claim = async () => (await inbox.claim(25, new Set(), new Set(), 3000)).map((i) => i.key);

  it('sends a call that ended at once when nothing could join it', async () => {
    await inbox.accept(read('call.ended', callData({ id: 21 }), T0), 'a');
    expect(await claim()).toEqual(['call:21']);
  });

  it('waits up to the budget while traffic flows (another call changed recently)', async () => {
    await inbox.accept(read('call.commented', callData({ id: 22, ended_at: null, answered_at: null }), T0), 'b');
    await inbox.accept(read('call.ended', callData({ id: 23 }), T0), 'c');
    expect(await claim()).toEqual([]);
    now += 3000;
    expect(await claim()).toEqual(['call:23']);
  });

  it('lets an update of a logged call wait for the next batch', async () => {
    await inbox.accept(read('call.ended', callData({ id: 24 }), T0), 'd');
    const [item] = await inbox.claim(25, new Set(), new Set(), 3000);
    await inbox.complete(item!.key, item!.version, 'logged', { taskId: '00T000000000001AAA' });
    await inbox.accept(read('call.tagged', callData({ id: 24, tags: [{ id: 1, name: 'VIP' }] }), T0 + 60), 'e');
    expect(await claim()).toEqual([]);
    now += 3000;
    expect(await claim()).toEqual([]);
    // A new call that ended starts a batch after its own budget, and the update rides along.
    await inbox.accept(read('call.ended', callData({ id: 25, raw_digits: '+33 6 11 22 33 25' }), T0 + 70), 'f');
    await inbox.accept(read('call.commented', callData({ id: 26, ended_at: null, answered_at: null }), T0 + 70), 'g');
    expect(await claim()).toEqual([]);
    now += 3000;
    expect((await claim()).sort()).toEqual(['call:24', 'call:25']);
  });
});
