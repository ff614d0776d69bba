/**
 * Phone-data health (issue #33) on the real pipeline, as the integration user, against the local
 * org over HTTP: values no country reads, a shared number and the record that wins, a phone
 * field the integration user cannot read, a company line on a customer record, the last days'
 * calls by outcome; the requests it said it would make, in pages.
 */
import { join } from 'node:path';
import { phoneHealth } from '../../src/health/health';
import type { HealthReport } from '../../src/health/health';
import { healthLines } from '../../src/cli/health';
import { FIXTURE_FORCE_APP } from '../helpers/local-org';
import type { TestService } from '../helpers/service';
import { testService } from '../helpers/service';
import { AGENT, callData, envelope } from '../fixtures/aircall-builders';

const ADMIN_METADATA = join(__dirname, '..', 'fixtures', 'admin-metadata');
const COMPANY_LINE = '+33176000001';
let svc: TestService;
const ids: Record<string, string> = {};
let report: HealthReport;
let plan: { records: Record<string, number>; requests: number } | null = null;
const progress: number[] = [];

beforeAll(async () => {
  svc = await testService({
    org: { forceApp: [FIXTURE_FORCE_APP, ADMIN_METADATA] },
    env: { AIRCALL_COMPANY_NUMBERS: COMPANY_LINE },
    worker: { batchWindowMs: 0 }
  });
  const conn = svc.org.conn;
  const make = async (object: string, values: Record<string, unknown>) =>
    ((await conn.sobject(object).create(values)) as { id: string }).id;
  ids.unreadable = await make('Contact', { LastName: 'Typo', Phone: 'call reception', MobilePhone: '06 12 34 56 78' });
  ids.national = await make('Lead', { LastName: 'National', Company: 'N', Phone: '01 70 00 00 50' });
  ids.sharedContact = await make('Contact', { LastName: 'Shared', Phone: '+33 6 43 00 00 01' });
  ids.sharedLead = await make('Lead', { LastName: 'Shared', Company: 'S', MobilePhone: '0643000001' });
  ids.company = await make('Account', { Name: 'Ourselves', Phone: '+33 1 76 00 00 01' });
  ids.hidden = await make('Contact', { LastName: 'Hidden', Support_Phone__c: '+33 1 70 00 00 01' });
  // 2,100 more Contacts: the scan reads them in two pages (2,000 rows each at most).
  svc.org.org.store.transaction(() => {
    for (let n = 0; n < 2100; n += 1)
      svc.org.org.store.insert(
        'Contact',
        { LastName: `Bulk ${n}`, Phone: `+33 6 44 ${String(n).padStart(6, '0')}` },
        svc.org.org.admin
      );
  });
  await svc.setSettings({ Unknown_Number__c: 'Lead' });
  await svc.post(envelope('call.ended', callData({ id: 8_300_001, raw_digits: '+33 6 43 00 00 01', user: AGENT })));
  await svc.post(envelope('call.ended', callData({ id: 8_300_002, raw_digits: '+33 6 43 99 99 99', user: AGENT })));
  await svc.post(envelope('call.ended', callData({ id: 8_300_003, raw_digits: 'anonymous', user: AGENT })));
  await svc.settle();
  const before = svc.org.org.apiUsed;
  report = await phoneHealth(
    {
      gateway: svc.pipeline.gateway,
      inbox: svc.pipeline.inbox,
      companyLines: new Set([COMPANY_LINE]),
      agentsWithoutUser: null,
      onPlan: (p) => (plan = p),
      onProgress: (p) => progress.push(p.requests)
    },
    { defaultCountry: 'FR', days: 7 }
  );
  ids.cost = String(svc.org.org.apiUsed - before);
}, 120_000);
afterAll(async () => {
  await svc?.close();
});

describe('phone-data health', () => {
  it('lists the values no country reads, and reads national formats in the default country', () => {
    expect(report.phones.unreadable.examples).toEqual([
      { object: 'Contact', id: ids.unreadable, field: 'Phone', value: 'call reception' }
    ]);
    expect(report.phones.unreadable.count).toBe(1);
  });

  it('names the record that wins on a shared number, and why, in the engine’s words', () => {
    const shared = report.phones.shared.examples.find((s) => s.e164 === '+33643000001')!;
    expect(shared).toMatchObject({ holders: 2, winner: { kind: 'Contact', id: ids.sharedContact } });
    expect(shared.why).toMatch(/^R4: \+33643000001 matches 1 Contact, 1 Lead; priority .* picks Contact$/m);
  });

  it('names the phone field the integration user cannot read, and a company line on a customer record', () => {
    expect(report.unreadablePhoneFields).toContain('Contact.Support_Phone__c');
    expect(report.phones.companyLines.examples).toEqual([
      { object: 'Account', id: ids.company, field: 'Phone', value: '+33 1 76 00 00 01' }
    ]);
  });

  it('counts the last days’ calls by outcome', () => {
    expect(report.lastDays).toMatchObject({ calls: 3, matched: 1, created: 1, skipped: { NO_NUMBER: 1 } });
  });

  it('said its cost before reading, and kept to it, reading in pages with progress', () => {
    expect(plan!.records.Contact).toBeGreaterThan(2100);
    // 3 describes, 3 counts, Contacts in 2 pages, Leads and Accounts in 1 each, the snapshot.
    expect(plan!.requests).toBe(11);
    expect(report.requests).toBe(11);
    expect(Number(ids.cost)).toBe(11);
    expect(progress.length).toBeGreaterThanOrEqual(4);
  });

  it('reads as an admin expects on a terminal', () => {
    const text = healthLines(report).join('\n');
    expect(text).toContain('1 values no country reads as a number');
    expect(text).toContain(`Contact ${ids.unreadable} Phone: "call reception"`);
    expect(text).toContain('agents with no Salesforce user: unknown without AIRCALL_API_ID');
  });
});
