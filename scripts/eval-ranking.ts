/**
 * Replays a checkout log (see shared/data/README.md) in timestamp order and scores the preference
 * model against rule baselines. Each shopper has their own simulated browser state (round-tripped
 * through the stored-record format, as the cache would); population priors are built only from
 * events strictly earlier in time than the one being predicted.
 *
 *   tsx scripts/eval-ranking.ts <replay.csv> [--splits] [--interval] [--cv]
 *
 * The first output line is the report; `--splits` adds stability splits, `--interval` a
 * shopper-bootstrap interval of the model's repeat top-1 gain over the best rule, and `--cv` a
 * shopper-split 5-fold cross-validation of the context layers' weights. Optional context columns
 * (`channel`, `recurring`, `merchant_category`) reach the model as the session's `context`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { MERCHANT_CATEGORY } from '../src/protocol/session';
import { amountBand, emptyState, learn, LEARN_TUNING, parsePreferenceRecord, rank, TUNING, type CheckoutContext, type PreferenceState } from '../src/core/ranking/index';

/** Every hyper-parameter of the model, ranking's and the update's: what cross-validation and ablations vary. */
export const MODEL_TUNING = { ...TUNING, ...LEARN_TUNING };
export type ModelTuning = typeof MODEL_TUNING;
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
  /** From the optional `channel`, `recurring`, `merchant_category` columns; absent when all three are empty or missing. */
  context?: CheckoutContext;
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
    // Optional context columns: a file without them (or with them empty) replays as before.
    channel: header.indexOf('channel'), recurring: header.indexOf('recurring'), category: header.indexOf('merchant_category'),
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
    const channel = get(c.channel);
    if (channel !== '' && channel !== 'in_person' && channel !== 'online') bad('channel', channel);
    const recurring = get(c.recurring);
    if (recurring !== '' && recurring !== 'yes' && recurring !== 'no') bad('recurring', recurring);
    const merchantCategory = get(c.category);
    // As the protocol takes it (a longer one would make the stored state invalid, and forgotten).
    if (merchantCategory !== '' && !MERCHANT_CATEGORY.test(merchantCategory)) bad('merchant_category', merchantCategory);
    const context: CheckoutContext = {
      ...(channel ? { channel: channel as 'in_person' | 'online' } : {}),
      ...(recurring ? { recurring: recurring === 'yes' } : {}),
      ...(merchantCategory ? { merchantCategory } : {}),
    };
    return {
      shopper: get(c.shopper), t, method: get(c.method), region: get(c.region),
      currency: get(c.currency), amountMinor, device: device as ReplayRow['device'], available,
      ...(Object.keys(context).length > 0 ? { context } : {}),
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
  // The merchant knows the context it sets, so "shoppers like this one" includes it.
  return `${r.region}|${r.device}|${amountBand(r.amountMinor, r.currency)}|${contextKey(r)}|${categoryKey(r)}`;
}

interface Acc {
  hits: number;
  rr: number;
  n: number;
}
const METHODS = [
  'model', 'last_used', 'most_frequent', 'region_popularity', 'global_popularity',
  // Context rules: the same rule over the shopper's past checkouts in the same context only,
  // falling back to most_frequent's order where that context has no history.
  'last_used_context', 'most_frequent_context', 'most_frequent_category',
  // Popularity among earlier checkouts of the same segment (region, device, amount band, context).
  'segment_popularity',
] as const;
/** Every scorer but the model: the rule baselines the model is compared with. */
export const RULES = METHODS.filter((m) => m !== 'model');

/** The rule with the highest `score` (the first of equals, in RULES order). */
export function bestRule(score: (rule: (typeof RULES)[number]) => number): (typeof RULES)[number] {
  return RULES.reduce((a, b) => (score(b) > score(a) ? b : a));
}

/** The channel and recurring flag of a row, '' where unknown: the context rules' key. */
const contextKey = (r: ReplayRow): string => `${r.context?.channel ?? ''}|${r.context?.recurring ?? ''}`;
const categoryKey = (r: ReplayRow): string => r.context?.merchantCategory ?? '';
type Scorer = (typeof METHODS)[number];

