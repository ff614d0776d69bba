/** The `postgres` Jest project's server: one real PostgreSQL for the run; each suite makes its own databases. */
import { startPostgres } from '../helpers/postgres';
import type { PostgresServer } from '../helpers/postgres';

export default async function setup(): Promise<void> {
  const server = await startPostgres();
  (globalThis as { aircallSfPostgres?: PostgresServer }).aircallSfPostgres = server;
  process.env.AIRCALL_SF_TEST_PG = server.adminUrl;
}
