import { AircallApi } from '../aircall-api/client';
import { AircallSfError, ERROR_CODES } from '../errors';
import type { HealthReport } from '../health/health';
import { phoneHealth } from '../health/health';
import { createLogger } from '../logger';
import type { Command } from './command';
import { COMMON_OPTIONS, configFrom, parseCommand, usageError } from './command';
import { openPipeline } from './embedded';
import { linesCountry, unmatchedAgents } from './panel';

const USAGE = `Usage: aircall-sf health [--country CC] [--days N] [--org URL] [--data-dir DIR]

Why numbers will not match, for the org as it is: the phone values no country reads as a
number (national formats are read in --country, ISO 3166 alpha-2, default the country most of
the company's lines are in), the numbers several records hold with the one a call is logged on
and why (R4, R5), the phone fields the integration user cannot read, the company's own Aircall
lines stored on customer records, the Aircall agents with no Salesforce user (with the Aircall
API key), the last N days' calls (default 7) by outcome, and the service's use of its API share.
Reads every Contact, Lead and Account holding a phone value in pages of 2,000 (about 500
requests for a million Contacts): the cost is said before the reading starts, progress on
stderr. Writes nothing. The last line is the report as JSON.
${COMMON_OPTIONS}`;

const COUNTRY = /^[A-Z]{2}$/;

export function healthLines(r: HealthReport): string[] {
  const p = r.phones;
  const lines = [
    `${p.records} records with ${p.values} phone values read${r.defaultCountry ? ` (national formats as ${r.defaultCountry})` : ''}`,
    `${p.unreadable.count} values no country reads as a number: calls from them are never matched`,
    ...p.unreadable.examples.map((u) => `  ${u.object} ${u.id} ${u.field}: ${JSON.stringify(u.value)}`),
    `${p.shared.count} numbers held by several records: a call is logged on one`,
    ...p.shared.examples.map(
      (s) =>
        `  ${s.e164}: ${s.holders} records; ${s.winner ? `${s.winner.kind} ${s.winner.id} wins` : 'none is matched'}\n    ${s.why.split('\n').join('\n    ')}`
    ),
    r.unreadablePhoneFields === null
      ? 'phone fields the integration user cannot read: unknown on the REST read path (deploy the org package)'
      : `${r.unreadablePhoneFields.length} phone fields the integration user cannot read${r.unreadablePhoneFields.length ? `: ${r.unreadablePhoneFields.join(', ')}` : ''}`,
    `${p.companyLines.count} of the company's own Aircall lines stored on customer records (their calls are internal)`,
    ...p.companyLines.examples.map((u) => `  ${u.object} ${u.id} ${u.field}: ${u.value}`),
    r.agentsWithoutUser === null
      ? 'agents with no Salesforce user: unknown without AIRCALL_API_ID and AIRCALL_API_TOKEN'
      : `${r.agentsWithoutUser.length} Aircall agents with no Salesforce user (their calls go to the integration user)`,
    ...(r.agentsWithoutUser ?? []).map((a) => `  ${a.id} ${a.name ?? ''} <${a.email ?? 'no email'}>`),
    `last ${r.lastDays.days} days: ${r.lastDays.calls} calls and messages; ${r.lastDays.matched} logged on a match, ${r.lastDays.created} on a new record, skipped ${JSON.stringify(r.lastDays.skipped)}, ${r.lastDays.failed} failed, ${r.lastDays.waiting} waiting`
  ];
  return lines;
}

export const healthCommand: Command = {
  name: 'health',
  summary: "report why the org's numbers will not match: unreadable values, shared numbers, hidden fields",
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommand(USAGE, args, {
      country: { type: 'string' },
      days: { type: 'string' }
    });
    if (positionals.length > 0) throw usageError(USAGE, 'health takes no positional argument.');
    const country = typeof values.country === 'string' ? values.country.toUpperCase() : undefined;
    if (country !== undefined && !COUNTRY.test(country))
      throw usageError(
        USAGE,
        `--country must be a two-letter ISO 3166 code, such as FR or US (not ${values.country}).`
      );
    const days = values.days === undefined ? 7 : Number(values.days);
    if (!Number.isInteger(days) || days < 1 || days > 3650)
      throw new AircallSfError(ERROR_CODES.USAGE, '--days must be a whole number of days from 1 to 3650.');
    const config = configFrom(values);
    const opened = await openPipeline(config, createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }));
    const { pipeline } = opened;
    try {
      const lines = new Set([...pipeline.inbox.companyLines(), ...config.companyNumbers]);
      const api = config.aircallApi ? new AircallApi(config.aircallApi) : null;
      const report = await phoneHealth(
        {
          gateway: pipeline.gateway,
          inbox: pipeline.inbox,
          companyLines: lines,
          agentsWithoutUser: api ? unmatchedAgents(pipeline, api) : null,
          onPlan: (p) =>
            io.err(
              `health: ${Object.entries(p.records)
                .map(([o, n]) => `${n} ${o}s`)
                .join(', ')} hold a phone value; reading them costs about ${p.requests} API requests`
            ),
          onProgress: (p) => {
            if (p.requests % 10 === 0) io.err(`health: ${p.requests} of ${p.of} requests`);
          }
        },
        { defaultCountry: country ?? linesCountry(lines), days }
      );
      for (const line of healthLines(report)) io.out(line);
      // The API share (A1), counted by every process into the storage: what this service used.
      const share = await pipeline.share.tick();
      io.out(
        `API share: ${share.ownUsed} Salesforce requests in the last 24 hours, ${share.cap === null ? 'no cap (API_Share__c None)' : `cap ${share.cap}`}; ${share.reason ?? 'batching as usual'}`
      );
      io.out(
        JSON.stringify({ ...report, apiShare: { pressure: share.pressure, used24h: share.ownUsed, cap: share.cap } })
      );
      return 0;
    } finally {
      await opened.close();
    }
  }
};
