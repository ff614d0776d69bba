/**
 * R12's match of an Aircall agent to a Salesforce user, shared by the engine (each call's
 * owner) and `aircall-sf agents` (the list an admin checks), so the two cannot disagree.
 */
import type { OrgUser } from './types';

export type AgentMatch =
  | { readonly by: 'aircall_email' | 'email'; readonly user: OrgUser; readonly count: number }
  | { readonly by: 'inactive' | 'none'; readonly user: null; readonly count: 0 };

/** The admin's mapping (User.Aircall_Email__c) first, then an active user with the same email; lowest Id on ties. */
export function matchAgent(email: string, users: readonly OrgUser[]): AgentMatch {
  const wanted = email.toLowerCase();
  const lowest = (list: OrgUser[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
  const mapped = lowest(users.filter((u) => u.isActive && u.aircallEmail?.toLowerCase() === wanted));
  if (mapped[0]) return { by: 'aircall_email', user: mapped[0], count: mapped.length };
  const sameEmail = users.filter((u) => u.email?.toLowerCase() === wanted);
  const active = lowest(sameEmail.filter((u) => u.isActive));
  if (active[0]) return { by: 'email', user: active[0], count: active.length };
  return { by: sameEmail.length > 0 ? 'inactive' : 'none', user: null, count: 0 };
}
