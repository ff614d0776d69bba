/**
 * The rules engine's inputs and outputs. Plain data only: the engine is pure (design
 * principle 1) and everything it needs arrives in these shapes.
 */
import type { Classified } from '../aircall/classify';
import type { LogModeChoice, Settings } from '../settings/schema';
import type { CallRecordPlan, FollowUpPlan } from './call-record';

export type MatchKind = 'Contact' | 'Lead' | 'Account' | 'PersonAccount';

/** A record found by the phone search, with the values of its phone fields. */
export interface CandidateRecord {
  readonly kind: MatchKind;
  readonly id: string;
  readonly name?: string | null;
  readonly phones: readonly (string | null | undefined)[];
  /** ISO datetime; R5 takes the most recently modified. */
  readonly lastModifiedDate: string;
  /** Contact: its Account; Person Account: itself. */
  readonly accountId?: string | null;
  /** Person Account: its person contact (003…), which becomes the Task's WhoId. */
  readonly personContactId?: string | null;
  /** A Contact row that is the hidden person contact of a Person Account. */
  readonly isPersonContact?: boolean;
  /** Converted Leads are read-only and never matched. */
  readonly isConverted?: boolean;
}

/** An open Case or Opportunity linked to a Contact. */
export interface OpenRelatedRecord {
  readonly id: string;
  readonly lastModifiedDate: string;
  readonly name?: string | null;
  /** R8 relates open records only; a closed one in the snapshot is ignored. */
  readonly isClosed?: boolean;
}

export interface OrgUser {
  readonly id: string;
  readonly email: string | null;
  /** User.Aircall_Email__c: the admin's mapping of an Aircall agent whose email differs (R12). */
  readonly aircallEmail?: string | null;
  readonly isActive: boolean;
  readonly name?: string | null;
}

/** Where an earlier version of this call or message was logged: an update keeps its Task there. */
export interface Placement {
  readonly kind: MatchKind;
  readonly id: string;
  readonly personContactId: string | null;
  readonly accountId: string | null;
  readonly relatedKind: 'Case' | 'Opportunity' | null;
  readonly relatedId: string | null;
}

/** What the org holds that matters for one call or message. */
export interface OrgSnapshot {
  /** Set when the item was logged before: no matching, the Task stays where it is. */
  readonly placement?: Placement | null;
  readonly candidates: readonly CandidateRecord[];
  /** Open Cases per Contact Id (any order; the engine sorts). */
  readonly openCases?: Readonly<Record<string, readonly OpenRelatedRecord[]>>;
  /** Open Opportunities per Contact Id (through OpportunityContactRole). */
  readonly openOpportunities?: Readonly<Record<string, readonly OpenRelatedRecord[]>>;
  /** Users whose Email or Aircall_Email__c is the agent's email (case-insensitive). */
  readonly users: readonly OrgUser[];
  /** The user the service is authenticated as: the owner of last resort (R12). */
  readonly integrationUserId: string;
}

export interface EngineInput {
  readonly item: Classified;
  readonly settings: Settings;
  readonly org: OrgSnapshot;
  /** What happened to the call's insight card while it rang (C1), when known: a line of the trace. */
  readonly card?: string | null;
}

/** A record the plan writes, referenced before it has an Id. */
export type RecordRef = { readonly id: string } | { readonly ref: 'target' | 'related' };

export type FieldValue = string | number | boolean | null;
export type Fields = Readonly<Record<string, FieldValue | RecordRef>>;

export type TargetPlan =
  | {
      readonly kind: 'existing';
      readonly sobject: MatchKind;
      readonly id: string;
      readonly name: string | null;
      readonly accountId: string | null;
      readonly personContactId: string | null;
    }
  | { readonly kind: 'create'; readonly sobject: 'Contact' | 'Lead' | 'Account'; readonly fields: Fields };

export type RelatedPlan =
  | { readonly kind: 'existing'; readonly sobject: 'Case' | 'Opportunity'; readonly id: string }
  | { readonly kind: 'create'; readonly sobject: 'Case'; readonly fields: Fields };

export interface TaskPlan {
  /** Scalar Task fields; WhoId and WhatId are in `who`/`what` because they may reference new records. */
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly who: RecordRef | null;
  readonly what: RecordRef | null;
  /** Fields Salesforce accepts on create only (TaskSubtype): left out when updating. */
  readonly createOnly: readonly string[];
}

export const SKIP_REASONS = {
  LIVE_CALL: 'The call is still live (ended_at is null); it is logged once call.ended arrives.',
  INTERNAL_CALL: "The other party is one of the company's own Aircall numbers.",
  DO_NOTHING: 'The call workflow for this call type is Do nothing.',
  NUMBER_CLOSED: 'The Aircall number was closed and calls outside business hours are not logged.',
  MESSAGES_OFF: 'Logging of SMS and messages is switched off.',
  NO_NUMBER: 'The caller is anonymous or the number is not a full phone number, so it matches no record.',
  UNKNOWN_NUMBER: 'The number matches no record and unknown numbers are not logged.'
} as const;
export type SkipReason = keyof typeof SKIP_REASONS;

export interface TraceLine {
  readonly rule: string;
  readonly text: string;
}

export interface LogPlan {
  readonly outcome: 'log';
  readonly externalId: string;
  readonly target: TargetPlan;
  readonly related: RelatedPlan | null;
  /** L1: what is written. In RecordOnly the Task is planned (its fields describe the log) but not written. */
  readonly mode: LogModeChoice;
  readonly task: TaskPlan;
  /** The Aircall Call record (L1), unless the mode is TaskOnly. */
  readonly record: CallRecordPlan | null;
  /** L2: follow-up Tasks for Aircall AI's action items, on the Task's record (each written once). */
  readonly followUps: readonly FollowUpPlan[];
  readonly trace: readonly TraceLine[];
}

export interface SkipPlan {
  readonly outcome: 'skip';
  readonly externalId: string;
  readonly reason: SkipReason;
  readonly trace: readonly TraceLine[];
}

export type Plan = LogPlan | SkipPlan;
