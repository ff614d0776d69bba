import { AircallSfError, ERROR_CODES } from '../errors';
import { openStorage } from '../inbox/open';
import { createLogger } from '../logger';
import { deadLetterCode } from '../errors';
import type { Command } from './command';
import { COMMON_OPTIONS, configFrom, parseCommand, usageError } from './command';
import { openPipeline } from './embedded';
import { drain, requireValidSettings, summary } from './feed';

const USAGE = `Usage: aircall-sf dead-letters [list | retry ID | retry --all] [--org URL] [--data-dir DIR]

Calls and messages that failed for good, with their reason; retry puts them back and processes
them now, printing {"retried":N,"logged":N,"skipped":N,"failed":N}.
${COMMON_OPTIONS}`;

export const deadLettersCommand: Command = {
  name: 'dead-letters',
  summary: 'list or retry the calls that failed for good',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseCommand(USAGE, args, { all: { type: 'boolean' } });
    const [action = 'list', id] = positionals;
    const config = configFrom(values);
    if (action === 'list') {
      const inbox = await openStorage(config);
      const dead = await inbox.deadLetters();
      // The code first (docs/errors.md says what each means and what to do), then the reason.
      for (const item of dead)
        io.out(
          `${item.key}\t${deadLetterCode(item.lastError) ?? '-'}\tattempts ${item.attempts}\t${item.lastError ?? ''}`
        );
      io.out(
        JSON.stringify({
          deadLetters: dead.length,
          items: dead.map((d) => ({
            id: d.key,
            code: deadLetterCode(d.lastError),
            attempts: d.attempts,
            reason: d.lastError
          }))
        })
      );
      await inbox.close();
      return 0;
    }
    if (action !== 'retry' || (!id && !values.all) || (id && values.all))
      throw usageError(USAGE, 'Use `dead-letters list`, `dead-letters retry ID` or `dead-letters retry --all`.');
    const opened = await openPipeline(config, createLogger({ level: process.env.LOG_LEVEL ?? 'warn' }));
    const { pipeline } = opened;
    try {
      await requireValidSettings(pipeline);
      const dead = await pipeline.inbox.deadLetters();
      const keys = id ? [id] : dead.map((d) => d.key);
      if (id && !dead.some((d) => d.key === id)) {
        throw new AircallSfError(ERROR_CODES.USAGE, `${id} is not a dead letter (see \`dead-letters list\`).`);
      }
      const retried = await pipeline.inbox.retry(id);
      await drain(pipeline, keys, 600_000);
      const s = await summary(pipeline, keys, 0);
      io.out(JSON.stringify({ retried, logged: s.logged, skipped: s.skipped, failed: s.failed }));
      return s.failed > 0 ? 1 : 0;
    } finally {
      await opened.close();
    }
  }
};
