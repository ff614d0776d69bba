import { createLogger } from '../logger';
import type { Command } from './command';
import { COMMON_OPTIONS, configFrom, parseCommand, usageError } from './command';
import { openPipeline } from './embedded';
import { drain, eventsFrom, readEnvelopes, requireValidSettings, summary } from './feed';

const USAGE = `Usage: aircall-sf replay FILE [--timeout SECONDS] [--org URL] [--data-dir DIR]

Feeds a file of webhook envelopes (JSON Lines or a JSON array) through the same inbox and workers
as serve, waits until each call or message is logged, skipped or failed, and prints
{"events":N,"logged":N,"skipped":N,"failed":N} as its last line. Exit code 0 unless one failed;
2 when the org's settings are invalid.

  --timeout S      give up after S seconds (default 600)
${COMMON_OPTIONS}`;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'feed a file of webhook events through the pipeline',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommand(USAGE, args, { timeout: { type: 'string' } });
    if (positionals.length !== 1) throw usageError(USAGE, 'replay takes one FILE.');
    const file = positionals[0]!;
    const timeout = Number(values.timeout ?? 600);
    if (!(timeout > 0))
      throw usageError(USAGE, `--timeout must be a number of seconds, got "${String(values.timeout)}".`);
    const bodies = readEnvelopes(file);
    const { events, lines } = eventsFrom(file, bodies);
    const opened = await openPipeline(configFrom(values), createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }));
    const { pipeline } = opened;
    try {
      await requireValidSettings(pipeline);
      await pipeline.inbox.rememberLines([...lines]);
      // Accepted together: one transaction per group (group commit), in the file's order.
      await Promise.all(events.map(({ event, digest }) => pipeline.inbox.accept(event, digest)));
      const keys = [...new Set(events.map((e) => e.event.key))];
      await drain(pipeline, keys, timeout * 1000);
      const result = await summary(pipeline, keys, bodies.length);
      io.out(JSON.stringify(result));
      return result.failed > 0 ? 1 : 0;
    } finally {
      await opened.close();
    }
  }
};
