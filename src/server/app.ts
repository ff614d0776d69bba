/**
 * The HTTP service: the Aircall webhook endpoint with the contract's answers, health,
 * readiness and metrics. 200 only once the event is durably stored.
 */
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ClassifiedCall } from '../aircall/classify';
import type { Inbox } from '../inbox/inbox';
import { ERROR_CODES } from '../errors';
import type { Metrics } from '../metrics';
import type { PanelApi } from './panel-api';
import { registerPanelApi } from './panel-api';
import { readWebhook, tokenMatches } from './webhook';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface AppDeps {
  readonly inbox: Inbox;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly webhookTokens: readonly string[];
  /** Called after an event is stored, to wake the worker. */
  readonly onAccepted?: () => void;
  /** A call that starts ringing (call.created, not stored): its insight card (src/cards/). */
  readonly onRinging?: (call: ClassifiedCall) => void;
  /** Null when ready; otherwise why not (org unreachable, settings invalid, storage failing). */
  readonly readiness: () => Promise<string | null>;
  /** How batches read the org now, with a warning when it is not the configured path (gateway.ts). */
  readonly readStatus?: () => { path: string; warning: string | null; unreadablePhoneFields?: readonly string[] };
  /** The settings panel's calls (panel-api.ts); absent: the routes are not served. */
  readonly panel?: PanelApi;
  /** A1: how hard the service batches to keep to its API share, and why (a warning, never a failure). */
  readonly apiShare?: () => {
    pressure: string;
    ownUsed: number;
    cap: number | null;
    reason: string | null;
  };
  /** When set, /metrics answers only `Authorization: Bearer <token>` (METRICS_TOKEN). */
  readonly metricsToken?: string | null;
}

/** Request lines in the log, without the query string: a token sent as `?token=` must never be written. */
const requestSerializer = (req: { method?: string; url?: string; ip?: string }) => ({
  method: req.method,
  url: typeof req.url === 'string' ? req.url.replace(/\?.*$/, '?[redacted]') : req.url,
  remoteAddress: req.ip
});

