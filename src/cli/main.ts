/**
 * The `aircall-sf` command: argument parsing and wiring only. Each command lives in its
 * own module (commands.ts lists them) and returns an exit code; the last line of
 * machine-readable output is JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AircallSfError, ERROR_CODES } from '../errors';
import { ROOT } from '../paths';
import type { Io } from './command';
import { COMMANDS } from './commands';

const stdio: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  interactive: process.stdout.isTTY === true
};

function version(): string {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function help(): string {
  const lines = ['Usage: aircall-sf <command> [options]', '', 'Commands:'];
  // One column for the summaries, as wide as the longest name.
  const width = Math.max(...COMMANDS.map((c) => c.name.length), '--help, -h'.length) + 2;
  for (const command of [...COMMANDS].sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(`  ${command.name.padEnd(width)}${command.summary}`);
  }
  lines.push(
    '',
    'Run `aircall-sf <command> --help` for its options.',
    '',
    `  ${'--help, -h'.padEnd(width)}this text`,
    `  ${'--version'.padEnd(width)}the version`
  );
  return lines.join('\n');
}

export async function run(argv: readonly string[], io: Io = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(version());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`aircall-sf: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof AircallSfError) {
      // The code docs/errors.md lists, where a person reads it too (not only in the JSON line).
      io.err(`aircall-sf ${name}: ${error.code}: ${error.message}`);
      // The JSON line is for programs; a person at a terminal reads the line above once.
      if (!io.interactive) io.out(JSON.stringify({ error: error.toJSON() }));
      return error.code === ERROR_CODES.SETTINGS_INVALID || error.code === ERROR_CODES.USAGE ? 2 : 1;
    }
    // Unexpected: one line, the stack only on request.
    const message = error instanceof Error ? error.message : String(error);
    io.err(`aircall-sf ${name}: ${message}`);
    if (process.env.LOG_LEVEL === 'debug' && error instanceof Error && error.stack) io.err(error.stack);
    return 1;
  }
}
