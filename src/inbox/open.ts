/** The inbox the configuration asks for: PostgreSQL when DATABASE_URL is set, else SQLite under the data dir. */
import type { Inbox } from './inbox';
import { PostgresInbox } from './postgres';
import type { PostgresOptions } from './postgres';
import { SqliteInbox } from './sqlite';

export interface StorageConfig {
  readonly dataDir: string;
  readonly databaseUrl: string | null;
}

export async function openStorage(
  config: StorageConfig,
  options: { now?: () => number; postgres?: PostgresOptions } = {}
): Promise<Inbox> {
  if (config.databaseUrl) return PostgresInbox.open(config.databaseUrl, { now: options.now, ...options.postgres });
  return new SqliteInbox(config.dataDir, { now: options.now });
}

/** Where the storage is, for messages: the database (without its password) or the SQLite file's folder. */
export function storageName(config: StorageConfig): string {
  if (!config.databaseUrl) return `the inbox (DATA_DIR ${config.dataDir})`;
  try {
    const url = new URL(config.databaseUrl);
    return `the database (DATABASE_URL ${url.protocol}//${url.host}${url.pathname})`;
  } catch {
    return 'the database (DATABASE_URL)';
  }
}
