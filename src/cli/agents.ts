import { AircallApi } from '../aircall-api/client';
import type { AircallApiUser } from '../aircall-api/client';
import { matchAgent } from '../rules/owner';
import type { AgentMatch } from '../rules/owner';
import type { OrgUser } from '../rules/types';
import { connect } from '../salesforce/connection';
import { OrgGateway } from '../salesforce/gateway';
import { OrgNames } from '../org-api/names';
import type { Command } from './command';
import { COMMON_OPTIONS, configFrom, parseCommand, requireAircallApi, usageError } from './command';
import { resolveOrg } from './embedded';

const USAGE = `Usage: aircall-sf agents [--unmatched] [--org URL] [--data-dir DIR]

Lists the company's Aircall users (agents) with the Salesforce user their calls are owned by
(R12): the user whose Aircall Email is the agent's (set in the settings panel's Agents section),
else the active user with the agent's email. An agent with neither is listed as unmatched: their
calls go to the integration user. One JSON line per agent on stdout, then, as the last line,
{"agents":N,"matched":N,"unmatched":N}; a summary on stderr. Exit code 0, or 1 with
--unmatched when an agent is unmatched (for a check in a deploy script). Reads only. Needs
AIRCALL_API_ID and AIRCALL_API_TOKEN.

  --unmatched      list only the unmatched agents, and exit 1 when there is one
${COMMON_OPTIONS}`;

export interface AgentLine {
  readonly aircallUserId: number;
  readonly name: string | null;
  readonly email: string | null;
  /** aircall_email and email: matched; inactive: only an inactive user has the email; none; no_email. */
  readonly match: AgentMatch['by'] | 'no_email';
  readonly salesforceUserId: string | null;
  /**
   * Present when several active users carry this agent's Aircall Email: the calls go to the
   * lowest Id (R12), the others never get them. The panel refuses a second one; older data or
   * another tool may still hold it.
   */
  readonly conflict?: { readonly userIds: readonly string[] };
}

/** Pure: each agent with its match, in the order Aircall lists them. */
export function agentLines(agents: readonly AircallApiUser[], users: readonly OrgUser[]): AgentLine[] {
  return agents.map((a) => {
    const match = a.email ? matchAgent(a.email, users) : null;
    const wanted = a.email?.toLowerCase();
    const mapped =
      match?.by === 'aircall_email' && match.count > 1
        ? users
            .filter((u) => u.isActive && u.aircallEmail?.toLowerCase() === wanted)
            .map((u) => u.id)
            .sort()
        : [];
    return {
      aircallUserId: a.id,
      name: a.name,
      email: a.email,
      match: match?.by ?? 'no_email',
      salesforceUserId: match?.user?.id ?? null,
      ...(mapped.length > 1 ? { conflict: { userIds: mapped } } : {})
    };
  });
}

const matched = (line: AgentLine) => line.salesforceUserId !== null;

export const agentsCommand: Command = {
  name: 'agents',
  summary: "list Aircall's agents and the Salesforce user each one's calls go to",
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommand(USAGE, args, { unmatched: { type: 'boolean' } });
    if (positionals.length > 0) throw usageError(USAGE, 'agents takes no positional argument.');
    const config = configFrom(values);
    const aircallApi = requireAircallApi(config, 'agents');
    const agents = await new AircallApi(aircallApi).users();
    const { auth, embedded } = await resolveOrg(config);
    let lines: AgentLine[];
    let integrationUserId: string;
    try {
      const gateway = new OrgGateway(
        await connect(auth, config.apiVersion, config.requestTimeoutMs),
        config.apiVersion,
        config.readPath,
        Date.now,
        new OrgNames(config.namespace)
      );
      await gateway.init();
      // The snapshot the worker reads, for every agent's email at once (it pages them itself).
      const emails = agents.map((a) => a.email).filter((e): e is string => e !== null);
      const read = await gateway.read({ numbers: [], emails, externalIds: [] });
      lines = agentLines(agents, read.users);
      integrationUserId = read.integrationUserId;
    } finally {
      await embedded?.close();
    }
    const unmatched = lines.filter((l) => !matched(l));
    for (const line of lines.filter((l) => l.conflict))
      io.err(
        `The Aircall email ${line.email ?? ''} is set on ${line.conflict!.userIds.length} Salesforce users (${line.conflict!.userIds.join(', ')}): ` +
          `the calls go to ${line.salesforceUserId ?? ''} only. Remove it from the others in the settings panel's Agents section.`
      );
    for (const line of values.unmatched ? unmatched : lines) io.out(JSON.stringify(line));
    io.err(
      `${lines.length} Aircall agent(s): ${lines.length - unmatched.length} matched to a Salesforce user, ${unmatched.length} unmatched.` +
        (unmatched.length > 0
          ? ` The calls of the unmatched go to the integration user ${integrationUserId}: set their Aircall Email on their Salesforce user in the settings panel's Agents section (README, Agents).`
          : '')
    );
    io.out(
      JSON.stringify({ agents: lines.length, matched: lines.length - unmatched.length, unmatched: unmatched.length })
    );
    return values.unmatched && unmatched.length > 0 ? 1 : 0;
  }
};
