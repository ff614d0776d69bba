/**
 * Preview a settings change (issue #33): the calls and messages of the last days, as the inbox
 * keeps them, planned by the same engine and matching as `serve`, once with the settings the
 * org holds and once with a draft, on one read of the org at today's state. Nothing is written.
 * The read costs one request per 200 distinct numbers (the snapshot resource's entries), two
 * when the draft relates calls to another kind of record than the org's settings; said before
 * it starts (`onPlan`, at most) and in the answer (`reads`).
 */
import type { Classified } from '../aircall/classify';
import { inContext } from '../aircall/classify';
import { AircallSfError, ERROR_CODES } from '../errors';
import type { Inbox } from '../inbox/inbox';
import { changedSince } from '../inbox/inbox';
import { plan } from '../rules/engine';
import type { OrgGateway } from '../salesforce/gateway';
import type { SettingsRow } from '../settings/parse';
import { parseSettings, settingsToRow } from '../settings/parse';
import { SETTINGS_FIELDS } from '../settings/schema';
import type { Settings } from '../settings/schema';
import { buildSnapshots } from '../worker/snapshots';
import type { SnapshotSubject } from '../worker/snapshots';
import type { ChangedCall, SideSummary } from './compare';
import { SideCounter, changed } from './compare';

/** Distinct numbers (and agents) per read: the snapshot resource's 200 entries. */
export const PREVIEW_READ_ENTRIES = 200;
/** The changed calls listed in full (all are counted). */
export const PREVIEW_CHANGES_LISTED = 200;
const DAY_MS = 24 * 60 * 60_000;

export interface PreviewRequest {
  /** Aircall_Settings__c fields as the panel would save them; fields left out keep their values. */
  readonly draft: SettingsRow;
  readonly days: number;
}

export interface PreviewResult {
  readonly days: number;
  readonly calls: number;
  /** Org reads made (each one API request on the Apex path). */
  readonly reads: number;
  readonly distinctNumbers: number;
  /** The draft's fields that differ from the current settings. */
  readonly changedFields: Readonly<Record<string, { current: unknown; draft: unknown }>>;
  readonly current: SideSummary;
  readonly draft: SideSummary;
  /** How many calls change outcome, and the first ones with both traces. */
  readonly changedCalls: number;
  readonly changes: readonly ChangedCall[];
}

export interface PreviewDeps {
  readonly inbox: Inbox;
  readonly gateway: OrgGateway;
  readonly ownNumbers: ReadonlySet<string>;
  /** How long the inbox keeps logged and skipped items: the most days a preview can look back. */
  readonly retentionMs: number;
  readonly now?: () => number;
  /** Told once the calls are counted, before the org is read. */
  readonly onPlan?: (plan: { calls: number; distinctNumbers: number; reads: number }) => void;
  /** Told after each read. */
  readonly onProgress?: (done: { reads: number; of: number }) => void;
}

const invalid = (message: string) => new AircallSfError(ERROR_CODES.USAGE, message);

/** The draft's fields checked against the one description: unknown names are refused, not ignored. */
function draftRow(draft: SettingsRow): SettingsRow {
  if (typeof draft !== 'object' || draft === null || Array.isArray(draft))
    throw invalid(
      'The draft settings must be a JSON object of Aircall_Settings__c fields, such as {"Unknown_Number__c":"Lead"}.'
    );
  const known = new Set<string>(SETTINGS_FIELDS.map((f) => f.apiName));
  const unknown = Object.keys(draft).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw invalid(
      `The draft names fields Aircall_Settings__c does not have: ${unknown.join(', ')}. The fields are ${[...known].join(', ')}.`
    );
  return draft;
}

