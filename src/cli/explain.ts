import type { Classified } from '../aircall/classify';
import { inContext } from '../aircall/classify';
import { existsSync } from 'node:fs';
import { AircallSfError, ERROR_CODES } from '../errors';
import type { StorageConfig } from '../inbox/open';
import { openStorage, storageName } from '../inbox/open';
import { ID_PATTERN } from '../aircall/schemas';
import type { CoalescedItem } from '../inbox/coalesce';
import { coalesce } from '../inbox/coalesce';
import { createLogger } from '../logger';
import { plan, renderTrace } from '../rules/engine';
import { buildSnapshots } from '../worker/snapshots';
import type { Command, Io } from './command';
import { COMMON_OPTIONS, configFrom, parseCommand, usageError } from './command';
import { openPipeline } from './embedded';
import { eventsFrom, readEnvelopes } from './feed';

const USAGE = `Usage: aircall-sf explain FILE|ID [--org URL] [--data-dir DIR]

For one envelope (or the last call or message in a file), or a call or message the service
received (its id: call:123, message:abcSM1, or a bare call id): what would be logged where
and why, rule by rule, without writing anything to the org. The last line is the plan as JSON.
${COMMON_OPTIONS}`;

/** What explain needs of the item: its classification (null when unreadable) and what only the coalesced item knows. */
interface Subject {
  readonly label: string;
  readonly classified: Classified | null;
  readonly problem: string | null;
  readonly voicemailLeft: boolean;
}

/** The last call or message of the file, its events folded as the inbox folds them, and the file's company lines. */
function latestItem(file: string, bodies: readonly string[]): { item: Subject; lines: ReadonlySet<string> } {
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
  return { item: { ...item!, label: last.key }, lines: read.lines };
}

/** `call:123`, `message:abcSM1` or a bare call id, when no file has that name. */
const isItemId = (target: string) => !existsSync(target) && ID_PATTERN.test(target.replace(/^(call|message):/, ''));

/** A call or message the service has processed, as the inbox keeps it, and what happened to it. */
async function storedItem(
  target: string,
  config: StorageConfig,
  io: Io
): Promise<{ item: Subject; lines: ReadonlySet<string> }> {
  const key = target.includes(':') ? target : `call:${target}`;
  const inbox = await openStorage(config);
  try {
    const stored = await inbox.item(key);
    if (!stored)
      throw new AircallSfError(
        ERROR_CODES.USAGE,
        `${key} is not in ${storageName(config)} (and no file has that name): give a file of webhook events, or the id of a call the service received.`
      );
    io.out(
      `${key}: ${stored.state}${stored.taskId ? `, Task ${stored.taskId}` : ''}${stored.lastError ? ` (${stored.lastError})` : ''}; explained again with today's settings:`
    );
    const item: Subject = {
      label: key,
      classified: stored.classified,
      problem: stored.classified ? null : stored.lastError,
      voicemailLeft: stored.voicemailLeft
    };
    return { item, lines: new Set(inbox.companyLines()) };
  } finally {
    await inbox.close();
  }
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'show what would be logged where and why, without writing',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommand(USAGE, args, {});
    if (positionals.length !== 1) throw usageError(USAGE, 'explain takes one FILE or call id.');
    const target = positionals[0]!;
    const config = configFrom(values);
    const { item, lines } = isItemId(target)
      ? await storedItem(target, config, io)
      : latestItem(target, readEnvelopes(target));
    if (!item.classified) {
      io.out(`${item.label} cannot be read, so it would be a dead letter: ${item.problem ?? ''}`);
      io.out(JSON.stringify({ outcome: 'unreadable', reason: item.problem }));
      return 1;
    }
    const opened = await openPipeline(config, createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }));
    const { pipeline } = opened;
    try {
      // The same company lines as serve: those the inbox has seen, the file's, the configured ones.
      const ownNumbers = new Set([...pipeline.inbox.companyLines(), ...lines, ...config.companyNumbers]);
      const classified: Classified = inContext(item.classified, { voicemailLeft: item.voicemailLeft, ownNumbers });
      const subject = { classified, placement: null };
      const snapshot = await buildSnapshots(pipeline.gateway, pipeline.inbox, [subject]);
      if (!snapshot.settings.ok) throw snapshot.settings.errors[0]!;
      const p = plan({ item: classified, settings: snapshot.settings.settings, org: snapshot.snapshotFor(subject) });
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
