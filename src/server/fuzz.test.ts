import { describe, expect, it } from 'vitest';
import { KNOWN_BUGS, runFuzz } from '../../scripts/fuzz-lib';

/**
 * The 5,000-request slice of the hostile-input fuzz (`npm run fuzz` sends 100,000): same seed,
 * generators and invariants (scripts/fuzz-lib.ts). A violation prints the seed, the failing
 * request and the shrunk scenario. Violations explained by a reported handler bug are counted
 * under KNOWN_BUGS instead; delete the entry when the handler is fixed.
 */
describe('server kit under hostile input', () => {
  it('5,000 fuzzed requests: every reply typed, no 500 but `internal`, 405s, no leaks, no card numbers, flat memory', async () => {
    const f = await runFuzz({ runs: 5000, window: 50 });
    if (f.failure) {
      throw new Error(`fuzz violation (seed ${f.failure.seed}, path ${f.failure.path ?? '-'}):\n${f.failure.error}\n\nshrunk counterexample:\n${f.failure.counterexample.slice(0, 4000)}`);
    }
    expect(f.requests).toBeGreaterThanOrEqual(5000);
    // Every endpoint family and the hostile branches were reached.
    expect(Object.keys(f.byStatus)).toEqual(expect.arrayContaining(['200', '400', '404', '405', '413']));
    for (const id of Object.keys(f.knownBugs)) expect(KNOWN_BUGS.map((b) => b.id)).toContain(id);
    // A leak of 1 KB per request would add ~4 MB between the first window and the end.
    if (f.heap.gcForced) expect(f.heap.growth).toBeLessThan(1.5 * 1024 * 1024);
    else expect(f.heap.growth).toBeLessThan(3 * 1024 * 1024);
  }, 120_000);
});
