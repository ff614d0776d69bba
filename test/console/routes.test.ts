/** The console's page while it is being built: an HTML page that reloads itself (#30). */
import Fastify from 'fastify';
import type { Connection } from 'jsforce';
import type { Inbox } from '../../src/inbox/inbox';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_ESTIMATE } from '../../src/console/build';
import { registerConsole } from '../../src/console/routes';

it('answers 503 with a page that reloads itself while the console is being built, then says how to build it', async () => {
  let building = true;
  const app = Fastify();
  registerConsole(app, {
    // Not reached by GET /: the page is answered before any org or inbox call.
    conn: {} as Connection,
    orgId: '00D000000000001AAA',
    inbox: {} as Inbox,
    webhookToken: 'token',
    baseUrl: () => '',
    distDir: '/nonexistent',
    status: () => ({ building, error: null })
  });
  const page = await app.inject({ method: 'GET', url: '/' });
  expect(page.statusCode).toBe(503);
  expect(page.headers['content-type']).toMatch(/^text\/html/);
  expect(page.body).toMatch(/<meta http-equiv="refresh" content="\d+">/);
  expect(page.body).toContain(`being built (${BUILD_ESTIMATE} the first time)`);
  building = false;
  const missing = await app.inject({ method: 'GET', url: '/' });
  expect(missing.statusCode).toBe(503);
  expect(missing.body).toContain('npm run build:console');
  await app.close();
});

it('the README states the console build time as the log line and the page do', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  expect(readme).toContain(`builds the console in the background (${BUILD_ESTIMATE})`);
  expect(readme.match(/console[^.\n]*\babout \d+ s\b/g)).toEqual([`console in the background (${BUILD_ESTIMATE}`]);
});
