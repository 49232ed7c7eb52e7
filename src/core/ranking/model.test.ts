import { describe, expect, it } from 'vitest';
import { amountBand, contextKeys, emptyState, learn, MAX_CONTEXT_METHODS, MAX_CONTEXTS, MAX_METHODS, rank, TUNING, type CheckoutContext, type Outcome, type PreferenceState, type RankContext } from './index';
import { MAX_RECORD_BYTES, parsePreferenceRecord } from './schema';

const DAY = 864e5;
const T0 = Date.UTC(2025, 0, 1);

function ctx(over: Partial<RankContext> = {}): RankContext {
  return { available: ['card', 'pix', 'boleto', 'wallet'], country: 'BR', device: 'mobile', now: T0, ...over };
}

function choose(state: PreferenceState, method: string, at: number, outcome: Outcome = 'chosen'): PreferenceState {
  return learn(state, { method, outcome, ctx: { device: 'mobile' }, at });
}

const top = (s: PreferenceState, c: RankContext = ctx()): string | undefined => rank(s, c)[0]?.method;

describe('cold start', () => {
  it('follows merchant priors when given', () => {
    const r = rank(emptyState(), ctx({ priors: { shares: { boleto: 0.6, card: 0.3, pix: 0.1 } } }));
    expect(r.map((x) => x.method).slice(0, 3)).toEqual(['boleto', 'card', 'pix']);
    expect(r[0]?.reason).toEqual({ code: 'popular_in_region', country: 'BR' });
  });

  it('falls back to the built-in regional table without priors', () => {
    expect(top(emptyState(), ctx())).toBe('pix');
    expect(top(emptyState(), ctx({ country: 'IN', available: ['card', 'netbanking', 'upi'] }))).toBe('upi');
    expect(top(emptyState(), ctx({ country: 'NL', available: ['card', 'paypal', 'ideal'] }))).toBe('ideal');
    expect(top(emptyState(), ctx({ country: 'CN', available: ['card', 'wechat_pay', 'alipay'] }))).toBe('alipay');
    expect(top(emptyState(), ctx({ country: 'JP', available: ['konbini', 'card'] }))).toBe('card');
    expect(top(emptyState(), ctx({ country: 'MX', available: ['oxxo', 'paypal'] }))).toBe('oxxo');
    expect(top(emptyState(), ctx({ country: 'US', available: ['klarna', 'paypal', 'card'] }))).toBe('card');
  });

  it('ranks only available methods, each once, with scores summing to 1', () => {
    const s = choose(emptyState(), 'ideal', T0);
    const r = rank(s, ctx({ available: ['card', 'pix', 'card'] }));
    expect(r.map((x) => x.method).sort()).toEqual(['card', 'pix']);
    expect(r.reduce((a, x) => a + x.score, 0)).toBeCloseTo(1, 9);
  });
});

describe('context tilt (segment vs country shares)', () => {
  // A shopper who used PIX on small baskets and card once: a large basket, where card is twice as
  // common as in the country overall and PIX half as common, tips the balance to card.
  let s = emptyState();
  s = choose(s, 'card', T0);
  s = choose(s, 'pix', T0 + DAY);
  s = choose(s, 'pix', T0 + 2 * DAY);
  const countryShares = { pix: 0.4, card: 0.4, boleto: 0.2 };
  const large = { shares: { pix: 0.2, card: 0.7, boleto: 0.1 }, countryShares };
  const small = { shares: { pix: 0.6, card: 0.3, boleto: 0.1 }, countryShares };
  const available = ['pix', 'card', 'boleto'];

  it('moves the shopper\'s own habit with the context', () => {
    expect(top(s, ctx({ available, now: T0 + 3 * DAY, priors: { shares: large.shares } }))).toBe('pix');
    expect(top(s, ctx({ available, now: T0 + 3 * DAY, priors: large }))).toBe('card');
    expect(top(s, ctx({ available, now: T0 + 3 * DAY, priors: small }))).toBe('pix');
  });

  it('is neutral when the segment looks like the country, and for a new shopper', () => {
    const now = T0 + 3 * DAY;
    const scores = (priors: RankContext['priors']) => Object.fromEntries(rank(s, ctx({ available, now, priors })).map((r) => [r.method, r.score]));
    const plain = scores({ shares: countryShares });
    const same = scores({ shares: countryShares, countryShares });
    for (const m of available) expect(same[m]).toBeCloseTo(plain[m]!, 12);
    // Only country shares (no segment): nothing to compare, no tilt.
    const only = scores({ countryShares: large.shares });
    const none = scores(undefined);
    for (const m of available) expect(only[m]).toBeCloseTo(none[m]!, 12);
    // Cold start already follows the segment shares; the tilt is not applied twice.
    expect(rank(emptyState(), ctx({ available, priors: large })).map((r) => r.method)).toEqual(['card', 'pix', 'boleto']);
  });

  it('is bounded: a method the country list lacks cannot turn one old use into the top choice', () => {
    let t = choose(emptyState(), 'wallet', T0);
    for (let i = 1; i <= 3; i++) t = choose(t, 'card', T0 + i * DAY);
    const priors = { shares: { card: 0.5, wallet: 0.3, pix: 0.2 }, countryShares: { card: 0.6, pix: 0.4 } };
    const r = rank(t, ctx({ available: ['card', 'wallet', 'pix'], now: T0 + 4 * DAY, priors }));
    expect(r[0]?.method).toBe('card'); // unbounded, wallet's tilt would be ×31
    expect(r.every((x) => Number.isFinite(x.score) && x.score > 0)).toBe(true);
    expect(r.reduce((a, x) => a + x.score, 0)).toBeCloseTo(1, 9);
  });
});

