import { AircallSfError, ERROR_CODES } from '../errors';
import { createLogger } from '../logger';
import { connect } from '../salesforce/connection';
import { buildApp } from '../server/app';
import type { Command } from './command';
import { COMMON_OPTIONS, configFrom, parseCommand } from './command';
import { loadConsole, resolveOrg } from './embedded';
import { readiness, startPipeline } from './pipeline';

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
    const { auth, embedded } = await resolveOrg(config);
    const pipeline = await startPipeline(auth, config, logger);
    const app = buildApp({
      inbox: pipeline.inbox,
      metrics: pipeline.metrics,
      logger,
      webhookTokens: tokens,
      onAccepted: () => pipeline.worker.notify(),
      readiness: () => readiness(pipeline),
      metricsToken: config.metricsToken
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
        inbox: pipeline.inbox,
        webhookToken: tokens[0]!,
        baseUrl: () => base,
        log: io.out,
        warn: io.err
      });
    }
    await app.listen({ port: config.port, host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    base = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    pipeline.worker.start();
    if (embedded && localConsole) {
      io.out(
        [
          'Aircall call logging is running on the embedded LOCAL ORG (no Salesforce org configured).',
          `  console:     ${base}/   (settings panel and record pages, against the local org)`,
          `  webhook:     POST ${base}/webhooks/aircall   (token: ${tokens === config.webhookTokens ? 'from AIRCALL_WEBHOOK_TOKEN' : LOCAL_TOKEN})`,
          `  health:      ${base}/healthz  ${base}/readyz  ${base}/metrics`,
          `  local org:   ${embedded.instanceUrl}   (data in ${embedded.dataFile})`,
          '  Send a sample call:',
          `  ${localConsole.sampleCurl(base, tokens[0]!)}`,
          `  Then look at it: bin/aircall-sf explain <file> or query the local org (docs/local-org.md).`
        ].join('\n')
      );
    } else {
      io.out(`Aircall call logging is running: POST ${base}/webhooks/aircall, logging to ${auth.instanceUrl}`);
    }
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', () => resolve());
      process.once('SIGINT', () => resolve());
    });
    logger.info('stopping: no new events; finishing what is in flight');
    await app.close();
    await pipeline.close();
    await embedded?.close();
    return 0;
  }
};
