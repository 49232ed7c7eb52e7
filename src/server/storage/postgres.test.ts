import { afterAll, beforeAll, describe, it } from 'vitest';
import { startCluster, type Cluster } from '../../../scripts/pg-cluster';
import { adapterSuite } from './adapter-suite';
import { postgresStorage } from './postgres';
import type { SqlTillStorage } from './sql';

// A real PostgreSQL (Debian's server binaries), started for this file on a free port and removed
// after. Several storages on one database stand in for several server instances.
let cluster: Cluster;
const open: SqlTillStorage[] = [];
beforeAll(async () => {
  cluster = await startCluster();
}, 60_000);
afterAll(async () => {
  await Promise.all(open.splice(0).map((s) => s.close?.()));
  await cluster?.stop();
});

const openStorage = async (opts: { small?: boolean } = {}) => {
  const s = await postgresStorage({ connectionString: cluster.url, max: opts.small ? 2 : 10 });
  open.push(s);
  return s;
};
const closeAll = async () => {
  await Promise.all(open.splice(0).map((s) => s.close?.()));
};

adapterSuite('postgres', {
  instances: 'many',
  open: openStorage,
  closeAll,
  reopen: async () => {
    await closeAll();
    return openStorage();
  },
  sqlDb: (s) => (s as SqlTillStorage).db,
});

describe('postgres connection loss', () => {
  it('a lock whose connection dies is released on the server, and another instance takes it', async () => {
    const [a, b] = [await openStorage(), await openStorage()];
    const name = `pay_${Date.now()}`;
    const releaseA = await a.lockPayment(name);
    // Kill the lock pool's backends of instance a (what a crashed instance leaves behind).
    await b.db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'till-locks' AND pid <> pg_backend_pid() AND state = 'idle'`);
    const release = await Promise.race([
      b.lockPayment(name),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('lock not freed')), 10_000)),
    ]);
    await release();
    // The dead holder's release is harmless (it warns that the lock was lost) and frees its slot.
    await releaseA();
    const again = await b.lockPayment(name);
    await again();
  });
});