describe('learning', () => {
  it('moves a repeatedly chosen method to first, with a used_last_n reason', () => {
    let s = emptyState();
    expect(top(s)).toBe('pix');
    for (let i = 0; i < 3; i++) s = choose(s, 'boleto', T0 + i * DAY);
    const r = rank(s, ctx({ now: T0 + 3 * DAY }));
    expect(r[0]?.method).toBe('boleto');
    expect(r[0]?.reason).toEqual({ code: 'used_last_n', method: 'boleto', n: 3 });
  });

  it('decays: an old habit loses to a newer one', () => {
    let s = emptyState();
    for (let i = 0; i < 10; i++) s = choose(s, 'card', T0 + i * DAY);
    // The same-device layer counts plainly, so a newer habit needs a handful of repeats.
    for (let i = 10; i < 14; i++) s = choose(s, 'pix', T0 + i * DAY);
    expect(top(s, ctx({ now: T0 + 15 * DAY }))).toBe('card');
    s = choose(s, 'pix', T0 + 14 * DAY);
    expect(top(s, ctx({ now: T0 + 15 * DAY }))).toBe('pix');
    // …while lifetime counts are kept for the reason text.
    expect(s.methods.card?.n).toBe(10);
  });

  it('a forced substitute (habit not offered) does not erode the habit', () => {
    let s = emptyState();
    for (let i = 0; i < 3; i++) s = choose(s, 'pix', T0 + i * DAY);
    const offered = ['card', 'boleto'];
    let forced = s;
    let free = s;
    for (let i = 3; i < 6; i++) {
      forced = learn(forced, { method: 'card', outcome: 'chosen', ctx: { available: offered }, at: T0 + i * DAY });
      free = learn(free, { method: 'card', outcome: 'chosen', ctx: {}, at: T0 + i * DAY });
    }
    const c = ctx({ now: T0 + 7 * DAY });
    expect(top(forced, c)).toBe('pix');
    expect(top(free, c)).toBe('card');
  });

  it('time decay hands a long-stale habit back to the priors', () => {
    const s = choose(emptyState(), 'wallet', T0);
    const priors = { shares: { card: 0.7, pix: 0.2, wallet: 0.1 } };
    expect(top(s, ctx({ priors, now: T0 + DAY }))).toBe('wallet');
    expect(top(s, ctx({ priors, now: T0 + 5 * 365 * DAY }))).toBe('card');
  });

  it('failed outcomes lower a method', () => {
    let s = emptyState();
    s = choose(s, 'card', T0);
    s = choose(s, 'pix', T0 + DAY);
    s = choose(s, 'card', T0 + 2 * DAY);
    s = choose(s, 'pix', T0 + 3 * DAY);
    const before = rank(s, ctx({ now: T0 + 4 * DAY }));
    expect(before[0]?.method).toBe('pix');
    const failed = choose(s, 'pix', T0 + 4 * DAY, 'failed');
    const after = rank(failed, ctx({ now: T0 + 4 * DAY }));
    expect(after[0]?.method).toBe('card');
    const score = (r: typeof after, m: string) => r.find((x) => x.method === m)?.score ?? NaN;
    expect(score(after, 'pix')).toBeLessThan(score(before, 'pix'));
  });

  it('abandons count against a method, but less than failures', () => {
    const s = choose(choose(emptyState(), 'card', T0), 'pix', T0 + DAY);
    const c = ctx({ now: T0 + 2 * DAY });
    const pixScore = (st: PreferenceState) => rank(st, c).find((x) => x.method === 'pix')?.score ?? NaN;
    const abandoned = pixScore(choose(s, 'pix', T0 + DAY, 'abandoned'));
    const failed = pixScore(choose(s, 'pix', T0 + DAY, 'failed'));
    expect(abandoned).toBeLessThan(pixScore(s));
    expect(failed).toBeLessThan(abandoned);
  });

  it('merchant success rates and saved methods and savings shift scores, with reasons', () => {
    const base = ctx({ available: ['card', 'pix'], priors: { shares: { card: 0.5, pix: 0.5 } } });
    expect(top(emptyState(), { ...base, priors: { shares: { card: 0.5, pix: 0.5 }, successRates: { card: 0.5, pix: 0.99 } } })).toBe('pix');
    const saved = rank(emptyState(), { ...base, savedMethods: ['card'] });
    expect(saved[0]).toMatchObject({ method: 'card', reason: { code: 'saved_method' } });
    const saves = rank(emptyState(), { ...base, currency: 'BRL', savingsByMethod: { pix: 250 } });
    expect(saves[0]).toMatchObject({ method: 'pix', reason: { code: 'saves', amount: 250, currency: 'BRL' } });
  });
});

