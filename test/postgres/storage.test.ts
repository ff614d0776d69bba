/** The storage suite on PostgreSQL (a new database per test), and what only a shared engine must do. */
import { PostgresInbox } from '../../src/inbox/postgres';
import { testDatabase } from '../helpers/postgres';
import { storageSuite } from '../helpers/storage-suite';

let url = '';
beforeEach(async () => {
  url = await testDatabase();
});

storageSuite('postgres', ({ now }) => PostgresInbox.open(url, { now }));
