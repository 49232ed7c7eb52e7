/**
 * Replays a checkout log (see shared/data/README.md) in timestamp order and scores the preference
 * model against rule baselines. Each shopper has their own simulated browser state (round-tripped
 * through the stored-record format, as the cache would); population priors are built only from
 * events strictly earlier in time than the one being predicted.
 *
 *   tsx scripts/eval-ranking.ts <replay.csv> [--splits] [--interval]
 *
 * The first output line is the report; `--splits` adds stability splits and `--interval` a
 * shopper-bootstrap interval of the model's repeat top-1 gain over last_used.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { amountBand, emptyState, learn, parsePreferenceRecord, rank, type PreferenceState } from '../src/core/ranking/index';
import type { PriorMaps as MethodPriors } from '../src/core/ranking/index';
import { mulberry32 } from './rng';

export interface ReplayRow {
  shopper: string;
  t: number;
  method: string;
  region: string;
  currency: string;
  amountMinor: number;
  device: 'mobile' | 'desktop';
  available: string[];
}

export function parseReplay(text: string): ReplayRow[] {
  // Original line numbers are kept so an error points at the file's own line.
  const lines = text.split(/\r?\n/).map((l, i) => ({ l, no: i + 1 })).filter(({ l }) => l.trim() !== '');
  const header = lines.shift()?.l.split(',') ?? [];
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`missing column ${name}`);
    return i;
  };
  const c = {
    shopper: col('shopper_id'), t: col('timestamp'), method: col('method'), region: col('region'),
    currency: col('currency'), amount: col('amount_minor'), device: col('device'), available: col('available'),
  };
  const rows = lines.map(({ l: line, no }) => {
    const f = line.split(',');
    const get = (k: number): string => (f[k] ?? '').trim();
    const bad = (what: string, v: string): never => {
      throw new Error(`line ${no}: bad ${what} ${JSON.stringify(v)}`);
    };
    const device = get(c.device);
    if (device !== 'mobile' && device !== 'desktop') bad('device', device);
    // Whole decimal numbers only: Number() alone would take '', '0x10', '1e3' and fractions.
    const int = (what: string, v: string, re: RegExp): number => (re.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : bad(what, v));
    const t = int('timestamp', get(c.t), /^-?\d+$/);
    const amountMinor = int('amount_minor', get(c.amount), /^\d+$/);
    for (const k of ['shopper', 'method'] as const) if (get(c[k]) === '') bad(k, '');
    const available = get(c.available).split('|').filter(Boolean);
    if (available.length === 0) bad('available', get(c.available));
    return {
      shopper: get(c.shopper), t, method: get(c.method), region: get(c.region),
      currency: get(c.currency), amountMinor, device: device as ReplayRow['device'], available,
    } satisfies ReplayRow;
  });
  // Stable sort: equal timestamps keep file order.
  return rows.sort((a, b) => a.t - b.t);
}

type Counts = Map<string, number>;
const inc = (m: Counts, k: string, by = 1): void => void m.set(k, (m.get(k) ?? 0) + by);
const get = (m: Counts | undefined, k: string): number => m?.get(k) ?? 0;

/** Segment shares smoothed towards the region's: how a merchant would send "shoppers like this one". */
const SEGMENT_SMOOTHING = 20;

class Population {
  global: Counts = new Map();
  region = new Map<string, Counts>();
  segment = new Map<string, Counts>();
  private pending: ReplayRow[] = [];
  private pendingT = -Infinity;

  /** Events are applied only once time has moved past them, so same-second events never leak. */
  advanceTo(t: number): void {
    if (t <= this.pendingT) return;
    for (const r of this.pending) {
      inc(this.global, r.method);
      inc(this.map(this.region, r.region), r.method);
      inc(this.map(this.segment, segmentKey(r)), r.method);
    }
    this.pending = [];
    this.pendingT = t;
  }
  add(r: ReplayRow): void {
    this.pending.push(r);
  }
  private map(m: Map<string, Counts>, k: string): Counts {
    let v = m.get(k);
    if (!v) m.set(k, (v = new Map()));
    return v;
  }
  priors(r: ReplayRow): MethodPriors | undefined {
    const reg = this.region.get(r.region);
    const seg = this.segment.get(segmentKey(r));
    let regTotal = 0;
    let segTotal = 0;
    for (const m of r.available) {
      regTotal += get(reg, m);
      segTotal += get(seg, m);
    }
    if (regTotal === 0) return undefined;
    const shares: Record<string, number> = {};
    const countryShares: Record<string, number> = {};
    for (const m of r.available) {
      const regShare = get(reg, m) / regTotal;
      countryShares[m] = regShare;
      shares[m] = (get(seg, m) + SEGMENT_SMOOTHING * regShare) / (segTotal + SEGMENT_SMOOTHING);
    }
    return { shares, countryShares };
  }
}

