import type { MethodPriors } from '../../protocol/session';
import { currencyExponent } from '../../protocol/currencies';
import { regionalShares } from './regional';

/**
 * Own-property lookup: method ids are data, and ids such as `constructor` or `toString` must not
 * reach Object.prototype.
 */
export const own = <T>(o: Readonly<Record<string, T>> | undefined, k: string): T | undefined => (o && Object.hasOwn(o, k) ? o[k] : undefined);

/** Merchant priors keyed by method, as the model reads them. */
export interface PriorMaps {
  shares?: Record<string, number>;
  countryShares?: Record<string, number>;
  successRates?: Record<string, number>;
}

/** The protocol sends priors as lists; the model reads them as own-property maps. */
export function priorMaps(p: MethodPriors | undefined): PriorMaps | undefined {
  if (!p) return undefined;
  // An absent list stays undefined (the model reads a missing map as "no priors of that kind").
  const toMap = (list?: { method: string; value: number }[]) =>
    list && Object.fromEntries(list.map((e) => [e.method, e.value]));
  return { shares: toMap(p.shares), countryShares: toMap(p.countryShares), successRates: toMap(p.successRates) };
}

/**
 * Payment-method preference model.
 *
 * Score of method m for one shopper = a chain of Dirichlet-smoothed estimates of "the shopper
 * picks m next", broad to narrow, each using the broader one as its prior:
 *
 *   p₀(m) = (w(m)·t(m) + α·q(m)) / (Σ w + α)             overall habit over the population prior
 *   pₖ(m) = (cₖ(m) + bₖ·pₖ₋₁(m)) / (Σ cₖ + bₖ)             habit in context k: device, channel and
 *                                                          recurring flag, merchant category
 *
 * w are the shopper's decayed choice weights, cₖ the same within context k, q the population
 * prior for this checkout (merchant priors, else the built-in regional table) and t the context
 * tilt (segment vs country shares). α and bₖ say how many checkouts' worth of evidence the broader
 * estimate is worth (TUNING): a new shopper gets the prior, a loyal one their habit, and a
 * shopper with a habit for bills gets it on the next bill. p is then scaled by reliability (own
 * failures, merchant success rates), saved methods and coupon savings.
 */

export type Outcome = 'chosen' | 'succeeded' | 'failed' | 'abandoned';
export type Device = 'mobile' | 'desktop';

/** Per-method statistics. Only counts and decayed weights: no amounts, card data or names. */
export interface MethodStats {
  /** Decayed choice weight. */
  w: number;
  /** Lifetime choices (capped). */
  n: number;
  /** Decayed successful payments. */
  s: number;
  /** Decayed failures (abandons count half). */
  f: number;
}

/**
 * Where and how the shopper pays, as the merchant backend tells it (Session `context`). Every
 * field is optional: without them only the overall and same-device habits apply.
 */
export interface CheckoutContext {
  channel?: 'in_person' | 'online';
  /** A bill, subscription or top-up. */
  recurring?: boolean;
  /** Free string, e.g. an MCC. */
  merchantCategory?: string;
}

export interface PreferenceState {
  version: 2;
  /** When weights were last aged, epoch ms. */
  at: number;
  /** Method of the latest choice and how many times in a row it was chosen. */
  last: string | null;
  streak: number;
  methods: Record<string, MethodStats>;
  /**
   * Decayed choice weights per context (see contextKeys()): context key → method → weight. At
   * most MAX_CONTEXTS keys, least recently used first (insertion order).
   */
  ctx: Record<string, Record<string, number>>;
}

export interface RankContext {
  available: string[];
  country?: string;
  currency?: string;
  device?: Device;
  savedMethods?: string[];
  /** Coupon savings per method, minor units of `currency`. */
  savingsByMethod?: Record<string, number>;
  priors?: PriorMaps;
  context?: CheckoutContext;
  /** Epoch ms. */
  now: number;
}

export type RankReason =
  /** The shopper's habit in this context: bills, in person, online, or this kind of merchant. */
  | { code: 'usual_for'; method: string; context: UsualContext }
  | { code: 'used_last_n'; method: string; n: number }
  | { code: 'used_before'; method: string; n: number }
  | { code: 'saves'; amount: number; currency?: string }
  | { code: 'saved_method' }
  | { code: 'popular_in_region'; country?: string }
  | { code: 'none' };