/** Groups subjects so that each read holds at most 200 distinct numbers and 200 distinct agents. */
function readGroups(subjects: readonly SnapshotSubject[]): SnapshotSubject[][] {
  const groups: SnapshotSubject[][] = [];
  let group: SnapshotSubject[] = [];
  let numbers = new Set<string>();
  let emails = new Set<string>();
  for (const s of subjects) {
    const n = s.classified.otherParty.e164;
    const e = s.classified.agent?.email ?? null;
    const grows = (n && !numbers.has(n) ? 1 : 0) + numbers.size > PREVIEW_READ_ENTRIES;
    const growsAgents = (e && !emails.has(e) ? 1 : 0) + emails.size > PREVIEW_READ_ENTRIES;
    if (group.length > 0 && (grows || growsAgents)) {
      groups.push(group);
      group = [];
      numbers = new Set();
      emails = new Set();
    }
    group.push(s);
    if (n) numbers.add(n);
    if (e) emails.add(e);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

export async function previewSettings(deps: PreviewDeps, request: PreviewRequest): Promise<PreviewResult> {
  const maxDays = Math.floor(deps.retentionMs / DAY_MS);
  if (!Number.isInteger(request.days) || request.days < 1 || request.days > maxDays)
    throw invalid(
      `days must be a whole number from 1 to ${maxDays} (the inbox keeps calls for AIRCALL_SF_RETENTION_DAYS = ${maxDays}).`
    );
  const draftFields = draftRow(request.draft);
  const now = (deps.now ?? Date.now)();

  const items: { key: string; classified: Classified }[] = [];
  for await (const item of changedSince(deps.inbox, now - request.days * DAY_MS)) {
    // The calls and messages the inbox can read, a call once it ended.
    if (!item.classified || (item.classified.kind === 'call' && !item.classified.final)) continue;
    const classified = inContext(item.classified, {
      voicemailLeft: item.voicemailLeft,
      ownNumbers: deps.ownNumbers
    });
    items.push({ key: item.key, classified });
  }
  // A fresh plan for each call, as if it were logged today: no placement.
  const subjects: SnapshotSubject[] = items.map((i) => ({ classified: i.classified, placement: null }));
  const groups = readGroups(subjects);
  const distinctNumbers = new Set(items.map((i) => i.classified.otherParty.e164).filter((n) => n !== null)).size;
  // With no calls, one read still gives the current settings to compare the draft with. A draft
  // that relates calls to another kind of record than the org's settings (R6) needs that kind's
  // open records too: a second read of each group, for the draft's side.
  const draftKind = draftFields.Related_Record__c;
  const needsSecond = draftKind === 'Case' || draftKind === 'Opportunity';
  const passes = Math.max(1, groups.length);
  const atMost = passes * (needsSecond ? 2 : 1);
  deps.onPlan?.({ calls: items.length, distinctNumbers, reads: atMost });

  let currentSettings: Settings | null = null;
  let draftSettings: Settings | null = null;
  let changedFields: Record<string, { current: unknown; draft: unknown }> = {};
  const currentSide = new SideCounter();
  const draftSide = new SideCounter();
  const changes: ChangedCall[] = [];
  let changedCalls = 0;
  let reads = 0;
  const read = async (group: readonly SnapshotSubject[], related?: 'Case' | 'Opportunity') => {
    const snapshot = await buildSnapshots(deps.gateway, deps.inbox, group, {
      tasks: false,
      ...(related ? { related } : {})
    });
    reads += 1;
    deps.onProgress?.({ reads, of: atMost });
    return snapshot;
  };
  for (let g = 0; g < passes; g += 1) {
    const group = groups[g] ?? [];
    const current = await read(group);
    if (!current.settings.ok) throw current.settings.errors[0]!;
    if (!currentSettings) {
      currentSettings = current.settings.settings;
      const currentRow = settingsToRow(currentSettings);
      const merged = parseSettings({ ...currentRow, ...draftFields });
      if (!merged.ok) throw merged.errors[0]!;
      draftSettings = merged.settings;
      const draftRowNow = settingsToRow(draftSettings);
      changedFields = Object.fromEntries(
        Object.keys(currentRow)
          .filter((k) => currentRow[k] !== draftRowNow[k])
          .map((k) => [k, { current: currentRow[k], draft: draftRowNow[k] }])
      );
    }
    const kind = draftSettings!.relatedRecord;
    const draft =
      kind !== 'None' && kind !== currentSettings.relatedRecord && group.length > 0 ? await read(group, kind) : current;
    for (const subject of group) {
      const item = subject.classified;
      const a = plan({ item, settings: currentSettings, org: current.snapshotFor(subject) });
      const b = plan({ item, settings: draftSettings!, org: draft.snapshotFor(subject) });
      currentSide.add(a, item.otherParty.e164);
      draftSide.add(b, item.otherParty.e164);
      const change = changed(item.externalId, a, b);
      if (change) {
        changedCalls += 1;
        if (changes.length < PREVIEW_CHANGES_LISTED) changes.push(change);
      }
    }
  }
  return {
    days: request.days,
    calls: items.length,
    reads,
    distinctNumbers,
    changedFields,
    current: currentSide.summary(),
    draft: draftSide.summary(),
    changedCalls,
    changes
  };
}
