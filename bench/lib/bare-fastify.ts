/**
 * The yardstick of the ingest benchmark: a bare Fastify app with the same route, body limit
 * and JSON answer as the service, that stores nothing. Prints its URL on stdout.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
app.post('/webhooks/aircall', (req) => {
  JSON.parse(req.body as string);
  return { status: 'accepted' };
});
app.listen({ port: 0, host: '127.0.0.1' }).then(
  (address) => process.stdout.write(`${address}/webhooks/aircall\n`),
  (error: unknown) => {
    process.stderr.write(String(error));
    process.exit(1);
  }
);
