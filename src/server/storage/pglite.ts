import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { processLocks } from './memory';
import { migrate, TILL_MIGRATIONS, type SqlDb } from './migrations';
import { sqlStorage, type SqlTillStorage } from './sql';

export interface PgliteStorageOptions {
  /** Folder for the database files; created if missing. Without it the database lives in memory. */
  dataDir?: string;
}

/** Thrown by {@link pgliteStorage} when another live process (or this one) has the folder open. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
  constructor(
    readonly dataDir: string,
    readonly owner: LockOwner,
  ) {
    super(
      `PGlite data folder ${dataDir} is already open in ${owner.pid === process.pid && owner.host === hostname() ? 'this process' : `process ${owner.pid} on ${owner.host}`}. ` +
        'PGlite is one process: close that storage (or stop that process) first, or give each process its own dataDir; ' +
        'several server instances sharing one database need postgresStorage(). ' +
        `If that process is gone and this is wrong, delete ${join(dataDir, LOCK_FILE)}.`,
    );
  }
}

const LOCK_FILE = 'till.lock';
interface LockOwner {
  pid: number;
  host: string;
  /** Linux boot id and the process's start time (clock ticks since boot): a reused pid differs. */
  boot?: string;
  start?: string;
}

const readOr = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
};
/** Field 22 of /proc/<pid>/stat (after the parenthesised command name, which may hold spaces). */
const startTime = (pid: number): string | undefined => readOr(`/proc/${pid}/stat`)?.split(') ').at(-1)?.split(' ')[19];
const me = (): LockOwner => {
  const owner: LockOwner = { pid: process.pid, host: hostname() };
  const boot = readOr('/proc/sys/kernel/random/boot_id');
  const start = startTime(process.pid);
  if (boot) owner.boot = boot;
  if (start) owner.start = start;
  return owner;
};

/** Folders this process has open: a lock file naming our own pid is live only if listed here. */
const openHere = new Set<string>();

function isLive(owner: LockOwner, dir: string): boolean {
  if (owner.host !== hostname()) return true; // cannot check another machine: assume it is running
  const now = me();
  if (owner.boot && now.boot && owner.boot !== now.boot) return false; // written before a reboot
  // Our own pid: live if this process has it open, else left by an earlier process with our pid.
  if (owner.pid === process.pid) return openHere.has(dir);
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // Alive (or not ours to signal): a different start time means the pid was reused.
  const start = startTime(owner.pid);
  return !(owner.start && start && owner.start !== start);
}

function parseOwner(text: string | undefined): LockOwner | undefined {
  try {
    const o = JSON.parse(text ?? '') as LockOwner;
    return Number.isSafeInteger(o.pid) && typeof o.host === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes `<dir>/till.lock` for this process: creates it exclusively, or takes over one whose
 * process is dead. Returns the release. Unreadable or half-written lock files count as stale.
 */
function lockDataDir(dir: string): () => void {
  const file = join(dir, LOCK_FILE);
  const mine = JSON.stringify(me());
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, mine, { flag: 'wx' });
      openHere.add(dir);
      return () => {
        openHere.delete(dir);
        if (readOr(file) === mine) rmSync(file, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw e;
    }
    const text = readOr(file);
    const owner = parseOwner(text);
    if (owner && isLive(owner, dir)) throw new DataDirInUseError(dir, owner);
    // Stale: move it aside (atomic, so of two processes taking over only one moves this file),
    // and check that what moved is what we judged stale before creating ours.
    const aside = `${file}.stale-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(file, aside);
    } catch {
      continue; // someone else moved or removed it: try creating again
    }
    if (readOr(aside) !== text) {
      renameSync(aside, file); // it was a fresh lock taken meanwhile: put it back and re-judge
      continue;
    }
    rmSync(aside, { force: true });
  }
}

function pgliteDb(pg: PGlite | Transaction, inTx: boolean): SqlDb {
  const db: SqlDb = {
    query: async <T>(sql: string, params?: unknown[]) => {
      if (params?.length) return (await pg.query<T>(sql, params)).rows;
      // Without parameters, the simple protocol (several statements allowed), as `pg` does.
      const results = await pg.exec(sql);
      return (results.at(-1)?.rows ?? []) as T[];
    },
    transaction: (fn) => (inTx ? fn(db) : (pg as PGlite).transaction((tx) => fn(pgliteDb(tx, true)))),
  };
  return db;
}

/**
 * Embedded PostgreSQL (PGlite, WebAssembly) in this process: durable in `dataDir`, or in memory
 * without one. One process only: locks are in-process, and opening a folder another live
 * process (or another open storage here) holds fails with {@link DataDirInUseError}. Migrations
 * run on open. `.db` is the database, for a merchant backend's own tables (its own migrations
 * namespace). Node-only.
 */
export async function pgliteStorage(opts: PgliteStorageOptions = {}): Promise<SqlTillStorage> {
  const dir = opts.dataDir === undefined ? undefined : resolve(opts.dataDir);
  let unlock: (() => void) | undefined;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    unlock = lockDataDir(dir);
  }
  let pg: PGlite;
  try {
    pg = await PGlite.create(dir ?? 'memory://');
  } catch (e) {
    unlock?.();
    throw e;
  }
  const db = pgliteDb(pg, false);
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      try {
        await pg.close();
      } finally {
        unlock?.();
      }
    })());
  try {
    await migrate(db, 'till', TILL_MIGRATIONS);
  } catch (e) {
    await close();
    throw e;
  }
  return sqlStorage(db, processLocks(), close);
}
