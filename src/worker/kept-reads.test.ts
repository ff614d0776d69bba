import { call } from '../../test/helpers/engine';
import { KeptReads } from './kept-reads';
import type { KeptItem } from './kept-reads';
import type { BatchSnapshot, SnapshotSubject } from './snapshots';

const REUSE_MS = 100_000;

/** A snapshot told apart by its name: the tests check which read a batch gets. */
function snap(name: string): BatchSnapshot {
  return {
    settings: { ok: false, errors: [{ field: name, message: name }] },
    details: { records: new Map(), related: new Map(), lastCalls: new Map() },
    snapshotFor: () => {
      throw new Error(name);
    },
    taskFor: () => null
  } as unknown as BatchSnapshot;
}

const ringing = (patch = {}): SnapshotSubject => ({
  classified: call({ id: 1, ended_at: null, answered_at: null, user: null, ...patch }),
  placement: null
});
/** The same call as its batch sees it once ended. */
const ended = (patch = {}, version = 3): KeptItem => ({
  key: 'call:1',
  version,
  subject: { classified: call({ id: 1, answered_at: null, user: null, ...patch }), placement: null }
});

function setup() {
  let now = 1_000_000;
  const kept = new KeptReads(
    () => REUSE_MS,
    () => now
  );
  return { kept, later: (ms: number) => (now += ms), at: () => now };
}

describe('KeptReads: a ringing call’s read serves its own batch', () => {
  it('serves an unanswered call that ends within the reuse time, once', () => {
    const { kept, later, at } = setup();
    const card = snap('card');
    kept.keepRinging([ringing()], card, at());
    later(60_000);
    expect(kept.take([ended()])).toEqual({ snapshot: card, ringing: true });
    expect(kept.take([ended()])).toBeNull(); // taken: a retry reads again
  });

  it('does not serve an answered call: the agent may have created or changed records during it', () => {
    const { kept, later, at } = setup();
    kept.keepRinging([ringing()], snap('card'), at());
    later(60_000);
    expect(kept.take([ended({ answered_at: 1_763_625_612 })])).toBeNull();
  });

  it('does not serve a batch after the reuse time', () => {
    const { kept, later, at } = setup();
    kept.keepRinging([ringing()], snap('card'), at());
    later(REUSE_MS + 1);
    expect(kept.take([ended()])).toBeNull();
  });

  it('does not serve a batch whose question changed (another number, another agent)', () => {
    const { kept, later, at } = setup();
    kept.keepRinging([ringing()], snap('card'), at());
    later(1000);
    expect(kept.take([ended({ raw_digits: '+33 6 99 99 99 99' })])).toBeNull();
    kept.keepRinging([ringing()], snap('card'), at());
    expect(
      kept.take([
        ended({ user: { id: 9, name: 'Other Agent', email: 'other@example.com', available: true, direct_link: '' } })
      ])
    ).toBeNull();
  });

  it('does not serve an update of a call already logged (its Task is placed, a different read)', () => {
    const { kept, at } = setup();
    kept.keepRinging([ringing()], snap('card'), at());
    const item = ended();
    const placed: KeptItem = {
      ...item,
      subject: {
        ...item.subject,
        placement: {
          kind: 'Contact',
          id: '003000000000001AAA',
          personContactId: null,
          accountId: null,
          relatedKind: null,
          relatedId: null
        }
      }
    };
    expect(kept.take([placed])).toBeNull();
  });

  it('does not serve once a write for the same number started after the read (a record may be new)', () => {
    const { kept, later, at } = setup();
    kept.keepRinging([ringing()], snap('card'), at());
    later(1000);
    kept.writing(['+33612345678']);
    later(1000);
    expect(kept.take([ended()])).toBeNull();
  });

  it('still serves when the write was for another number', () => {
    const { kept, later, at } = setup();
    const card = snap('card');
    kept.keepRinging([ringing()], card, at());
    later(1000);
    kept.writing(['+33699999999']);
    expect(kept.take([ended()])?.snapshot).toBe(card);
  });
});

