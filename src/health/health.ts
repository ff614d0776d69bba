/**
 * Phone-data health (issue #33): why numbers will not match, for the org as it is. Reads every
 * Contact, Lead and Account that holds a phone value, as the integration user (describe gives
 * the phone fields it can read), in REST query pages of 2,000 rows: an org of a million
 * Contacts is about 500 requests, counted (COUNT() per object) and said before the reading
 * starts, with progress after each page. Memory holds one entry per distinct number.
 */
import type { Inbox } from '../inbox/inbox';
import { changedSince } from '../inbox/inbox';
import type { OrgGateway } from '../salesforce/gateway';
import type { PhoneFindings, ScannedRecord } from './phones';
import { PhoneScan } from './phones';

export const HEALTH_PAGE = 2000;
const OBJECTS = ['Contact', 'Lead', 'Account'] as const;
type ScannedObject = (typeof OBJECTS)[number];
const DAY_MS = 24 * 60 * 60_000;

export interface HealthReport {
  readonly defaultCountry: string | null;
  readonly phones: PhoneFindings;
  /** `Object.Field` of the phone fields the integration user cannot read; null when unknown (REST path). */
  readonly unreadablePhoneFields: readonly string[] | null;
  /** Aircall agents no Salesforce user gets the calls of; null without the Aircall API. */
  readonly agentsWithoutUser: readonly { id: number; name: string | null; email: string | null }[] | null;
  readonly lastDays: {
    readonly days: number;
    readonly calls: number;
    readonly matched: number;
    readonly created: number;
    readonly skipped: Readonly<Record<string, number>>;
    readonly failed: number;
    readonly waiting: number;
  };
  /** The org requests made (each one API request). */
  readonly requests: number;
}

export interface HealthDeps {
  readonly gateway: OrgGateway;
  readonly inbox: Inbox;
  readonly companyLines: ReadonlySet<string>;
  readonly agentsWithoutUser: (() => Promise<HealthReport['agentsWithoutUser']>) | null;
  readonly now?: () => number;
  readonly onPlan?: (plan: { records: Readonly<Record<ScannedObject, number>>; requests: number }) => void;
  readonly onProgress?: (done: { requests: number; of: number }) => void;
}

interface Describe {
  readonly fields: readonly { name: string; type: string }[];
}
interface QueryPage {
  readonly totalSize: number;
  readonly done: boolean;
  readonly nextRecordsUrl?: string;
  readonly records: readonly Record<string, unknown>[];
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** The calls and messages of the last days by what became of them: logged on a match or a new record, skipped by reason. */
async function lastDays(inbox: Inbox, since: number, days: number): Promise<HealthReport['lastDays']> {
  const out = { days, calls: 0, matched: 0, created: 0, skipped: {} as Record<string, number>, failed: 0, waiting: 0 };
  for await (const item of changedSince(inbox, since)) {
    out.calls += 1;
    if (item.state === 'logged') {
      // The engine's R3 line says when the Task went on a record it created.
      if (/^R3: .* is created/m.test(item.trace ?? '')) out.created += 1;
      else out.matched += 1;
    } else if (item.state === 'skipped') {
      // A skipped item keeps the engine's reason (Inbox.complete).
      const reason = item.lastError ?? 'UNKNOWN';
      out.skipped[reason] = (out.skipped[reason] ?? 0) + 1;
    } else if (item.state === 'dead') out.failed += 1;
    else out.waiting += 1;
  }
  return out;
}

export async function phoneHealth(
  deps: HealthDeps,
  options: { defaultCountry: string | null; days: number }
): Promise<HealthReport> {
  const { gateway } = deps;
  let requests = 0;
  const get = async <T>(path: string, headers?: Record<string, string>): Promise<T> => {
    requests += 1;
    return gateway.get<T>('health', path, headers);
  };

  // What the integration user can read: the phone fields by describe, the others from the snapshot.
  const plans = new Map<ScannedObject, { soql: string; phones: string[]; count: number }>();
  for (const object of OBJECTS) {
    const describe = await get<Describe>(`sobjects/${object}/describe`);
    const names = new Set(describe.fields.map((f) => f.name));
    const phones = describe.fields.filter((f) => f.type === 'phone').map((f) => f.name);
    if (phones.length === 0) continue;
    const extra = [
      object === 'Contact' && names.has('AccountId') ? 'AccountId' : null,
      object === 'Lead' && names.has('IsConverted') ? 'IsConverted' : null,
      names.has('IsPersonAccount') ? 'IsPersonAccount' : null,
      names.has('Name') ? 'Name' : null
    ].filter((f): f is string => f !== null);
    const where = phones.map((f) => `${f} != null`).join(' OR ');
    const count = await get<QueryPage>(`query?q=${encodeURIComponent(`SELECT COUNT() FROM ${object} WHERE ${where}`)}`);
    plans.set(object, {
      soql: `SELECT Id, LastModifiedDate, ${[...extra, ...phones].join(', ')} FROM ${object} WHERE ${where}`,
      phones,
      count: count.totalSize
    });
  }
  const path = gateway.readStatus().path;
  const pages = [...plans.values()].reduce((n, p) => n + Math.max(1, Math.ceil(p.count / HEALTH_PAGE)), 0);
  const total = requests + pages + (path === 'apex' ? 1 : 0);
  deps.onPlan?.({
    records: Object.fromEntries(OBJECTS.map((o) => [o, plans.get(o)?.count ?? 0])) as Record<ScannedObject, number>,
    requests: total
  });

  const scan = new PhoneScan(options.defaultCountry, deps.companyLines);
  const pageHeaders = { 'Sforce-Query-Options': `batchSize=${HEALTH_PAGE}` };
  for (const [object, plan] of plans) {
    let page = await get<QueryPage>(`query?q=${encodeURIComponent(plan.soql)}`, pageHeaders);
    for (;;) {
      deps.onProgress?.({ requests, of: total });
      for (const row of page.records) {
        const phones: Record<string, string> = {};
        for (const f of plan.phones) {
          const value = str(row[f]);
          if (value) phones[f] = value;
        }
        const record: ScannedRecord = {
          object,
          id: String(row.Id),
          name: str(row.Name),
          lastModifiedDate: str(row.LastModifiedDate) ?? '1970-01-01T00:00:00.000Z',
          phones,
          isConverted: row.IsConverted === true,
          isPersonAccount: row.IsPersonAccount === true,
          accountId: str(row.AccountId)
        };
        // A person account's contact row is the account itself (R4 ranks it as a PersonAccount).
        if (!(object === 'Contact' && record.isPersonAccount)) scan.add(record);
      }
      if (page.done || !page.nextRecordsUrl) break;
      page = await get<QueryPage>(page.nextRecordsUrl, pageHeaders);
    }
  }

  let unreadablePhoneFields: readonly string[] | null = null;
  if (path === 'apex') {
    requests += 1;
    await gateway.read({ numbers: [], emails: [], externalIds: [] });
    unreadablePhoneFields = gateway.unreadablePhoneFields;
  }
  const now = (deps.now ?? Date.now)();
  return {
    defaultCountry: options.defaultCountry,
    phones: scan.findings(),
    unreadablePhoneFields,
    agentsWithoutUser: deps.agentsWithoutUser ? await deps.agentsWithoutUser() : null,
    lastDays: await lastDays(deps.inbox, now - options.days * DAY_MS, options.days),
    requests
  };
}