describe('state', () => {
  it('is immutable: learn returns a new object and leaves the input untouched', () => {
    const s0 = choose(emptyState(), 'card', T0);
    const frozen = JSON.stringify(s0);
    const deepFreeze = (o: object): void => {
      Object.freeze(o);
      for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v as object);
    };
    deepFreeze(s0);
    const s1 = choose(s0, 'pix', T0 + DAY); // would throw in strict mode if it wrote to s0
    const s2 = choose(s1, 'card', T0 + 2 * DAY, 'failed');
    expect(JSON.stringify(s0)).toBe(frozen);
    expect(s1).not.toBe(s0);
    expect(s1.methods).not.toBe(s0.methods);
    expect(s2.methods.card).not.toBe(s1.methods.card);
    rank(s2, ctx());
  });

  it('10,000 checkouts over many methods serialise to < 4 KB and stay a valid record', () => {
    let s = emptyState();
    const methods = Array.from({ length: 40 }, (_, i) => `a_rather_long_method_identifier_${i}`);
    for (let i = 0; i < 10_000; i++) {
      const m = methods[(i * 7919) % methods.length] as string;
      const outcome: Outcome = i % 13 === 0 ? 'failed' : i % 17 === 0 ? 'abandoned' : 'chosen';
      s = learn(s, { method: m, outcome, ctx: { device: i % 2 ? 'mobile' : 'desktop' }, at: T0 + i * 36e5 });
      if (outcome === 'chosen') s = learn(s, { method: m, outcome: 'succeeded', ctx: {}, at: T0 + i * 36e5 });
    }
    const json = JSON.stringify(s);
    expect(new TextEncoder().encode(json).length).toBeLessThan(4096);
    expect(Object.keys(s.methods).length).toBeLessThanOrEqual(MAX_METHODS);
    expect(parsePreferenceRecord(json)).toEqual(s);
  });

  it('holds no raw amounts, names or card data: only method ids, counts and weights', () => {
    let s = emptyState();
    s = learn(s, { method: 'card', outcome: 'chosen', ctx: { device: 'desktop', context: { channel: 'online', recurring: true, merchantCategory: '4900' } }, at: T0 });
    const keys = new Set<string>();
    const walk = (o: unknown): void => {
      if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) {
        keys.add(k);
        walk(v);
      }
    };
    walk(s);
    // Context keys name the device, two flags and the merchant's category: never an amount.
    expect([...keys].sort()).toEqual(['at', 'c:or', 'card', 'ctx', 'd:d', 'f', 'last', 'm:4900', 'methods', 'n', 's', 'streak', 'version', 'w'].sort());
  });
});

