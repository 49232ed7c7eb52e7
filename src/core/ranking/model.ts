import type { MethodPriors } from '../../protocol/session';
import { currencyExponent } from '../../protocol/currencies';
import { regionalShares } from './regional';

/**
 * Own-property lookup: method ids are data, and ids such as `constructor` or `toString` must not
 * reach Object.prototype.
 */
const own = <T>(o: Readonly<Record<string, T>> | undefined, k: string): T | undefined => (o && Object.hasOwn(o, k) ? o[k] : undefined);

/** Merchant priors keyed by method, as the model reads them. */
export interface PriorMaps {
  shares?: Record<string, number>;
  countryShares?: Record<string, number>;
  successRates?: Record<string, number>;
}

/** The protocol sends priors as lists; the model reads them as own-property maps. */
export function priorMaps(p: MethodPriors | undefined): PriorMaps | undefined {
  if (!p) return undefined;
  const toMap = (list?: { method: string; value: number }[]) =>
    list && Object.fromEntries(list.map((e) => [e.method, e.value]));
  return {
    ...(p.shares ? { shares: toMap(p.shares) } : {}),
    ...(p.countryShares ? { countryShares: toMap(p.countryShares) } : {}),
    ...(p.successRates ? { successRates: toMap(p.successRates) } : {}),
  };
}

/**
 * Payment-method preference model.
 *
 * Score of method m for one shopper = a Dirichlet-smoothed estimate of "the shopper picks m next":
 *
 *   p(m) = (w(m)·t(m) + α·q(m)) / (Σ w + α)
 *
 * where w are the shopper's own choice weights (decayed per checkout and over time, partly
 * conditioned on the current device), q is the population prior for this context (merchant
 * priors, else the built-in regional table) and t the context tilt (segment vs country shares). α is how many "checkouts' worth" of evidence the
 * prior is worth: a new shopper gets the prior, a loyal one gets their habit. p is then scaled by
 * reliability (own failures, merchant success rates), saved methods and coupon savings.
 */

export type Outcome = 'chosen' | 'succeeded' | 'failed' | 'abandoned';
export type Device = 'mobile' | 'desktop';

/** Per-method statistics. Only counts and decayed weights: no amounts, card data or names. */
export interface MethodStats {
  /** Decayed choice weight. */
  w: number;
  /** Part of `w` chosen on mobile (the rest was desktop). */
  mw: number;
  /** Lifetime choices (capped). */
  n: number;
  /** Decayed successful payments. */
  s: number;
  /** Decayed failures (abandons count half). */
  f: number;
}

export interface PreferenceState {
  version: 1;
  /** When weights were last aged, epoch ms. */
  at: number;
  /** Method of the latest choice and how many times in a row it was chosen. */
  last: string | null;
  streak: number;
  methods: Record<string, MethodStats>;
}

export interface RankContext {
  available: string[];
  country?: string;
  currency?: string;
  amountBand?: number;
  device?: Device;
  savedMethods?: string[];
  /** Coupon savings per method, minor units of `currency`. */
  savingsByMethod?: Record<string, number>;
  priors?: PriorMaps;
  /** Epoch ms. */
  now: number;
}

export type RankReason =
  | { code: 'used_last_n'; method: string; n: number }
  | { code: 'used_before'; method: string; n: number }
  | { code: 'saves'; amount: number; currency?: string }
  | { code: 'saved_method' }
  | { code: 'popular_in_region'; country?: string }
  | { code: 'none' };

export interface RankedMethod {
  method: string;
  /** Normalised over the available methods (sums to 1). */
  score: number;
  reason: RankReason;
}

export interface LearnEvent {
  method: string;
  outcome: Outcome;
  /** `available`: the methods offered at that checkout (see learn()). */
  ctx: Partial<Pick<RankContext, 'device' | 'available'>>;
  /** Epoch ms. */
  at: number;
}

