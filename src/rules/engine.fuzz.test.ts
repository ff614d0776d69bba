/**
 * The engine never throws, whatever it is given: seeded mutations of real-shaped payloads,
 * read as the boundary reads them, planned under every settings combination against random
 * snapshots. A payload that cannot be read is refused by the reader (and becomes a dead
 * letter), never by the engine.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callData, messageData } from '../../test/fixtures/aircall-builders';
import { mutate, ODD_VALUES, random } from '../../test/helpers/mutate';
import type { Classified } from '../aircall/classify';
import { inContext } from '../aircall/classify';
import { readResource } from '../aircall/read';
import { AircallSfError } from '../errors';
import { parseSettings } from '../settings/parse';
import { plan } from './engine';
import type { CandidateRecord, MatchKind, OrgSnapshot } from './types';

const API_CALL = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'test', 'fixtures', 'aircall', 'aircall-api-reference', 'call.json'), 'utf8')
) as Record<string, unknown>;
const BASES = [
  { kind: 'call', event: 'call.ended', data: callData() },
  { kind: 'call', event: 'call.ended', data: API_CALL },
  { kind: 'call', event: 'call.voicemail_left', data: callData({ answered_at: null, voicemail: 'https://x/v.mp3' }) },
  { kind: 'message', event: 'message.received', data: messageData() }
] as const;
const KINDS: MatchKind[] = ['Contact', 'Lead', 'Account', 'PersonAccount'];

function snapshot(rand: () => number, item: Classified): OrgSnapshot {
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const e164 = item.otherParty.e164;
  const candidates: CandidateRecord[] = Array.from({ length: Math.floor(rand() * 4) }, (_, i) => ({
    kind: pick(KINDS),
    id: `003${String(i).padStart(15, '0')}`,
    phones: [rand() < 0.7 ? e164 : (pick(ODD_VALUES) as string), null],
    lastModifiedDate: rand() < 0.8 ? '2025-01-01T00:00:00.000Z' : JSON.stringify(pick(ODD_VALUES)),
    accountId: rand() < 0.5 ? '001000000000000AAA' : null,
    personContactId: rand() < 0.5 ? '003000000000009AAA' : null,
    isPersonContact: rand() < 0.2,
    isConverted: rand() < 0.2
  }));
  return {
    candidates,
    openCases: { '003000000000000000': [{ id: '500000000000000AAA', lastModifiedDate: 'x', isClosed: rand() < 0.5 }] },
    users: [{ id: '005000000000001AAA', email: rand() < 0.5 ? 'jane.doe@example.com' : null, isActive: rand() < 0.7 }],
    integrationUserId: '005000000000000AAA'
  };
}

describe('the engine on arbitrary input', () => {
  it('plans 5,000 mutated items under random settings without throwing', () => {
    const rand = random(424242);
    let planned = 0;
    let unreadable = 0;
    for (let i = 0; i < 5000; i += 1) {
      const base = BASES[Math.floor(rand() * BASES.length)]!;
      let data = base.data as Record<string, unknown>;
      for (let m = 0, n = 1 + Math.floor(rand() * 3); m < n; m += 1)
        data = mutate(data, rand) as Record<string, unknown>;
      let item: Classified;
      try {
        item = readResource({ kind: base.kind, event: base.event, timestamp: 1_763_629_200_000 }, data);
      } catch (error) {
        expect(error).toBeInstanceOf(AircallSfError);
        unreadable += 1;
        continue;
      }
      item = inContext(item, {
        voicemailLeft: rand() < 0.3,
        ownNumbers: new Set(rand() < 0.2 ? [item.otherParty.e164 ?? ''] : [])
      });
      const settings = parseSettings({
        Unknown_Number__c: ['Contact', 'Lead', 'Account', 'None'][Math.floor(rand() * 4)],
        Related_Record__c: ['None', 'Case', 'Opportunity'][Math.floor(rand() * 3)],
        Create_Case__c: rand() < 0.5,
        Log_When_Closed__c: rand() < 0.5
      });
      if (!settings.ok) continue;
      expect(() => plan({ item, settings: settings.settings, org: snapshot(rand, item) })).not.toThrow();
      planned += 1;
    }
    // The run exercised both paths: most items read and planned, some refused by the reader.
    expect(planned).toBeGreaterThan(2500);
    expect(unreadable).toBeGreaterThan(50);
  });
});
