import pino from 'pino';
import type { Logger } from 'pino';

/** Structured JSON logs; tokens and credentials are redacted wherever they could appear. */
export const REDACT = [
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'refreshToken',
  '*.refreshToken',
  'clientSecret',
  '*.clientSecret',
  'panelSecret',
  '*.panelSecret',
  'req.headers.authorization',
  'headers.authorization'
];

export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      base: { service: 'aircall-sf' }
    },
    (options.destination as pino.DestinationStream | undefined) ?? pino.destination(2)
  );
}