export function evaluate(
  rows: ReplayRow[],
  /** Only these rows are scored (all are replayed). */
  scored: (r: ReplayRow) => boolean = () => true,
  /** Called for each scored row with each scorer's order of the offered methods. */
  onScored?: (r: ReplayRow, repeat: boolean, orders: Readonly<Record<Scorer, readonly string[]>>) => void,
  /** The model's hyper-parameters (cross-validation and ablations); the shipped ones by default. */
  tuning: ModelTuning = MODEL_TUNING,
): Record<'all' | 'repeat', Record<Scorer, { top1: number; mrr: number; n: number }>> {
  const pop = new Population();
  const states = new Map<string, string>(); // shopper → stored JSON record
  const history = new Map<string, ReplayRow[]>(); // for the rule baselines only
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
      device: r.device,
      priors: pop.priors(r),
      ...(r.context ? { context: r.context } : {}),
      now,
    };
    const regionCounts = pop.region.get(r.region);
    const segmentCounts = pop.segment.get(segmentKey(r));
    const byPopularity = (a: string, b: string): number =>
      get(regionCounts, b) - get(regionCounts, a) || get(pop.global, b) - get(pop.global, a);
    const lastIndex = new Map<string, number>();
    const freq = new Map<string, number>();
    const ctxFreq = new Map<string, number>();
    const ctxLast = new Map<string, number>();
    const catFreq = new Map<string, number>();
    const catLast = new Map<string, number>();
    const key = contextKey(r);
    const cat = categoryKey(r);
    past.forEach((p, i) => {
      lastIndex.set(p.method, i);
      inc(freq, p.method);
      if (contextKey(p) === key) {
        inc(ctxFreq, p.method);
        ctxLast.set(p.method, i);
      }
      if (categoryKey(p) === cat) {
        inc(catFreq, p.method);
        catLast.set(p.method, i);
      }
    });
    const byFrequency = (a: string, b: string): number =>
      get(freq, b) - get(freq, a) || (lastIndex.get(b) ?? -1) - (lastIndex.get(a) ?? -1) || byPopularity(a, b);
    const orders: Record<Scorer, string[]> = {
      model: rank(state, ctx, tuning).map((x) => x.method),
      last_used: [...r.available].sort((a, b) => (lastIndex.get(b) ?? -1) - (lastIndex.get(a) ?? -1) || byPopularity(a, b)),
      most_frequent: [...r.available].sort(byFrequency),
      last_used_context: [...r.available].sort((a, b) => (ctxLast.get(b) ?? -1) - (ctxLast.get(a) ?? -1) || byFrequency(a, b)),
      most_frequent_context: [...r.available].sort(
        (a, b) => get(ctxFreq, b) - get(ctxFreq, a) || (ctxLast.get(b) ?? -1) - (ctxLast.get(a) ?? -1) || byFrequency(a, b),
      ),
      most_frequent_category: [...r.available].sort(
        (a, b) => get(catFreq, b) - get(catFreq, a) || (catLast.get(b) ?? -1) - (catLast.get(a) ?? -1) || byFrequency(a, b),
      ),
      region_popularity: [...r.available].sort(byPopularity),
      global_popularity: [...r.available].sort((a, b) => get(pop.global, b) - get(pop.global, a)),
      segment_popularity: [...r.available].sort((a, b) => get(segmentCounts, b) - get(segmentCounts, a) || byPopularity(a, b)),
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
    let next = learn(state, { method: r.method, outcome: 'chosen', ctx: { device: r.device, available: r.available, ...(r.context ? { context: r.context } : {}) }, at: now }, tuning);
    next = learn(next, { method: r.method, outcome: 'succeeded', ctx: { device: r.device }, at: now }, tuning);
    states.set(r.shopper, JSON.stringify(next));
    history.set(r.shopper, [...past, r]);
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

/** Per-shopper repeat checkouts and, per scorer, top-1 hits and reciprocal ranks. */
type Tally = { n: number; hits: Record<Scorer, number>; rr: Record<Scorer, number> };
const zeros = (): Record<Scorer, number> => Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<Scorer, number>;

/** Per-shopper repeat tallies of every scorer, collected through evaluate()'s hook. */
function repeatTally(): { onScored: NonNullable<Parameters<typeof evaluate>[2]>; shoppers: Map<string, Tally> } {
  const shoppers = new Map<string, Tally>();
  return {
    shoppers,
    onScored: (r, repeat, orders) => {
      if (!repeat) return;
      const a = shoppers.get(r.shopper) ?? { n: 0, hits: zeros(), rr: zeros() };
      a.n++;
      for (const m of METHODS) {
        const pos = orders[m].indexOf(r.method);
        if (pos === 0) a.hits[m]++;
        if (pos >= 0) a.rr[m] += 1 / (pos + 1);
      }
      shoppers.set(r.shopper, a);
    },
  };
}

export interface GainInterval {
  /** The rule with the highest repeat top-1 on this file. */
  best_rule: Scorer;
  model_top1: number;
  best_rule_top1: number;
  gain_pp: number;
  gain_ci95_pp: [number, number];
  model_top1_ci95: [number, number];
  model_mrr_ci95: [number, number];
  /** The same gain over last_used, for comparison with earlier figures. */
  gain_over_last_used_pp: number;
  shoppers: number;
  n: number;
}

/**
 * How sure the model's repeat top-1 gain over the best rule is: a paired bootstrap that resamples
 * whole shoppers (a shopper's checkouts are not independent), 95 % percentile interval, in
 * percentage points; also the intervals of the model's own repeat top-1 and MRR. The best rule is
 * picked on the whole file, which favours the rule.
 */
function intervalOf(shoppers: Map<string, Tally>, resamples: number, seed: number): GainInterval {
  const list = [...shoppers.values()];
  const sum = (xs: Tally[], f: (t: Tally) => number): number => xs.reduce((acc, x) => acc + f(x), 0);
  const n = sum(list, (x) => x.n);
  if (n === 0) throw new Error('no repeat checkouts to compare');
  const best = bestRule((r) => sum(list, (x) => x.hits[r]));
  const rand = mulberry32(seed);
  const gains: number[] = [];
  const tops: number[] = [];
  const mrrs: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let k = 0, model = 0, rule = 0, rr = 0;
    for (let i = 0; i < list.length; i++) {
      const x = list[Math.floor(rand() * list.length)] as Tally;
      k += x.n; model += x.hits.model; rule += x.hits[best]; rr += x.rr.model;
    }
    gains.push((100 * (model - rule)) / k);
    tops.push(model / k);
    mrrs.push(rr / k);
  }
  const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))] ?? NaN;
  const ci = (xs: number[], f = round4): [number, number] => [f(q(xs, 0.025)), f(q(xs, 0.975))];
  const r2 = (x: number): number => Math.round(x * 100) / 100;
  const hits = (m: Scorer): number => sum(list, (x) => x.hits[m]);
  return {
    best_rule: best,
    model_top1: round4(hits('model') / n),
    best_rule_top1: round4(hits(best) / n),
    gain_pp: r2((100 * (hits('model') - hits(best))) / n),
    gain_ci95_pp: ci(gains, r2),
    model_top1_ci95: ci(tops),
    model_mrr_ci95: ci(mrrs),
    gain_over_last_used_pp: r2((100 * (hits('model') - hits('last_used'))) / n),
    shoppers: list.length,
    n,
  };
}

