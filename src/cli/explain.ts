import type { Classified } from '../aircall/classify';
import { inContext } from '../aircall/classify';
import { AircallSfError, ERROR_CODES } from '../errors';
import type { CoalescedItem } from '../inbox/coalesce';
import { coalesce } from '../inbox/coalesce';
import { createLogger } from '../logger';
import { plan, renderTrace } from '../rules/engine';
import { buildSnapshots } from '../worker/snapshots';
import type { Command } from './command';
import { COMMON_OPTIONS, configFrom, parseCommand, usageError } from './command';
import { openPipeline } from './embedded';
import { eventsFrom, readEnvelopes } from './feed';

const USAGE = `Usage: aircall-sf explain FILE [--org URL] [--data-dir DIR]

For one envelope (or the last call or message in a file): what would be logged where and why,
rule by rule, without writing anything to the org. The last line is the plan as JSON.
${COMMON_OPTIONS}`;

/** The last call or message of the file, its events folded as the inbox folds them, and the file's company lines. */
function latestItem(file: string, bodies: readonly string[]): { item: CoalescedItem; lines: ReadonlySet<string> } {
  const read = eventsFrom(file, bodies);
  const events = read.events.map((e) => e.event);
  const last = events[events.length - 1];
  if (!last)
    throw new AircallSfError(
      ERROR_CODES.INPUT_FILE_INVALID,
      `${file} holds no call or message event the product uses.`
    );
  let item: CoalescedItem | null = null;
  for (const event of events) if (event.key === last.key) item = coalesce(item, event).item;
  return { item: item!, lines: read.lines };
}

const describeItem = (item: CoalescedItem) => `${item.kind} ${JSON.stringify(item.data.id ?? null)}`;

export const explainCommand: Command = {
  name: 'explain',
  summary: 'show what would be logged where and why, without writing',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommand(USAGE, args, {});
    if (positionals.length !== 1) throw usageError(USAGE, 'explain takes one FILE.');
    const file = positionals[0]!;
    const { item, lines } = latestItem(file, readEnvelopes(file));
    if (!item.classified) {
      io.out(`${describeItem(item)} cannot be read, so it would be a dead letter: ${item.problem ?? ''}`);
      io.out(JSON.stringify({ outcome: 'unreadable', reason: item.problem }));
      return 1;
    }
    const config = configFrom(values);
    const opened = await openPipeline(config, createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }));
    const { pipeline } = opened;
    try {
      // The same company lines as serve: those the inbox has seen, the file's, the configured ones.
      const ownNumbers = new Set([...pipeline.inbox.companyLines(), ...lines, ...config.companyNumbers]);
      const classified: Classified = inContext(item.classified, { voicemailLeft: item.voicemailLeft, ownNumbers });
      const result = await pipeline.settings.get();
      if (!result.ok) throw result.errors[0]!;
      const subject = { classified, placement: null };
      const snapshotFor = await buildSnapshots(pipeline.gateway, pipeline.inbox, [subject], result.settings);
      const p = plan({ item: classified, settings: result.settings, org: snapshotFor(subject) });
      io.out(
        `${classified.externalId}: ${p.outcome === 'log' ? 'would be logged' : `would not be logged (${p.reason})`}`
      );
      io.out(renderTrace(p.trace));
      if (p.outcome === 'log') {
        io.out(`Task fields: ${JSON.stringify({ ...p.task.fields, Aircall_Trace__c: undefined })}`);
      }
      io.out(
        JSON.stringify(
          p.outcome === 'log'
            ? {
                outcome: p.outcome,
                externalId: p.externalId,
                target: p.target,
                related: p.related,
                who: p.task.who,
                what: p.task.what
              }
            : { outcome: p.outcome, externalId: p.externalId, reason: p.reason }
        )
      );
      return 0;
    } finally {
      await opened.close();
    }
  }
};
