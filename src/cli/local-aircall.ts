import type { Command } from './command';
import { parseCommand, usageError } from './command';
import { loadLocalAircall } from './embedded';

const USAGE = `Usage: aircall-sf local-aircall [--port P] [--calls N] [--days D] [--seed S]

Runs the local Aircall (packages/local-aircall): an Aircall Public API stand-in with a demo
company of N calls (default 500) over the last D days (default 30), until stopped. Prints
{"url","apiId","apiToken"} as one JSON line: give them to the service as AIRCALL_API_URL,
AIRCALL_API_ID and AIRCALL_API_TOKEN, then try aircall-sf backfill --from <D days ago>.

  --port P     port on 127.0.0.1 (default 0: any free port)
  --calls N    calls in the demo company (default 500)
  --days D     spread over the last D days (default 30)
  --seed S     the demo's random seed (default 7)`;

const whole = (name: string, value: unknown, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw usageError(USAGE, `--${name} must be a whole number, got "${typeof value === 'string' ? value : ''}".`);
  return n;
};

export const localAircallCommand: Command = {
  name: 'local-aircall',
  summary: 'run the local Aircall API with a demo company',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommand(USAGE, args, {
      port: { type: 'string' },
      calls: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' }
    });
    const port = whole('port', values.port, 0);
    const calls = whole('calls', values.calls, 500);
    const days = whole('days', values.days, 30);
    const seed = whole('seed', values.seed, 7);
    const { demoCompany, startLocalAircall } = loadLocalAircall();
    const to = Math.floor(Date.now() / 1000);
    const company = demoCompany({ calls, from: to - days * 86_400, to, seed });
    const running = await startLocalAircall({ company }, port);
    io.out(JSON.stringify({ url: running.url, apiId: company.apiId, apiToken: company.apiToken }));
    await new Promise<void>((resolve) => {
      process.on('SIGTERM', () => resolve());
      process.on('SIGINT', () => resolve());
    });
    await running.close();
    return 0;
  }
};
