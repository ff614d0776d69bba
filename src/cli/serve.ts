import { join } from 'node:path';
import { AircallSfError, ERROR_CODES } from '../errors';
import { createLogger } from '../logger';
import { connect } from '../salesforce/connection';
import { AircallApi } from '../aircall-api/client';
import { buildApp } from '../server/app';
import type { Command } from './command';
import { COMMON_OPTIONS, configFrom, parseCommand } from './command';
import { backfill } from './backfill';
import { DEMO_DAYS, loadConsole, resolveOrg, startDemoAircall } from './embedded';
import { lockDataDir } from './data-dir-lock';
import { readiness, requireWritableDataDir, startCards, startPipeline } from './pipeline';
import { Reconciler } from './reconcile';
import { panelServices } from './panel';

const USAGE = `Usage: aircall-sf serve [--port P] [--org URL] [--data-dir DIR]

Receives Aircall webhooks at POST /webhooks/aircall and logs calls and messages in Salesforce.
With no org configured it starts the embedded local org (seeded with demo data, kept under the data dir).

  --port P         listening port (instead of PORT; default 3000)
${COMMON_OPTIONS}`;

/** The webhook token of the demo on the embedded local org, when AIRCALL_WEBHOOK_TOKEN is not set. */
const LOCAL_TOKEN = 'local-demo-token';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the webhook service (npm start)',
  usage: USAGE,
  async run(args, io) {
    // Listening for the stop from the first moment: a SIGTERM during start-up (a console build
    // in progress) stops the service once it has started, instead of killing it half-way.
    // `on`, not `once`: a library's signal-exit handler (the console build's) re-raises the
    // signal when it sees no other listener, which would kill the process mid-shutdown.
    const stopRequested = new Promise<void>((resolve) => {
      process.on('SIGTERM', () => resolve());
      process.on('SIGINT', () => resolve());
    });
    const { values } = parseCommand(USAGE, args, { port: { type: 'string' } });
    const config = configFrom(values, typeof values.port === 'string' ? { port: values.port } : {});
    let tokens = config.webhookTokens;
    if (tokens.length === 0) {
      if (config.org)
        throw new AircallSfError(
          ERROR_CODES.CONFIG_INVALID,
          'AIRCALL_WEBHOOK_TOKEN is not set: set it to the token of your Aircall webhook.'
        );
      tokens = [LOCAL_TOKEN];
    }
    const logger = createLogger();
    // One serve per data dir, unless the inbox is PostgreSQL's (several nodes share it).
    requireWritableDataDir(config.dataDir);
    const lock = config.databaseUrl && config.org ? null : lockDataDir(config.dataDir, 'serve');
    const { auth, embedded } = await resolveOrg(config);
    const pipeline = await startPipeline(auth, config, logger, {}, { waitForOrg: true });
    // The demo on the embedded org has an Aircall too: the local one, with a demo company.
    const demo = embedded && !config.aircallApi ? await startDemoAircall(config.dataDir) : null;
    const aircallApi = demo
      ? { ...demo, requestsPerMinute: 60, reconcileIntervalMs: 5 * 60_000, webhookUrl: null, ai: 'auto' as const }
      : config.aircallApi;
    // One client, so reconciliation and the demo's backfill share one rate budget.
    const api = aircallApi ? new AircallApi(aircallApi) : null;
    // With Aircall's API, calls whose webhooks never came are found and logged (reconcile.ts).
    const reconciler =
      api && aircallApi
        ? new Reconciler(
            api,
            pipeline.inbox,
            pipeline.metrics,
            logger,
            {
              intervalMs: aircallApi.reconcileIntervalMs,
              lookbackMs: 60 * 60_000 + aircallApi.reconcileIntervalMs,
              webhookUrl: aircallApi.webhookUrl,
              ai: aircallApi.ai
            },
            () => pipeline.worker.notify()
          )
        : null;
    // Insight cards while calls ring (src/cards/): Salesforce in the agent's Aircall phone.
    const cards = startCards(pipeline, api, logger, { windowMs: config.cardWindowMs });
    const panel = panelServices(pipeline, config, api);
    const app = buildApp({
      inbox: pipeline.inbox,
      metrics: pipeline.metrics,
      logger,
      webhookTokens: tokens,
      onAccepted: () => pipeline.worker.notify(),
      onRinging: (call) => cards.offer(call),
      readiness: async () => (await readiness(pipeline)) ?? reconciler?.status.webhookProblem ?? null,
      apiShare: () => pipeline.share.state,
      readStatus: () => ({
        ...pipeline.gateway.readStatus(),
        unreadablePhoneFields: pipeline.gateway.unreadablePhoneFields
      }),
      metricsToken: config.metricsToken,
      panel: { secret: config.panelSecret, ...panel }
    });
    const host = process.env.HOST ?? (embedded ? '127.0.0.1' : '0.0.0.0');
    let base = '';
    // The console exists only on the local org (it must never edit a real org's data), and only
    // on loopback: its endpoints save settings and post webhooks with no login of their own.
    const loopback = ['127.0.0.1', 'localhost', '::1'].includes(host);
    const localConsole = embedded && loopback ? loadConsole() : null;
    if (embedded && !loopback)
      io.err(`The local console is off: HOST is ${host}, and the console is served on 127.0.0.1 only.`);
    if (embedded && localConsole) {
      localConsole.startConsole(app, {
        conn: await connect(auth, config.apiVersion),
        orgId: embedded.orgId,
        service: panel,
        inbox: pipeline.inbox,
        webhookToken: tokens[0]!,
        baseUrl: () => base,
        log: io.out,
        warn: io.err,
        ...(demo ? { aircall: demo.calls } : {})
      });
    }
    try {
      await app.listen({ port: config.port, host });
    } catch (error) {
      // Nothing may keep the process alive after a failed start: it exits with one line.
      await app.close().catch(() => undefined);
      await pipeline.close();
      await demo?.close();
      await embedded?.close();
      lock?.release();
      const code = (error as { code?: string }).code;
      if (code === 'EADDRINUSE' || code === 'EACCES')
        throw new AircallSfError(
          ERROR_CODES.CONFIG_INVALID,
          `Port ${config.port} on ${host} ${code === 'EADDRINUSE' ? 'is already in use' : 'may not be used by this user'}: ` +
            `stop what listens there, or choose another port with PORT=${config.port + 1} (or --port ${config.port + 1}).`
        );
      throw error;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    base = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    pipeline.worker.pressure = () => app.webhooksArriving();
    pipeline.worker.start();
    demo?.addWebhook(`${base}/webhooks/aircall`, tokens[0]!);
    // First start: the demo company's week of calls is logged as `aircall-sf backfill` would.
    const demoBackfill =
      demo?.fresh && api
        ? backfill({
            api,
            pipeline,
            from: demo.from,
            to: demo.to,
            progressFile: join(config.dataDir, 'backfill-demo.json'),
            timeoutMs: 600_000,
            rateLimitWaits: () => 0,
            io: { out: (line) => io.err(`demo backfill done: ${line}`), err: io.err }
          }).then(
            async () => {
              demo.markBackfilled();
              // The week's Aircall AI, through the webhook, as Aircall sends it after each call.
              const sent = await demo.sendAi();
              if (sent > 0) io.err(`demo Aircall AI: ${sent} events sent to the webhook`);
              // The banner again, once the demo's week is in: the per-call lines above buried it.
              io.out(`Ready: console ${base}/ , webhook POST ${base}/webhooks/aircall`);
            },
            (error: unknown) => logger.warn({ err: error }, 'the demo backfill stopped; the next start resumes it')
          )
        : null;
    // Reconciliation starts once the demo's backfill is done: both reading the same calls at
    // once, it would warn of "calls no webhook had brought" on a fresh demo.
    if (demoBackfill) void demoBackfill.then(() => reconciler?.start());
    else reconciler?.start();
    if (embedded && localConsole) {
      io.out(
        [
          'Aircall call logging is running on the embedded LOCAL ORG (no Salesforce org configured).',
          `  console:     ${base}/   (settings panel and record pages, against the local org)`,
          `  webhook:     POST ${base}/webhooks/aircall   (token: ${tokens === config.webhookTokens ? 'from AIRCALL_WEBHOOK_TOKEN' : LOCAL_TOKEN})`,
          `  health:      ${base}/healthz  ${base}/readyz  ${base}/metrics`,
          `  local org:   ${embedded.instanceUrl}   (data in ${embedded.dataFile}; the same port at every start)`,
          ...(demo
            ? [
                `  local Aircall: ${demo.url}   (a demo company's ${DEMO_DAYS}-day history${demo.fresh ? ', being backfilled now' : ', backfilled'}; reconciled every 5 minutes)`,
                `  Aircall API: AIRCALL_API_URL=${demo.url} AIRCALL_API_ID=${demo.apiId} AIRCALL_API_TOKEN=${demo.apiToken} bin/aircall-sf agents`
              ]
            : []),
          `  sf CLI:      SF_ACCESS_TOKEN='${embedded.accessToken}' sf org login access-token --instance-url ${embedded.instanceUrl} --no-prompt --alias aircall-local`,
          '  Send a sample call:',
          `  ${localConsole.sampleCurl(base, tokens[0]!)}`,
          `  Then see why it was logged where it was: bin/aircall-sf explain call:<id> (its id is data.id in the command above).`
        ].join('\n')
      );
    } else {
      io.out(`Aircall call logging is running: POST ${base}/webhooks/aircall, logging to ${auth.instanceUrl}`);
    }
    await stopRequested;
    logger.info('stopping: no new events; finishing what is in flight');
    await reconciler?.stop();
    await app.close();
    await cards.stop();
    await pipeline.close();
    await demoBackfill;
    await demo?.close();
    await embedded?.close();
    lock?.release();
    return 0;
  }
};
