/**
 * A real PostgreSQL server for the tests and benchmarks: the binaries of Debian's
 * `postgresql` package (or PG_BIN), a throwaway cluster on a free loopback port, trust auth.
 * initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  /** postgres://… of the server's `postgres` database (for CREATE DATABASE). */
  readonly adminUrl: string;
  /** A new, empty database, and its URL. */
  database(name?: string): Promise<string>;
  stop(): void;
}

/** The server binaries: PG_BIN, else the newest /usr/lib/postgresql/N/bin. */
export function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(
      "No PostgreSQL server binaries: install Debian's package (apt-get install -y postgresql) or set PG_BIN to a folder with initdb and pg_ctl."
    );
  return join(root, versions[0]!, 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'aircall-sf-pg-'));
  const data = join(dir, 'data');
  const root = process.getuid?.() === 0;
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const run = (program: string, args: string[]) => {
    const [command, all] = root
      ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]]
      : [join(bin, program), args];
    const result = spawnSync(command, all, { encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(
        `${program} failed (${result.status}): ${result.stderr || result.stdout || String(result.error)}`
      );
  };
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=300`,
    'start'
  ]);
  const base = `postgres://postgres@127.0.0.1:${port}`;
  let n = 0;
  return {
    adminUrl: `${base}/postgres`,
    async database(name) {
      n += 1;
      const db = name ?? `t_${process.pid}_${n}_${Math.random().toString(36).slice(2, 8)}`;
      const client = new pg.Client({ connectionString: `${base}/postgres` });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${db}`);
      } finally {
        await client.end();
      }
      return `${base}/${db}`;
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  };
}

/** A new database on the server the `postgres` Jest project started (its globalSetup). */
export async function testDatabase(): Promise<string> {
  const admin = process.env.AIRCALL_SF_TEST_PG;
  if (!admin) throw new Error('AIRCALL_SF_TEST_PG is not set: run this suite with `npm run test:postgres`.');
  const db = `t_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${db}`);
  } finally {
    await client.end();
  }
  return admin.replace(/\/postgres$/, `/${db}`);
}