/** The service's Fastify app; typed as a plain FastifyInstance so that routes can be added by other modules. */
declare module 'fastify' {
  interface FastifyInstance {
    /** Whether webhooks are arriving (one within the last `ms`, default 1 s): the worker yields to them. */
    webhooksArriving(ms?: number): boolean;
  }
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const logger: FastifyBaseLogger = deps.logger.child({}, { serializers: { req: requestSerializer } });
  // One log line per webhook ('event stored', or the reason it was refused), not Fastify's two
  // per request on top: at thousands of webhooks a second they were most of the logging cost.
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: MAX_BODY_BYTES,
    // Fastify's own per-request lines are off: the webhook logs what it stored, at debug.
    logController: new LogController({ disableRequestLogging: true })
  });
  // Requests wait in the socket buffers, unseen, while the worker runs: recent arrivals, not
  // requests in flight, tell that webhooks are coming.
  let lastWebhookAt = 0;
  app.decorate('webhooksArriving', (ms = 1000) => Date.now() - lastWebhookAt < ms);
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.url.startsWith('/webhooks/')) lastWebhookAt = Date.now();
    done();
  });
  // Read every body as text: JSON is parsed (and its errors reported) after the size check,
  // and the token is checked before the schema.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) =>
    done(null, body)
  );

  app.setErrorHandler((error: { statusCode?: number; message: string }, _req, reply) => {
    const status = error.statusCode ?? 500;
    if (status === 413) {
      deps.metrics.eventsRejected.inc({ reason: 'too_large' });
      return reply
        .code(413)
        .send({ status: 'rejected', code: ERROR_CODES.WEBHOOK_TOO_LARGE, error: `Body over ${MAX_BODY_BYTES} bytes.` });
    }
    if (status >= 500) deps.logger.error({ err: error }, 'request failed');
    return reply.code(status).send({ status: 'error', error: error.message });
  });

  app.post('/webhooks/aircall', async (req, reply) => {
    deps.metrics.eventsReceived.inc();
    const contentType = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(contentType)) {
      deps.metrics.eventsRejected.inc({ reason: 'content_type' });
      return reply.code(415).send({
        status: 'rejected',
        code: ERROR_CODES.WEBHOOK_CONTENT_TYPE,
        error: `Content-Type must be application/json, got "${contentType}".`
      });
    }
    const outcome = readWebhook(typeof req.body === 'string' ? req.body : '', deps.webhookTokens);
    if (outcome.status !== 200) {
      deps.metrics.eventsRejected.inc({ reason: outcome.reason });
      // Never log the body: it carries the token.
      req.log.warn({ req, reason: outcome.reason }, outcome.message);
      return reply.code(outcome.status).send({ status: 'rejected', code: outcome.code, error: outcome.message });
    }
    try {
      // Every authenticated envelope tells which numbers are the company's (internal calls).
      await deps.inbox.rememberLines(outcome.lines);
    } catch (error) {
      req.log.warn({ err: error }, 'could not store the company lines of an event');
    }
    if (outcome.reason === 'ignored') {
      if (outcome.ringing && deps.onRinging) deps.onRinging(outcome.ringing);
      deps.metrics.eventsIgnored.inc({ event: outcome.event });
      return reply.code(200).send({ status: 'ignored' });
    }
    try {
      await deps.inbox.accept(outcome.incoming, outcome.digest);
    } catch (error) {
      deps.metrics.eventsRejected.inc({ reason: 'storage' });
      req.log.error({ err: error, item: outcome.incoming.key }, 'could not store the event');
      return reply.code(503).send({
        status: 'unavailable',
        code: ERROR_CODES.STORAGE_UNAVAILABLE,
        error: 'The event could not be stored; Aircall will retry.'
      });
    }
    deps.metrics.eventsAccepted.inc({ event: outcome.incoming.event });
    // Per request: debug, so a terminal running `npm start` stays readable (LOG_LEVEL=debug shows it).
    req.log.debug({ req, item: outcome.incoming.key, event: outcome.incoming.event }, 'event stored');
    deps.onAccepted?.();
    return reply.code(200).send({ status: 'accepted' });
  });

  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const problem = await deps.readiness();
    const read = deps.readStatus?.();
    const warnings = [
      ...(read?.warning ? [read.warning] : []),
      ...(read?.unreadablePhoneFields?.length
        ? [
            `The integration user cannot read the phone fields ${read.unreadablePhoneFields.join(', ')}: numbers stored only there are never matched. Grant them read access (Aircall_Integration or another permission set).`
          ]
        : [])
    ];
    const share = deps.apiShare?.();
    if (share?.reason) warnings.push(share.reason);
    const extra = {
      ...(read ? { readPath: read.path } : {}),
      ...(share ? { apiShare: { pressure: share.pressure, used24h: share.ownUsed, cap: share.cap } } : {}),
      ...(warnings.length ? { warnings } : {})
    };
    return problem
      ? reply.code(503).send({ status: 'not ready', reason: problem, ...extra })
      : { status: 'ready', ...extra };
  });
  if (deps.panel) registerPanelApi(app, deps.panel);
  app.get('/metrics', async (req, reply) => {
    if (
      deps.metricsToken &&
      !tokenMatches(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1], [deps.metricsToken])
    )
      return reply.code(401).send({
        status: 'rejected',
        code: ERROR_CODES.METRICS_TOKEN_INVALID,
        error: 'Send METRICS_TOKEN as a Bearer token.'
      });
    try {
      deps.metrics.inboxDepth.set(await deps.inbox.depth());
    } catch (error) {
      // The figures are still worth having: the storage's state is on /readyz.
      req.log.warn({ err: error }, 'could not read the inbox depth');
    }
    return reply.type('text/plain; version=0.0.4').send(deps.metrics.render());
  });
  return app;
}
