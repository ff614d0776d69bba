// The suites of this project run the service on PostgreSQL: testService() gives each a new database.
process.env.AIRCALL_SF_TEST_ENGINE = 'postgres';
