/**
 * From one machine to several: the SQLite inbox of a data dir copied into an empty
 * PostgreSQL database, everything as it is (items in every state with their Task and
 * versions, deliveries already seen, records created per number, company lines), so that the
 * service started on DATABASE_URL carries on where the single node stopped. Run it with the
 * service stopped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresInbox } from './postgres';
import { SqliteInbox } from './sqlite';

export interface CopyCounts {
  items: number;
  events: number;
  numbers: number;
  lines: number;
}

export async function copySqliteToPostgres(
  dataDir: string,
  databaseUrl: string,
  progress: (counts: CopyCounts) => void = () => undefined
): Promise<CopyCounts> {
  if (!existsSync(join(dataDir, 'inbox.sqlite'))) throw new Error(`there is no inbox in ${dataDir} (no inbox.sqlite)`);
  const target = await PostgresInbox.open(databaseUrl);
  const source = new SqliteInbox(dataDir);
  const counts: CopyCounts = { items: 0, events: 0, numbers: 0, lines: 0 };
  try {
    if (!(await target.empty())) throw new Error('the database already holds items: copy into a new, empty database');
    for (const { table, rows } of source.dump()) {
      await target.restore(table, rows);
      counts[table] += rows.length;
      progress(counts);
    }
    return counts;
  } finally {
    await source.close();
    await target.close();
  }
}
