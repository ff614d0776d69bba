/** What every command is, and the parsing and configuration they share. */
import { parseArgs } from 'node:util';
import type { ServiceConfig } from '../config';
import { loadConfig } from '../config';
import { AircallSfError, ERROR_CODES } from '../errors';

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** stdout is a terminal: a person reads it, so error JSON is left out. */
  readonly interactive?: boolean;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** Returns the exit code; throws AircallSfError for what the user must fix. */
  readonly run: (args: readonly string[], io: Io) => Promise<number>;
}

export const COMMON_OPTIONS = `  --org URL        the org's instance URL (instead of SF_INSTANCE_URL); without one, the embedded local org
  --data-dir DIR   where the inbox lives (instead of DATA_DIR; default .aircall-sf)`;

export const usageError = (text: string, message: string) =>
  new AircallSfError(ERROR_CODES.USAGE, `${message}\n\n${text}`);

/** Flags of a command plus the common ones; a wrong flag is a usage error naming it. */
export function parseCommand(
  text: string,
  args: readonly string[],
  options: Record<string, { type: 'string' | 'boolean' }>
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    return parseArgs({
      args: [...args],
      options: { org: { type: 'string' }, 'data-dir': { type: 'string' }, ...options },
      strict: true,
      allowPositionals: true
    });
  } catch (error) {
    // Node's parseArgs explains positionals after `--` for an unknown option: ours say it plainly.
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    throw usageError(text, unknown ? `Unknown option ${unknown[1]}: see the options below.` : message);
  }
}

/** The environment's configuration with the common flags (and `--port`) over it. */
export function configFrom(values: Record<string, unknown>, extra: { port?: string } = {}): ServiceConfig {
  const org = typeof values.org === 'string' ? values.org : undefined;
  const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : undefined;
  return loadConfig(process.env, { ...(org ? { org } : {}), ...(dataDir ? { dataDir } : {}), ...extra });
}

/** The Aircall API credentials a command needs, or what to set (CONFIG_INVALID). */
export function requireAircallApi(config: ServiceConfig, command: string): NonNullable<ServiceConfig['aircallApi']> {
  if (config.aircallApi) return config.aircallApi;
  throw new AircallSfError(
    ERROR_CODES.CONFIG_INVALID,
    `${command} uses Aircall's Public API: set AIRCALL_API_ID and AIRCALL_API_TOKEN (Aircall: Integrations & API > API keys).`
  );
}