describe('amountBand', () => {
  it('is log-scale over major units using the ISO 4217 exponent', () => {
    expect(amountBand(1000, 'USD')).toBe(amountBand(1000, 'JPY') - 4);
    expect(amountBand(10_00, 'USD')).toBe(2); // 10.00 → 2·log10(10)
    expect(amountBand(31_63, 'EUR')).toBe(3);
    expect(amountBand(10_000, 'KWD')).toBe(2); // 10.000 KWD
    expect(amountBand(100_000, 'JPY')).toBe(10);
    expect(amountBand(0, 'USD')).toBe(0);
    expect(amountBand(5_00, 'XXX_NOT_A_CODE')).toBe(amountBand(5_00, 'USD'));
  });
});

describe('hostile method ids', () => {
  it('treats ids like constructor and toString as plain data', () => {
    let s = emptyState();
    for (const method of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      s = learn(s, { method, outcome: 'chosen', ctx: {}, at: 1_000 });
    }
    expect(typeof Object).toBe('function');
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'w')).toBe(false);
    const ranked = rank(s, { available: ['constructor', 'toString', 'card'], now: 2_000, priors: { shares: { card: 1 } } });
    for (const r of ranked) expect(Number.isFinite(r.score)).toBe(true);
    expect(ranked.map((r) => r.method).sort()).toEqual(['card', 'constructor', 'toString']);
    expect(JSON.parse(JSON.stringify(s)).methods).not.toHaveProperty('__proto__.w');
  });
});

