/**
 * Thousands of mutated real Aircall bodies with a valid token, through the real server, inbox,
 * worker and local org (seeded, bounded): the boundary answers 200 to every one whose
 * envelope is intact, the worker brings every item to an end (logged, skipped or a dead
 * letter), and the service stays responsive throughout.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestService } from '../helpers/service';
import { testService } from '../helpers/service';
import { ODD_VALUES, mutate, random } from '../helpers/mutate';

type Json = Record<string, unknown>;
const FIXTURES = join(__dirname, '..', 'fixtures', 'aircall');
const CAPTURE = (
  JSON.parse(readFileSync(join(FIXTURES, 'koenverduijn-aircall-2022', 'webhookPayload.json'), 'utf8')) as {
    body: Json;
  }[]
).map((e) => e.body);
const TOKEN = CAPTURE[0]!.token as string;
const API_CALL = JSON.parse(readFileSync(join(FIXTURES, 'aircall-api-reference', 'call.json'), 'utf8')) as Json;
const API_MESSAGE = JSON.parse(readFileSync(join(FIXTURES, 'aircall-api-reference', 'message.json'), 'utf8')) as Json;

const BASES: Json[] = [
  ...CAPTURE.filter((b) =>
    ['call.ended', 'call.tagged', 'call.commented', 'call.voicemail_left'].includes(b.event as string)
  ),
  { resource: 'call', event: 'call.ended', timestamp: 1584998240, token: TOKEN, data: API_CALL },
  { resource: 'message', event: 'message.received', timestamp: 1722324561, token: TOKEN, data: API_MESSAGE },
  ...CAPTURE.filter((b) => b.resource !== 'call').slice(0, 5)
];

/** Every odd value in every field the product reads, on a real ended call: the cases random paths may miss. */
const FIELDS = [
  'started_at',
  'answered_at',
  'ended_at',
  'duration',
  'raw_digits',
  'direction',
  'user',
  'contact',
  'number',
  'tags',
  'comments',
  'recording',
  'asset',
  'voicemail',
  'transferred_to',
  'teams'
];
function targeted(): Json[] {
  const ended = CAPTURE.find((b) => b.event === 'call.ended' && (b.data as Json).answered_at)!;
  return FIELDS.flatMap((field, f) =>
    ODD_VALUES.map((value, v) => ({
      ...ended,
      data: { ...(ended.data as Json), id: 900_000 + f * 100 + v, raw_digits: '+33 6 45 00 11 22', [field]: value }
    }))
  );
}

let svc: TestService;
beforeAll(async () => {
  svc = await testService({ tokens: [TOKEN] });
  await svc.setSettings({ Unknown_Number__c: 'Contact' });
});
afterAll(async () => {
  await svc.close();
});

describe('fuzz: mutated real bodies with a valid token', () => {
  it('2,000 of them: every intact envelope answered 200, every item brought to an end, the service responsive', async () => {
    const rand = random(20261201);
    const statuses = new Map<number, number>();
    let health = 0;
    for (let i = 0; i < 2000; i += 1) {
      const base = BASES[Math.floor(rand() * BASES.length)]!;
      let data = base.data as Json;
      for (let m = 0, n = 1 + Math.floor(rand() * 3); m < n; m += 1) data = mutate(data, rand) as Json;
      // Distinct items, so that mutations do not all fold into a handful of calls.
      if (data && typeof data === 'object' && !Array.isArray(data) && rand() < 0.8) data = { ...data, id: 500_000 + i };
      const res = await svc.post({ ...base, timestamp: (base.timestamp as number) + i, data });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status !== 200) throw new Error(`body ${i} answered ${res.status}: ${JSON.stringify(res.body)}`);
      if (i % 250 === 0) health += (await fetch(`${svc.url}/healthz`)).status === 200 ? 1 : 0;
    }
    for (const body of targeted()) {
      const res = await svc.post(body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    expect(statuses).toEqual(new Map([[200, 2000 + FIELDS.length * ODD_VALUES.length]]));
    expect(health).toBe(8);
    await svc.settle(120_000);
    expect(await svc.pipeline.inbox.outstanding()).toBe(0);
  }, 180_000);
});