/** Hyper-parameters. Chosen for meaning, not fitted to one log: see comments. */
const ALPHA = 1; // the prior is worth one checkout of the shopper's own evidence
const CHOICE_DECAY = 2 ** (-1 / 2); // a choice loses half its weight after two newer checkouts
const TIME_HALF_LIFE_MS = 365 * 864e5; // a year without checkouts halves the habit vs the prior
const DEVICE_MIX = 0.25; // share of the personal signal taken from same-device choices
const PRIOR_TABLE_MIX = 0.1; // built-in table smooths merchant priors (methods they did not list)
const SAVED_BOOST = 1.3;
const SAVINGS_BOOST = 0.25; // the largest saving adds up to +25 %
export const MAX_METHODS = 16; // bounds state size whatever the history length
const MAX_COUNT = 1e6;

export function emptyState(): PreferenceState {
  return { version: 1, at: 0, last: null, streak: 0, methods: {} };
}

/**
 * Log-scale amount band: floor(2·log10(major units)), so each band spans ×√10 (≈ 1–3, 3–10, 10–30 …).
 * Uses the ISO 4217 exponent so 1000 JPY and 10.00 USD land near each other; unknown currency → 2.
 */
export function amountBand(amountMinor: number, currency: string): number {
  // Unknown currency: ranking must still work, and 2 decimals is by far the most common.
  const major = amountMinor / 10 ** (currencyExponent(currency) ?? 2);
  return major >= 1 ? Math.min(30, Math.floor(2 * Math.log10(major))) : 0;
}

function ageFactor(from: number, to: number): number {
  return from > 0 && to > from ? 2 ** (-(to - from) / TIME_HALF_LIFE_MS) : 1;
}

/** Population prior over `available` (same order): merchant shares blended with the regional table, summing to 1. */
export function priorShares(available: readonly string[], country?: string, priors?: PriorMaps): number[] {
  const table = regionalShares(country);
  const shares = priors?.shares;
  const n = available.length;
  let tableSum = 0;
  let shareSum = 0;
  for (const m of available) {
    tableSum += own(table, m) ?? 0;
    shareSum += own(shares, m) ?? 0;
  }
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const m = available[i] as string;
    // An unlisted method keeps a small floor so it is never ranked as impossible.
    const t = ((own(table, m) ?? 0) + 0.02) / (tableSum + 0.02 * n);
    const s = shareSum > 0 ? (own(shares, m) ?? 0) / shareSum : t;
    out[i] = (1 - PRIOR_TABLE_MIX) * s + PRIOR_TABLE_MIX * t;
  }
  return out;
}

/**
 * Context tilt: how much more (or less) likely each method is in this context (the merchant's
 * segment `shares`: device, basket size …) than across the whole country (`countryShares`). The
 * shopper's own habit is scaled by it — a habit formed on small baskets says less about a large
 * one — while the prior already carries the context. 1 unless both lists are sent; bounded to
 * ×¼…×4 so one list's gap cannot make a single past use outweigh everything.
 */
function contextTilt(available: readonly string[], priors: PriorMaps | undefined): number[] {
  const seg = priors?.shares;
  const base = priors?.countryShares;
  let s = 0;
  let b = 0;
  for (const m of available) {
    s += own(seg, m) ?? 0;
    b += own(base, m) ?? 0;
  }
  // 1 % floors: a method one list lacks is neither impossible nor infinitely likely.
  return available.map((m) => (s > 0 && b > 0 ? Math.min(4, Math.max(0.25, ((own(seg, m) ?? 0) / s + 0.01) / ((own(base, m) ?? 0) / b + 0.01))) : 1));
}