/** {@link intervalOf} for a log, replaying it once. */
export function gainInterval(rows: ReplayRow[], resamples = 1000, seed = 1, tuning: ModelTuning = MODEL_TUNING): GainInterval {
  const tally = repeatTally();
  evaluate(rows, undefined, tally.onScored, tuning);
  return intervalOf(tally.shoppers, resamples, seed);
}

/** The grid cross-validation searches: the context layers' weights (the rest stay as shipped). */
export const CV_GRID: readonly Partial<ModelTuning>[] = [8, 16].flatMap((channel) =>
  [4, 8].flatMap((category) => [0.125, 0.25].map((pooled) => ({ channel, category, pooled }))),
);

export interface CrossValidation {
  folds: { fold: number; chosen: Partial<ModelTuning>; shoppers: number; model: number; best_rule: number; n: number }[];
  /** Repeat checkouts of every held-out fold together, each fold replayed on its own. */
  pooled: Record<Scorer, { top1: number; mrr: number }> & { n: number; best_rule: Scorer };
}

/**
 * Shopper-split k-fold cross-validation: for each fold, the grid point with the best repeat top-1
 * on the other folds (replayed together) is chosen, then the fold is replayed on its own (its
 * population priors come from it alone) and scored. No fold's shoppers influence the parameters
 * they are scored with.
 */
export function crossValidate(rows: ReplayRow[], k = 5, grid: readonly Partial<ModelTuning>[] = CV_GRID): CrossValidation {
  const fold = (r: ReplayRow): number => hash(r.shopper) % k;
  const sums = { n: 0, hits: zeros(), rr: zeros() };
  const folds: CrossValidation['folds'] = [];
  for (let f = 0; f < k; f++) {
    const train = rows.filter((r) => fold(r) !== f);
    const test = rows.filter((r) => fold(r) === f);
    let chosen = grid[0] ?? {};
    let bestTop = -1;
    for (const g of grid) {
      const top = evaluate(train, undefined, undefined, { ...MODEL_TUNING, ...g }).repeat.model.top1;
      if (top > bestTop) [bestTop, chosen] = [top, g];
    }
    const tally = repeatTally();
    evaluate(test, undefined, tally.onScored, { ...MODEL_TUNING, ...chosen });
    const list = [...tally.shoppers.values()];
    const n = list.reduce((a, x) => a + x.n, 0);
    for (const x of list) {
      sums.n += x.n;
      for (const m of METHODS) {
        sums.hits[m] += x.hits[m];
        sums.rr[m] += x.rr[m];
      }
    }
    const hit = (m: Scorer): number => list.reduce((a, x) => a + x.hits[m], 0) / (n || 1);
    folds.push({ fold: f, chosen, shoppers: list.length, model: round4(hit('model')), best_rule: round4(Math.max(...RULES.map(hit))), n });
  }
  const pooled = Object.fromEntries(
    METHODS.map((m) => [m, { top1: round4(sums.hits[m] / (sums.n || 1)), mrr: round4(sums.rr[m] / (sums.n || 1)) }]),
  ) as Record<Scorer, { top1: number; mrr: number }>;
  const best_rule = bestRule((r) => sums.hits[r]);
  return { folds, pooled: { ...pooled, n: sums.n, best_rule } };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx scripts/eval-ranking.ts <replay.csv> [--splits] [--interval] [--cv]');
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
  if (process.argv.includes('--cv')) console.log(JSON.stringify({ cv: crossValidate(rows) }));
}
