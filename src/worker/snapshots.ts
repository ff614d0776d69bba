import type { Classified } from '../aircall/classify';
import type { Inbox } from '../inbox/inbox';
import type { CandidateRecord, MatchKind, OrgSnapshot, Placement } from '../rules/types';
import type { OrgGateway } from '../salesforce/gateway';
import type { Settings } from '../settings/schema';

/** What the rules engine needs to know about one call or message. */
export interface SnapshotSubject {
  readonly classified: Classified;
  /** Where an already logged call's Task is: an update keeps it there. */
  readonly placement: Placement | null;
}

/**
 * Org snapshots for a batch, from one lookup (phone searches and owners) for all of it, the
 * numbers this service created records for (search-index lag), and the open Cases or
 * Opportunities of the candidate Contacts. Used by the worker and by `explain`.
 */
export async function buildSnapshots(
  gateway: OrgGateway,
  inbox: Inbox,
  prepared: readonly SnapshotSubject[],
  settings: Settings
): Promise<(subject: SnapshotSubject) => OrgSnapshot> {
  const numbers = new Map<string, (string | null)[]>();
  for (const p of prepared) {
    const e164 = p.classified.otherParty.e164;
    // An update keeps the Task where it is: no search for its number.
    if (e164 && !p.placement) numbers.set(e164, [p.classified.line.country]);
  }
  const emails = prepared.map((p) => p.classified.agent?.email).filter((e): e is string => !!e);
  const lookup = await gateway.lookup({
    numbers: [...numbers].map(([e164, hints]) => ({ e164, hints })),
    emails
  });
  // Records this service created are found at once, whatever the search index says.
  const known = inbox.knownNumbers([...numbers.keys()]);
  for (const [e164, record] of known) {
    const list = lookup.candidates.get(e164) ?? [];
    if (!list.some((c) => c.id === record.recordId)) {
      list.push({
        kind: record.sobject as MatchKind,
        id: record.recordId,
        phones: [e164],
        lastModifiedDate: '1970-01-01T00:00:00.000Z'
      } satisfies CandidateRecord);
    }
    lookup.candidates.set(e164, list);
  }
  let openCases = new Map<string, { id: string; lastModifiedDate: string }[]>();
  let openOpportunities = new Map<string, { id: string; lastModifiedDate: string }[]>();
  if (settings.relatedRecord !== 'None') {
    const contactIds = [...lookup.candidates.values()]
      .flat()
      .filter((c) => c.kind === 'Contact' && !c.isPersonContact)
      .map((c) => c.id);
    const related = await gateway.openRelated(settings.relatedRecord, contactIds);
    if (settings.relatedRecord === 'Case') openCases = related;
    else openOpportunities = related;
  }
  return (p: SnapshotSubject): OrgSnapshot => {
    const e164 = p.classified.otherParty.e164;
    if (p.placement && e164) {
      return {
        placement: p.placement,
        candidates: [],
        users: lookup.users,
        integrationUserId: gateway.identity.userId
      };
    }
    return {
      candidates: e164 ? (lookup.candidates.get(e164) ?? []) : [],
      openCases: Object.fromEntries(openCases),
      openOpportunities: Object.fromEntries(openOpportunities),
      users: lookup.users,
      integrationUserId: gateway.identity.userId
    };
  };
}