describe('KeptReads: a waiting item’s read', () => {
  it('serves the batch at the version it was read at, answered or not', () => {
    const { kept, later, at } = setup();
    const read = snap('read');
    const item = ended({ answered_at: 1_763_625_612 });
    kept.keepWaiting([item], read, at());
    later(5000);
    expect(kept.take([item])?.snapshot).toBe(read);
  });

  it('does not serve a newer version of the item', () => {
    const { kept, at } = setup();
    kept.keepWaiting([ended({}, 3)], snap('read'), at());
    expect(kept.take([ended({}, 4)])).toBeNull();
  });

  it('is not replaced by a ringing read of the same call', () => {
    const { kept, at } = setup();
    const read = snap('read');
    kept.keepWaiting([ended({}, 3)], read, at());
    kept.keepRinging([ringing()], snap('card'), at());
    expect(kept.take([ended({}, 3)])).toEqual({ snapshot: read, ringing: false });
  });
});

describe('KeptReads: a batch', () => {
  it('reads for itself unless every item has a read that serves it', () => {
    const { kept, at } = setup();
    kept.keepRinging([ringing()], snap('card'), at());
    const other: KeptItem = { ...ended(), key: 'call:2', subject: { ...ended().subject } };
    expect(kept.take([ended(), other])).toBeNull();
  });

  it('combines reads of several: each item is answered by its own read, the settings by the newest', () => {
    const { kept, later, at } = setup();
    const first = snap('first');
    const second = snap('second');
    kept.keepRinging([ringing()], first, at());
    later(1000);
    const two: KeptItem = {
      key: 'call:2',
      version: 1,
      subject: { classified: call({ id: 2, raw_digits: '+33 6 11 11 11 11' }), placement: null }
    };
    kept.keepWaiting([two], second, at());
    const got = kept.take([ended(), two])!;
    expect(got.ringing).toBe(true);
    expect(got.snapshot.settings).toBe(second.settings);
    expect(() => got.snapshot.snapshotFor(ended().subject)).toThrow('first');
    expect(() => got.snapshot.snapshotFor(two.subject)).toThrow('second');
  });
});

describe('KeptReads: the part of a batch no kept read answers', () => {
  const other = (waitsUntil: number, patch = {}) => ({
    key: 'call:2',
    version: 1,
    waitsUntil,
    subject: { classified: call({ id: 2, raw_digits: '+33 6 11 11 11 11', ...patch }), placement: null }
  });

  it('is put back to wait when its own window has time left, and the rest goes on kept reads', () => {
    const { kept, at } = setup();
    const card = snap('card');
    kept.keepRinging([ringing()], card, at());
    const first = { ...ended(), waitsUntil: at() };
    expect(kept.deferrable([first, other(at() + 5000)], at() + 1000)).toEqual(['call:2']);
    // Nothing is taken by asking: the batch that goes then takes its read.
    expect(kept.take([ended()])?.snapshot).toBe(card);
  });

  it('is not put back once its window has no time left: the batch reads for everyone', () => {
    const { kept, at } = setup();
    kept.keepRinging([ringing()], snap('card'), at());
    expect(kept.deferrable([{ ...ended(), waitsUntil: at() }, other(at() + 1000)], at() + 1000)).toEqual([]);
  });

  it('is not put back when no kept read answers any item: their own read answers them all', () => {
    const { kept, at } = setup();
    expect(kept.deferrable([{ ...ended(), waitsUntil: at() + 5000 }, other(at() + 5000)], at())).toEqual([]);
  });

  it('is empty when kept reads answer the whole batch', () => {
    const { kept, at } = setup();
    kept.keepRinging([ringing()], snap('card'), at());
    kept.keepWaiting([other(0)], snap('read'), at());
    expect(kept.deferrable([{ ...ended(), waitsUntil: at() }, other(at() + 5000)], at())).toEqual([]);
  });

  it('counts an answered call’s ringing read as no answer: the call is put back, not logged on it', () => {
    const { kept, at } = setup();
    kept.keepRinging([ringing()], snap('card'), at());
    kept.keepWaiting([other(0)], snap('read'), at());
    const answered = { ...ended({ answered_at: 1_763_625_612 }), waitsUntil: at() + 5000 };
    expect(kept.deferrable([answered, other(at())], at())).toEqual(['call:1']);
  });
});
