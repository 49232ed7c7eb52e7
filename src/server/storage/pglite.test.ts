import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adapterSuite } from './adapter-suite';
import { DataDirInUseError, pgliteStorage } from './pglite';
import type { SqlTillStorage } from './sql';

// Real PGlite (WebAssembly PostgreSQL) on a throwaway folder: durable, one instance.
const dir = mkdtempSync(join(tmpdir(), 'till-pglite-'));
let current: SqlTillStorage | undefined;
const open = async () => (current ??= await pgliteStorage({ dataDir: dir }));
const closeAll = async () => {
  await current?.close?.();
  current = undefined;
};
afterAll(async () => {
  await closeAll();
  rmSync(dir, { recursive: true, force: true });
});

adapterSuite('pglite', {
  instances: 'one',
  open,
  closeAll,
  reopen: async () => {
    await closeAll();
    return open();
  },
  sqlDb: (s) => (s as SqlTillStorage).db,
});

describe('pglite data folder', () => {
  it('refuses a second open of a folder in use, with a typed error naming the fix', { timeout: 60_000 }, async () => {
    await open();
    const second = pgliteStorage({ dataDir: dir });
    await expect(second).rejects.toBeInstanceOf(DataDirInUseError);
    await expect(second).rejects.toThrow(/postgresStorage/);
  });

  it('an in-memory storage needs no folder and migrates on open', { timeout: 60_000 }, async () => {
    const mem = await pgliteStorage();
    expect(await mem.db.query(`SELECT count(*)::int AS n FROM till_sessions`)).toEqual([{ n: 0 }]);
    await mem.close?.();
  });
});
