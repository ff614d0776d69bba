import type { PostgresServer } from '../helpers/postgres';

export default function teardown(): void {
  (globalThis as { aircallSfPostgres?: PostgresServer }).aircallSfPostgres?.stop();
}