function segmentKey(r: ReplayRow): string {
  return `${r.region}|${r.device}|${amountBand(r.amountMinor, r.currency)}`;
}

interface Acc {
  hits: number;
  rr: number;
  n: number;
}
const METHODS = ['model', 'last_used', 'most_frequent', 'region_popularity', 'global_popularity'] as const;
type Scorer = (typeof METHODS)[number];

export function evaluate(
  rows: ReplayRow[],
  /** Only these rows are scored (all are replayed). */
  scored: (r: ReplayRow) => boolean = () => true,
  /** Called for each scored row with each scorer's order of the offered methods. */
  onScored?: (r: ReplayRow, repeat: boolean, orders: Readonly<Record<Scorer, readonly string[]>>) => void,
): Record<'all' | 'repeat', Record<Scorer, { top1: number; mrr: number; n: number }>> {
  const pop = new Population();
  const states = new Map<string, string>(); // shopper → stored JSON record
  const history = new Map<string, string[]>(); // for the rule baselines only
  const acc = { all: new Map<Scorer, Acc>(), repeat: new Map<Scorer, Acc>() };
  for (const seg of [acc.all, acc.repeat]) for (const s of METHODS) seg.set(s, { hits: 0, rr: 0, n: 0 });

  for (const r of rows) {
    pop.advanceTo(r.t);
    const now = r.t * 1000;
    const past = history.get(r.shopper) ?? [];
    const stored = states.get(r.shopper);
    const state: PreferenceState = (stored !== undefined && parsePreferenceRecord(stored)) || emptyState();
    const ctx = {
      available: r.available,
      country: r.region,
      currency: r.currency,
      amountBand: amountBand(r.amountMinor, r.currency),
      device: r.device,
      priors: pop.priors(r),
      now,
    };
    const regionCounts = pop.region.get(r.region);
    const byPopularity = (a: string, b: string): number =>
      get(regionCounts, b) - get(regionCounts, a) || get(pop.global, b) - get(pop.global, a);
    const lastIndex = new Map<string, number>();
    const freq = new Map<string, number>();
    past.forEach((m, i) => {
      lastIndex.set(m, i);
      inc(freq, m);
    });
    const orders: Record<Scorer, string[]> = {
      model: rank(state, ctx).map((x) => x.method),
      last_used: [...r.available].sort((a, b) => (lastIndex.get(b) ?? -1) - (lastIndex.get(a) ?? -1) || byPopularity(a, b)),
      most_frequent: [...r.available].sort(
        (a, b) => get(freq, b) - get(freq, a) || (lastIndex.get(b) ?? -1) - (lastIndex.get(a) ?? -1) || byPopularity(a, b),
      ),
      region_popularity: [...r.available].sort(byPopularity),
      global_popularity: [...r.available].sort((a, b) => get(pop.global, b) - get(pop.global, a)),
    };
    const isScored = scored(r);
    if (onScored && isScored) onScored(r, past.length > 0, orders);
    for (const s of isScored ? METHODS : []) {
      const pos = orders[s].indexOf(r.method);
      const rr = pos < 0 ? 0 : 1 / (pos + 1);
      for (const seg of past.length > 0 ? [acc.all, acc.repeat] : [acc.all]) {
        const a = seg.get(s);
        if (!a) continue;
        a.n++;
        a.rr += rr;
        if (pos === 0) a.hits++;
      }
    }
    // The browser learns the choice and its (successful) outcome after the checkout.
    let next = learn(state, { method: r.method, outcome: 'chosen', ctx: { device: r.device, available: r.available }, at: now });
    next = learn(next, { method: r.method, outcome: 'succeeded', ctx: { device: r.device }, at: now });
    states.set(r.shopper, JSON.stringify(next));
    history.set(r.shopper, [...past, r.method]);
    pop.add(r);
  }
  const fmt = (m: Map<Scorer, Acc>) =>
    Object.fromEntries(
      METHODS.map((s) => {
        const a = m.get(s) ?? { hits: 0, rr: 0, n: 0 };
        return [s, { top1: round4(a.hits / (a.n || 1)), mrr: round4(a.rr / (a.n || 1)), n: a.n }];
      }),
    ) as Record<Scorer, { top1: number; mrr: number; n: number }>;
  return { all: fmt(acc.all), repeat: fmt(acc.repeat) };
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Stable 32-bit FNV-1a hash, to split shoppers into two halves independent of the file order. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Stability check: repeat top-1 of model and last_used on two shopper halves (by id hash, each
 * replayed on its own, so each half's priors come only from that half) and on two time halves
 * (one full replay, scored separately before and after the median timestamp).
 */
export function splits(rows: ReplayRow[]): Record<string, { model: number; last_used: number; n: number }> {
  const pick = (e: ReturnType<typeof evaluate>) => ({ model: e.repeat.model.top1, last_used: e.repeat.last_used.top1, n: e.repeat.model.n });
  const mid = rows[Math.floor(rows.length / 2)]?.t ?? 0;
  return {
    shoppers_a: pick(evaluate(rows.filter((r) => hash(r.shopper) % 2 === 0))),
    shoppers_b: pick(evaluate(rows.filter((r) => hash(r.shopper) % 2 === 1))),
    time_a: pick(evaluate(rows, (r) => r.t < mid)),
    time_b: pick(evaluate(rows, (r) => r.t >= mid)),
  };
}

type Tally = { n: number; model: number; last: number };

/** Per-shopper repeat top-1 hits of the model and last_used, collected through evaluate()'s hook. */
function repeatTally(): { onScored: NonNullable<Parameters<typeof evaluate>[2]>; shoppers: Map<string, Tally> } {
  const shoppers = new Map<string, Tally>();
  return {
    shoppers,
    onScored: (r, repeat, orders) => {
      if (!repeat) return;
      const a = shoppers.get(r.shopper) ?? { n: 0, model: 0, last: 0 };
      a.n++;
      if (orders.model[0] === r.method) a.model++;
      if (orders.last_used[0] === r.method) a.last++;
      shoppers.set(r.shopper, a);
    },
  };
}

export interface GainInterval {
  gain_pp: number;
  gain_ci95_pp: [number, number];
  model_top1_ci95: [number, number];
  shoppers: number;
  n: number;
}

/**
 * How sure the repeat top-1 gain of the model over last_used is: a paired bootstrap that resamples
 * whole shoppers (a shopper's checkouts are not independent), 95 % percentile interval, in
 * percentage points. Also the interval of the model's own repeat top-1, which says how far two
 * files of this size can differ by chance alone.
 */
function intervalOf(shoppers: Map<string, Tally>, resamples: number, seed: number): GainInterval {
  const list = [...shoppers.values()];
  const all: Tally = { n: 0, model: 0, last: 0 };
  for (const x of list) {
    all.n += x.n; all.model += x.model; all.last += x.last;
  }
  if (all.n === 0) throw new Error('no repeat checkouts to compare');
  const rand = mulberry32(seed);
  const gains: number[] = [];
  const tops: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let n = 0, model = 0, last = 0;
    for (let i = 0; i < list.length; i++) {
      const x = list[Math.floor(rand() * list.length)] as Tally;
      n += x.n; model += x.model; last += x.last;
    }
    gains.push((100 * (model - last)) / n);
    tops.push(model / n);
  }
  gains.sort((a, b) => a - b);
  tops.sort((a, b) => a - b);
  const q = (sorted: number[], p: number): number => sorted[Math.floor(p * (sorted.length - 1))] ?? NaN;
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  return {
    gain_pp: r2((100 * (all.model - all.last)) / all.n),
    gain_ci95_pp: [r2(q(gains, 0.025)), r2(q(gains, 0.975))],
    model_top1_ci95: [round4(q(tops, 0.025)), round4(q(tops, 0.975))],
    shoppers: list.length,
    n: all.n,
  };
}

/** {@link intervalOf} for a log, replaying it once. */
export function gainInterval(rows: ReplayRow[], resamples = 1000, seed = 1): GainInterval {
  const tally = repeatTally();
  evaluate(rows, undefined, tally.onScored);
  return intervalOf(tally.shoppers, resamples, seed);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx scripts/eval-ranking.ts <replay.csv> [--splits] [--interval]');
    process.exit(2);
  }
  let rows: ReplayRow[];
  try {
    rows = parseReplay(readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  }
  // The interval's tallies come from the same replay as the report: the file is replayed once.
  const tally = process.argv.includes('--interval') ? repeatTally() : undefined;
  console.log(JSON.stringify(evaluate(rows, undefined, tally?.onScored)));
  if (process.argv.includes('--splits')) console.log(JSON.stringify(splits(rows)));
  if (tally) console.log(JSON.stringify({ interval: intervalOf(tally.shoppers, 1000, 1) }));
}
