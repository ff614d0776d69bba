/**
 * What a settings change would have done, told from the engine's plans: the same calls planned
 * with the current settings and with the draft, on the same read of the org. Pure.
 */
import type { Plan } from '../rules/types';
import { renderTrace } from '../rules/engine';

export interface SideSummary {
  readonly logged: number;
  /** Not logged, by the engine's reason (DO_NOTHING, NUMBER_CLOSED…). */
  readonly notLogged: Readonly<Record<string, number>>;
  readonly completed: number;
  readonly inProgress: number;
  /** Where the Tasks land: an existing Contact, Lead, Account or Person Account, or a new record. */
  readonly on: Readonly<Record<string, number>>;
  readonly relatedTo: { readonly Case: number; readonly Opportunity: number };
  /** Records the rules would create: once per number (a second call from it finds the first). */
  readonly created: {
    readonly Contact: number;
    readonly Lead: number;
    readonly Account: number;
    readonly Case: number;
  };
  /** Tasks per owner (User Id). */
  readonly owners: Readonly<Record<string, number>>;
  /** What L1 and L2 write for the logged calls: Tasks, Aircall Call records, follow-up Tasks. */
  readonly written: { readonly Task: number; readonly CallRecord: number; readonly FollowUp: number };
}

export interface ChangedCall {
  readonly key: string;
  readonly current: string;
  readonly draft: string;
  readonly currentTrace: string;
  readonly draftTrace: string;
}

/** One line of what a plan does: "not logged (DO_NOTHING)", "Completed on Contact 003…, Case 500…". */
export function outcomeLine(p: Plan): string {
  if (p.outcome === 'skip') return `not logged (${p.reason})`;
  const status = typeof p.task.fields.Status === 'string' ? p.task.fields.Status : 'logged';
  const on = p.target.kind === 'existing' ? `${p.target.sobject} ${p.target.id}` : `a new ${p.target.sobject}`;
  const related = !p.related
    ? ''
    : p.related.kind === 'existing'
      ? `, ${p.related.sobject} ${p.related.id}`
      : ', a new Case';
  const owner = typeof p.task.fields.OwnerId === 'string' ? `, owner ${p.task.fields.OwnerId}` : '';
  // L1, said when it is not the default, so a change of Log_Mode__c lists the calls it changes.
  const mode =
    p.mode === 'RecordOnly'
      ? ', a call record only (no Task)'
      : p.mode === 'TaskOnly'
        ? ', a Task only (no call record)'
        : '';
  return `${status} on ${on}${related}${owner}${mode}`;
}

export class SideCounter {
  private logged = 0;
  private readonly notLogged: Record<string, number> = {};
  private completed = 0;
  private inProgress = 0;
  private readonly on: Record<string, number> = {};
  private readonly relatedTo = { Case: 0, Opportunity: 0 };
  private readonly createdFor = { Contact: new Set<string>(), Lead: new Set<string>(), Account: new Set<string>() };
  private cases = 0;
  private readonly owners: Record<string, number> = {};
  private readonly written = { Task: 0, CallRecord: 0, FollowUp: 0 };

  /** `number`: the call's E.164 number (a record is created once per number). */
  add(p: Plan, number: string | null): void {
    if (p.outcome === 'skip') {
      this.notLogged[p.reason] = (this.notLogged[p.reason] ?? 0) + 1;
      return;
    }
    this.logged += 1;
    if (p.task.fields.Status === 'Completed') this.completed += 1;
    else this.inProgress += 1;
    const on = p.target.kind === 'existing' ? p.target.sobject : `new ${p.target.sobject}`;
    this.on[on] = (this.on[on] ?? 0) + 1;
    if (p.target.kind === 'create') this.createdFor[p.target.sobject].add(number ?? p.externalId);
    if (p.related) this.relatedTo[p.related.sobject] += 1;
    if (p.related?.kind === 'create') this.cases += 1;
    const owner = typeof p.task.fields.OwnerId === 'string' ? p.task.fields.OwnerId : 'unknown';
    this.owners[owner] = (this.owners[owner] ?? 0) + 1;
    if (p.mode !== 'RecordOnly') this.written.Task += 1;
    if (p.record) this.written.CallRecord += 1;
    this.written.FollowUp += p.followUps.length;
  }

  summary(): SideSummary {
    return {
      logged: this.logged,
      notLogged: { ...this.notLogged },
      completed: this.completed,
      inProgress: this.inProgress,
      on: { ...this.on },
      relatedTo: { ...this.relatedTo },
      created: {
        Contact: this.createdFor.Contact.size,
        Lead: this.createdFor.Lead.size,
        Account: this.createdFor.Account.size,
        Case: this.cases
      },
      owners: { ...this.owners },
      written: { ...this.written }
    };
  }
}

/** The call, when its outcome differs between the two plans: both outcomes and both traces. */
export function changed(key: string, current: Plan, draft: Plan): ChangedCall | null {
  const a = outcomeLine(current);
  const b = outcomeLine(draft);
  if (a === b) return null;
  return { key, current: a, draft: b, currentTrace: renderTrace(current.trace), draftTrace: renderTrace(draft.trace) };
}
