// A throwaway PostgreSQL cluster for tests: Debian's binaries, a fresh folder, a free port,
// Unix socket in the same folder, fsync off. Each test file starts its own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const INSTALL_HINT = 'PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb): install with `apt-get update && apt-get install -y postgresql`';

export interface Cluster {
  /** `postgres://postgres@127.0.0.1:<port>/till_test` */
  url: string;
  port: number;
  /** Connection URL of another database on the same cluster. */
  urlFor(database: string): string;
  /** Creates a database (owned by `postgres`) and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown, then the folder is removed. */
  stop(): Promise<void>;
}

/** The newest installed /usr/lib/postgresql/<major>/bin, or PG_BIN when set. */
export function findBinaries(): string {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv && existsSync(join(fromEnv, 'initdb'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'postgres'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error(INSTALL_HINT);
  return join(root, newest, 'bin');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * initdb and postgres refuse to run as root: run them as `postgres` then. Spawned with that
 * uid/gid directly (what `runuser -u postgres --` does, minus the runuser process in between,
 * which would not pass SIGINT on to the server).
 */
const asRoot = process.getuid?.() === 0;
function postgresUser(): { uid: number; gid: number } | undefined {
  if (!asRoot) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const [u, g] = [id('-u'), id('-g')];
  if (u.status !== 0 || g.status !== 0) throw new Error(`Running as root needs the "postgres" user to run PostgreSQL as; ${INSTALL_HINT}`);
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export async function startCluster(): Promise<Cluster> {
  const bin = findBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'till-pg-'));
  const data = join(dir, 'data');
  const user = postgresUser();
  if (user) chownSync(dir, user.uid, user.gid);
  const as = { ...user, env: { ...process.env, LC_ALL: 'C' } };
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const initArgs = ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C'];
  const init = spawnSync(join(bin, 'initdb'), initArgs, { ...as, cwd: dir, encoding: 'utf8' });
  if (init.status !== 0) {
    cleanup();
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  }

  let port = 0;
  let server: ChildProcess | undefined;
  let log = '';
  // A port found free can be taken before postgres binds it: try a few.
  for (let attempt = 0; attempt < 5 && !server; attempt++) {
    port = await freePort();
    const args = [
      '-D', data, '-p', String(port), '-k', dir,
      '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off',
      '-c', 'full_page_writes=off', '-c', 'max_connections=200', '-c', 'shared_buffers=16MB',
    ];
    const child = spawn(join(bin, 'postgres'), args, { ...as, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    log = '';
    child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const ready = await waitReady(bin, dir, port, exited);
    if (ready) server = child;
    else if (!/could not bind|already in use/i.test(log)) break;
  }
  if (!server) {
    cleanup();
    throw new Error(`postgres did not start: ${log.slice(-2000)}`);
  }
  const proc = server;
  const exited = new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once('exit', () => r())));
  // If the test process ends without stop(), do not leave a server behind.
  const orphan = () => proc.kill('SIGKILL');
  process.once('exit', orphan);
  const urlFor = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const psql = (sql: string) => {
    const args = ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qAtc', sql];
    const r = spawnSync(join(bin, 'psql'), args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  };
  const createDatabase = async (name: string) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Bad database name ${name}`);
    psql(`CREATE DATABASE ${name}`);
    return urlFor(name);
  };
  const url = await createDatabase('till_test');
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    urlFor,
    createDatabase,
    stop: () =>
      (stopping ??= (async () => {
        // SIGINT = fast shutdown: ends sessions, checkpoints, exits. Killed if it lingers.
        proc.kill('SIGINT');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
        process.off('exit', orphan);
        cleanup();
      })()),
  };
}

async function waitReady(bin: string, socketDir: string, port: number, exited: Promise<void>): Promise<boolean> {
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !dead) {
    const r = spawnSync(join(bin, 'pg_isready'), ['-q', '-h', socketDir, '-p', String(port), '-U', 'postgres'], { timeout: 5000 });
    if (r.status === 0) return true;
    await sleep(50);
  }
  return false;
}
