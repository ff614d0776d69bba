import { AircallSfError, ERROR_CODES } from '../errors';
import { copySqliteToPostgres } from '../inbox/copy';
import type { Command } from './command';
import { configFrom, parseCommand, usageError } from './command';

const USAGE = `Usage: aircall-sf copy-storage --to postgres://… [--data-dir DIR]

Copies the SQLite inbox of the data dir (DATA_DIR) into an empty PostgreSQL database, to move
from one node to several: every call and message as it is (logged, waiting, dead letters), the
deliveries already seen, the records created per number and the company lines. Stop the
service first; then start it with DATABASE_URL set to the same URL. Prints
{"items":N,"events":N,"numbers":N,"lines":N}.

  --to URL          the PostgreSQL database (postgres://user:password@host:5432/db)
  --data-dir DIR    where the SQLite inbox is (instead of DATA_DIR; default .aircall-sf)`;

export const copyStorageCommand: Command = {
  name: 'copy-storage',
  summary: 'copy the SQLite inbox into PostgreSQL (one node to several)',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommand(USAGE, args, { to: { type: 'string' } });
    if (typeof values.to !== 'string' || !/^postgres(ql)?:\/\//.test(values.to))
      throw usageError(USAGE, '--to must be a PostgreSQL URL (postgres://…).');
    const config = configFrom(values);
    let counts;
    try {
      counts = await copySqliteToPostgres(config.dataDir, values.to, (c) =>
        io.err(`copy-storage: ${c.items} items, ${c.events} deliveries, ${c.numbers} numbers, ${c.lines} lines`)
      );
    } catch (error) {
      throw new AircallSfError(
        ERROR_CODES.CONFIG_INVALID,
        `Could not copy ${config.dataDir} into the database: ${error instanceof Error ? error.message : String(error)}.`
      );
    }
    io.out(JSON.stringify(counts));
    return 0;
  }
};