export type UsualContext = 'bills' | 'in_person' | 'online' | 'category';

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
  ctx: Partial<Pick<RankContext, 'device' | 'available' | 'context'>>;
  /** Epoch ms. */
  at: number;
}

/** Hyper-parameters. Chosen for meaning, not fitted to one log: see comments. */
const ALPHA = 1; // the prior is worth one checkout of the shopper's own evidence
const TIME_HALF_LIFE_MS = 365 * 864e5; // a year without checkouts halves the habit vs the prior
const PRIOR_TABLE_MIX = 0.1; // built-in table smooths merchant priors (methods they did not list)
const TILT_CLIP = 8; // the context tilt stays within ×⅛…×8
const SAVED_BOOST = 1.3;
const USUAL = 1.5; // a context habit is named as the reason from this weight on (two uses)
const SAVINGS_BOOST = 0.25; // the largest saving adds up to +25 %
export const MAX_METHODS = 16; // bounds state size whatever the history length
export const MAX_CONTEXTS = 8; // contexts remembered, least recently used forgotten first
export const MAX_CONTEXT_METHODS = 4; // strongest methods kept per context
export const MAX_COUNT = 1e6;
/** Stored records larger than this are rejected unread (the caps keep any valid state under it: see the schema test). */
export const MAX_RECORD_BYTES = 4096;

/**
 * The habit hierarchy's weights, in checkouts' worth of evidence: how strongly each narrower
 * habit defers to the broader one (docs/ranking.md: chosen by shopper-split cross-validation on
 * the DCPC diary, checked on the simulated replay). Exported for the evaluator's
 * cross-validation and ablations; the widget never changes it. 0 turns a layer off. The
 * update's own decays are in learn.ts (LEARN_TUNING), which loads on demand.
 */
export const TUNING = {
  /** The population prior is worth this many checkouts of the shopper's overall habit. */
  alpha: ALPHA,
  /**
   * When the merchant describes the checkout (`context`) and sends priors, the habits pooled over
   * all contexts (overall and per device) count this much against them: paying groceries in cash
   * says little about how one pays a bill.
   */
  pooled: 0.125,
  /** The same-device habit defers to the overall habit by this many checkouts. */
  device: 12,
  /** The channel/recurring habit defers to the device habit by this many checkouts. */
  channel: 16,
  /** The merchant-category habit defers to the channel habit by this many checkouts. */
  category: 8,
};
export type Tuning = typeof TUNING;

export function emptyState(): PreferenceState {
  return { version: 2, at: 0, last: null, streak: 0, methods: {}, ctx: {} };
}

/**
 * The context keys a checkout updates and is ranked by, broad to narrow: device (`d:m`, `d:d`),
 * channel and recurring flag (`c:` + `i`/`o`/`-` + `r`/`p`/`-`), then merchant category (`m:` +
 * category). A layer whose weight is 0 is skipped.
 */
export function contextKeys(c: CheckoutContext | undefined, d?: Device, tuning: Pick<Tuning, 'device' | 'channel' | 'category'> = TUNING): string[] {
  const keys: string[] = [];
  if (d && tuning.device) keys.push(`d:${d[0]}`);
  if (!c) return keys;
  if ((c.channel || c.recurring !== undefined) && tuning.channel)
    keys.push(`c:${c.channel === 'in_person' ? 'i' : c.channel === 'online' ? 'o' : '-'}${c.recurring === undefined ? '-' : c.recurring ? 'r' : 'p'}`);
  if (c.merchantCategory && tuning.category) keys.push(`m:${c.merchantCategory}`);
  return keys;
}