describe('context habits', () => {
  const BILL = { channel: 'online', recurring: true } as const;
  const SHOP = { channel: 'in_person', recurring: false } as const;
  const offered = ['card', 'bank_transfer', 'cash'];
  const pay = (s: PreferenceState, method: string, context: CheckoutContext, at: number) =>
    learn(s, { method, outcome: 'chosen', ctx: { available: offered, device: 'mobile', context }, at });
  const at = (context: CheckoutContext, now: number) => ({ available: offered, country: 'US', device: 'mobile' as const, context, now });

  /** Bills by bank transfer, shops by card, interleaved: the overall habit alone cannot tell them apart. */
  function mixed(): PreferenceState {
    let s = emptyState();
    for (let i = 0; i < 24; i++) s = pay(s, i % 3 === 0 ? 'bank_transfer' : 'card', i % 3 === 0 ? BILL : SHOP, T0 + i * DAY);
    return s;
  }

  it('learns a habit per context and names it as the reason', () => {
    const s = mixed();
    const bill = rank(s, at(BILL, T0 + 25 * DAY));
    expect(bill[0]?.method).toBe('bank_transfer');
    expect(bill[0]?.reason).toEqual({ code: 'usual_for', method: 'bank_transfer', context: 'bills' });
    const shop = rank(s, at(SHOP, T0 + 25 * DAY));
    expect(shop[0]?.method).toBe('card');
    // Card is the overall habit too: its reason is the streak, not a context.
    expect(shop[0]?.reason).toEqual({ code: 'used_last_n', method: 'card', n: 2 });
    expect(rank(s, { available: offered, country: 'US', device: 'mobile', now: T0 + 25 * DAY })[0]?.method).toBe('card');
  });

  it('a merchant category refines the channel: groceries in cash, other shops by card', () => {
    let s = emptyState();
    for (let i = 0; i < 24; i++) s = pay(s, i % 3 ? 'card' : 'cash', { ...SHOP, merchantCategory: i % 3 ? '5651' : '5411' }, T0 + i * DAY);
    const grocery = rank(s, at({ ...SHOP, merchantCategory: '5411' }, T0 + 25 * DAY));
    expect(grocery[0]).toMatchObject({ method: 'cash', reason: { code: 'usual_for', method: 'cash', context: 'category' } });
    expect(rank(s, at({ ...SHOP, merchantCategory: '5651' }, T0 + 25 * DAY))[0]?.method).toBe('card');
    // A category never seen falls back to the channel's habit, card, the overall one: no context to name.
    const hotel = rank(s, at({ ...SHOP, merchantCategory: '7011' }, T0 + 25 * DAY));
    expect(hotel[0]?.method).toBe('card');
    expect(hotel.some((r) => r.reason.code === 'usual_for')).toBe(false);
  });

  it('a split context is not called a habit: no "usually" without a majority', () => {
    let s = emptyState();
    // Bills alternate between card and bank transfer; shopping is always by cash.
    for (let i = 0; i < 24; i++) s = pay(s, i % 2 ? 'cash' : i % 4 ? 'card' : 'bank_transfer', i % 2 ? SHOP : BILL, T0 + i * DAY);
    expect(rank(s, at(BILL, T0 + 25 * DAY)).some((r) => r.reason.code === 'usual_for')).toBe(false);
  });

  it('one payment in a context is not yet a habit worth naming', () => {
    const s = pay(mixed(), 'cash', { channel: 'online', merchantCategory: '4121' }, T0 + 25 * DAY);
    const r = rank(s, at({ channel: 'online', merchantCategory: '4121' }, T0 + 26 * DAY));
    expect(r.find((x) => x.method === 'cash')?.reason).not.toMatchObject({ code: 'usual_for' });
  });

  it('remembers at most MAX_CONTEXTS contexts, forgetting the least recently used', () => {
    let s = emptyState();
    for (let i = 0; i < 20; i++) s = pay(s, 'card', { merchantCategory: `c${i}` }, T0 + i * DAY);
    const keys = Object.keys(s.ctx);
    expect(keys.length).toBeLessThanOrEqual(MAX_CONTEXTS);
    expect(keys).toContain('m:c19');
    expect(keys).not.toContain('m:c0');
    expect(Object.values(s.ctx).every((c) => Object.keys(c).length <= MAX_CONTEXT_METHODS)).toBe(true);
  });

  it('contextKeys: device, then channel and recurring flag, then category', () => {
    expect(contextKeys({ channel: 'online', recurring: true, merchantCategory: '4900' }, 'desktop')).toEqual(['d:d', 'c:or', 'm:4900']);
    expect(contextKeys({ recurring: false })).toEqual(['c:-p']);
    expect(contextKeys(undefined, 'mobile')).toEqual(['d:m']);
    expect(contextKeys({ channel: 'in_person' }, undefined, { ...TUNING, channel: 0 })).toEqual([]);
  });

  it('the worst case (longest ids and categories, every cap full) still fits 4 KB and stays a valid record', () => {
    const id = (i: number) => `m${String(i).padStart(2, '0')}${'x'.repeat(37)}`; // 40 chars, MethodId's maximum
    const w = 123456.7891; // the longest weights rounding keeps
    const s: PreferenceState = {
      version: 2,
      at: 8.64e15 - 1,
      last: id(0),
      streak: 1e6,
      methods: Object.fromEntries(Array.from({ length: MAX_METHODS }, (_, i) => [id(i), { w, n: 999999, s: w, f: w }])),
      ctx: Object.fromEntries(Array.from({ length: MAX_CONTEXTS }, (_, k) => [`m:${String(k).padStart(32, 'c')}`, Object.fromEntries(Array.from({ length: MAX_CONTEXT_METHODS }, (_, i) => [id(i), w]))])),
    };
    const json = JSON.stringify(s);
    expect(new TextEncoder().encode(json).length).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    expect(parsePreferenceRecord(json)).toEqual(s);
  });

  it('migrates a version-1 record: habits kept, context history empty, the old mixed weight dropped', () => {
    const v1 = { version: 1, at: T0, last: 'pix', streak: 2, methods: { pix: { w: 2.5, mw: 1.2, n: 3, s: 2, f: 0 } } };
    expect(parsePreferenceRecord(JSON.stringify(v1))).toEqual({ version: 2, at: T0, last: 'pix', streak: 2, methods: { pix: { w: 2.5, n: 3, s: 2, f: 0 } }, ctx: {} });
  });

  it('a hostile category is data: no prototype is touched and the stored record stays valid', () => {
    let s = emptyState();
    for (const merchantCategory of ['__proto__', 'constructor', 'toString']) s = pay(s, 'card', { merchantCategory }, T0);
    expect(Object.getPrototypeOf(s.ctx)).toBe(Object.prototype);
    expect(Object.keys(s.ctx)).toEqual(expect.arrayContaining(['m:__proto__', 'm:constructor']));
    expect(parsePreferenceRecord(JSON.stringify(s))).toEqual(s);
    expect(rank(s, at({ merchantCategory: '__proto__' }, T0 + DAY))[0]?.method).toBe('card');
  });
});
