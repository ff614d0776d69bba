import type { Classified } from '../aircall/classify';
import type { Inbox } from '../inbox/inbox';
import type { CandidateRecord, MatchKind, OrgSnapshot, Placement } from '../rules/types';
import type { CardDetails, ExistingTask, OrgGateway } from '../salesforce/gateway';
import type { SettingsResult } from '../settings/parse';
import { parseSettings } from '../settings/parse';
import { followUpKey } from '../rules/call-record';

const followUpKeys = (p: SnapshotSubject): string[] =>
  p.classified.kind === 'call' && p.classified.ai
    ? p.classified.ai.actionItems.map((a) => followUpKey(p.classified.id, a.id))
    : [];

/** What the rules engine needs to know about one call or message. */
export interface SnapshotSubject {
  readonly classified: Classified;
  /** Where an already logged call's Task is: an update keeps it there. */
  readonly placement: Placement | null;
}

export interface BatchSnapshot {
  /** The settings as the org holds them now: fresh for every batch. */
  readonly settings: SettingsResult;
  snapshotFor(subject: SnapshotSubject): OrgSnapshot;
  /** The Task already logged for this Aircall_Id__c, if any. */
  taskFor(externalId: string): ExistingTask | null;
  /** Owners, Accounts, open records' titles and last calls (complete when read with `details`). */
  readonly details: CardDetails;
}

/**
 * One read of the org for a batch (the snapshot resource): settings, phone matches, open
 * Cases or Opportunities, users, Tasks already logged and the records this service created.
 * The inbox's memory of created records is added too (it costs nothing). Used by the worker,
 * by `explain`, by insight cards (with `details`) and by settings previews (without `tasks`).
 */
export async function buildSnapshots(
  gateway: OrgGateway,
  inbox: Inbox,
  prepared: readonly SnapshotSubject[],
  options: { readonly details?: boolean; readonly tasks?: boolean; readonly related?: 'Case' | 'Opportunity' } = {}
): Promise<BatchSnapshot> {
  const numbers = new Map<string, (string | null)[]>();
  for (const p of prepared) {
    const e164 = p.classified.otherParty.e164;
    // An update keeps the Task where it is: no search for its number.
    if (e164 && !p.placement) numbers.set(e164, [p.classified.line.country]);
  }
  const emails = [...new Set(prepared.map((p) => p.classified.agent?.email).filter((e): e is string => !!e))];
  const read = await gateway.read({
    numbers: [...numbers].map(([e164, hints]) => ({ e164, hints })),
    emails,
    // A preview plans as if logging afresh: the Tasks already logged are not asked for.
    // With the follow-up Tasks of action items (L2): one found is never inserted again.
    externalIds: options.tasks === false ? [] : prepared.flatMap((p) => [p.classified.externalId, ...followUpKeys(p)]),
    ...(options.details ? { details: true } : {}),
    ...(options.related ? { related: options.related } : {})
  });
  const candidates = new Map<string, CandidateRecord[]>(read.candidates);
  for (const [e164, record] of await inbox.knownNumbers([...numbers.keys()])) {
    const list = candidates.get(e164) ?? [];
    if (!list.some((c) => c.id === record.recordId)) {
      list.push({
        kind: record.sobject as MatchKind,
        id: record.recordId,
        phones: [e164],
        lastModifiedDate: '1970-01-01T00:00:00.000Z'
      } satisfies CandidateRecord);
    }
    candidates.set(e164, list);
  }
  const related = Object.fromEntries(read.openRelated);
  return {
    settings: parseSettings(read.settingsRow),
    details: read.details,
    taskFor: (externalId) => read.tasks.get(externalId) ?? null,
    snapshotFor: (p) => {
      const e164 = p.classified.otherParty.e164;
      if (p.placement && e164) {
        return { placement: p.placement, candidates: [], users: read.users, integrationUserId: read.integrationUserId };
      }
      return {
        candidates: e164 ? (candidates.get(e164) ?? []) : [],
        openCases: read.relatedKind === 'Case' ? related : {},
        openOpportunities: read.relatedKind === 'Opportunity' ? related : {},
        users: read.users,
        integrationUserId: read.integrationUserId
      };
    }
  };
}