/** What a context key is called in a reason; undefined for one that names nothing ("not a bill", channel unknown). */
function usualContext(key: string): UsualContext | undefined {
  // Device keys (`d:m`, `d:d`) match none of these.
  return key[0] === 'm' ? 'category' : key[3] === 'r' ? 'bills' : key[2] === 'i' ? 'in_person' : key[2] === 'o' ? 'online' : undefined;
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

export function ageFactor(from: number, to: number): number {
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
  return available.map((m) => (s > 0 && b > 0 ? Math.min(TILT_CLIP, Math.max(1 / TILT_CLIP, ((own(seg, m) ?? 0) / s + 0.01) / ((own(base, m) ?? 0) / b + 0.01))) : 1));
}

export function rank(state: PreferenceState, ctx: RankContext, tuning: Tuning = TUNING): RankedMethod[] {
  const available = ctx.available.filter((m, i, all) => all.indexOf(m) === i);
  const n = available.length;
  const { country, currency } = ctx;
  const q = priorShares(available, country, ctx.priors);
  const tilt = contextTilt(available, ctx.priors);
  const age = ageFactor(state.at, ctx.now);
  const rates = ctx.priors?.successRates;
  const saved = ctx.savedMethods ?? [];
  const savings = ctx.savingsByMethod ?? {};
  const p = new Array<number>(n);
  let total = 0;
  let maxSaving = 0;
  let topPrior = 0;
  let top = 0;
  let mostUsed = '';
  for (let i = 0; i < n; i++) {
    const w = own(state.methods, available[i] as string)?.w ?? 0;
    if (w > top) [top, mostUsed] = [w, available[i] as string];
    p[i] = w;
    total += w;
    maxSaving = Math.max(maxSaving, savings[available[i] as string] ?? 0);
    topPrior = Math.max(topPrior, q[i] as number);
  }
  const keys = contextKeys(ctx.context, ctx.device, tuning);
  // A described checkout discounts the pooled habits (see TUNING.pooled) against the merchant's
  // priors, which can know the context; the built-in regional table does not, and gets no extra weight.
  const pool = ctx.priors && ctx.context ? tuning.pooled : 1;
  const al = tuning.alpha / pool;
  total *= age;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += p[i] = ((p[i] as number) * age * (tilt[i] as number) + al * (q[i] as number)) / (total + al);

  // Context habits, broad to narrow: each is a Dirichlet estimate whose prior is the broader one.
  // `usual` remembers a context where another method than the overall habit clearly leads (for its reason).
  let usual: { method: string; context: UsualContext } | undefined;
  for (const key of keys) {
    const c = own(state.ctx, key);
    if (!c) continue;
    const b = key[0] === 'm' ? tuning.category : key[0] === 'd' ? tuning.device / pool : tuning.channel;
    let ct = 0;
    let lead = 0;
    let leader = '';
    for (const m of available) {
      const w = own(c, m) ?? 0;
      ct += w;
      if (w > lead) [lead, leader] = [w, m];
    }
    for (let i = 0; i < n; i++) p[i] = ((own(c, available[i] as string) ?? 0) * age + (b * (p[i] as number)) / sum) / (ct * age + b);
    sum = 1;
    const named = usualContext(key);
    // Named only for a majority there by at least one payment, only where it differs from the
    // overall habit (which has its own reason), and by the broadest context that shows it:
    // "bills" rather than "shops like this" for the same method.
    if (named && lead >= USUAL && 2 * lead > ct + 1 && leader !== mostUsed && usual?.method !== leader) usual = { method: leader, context: named };
  }

  const out: RankedMethod[] = new Array<RankedMethod>(n);
  sum = 0;
  for (let i = 0; i < n; i++) {
    const method = available[i] as string;
    const st = own(state.methods, method);
    const qm = q[i] as number;
    let score = p[i] as number;
    // Reliability: merchant success rate as a 2-observation prior, updated by own outcomes.
    const s = st?.s ?? 0;
    score *= (s + 2 * (own(rates, method) ?? 1)) / (s + 2 + 2 * (st?.f ?? 0));
    const isSaved = saved.includes(method);
    if (isSaved) score *= SAVED_BOOST;
    const saving = own(savings, method) ?? 0;
    if (saving > 0) score *= 1 + (SAVINGS_BOOST * saving) / maxSaving;
    sum += score;
    // Money is the most concrete reason, then the habit in this context, then the shopper's own
    // habit, then social proof.
    out[i] = {
      method,
      score,
      reason:
        saving > 0
          ? { code: 'saves', amount: saving, ...(currency ? { currency } : {}) }
          : usual?.method === method
            ? { code: 'usual_for', ...usual }
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