export function rank(state: PreferenceState, ctx: RankContext): RankedMethod[] {
  const available = ctx.available.filter((m, i, all) => all.indexOf(m) === i);
  const n = available.length;
  const { country, currency } = ctx;
  const q = priorShares(available, country, ctx.priors);
  const tilt = contextTilt(available, ctx.priors);
  const age = ageFactor(state.at, ctx.now);
  const rates = ctx.priors?.successRates;
  const saved = ctx.savedMethods ?? [];
  const savings = ctx.savingsByMethod ?? {};
  const mobile = ctx.device === 'mobile';
  const personal = new Array<number>(n);
  let total = 0;
  let maxSaving = 0;
  let topPrior = 0;
  for (let i = 0; i < n; i++) {
    const st = own(state.methods, available[i] as string);
    let w = 0;
    if (st) {
      // Partly conditioned on the device: same-device choices count double in that part.
      w = ctx.device ? (1 - DEVICE_MIX) * st.w + DEVICE_MIX * 2 * (mobile ? st.mw : st.w - st.mw) : st.w;
    }
    personal[i] = w;
    total += w;
    maxSaving = Math.max(maxSaving, savings[available[i] as string] ?? 0);
    topPrior = Math.max(topPrior, q[i] as number);
  }
  total *= age;

  const out: RankedMethod[] = new Array<RankedMethod>(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const method = available[i] as string;
    const st = own(state.methods, method);
    const qm = q[i] as number;
    let score = ((personal[i] as number) * age * (tilt[i] as number) + ALPHA * qm) / (total + ALPHA);
    // Reliability: merchant success rate as a 2-observation prior, updated by own outcomes.
    const s = st?.s ?? 0;
    score *= (s + 2 * (own(rates, method) ?? 1)) / (s + 2 + 2 * (st?.f ?? 0));
    const isSaved = saved.includes(method);
    if (isSaved) score *= SAVED_BOOST;
    const saving = own(savings, method) ?? 0;
    if (saving > 0) score *= 1 + (SAVINGS_BOOST * saving) / maxSaving;
    sum += score;
    // Money is the most concrete reason, then the shopper's own habit, then social proof.
    out[i] = {
      method,
      score,
      reason:
        saving > 0
          ? { code: 'saves', amount: saving, ...(currency ? { currency } : {}) }
          : state.last === method && state.streak > 0
            ? { code: 'used_last_n', method, n: state.streak }
            : st && st.n > 0
              ? { code: 'used_before', method, n: st.n }
              : isSaved
                ? { code: 'saved_method' }
                : qm === topPrior
                  ? { code: 'popular_in_region', ...(country ? { country } : {}) }
                  : { code: 'none' },
    };
  }
  for (const r of out) r.score = sum > 0 ? r.score / sum : 1 / n;
  // Stable sort keeps merchant order for exact ties; the prior breaks ties of equal score.
  const prior = (m: string): number => q[available.indexOf(m)] ?? 0;
  return out.sort((a, b) => b.score - a.score || prior(b.method) - prior(a.method));
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Returns a new state; `state` is never mutated (it lives in a zustand store). */
export function learn(state: PreferenceState, event: LearnEvent): PreferenceState {
  const { method, outcome } = event;
  if (method === '__proto__') return state;
  const age = ageFactor(state.at, event.at);
  const choice = outcome === 'chosen';
  const offered = event.ctx.available;
  const methods: Record<string, MethodStats> = {};
  for (const [m, st] of Object.entries(state.methods)) {
    // A choice is evidence against the alternatives the shopper saw and passed over, not against
    // methods the merchant did not offer: a forced substitute must not erode the usual habit.
    const decay = choice && (!offered || offered.includes(m)) ? age * CHOICE_DECAY : age;
    methods[m] = { w: st.w * decay, mw: st.mw * decay, n: st.n, s: st.s * decay, f: st.f * decay };
  }
  const cur = own(methods, method) ?? { w: 0, mw: 0, n: 0, s: 0, f: 0 };
  if (choice) {
    cur.w++;
    if (event.ctx.device === 'mobile') cur.mw++;
    cur.n = Math.min(MAX_COUNT, cur.n + 1);
  } else if (outcome === 'succeeded') cur.s++;
  else cur.f += outcome === 'failed' ? 1 : 0.5;
  methods[method] = cur;

  for (const st of Object.values(methods)) {
    st.w = round(st.w);
    st.mw = Math.min(st.w, round(st.mw));
    st.s = round(st.s);
    st.f = round(st.f);
  }
  const keys = Object.keys(methods);
  if (keys.length > MAX_METHODS) {
    // Forget the weakest methods; the one just used always survives.
    keys.sort((a, b) => (a === method ? -1 : b === method ? 1 : (methods[b] as MethodStats).w - (methods[a] as MethodStats).w));
    for (const k of keys.slice(MAX_METHODS)) delete methods[k];
  }
  return {
    version: 1,
    at: Math.max(state.at, event.at),
    last: choice ? method : state.last,
    streak: choice ? (state.last === method ? Math.min(MAX_COUNT, state.streak + 1) : 1) : state.streak,
    methods,
  };
}
