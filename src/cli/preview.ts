import { AircallSfError, ERROR_CODES } from '../errors';
import { createLogger } from '../logger';
import type { PreviewResult } from '../preview/preview';
import { previewSettings } from '../preview/preview';
import type { SettingsRow } from '../settings/parse';
import type { Command } from './command';
import { COMMON_OPTIONS, configFrom, parseCommand, usageError } from './command';
import { openPipeline } from './embedded';
import { readInputFile } from './feed';

const USAGE = `Usage: aircall-sf preview --settings FILE [--days N] [--org URL] [--data-dir DIR]

What a settings change would have done to the calls and messages of the last N days (default 7,
at most AIRCALL_SF_RETENTION_DAYS), compared with the settings the org holds: logged or not,
Completed or In progress, on which kind of record, related to a Case or Opportunity, the records
that would be created, the owners, and each call whose outcome changes with both traces.
FILE is a JSON object of Aircall_Settings__c fields as the settings panel saves them, such as
{"Unknown_Number__c": "Lead"}; fields left out keep their current values. Nothing is written to
the org; reading it costs one API request per 200 distinct numbers, said before it starts.
The last line is the summary as JSON.
${COMMON_OPTIONS}`;

function readDraft(file: string): SettingsRow {
  const text = readInputFile(file);
  try {
    return JSON.parse(text) as SettingsRow;
  } catch (error) {
    throw new AircallSfError(
      ERROR_CODES.INPUT_FILE_INVALID,
      `${file} is not JSON (${error instanceof Error ? error.message : String(error)}): give an object of Aircall_Settings__c fields, such as {"Unknown_Number__c": "Lead"}.`
    );
  }
}

const counts = (o: Readonly<Record<string, number>>) =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

/** The two sides, line by line, as an admin compares them. */
export function previewLines(r: PreviewResult): string[] {
  const side = (name: string, s: PreviewResult['current']) => [
    `${name}: ${s.logged} logged (${s.completed} Completed, ${s.inProgress} In progress), not logged: ${counts(s.notLogged)}`,
    `  on: ${counts(s.on)}; related to Case ${s.relatedTo.Case}, Opportunity ${s.relatedTo.Opportunity}`,
    `  written: ${s.written.Task} Tasks, ${s.written.CallRecord} call records, ${s.written.FollowUp} follow-up Tasks`,
    `  would create: Contact ${s.created.Contact}, Lead ${s.created.Lead}, Account ${s.created.Account}, Case ${s.created.Case}`,
    `  owners: ${counts(s.owners)}`
  ];
  const lines = [
    `${r.calls} calls and messages of the last ${r.days} days, ${r.distinctNumbers} numbers, ${r.reads} org reads`,
    `changed settings: ${
      Object.entries(r.changedFields)
        .map(([k, v]) => `${k} ${JSON.stringify(v.current)} -> ${JSON.stringify(v.draft)}`)
        .join(', ') || 'none'
    }`,
    ...side('current', r.current),
    ...side('draft', r.draft),
    `${r.changedCalls} calls change outcome${r.changes.length < r.changedCalls ? ` (the first ${r.changes.length} listed)` : ''}`
  ];
  for (const c of r.changes) {
    lines.push(`${c.key}: ${c.current}  ->  ${c.draft}`);
    lines.push(`  current: ${c.currentTrace.split('\n').join('\n           ')}`);
    lines.push(`  draft:   ${c.draftTrace.split('\n').join('\n           ')}`);
  }
  return lines;
}

export const previewCommand: Command = {
  name: 'preview',
  summary: 'show what a settings change would have done to the last days of calls, without writing',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommand(USAGE, args, {
      settings: { type: 'string' },
      days: { type: 'string' }
    });
    if (positionals.length > 0) throw usageError(USAGE, 'preview takes no positional argument.');
    if (typeof values.settings !== 'string') throw usageError(USAGE, 'preview needs --settings FILE.');
    const days = values.days === undefined ? 7 : Number(values.days);
    const draft = readDraft(values.settings);
    const config = configFrom(values);
    const opened = await openPipeline(config, createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }));
    const { pipeline } = opened;
    try {
      const result = await previewSettings(
        {
          inbox: pipeline.inbox,
          gateway: pipeline.gateway,
          ownNumbers: new Set([...pipeline.inbox.companyLines(), ...config.companyNumbers]),
          retentionMs: config.retentionMs,
          onPlan: (p) =>
            io.err(
              `preview: ${p.calls} calls from ${p.distinctNumbers} numbers; reading the org costs ${p.reads} API request${p.reads === 1 ? '' : 's'}`
            ),
          onProgress: (p) => {
            if (p.of > 1) io.err(`preview: read ${p.reads} of ${p.of}`);
          }
        },
        { draft, days }
      );
      for (const line of previewLines(result)) io.out(line);
      const { changes: _listed, ...summary } = result;
      io.out(JSON.stringify(summary));
      return 0;
    } finally {
      await opened.close();
    }
  }
};
