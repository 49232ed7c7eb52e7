/**
 * Micro-benchmark of the preference model: ranking 20 methods and one learn() update, with a
 * checkout context and a state whose every cap is full (16 methods, 8 contexts of 4 methods).
 * Run alone with `npx tsx scripts/bench/ranking.ts`, or via `npm run bench` (benchRanking()).
 */
import { pathToFileURL } from 'node:url';
import { emptyState, learn, rank, type CheckoutContext, type PreferenceState, type RankContext } from '../../src/core/ranking/index';

const METHODS = Array.from({ length: 20 }, (_, i) => `method_${i}`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function time(iterations: number, fn: (i: number) => void): { median_us: number; p99_us: number } {
  for (let i = 0; i < Math.min(2000, iterations); i++) fn(i); // warm-up: let the JIT settle
  const samples: number[] = new Array<number>(iterations);
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  samples.sort((a, b) => a - b);
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  return { median_us: r2(percentile(samples, 0.5)), p99_us: r2(percentile(samples, 0.99)) };
}

export async function benchRanking(): Promise<Record<string, unknown>> {
  // A realistic, fully populated state: a long history over 16 methods.
  let state: PreferenceState = emptyState();
  const t0 = Date.UTC(2025, 0, 1);
  // Contexts cycle over more than MAX_CONTEXTS, so eviction runs too.
  const contextOf = (i: number): CheckoutContext => ({ channel: i % 2 ? 'online' : 'in_person', recurring: i % 5 === 0, merchantCategory: `mcc_${i % 12}` });
  for (let i = 0; i < 500; i++) {
    const context = contextOf(i);
    state = learn(state, { method: METHODS[(i * 7) % 16] ?? 'card', outcome: 'chosen', ctx: { available: METHODS, device: i % 3 ? 'mobile' : 'desktop', context }, at: t0 + i * 864e5 });
  }
  const shares: Record<string, number> = {};
  const countryShares: Record<string, number> = {};
  const successRates: Record<string, number> = {};
  METHODS.forEach((m, i) => {
    shares[m] = 1 / (i + 2);
    countryShares[m] = 1 / (((i * 5) % METHODS.length) + 2);
    successRates[m] = 0.9 + i / 400;
  });
  const ctx: RankContext = {
    available: METHODS,
    country: 'BR',
    currency: 'BRL',
    device: 'mobile',
    savedMethods: ['method_3'],
    savingsByMethod: { method_4: 500 },
    priors: { shares, countryShares, successRates },
    context: contextOf(499),
    now: t0 + 600 * 864e5,
  };
  let sink = 0;
  const iterations = 50_000;
  const rankStats = time(iterations, () => {
    sink += rank(state, ctx).length;
  });
  const learnStats = time(iterations, (i) => {
    sink += learn(state, { method: METHODS[i % 20] ?? 'card', outcome: 'chosen', ctx: { available: METHODS, device: 'mobile', context: contextOf(i) }, at: ctx.now }).streak;
  });
  if (sink < 0) console.log(sink); // keeps the work observable to the optimiser
  return {
    ranking: { methods: METHODS.length, iterations, ...rankStats },
    learn: { iterations, ...learnStats },
    state_bytes: JSON.stringify(state).length,
    state_contexts: Object.keys(state.ctx).length,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await benchRanking()));
}
