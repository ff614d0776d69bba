/**
 * previewRinging: the record an insight card names for a ringing call is the one `plan` logs the
 * call on once it has ended (R3 to R8), whatever the call workflow says.
 */
import { call, org, record, run, settings } from '../../test/helpers/engine';
import { previewRinging } from './engine';
import type { RingingPreview } from './engine';
import type { LogPlan, OrgSnapshot } from './types';
import type { Settings } from '../settings/schema';

const ringing = (patch: Record<string, unknown> = {}) =>
  call({ ended_at: null, answered_at: null, duration: 0, ...patch });
const preview = (s: Settings, o: OrgSnapshot, patch: Record<string, unknown> = {}) =>
  previewRinging({ item: ringing(patch), settings: s, org: o });

describe('previewRinging', () => {
  it('names the record the ended call is logged on (R4, R5: the most recent of the kind that wins)', () => {
    const older = record('Contact', { lastModifiedDate: '2025-01-01T00:00:00.000Z' });
    const newer = record('Contact', { lastModifiedDate: '2025-06-01T00:00:00.000Z' });
    const o = org({ candidates: [record('Lead'), older, newer] });
    const card = preview(settings(), o) as RingingPreview;
    expect(card.target).toMatchObject({ kind: 'existing', sobject: 'Contact', id: newer.id });
    expect(card.holders).toBe(3);
    const logged = run(call(), settings(), o) as LogPlan;
    expect(logged.target).toMatchObject({
      kind: 'existing',
      id: card.target!.kind === 'existing' ? card.target!.id : ''
    });
  });

  it('says what an unknown number would create (R3), or that nothing would be', () => {
    expect((preview(settings({ unknownNumber: 'Lead' }), org()) as RingingPreview).target).toMatchObject({
      kind: 'create',
      sobject: 'Lead'
    });
    const none = preview(settings({ unknownNumber: 'None' }), org()) as RingingPreview;
    expect(none.target).toBeNull();
    expect(none.holders).toBe(0);
  });

  it('names the open Case the rules would relate (R6 to R8), as plan does', () => {
    const contact = record('Contact');
    const o = org({
      candidates: [contact],
      openCases: { [contact.id]: [{ id: '500000000000001AAA', lastModifiedDate: '2025-06-01T00:00:00.000Z' }] }
    });
    const s = settings({ relatedRecord: 'Case' });
    const card = preview(s, o) as RingingPreview;
    expect(card.related).toEqual({ kind: 'existing', sobject: 'Case', id: '500000000000001AAA' });
    expect((run(call(), s, o) as LogPlan).related).toEqual(card.related);
  });

  it('previews whatever the call workflow says (R1 is not asked: the card says who is calling)', () => {
    const contact = record('Contact');
    const s = settings({ callWorkflow: { missed: 'DoNothing', inbound_answered: 'DoNothing' } });
    expect((preview(s, org({ candidates: [contact] })) as RingingPreview).target).toMatchObject({ id: contact.id });
  });

  it('gives an internal call and a hidden number no preview', () => {
    const internal = previewRinging({
      item: call({ ended_at: null, answered_at: null }, { ownNumbers: new Set(['+33612345678']) }),
      settings: settings(),
      org: org()
    });
    expect(internal).toMatchObject({ outcome: 'skip', reason: 'INTERNAL_CALL' });
    expect(preview(settings(), org(), { raw_digits: 'anonymous' })).toMatchObject({
      outcome: 'skip',
      reason: 'NO_NUMBER'
    });
  });
});
