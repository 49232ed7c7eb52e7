/**
 * `npm run fuzz [-- --seed N] [-- --runs N] [-- --path P]`: the hostile-input fuzz of the server
 * kit (see scripts/fuzz-lib.ts). `--runs` is the number of requests to send at least (default
 * 100,000); `--path` replays a shrunk counterexample together with its `--seed`. Prints the figures
 * and exits 1 on any violation (with the seed and the shrunk counterexample).
 */
import { DEFAULT_SEED, KNOWN_BUGS, runFuzz } from './fuzz-lib';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function int(name: string, fallback: number): number {
  const raw = flag(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) {
    console.error(`--${name} needs an integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

const seed = int('seed', DEFAULT_SEED);
const runs = int('runs', 100_000);
const path = flag('path');
console.log(`fuzz: seed ${seed}, at least ${runs} requests${path ? `, replaying path ${path}` : ''}`);
let last = 0;
const f = await runFuzz({
  seed,
  runs,
  ...(path ? { path } : {}),
  onProgress(n) {
    if (n - last >= 20_000) {
      last = n;
      console.log(`  … ${n} requests`);
    }
  },
});

console.log(`requests:   ${f.requests} (${f.scenarios} scenarios)`);
console.log(`duration:   ${(f.durationMs / 1000).toFixed(1)} s (${Math.round(f.requests / (f.durationMs / 1000))} requests/s)`);
console.log(`heap:       before ${mb(f.heap.before)}, after ${mb(f.heap.after)}, growth ${mb(f.heap.growth)} (${f.heap.perRequestBytes.toFixed(1)} B/request)${f.heap.gcForced ? ', GC forced' : ', no GC available: windows compared'}`);
console.log(`heap windows (MB): ${f.heap.samples.filter((_, i) => i % Math.ceil(f.heap.samples.length / 12) === 0).map((s) => (s / 1024 / 1024).toFixed(1)).join(' ')}`);
console.log('replies by HTTP status:');
for (const [s, n] of Object.entries(f.byStatus)) console.log(`  ${s}  ${n}`);
console.log('replies by code (error code, or (status) of other replies):');
for (const [c, n] of Object.entries(f.byCode)) console.log(`  ${c.padEnd(24)} ${n}`);
const known = Object.entries(f.knownBugs);
if (known.length) {
  console.log('known handler bugs hit (KNOWN_BUGS in scripts/fuzz-lib.ts):');
  for (const [id, hit] of known) console.log(`  ${id}: ${hit.count}× — ${KNOWN_BUGS.find((b) => b.id === id)?.summary ?? ''}\n    e.g. ${hit.example.replace(/\n/g, '\n    ')}`);
}
if (f.failure) {
  console.error(`\nVIOLATION (seed ${f.failure.seed}${f.failure.path ? `, path ${f.failure.path}` : ''})`);
  console.error(f.failure.error);
  console.error(`\nshrunk counterexample (replay: npm run fuzz -- --seed ${f.failure.seed}${f.failure.path ? ` --path ${f.failure.path}` : ''}):\n${f.failure.counterexample}`);
  process.exit(1);
}
console.log('no violations');
