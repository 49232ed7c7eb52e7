import { describe, expect, it } from 'vitest';
import { crossValidate, evaluate, gainInterval, parseReplay, RULES, type ReplayRow } from './eval-ranking';

const HEADER = 'shopper_id,timestamp,method,region,currency,amount_minor,device,available';
const line = (shopper: string, t: number, method: string, available = 'card|pix|boleto', device = 'mobile'): string =>
  `${shopper},${t},${method},BR,BRL,5000,${device},${available}`;

const replay = (...lines: string[]): ReplayRow[] => parseReplay([HEADER, ...lines].join('\n'));

describe('parseReplay', () => {
  it('reads the shared/data format and sorts by time, keeping file order for equal timestamps', () => {
    const rows = replay(line('b', 20, 'pix'), line('a', 10, 'card'), line('c', 20, 'boleto', 'pix|boleto', 'desktop'));
    expect(rows.map((r) => r.shopper)).toEqual(['a', 'b', 'c']);
    expect(rows[2]).toEqual({
      shopper: 'c', t: 20, method: 'boleto', region: 'BR', currency: 'BRL', amountMinor: 5000, device: 'desktop', available: ['pix', 'boleto'],
    });
  });

  it('rejects a missing column or an unknown device with the line number', () => {
    expect(() => parseReplay('shopper_id,timestamp\ns,1')).toThrow(/missing column method/);
    expect(() => replay(line('a', 1, 'card', 'card', 'tablet'))).toThrow('line 2: bad device "tablet"');
    // Blank lines do not shift the reported line number.
    expect(() => parseReplay([HEADER, '', line('a', 1, 'card'), 'a,soon,card,BR,BRL,5000,mobile,card'].join('\n'))).toThrow('line 4: bad timestamp "soon"');
    expect(() => replay('a,1,card,BR,BRL,12.5,mobile,card')).toThrow('line 2: bad amount_minor "12.5"');
    expect(() => replay('a,1,card,BR,BRL,-1,mobile,card')).toThrow('bad amount_minor');
    expect(() => replay('a,1,card,BR,BRL,,mobile,card')).toThrow('line 2: bad amount_minor ""');
    expect(() => replay('a,1,card,BR,BRL,1e3,mobile,card')).toThrow('bad amount_minor "1e3"');
    expect(() => replay('a,0x10,card,BR,BRL,100,mobile,card')).toThrow('bad timestamp "0x10"');
    expect(() => replay('a,1.5,card,BR,BRL,100,mobile,card')).toThrow('bad timestamp "1.5"');
    expect(() => replay('a,1,,BR,BRL,100,mobile,card')).toThrow('line 2: bad method ""');
    expect(() => replay('a,1,card,BR,BRL,100,mobile,')).toThrow('line 2: bad available ""');
  });
});

describe('context columns', () => {
  const CTX = `${HEADER},channel,recurring,merchant_category`;
  const row = (shopper: string, t: number, method: string, ctx: string) => `${line(shopper, t, method)},${ctx}`;

  it('reads channel, recurring and merchant_category into the row context; empty cells are unknown', () => {
    const rows = parseReplay([CTX, row('a', 1, 'pix', 'online,yes,4900'), row('a', 2, 'card', 'in_person,no,'), row('a', 3, 'card', ',,')].join('\n'));
    expect(rows.map((r) => r.context)).toEqual([{ channel: 'online', recurring: true, merchantCategory: '4900' }, { channel: 'in_person', recurring: false }, undefined]);
  });

  it('rejects a bad channel, recurring flag or category with the line number', () => {
    expect(() => parseReplay([CTX, row('a', 1, 'pix', 'mail,,')].join('\n'))).toThrow('line 2: bad channel "mail"');
    expect(() => parseReplay([CTX, row('a', 1, 'pix', 'online,maybe,')].join('\n'))).toThrow('line 2: bad recurring "maybe"');
    expect(() => parseReplay([CTX, row('a', 1, 'pix', `online,,${'x'.repeat(33)}`)].join('\n'))).toThrow('line 2: bad merchant_category');
    expect(() => parseReplay([CTX, row('a', 1, 'pix', 'online,,a b')].join('\n'))).toThrow('bad merchant_category "a b"');
  });

  it('the context rules and the model learn per context: bills by boleto, shopping by card', () => {
    const lines: string[] = [CTX];
    for (let i = 0; i < 12; i++) lines.push(row('a', i + 1, i % 3 ? 'card' : 'boleto', i % 3 ? 'in_person,no,5651' : 'online,yes,4900'));
    const e = evaluate(parseReplay(lines.join('\n'))).repeat;
    // Context-blind rules miss every switch; the per-context ones and the model do not.
    expect(e.most_frequent_context.top1).toBeGreaterThan(e.most_frequent.top1);
    expect(e.last_used_context.top1).toBeGreaterThan(e.last_used.top1);
    expect(e.model.top1).toBeGreaterThan(e.most_frequent.top1);
  });

  it('cross-validation splits shoppers into disjoint folds that cover every repeat checkout once', () => {
    const lines: string[] = [CTX];
    for (let s = 0; s < 20; s++) for (let i = 0; i < 4; i++) lines.push(row(`s${s}`, 10 * i + s, s % 2 ? 'card' : 'pix', 'online,,'));
    const rows = parseReplay(lines.join('\n'));
    const cv = crossValidate(rows, 5, [{}]);
    expect(cv.folds).toHaveLength(5);
    expect(cv.folds.reduce((a, f) => a + f.shoppers, 0)).toBe(20);
    expect(cv.pooled.n).toBe(evaluate(rows).repeat.model.n);
  });
});

describe('evaluate', () => {
  it('counts repeat checkouts only from a shopper\'s second one, and scores the rule baselines as defined', () => {
    // Shopper a: card, pix, pix. last_used predicts card then pix (1 of 2 repeat hits).
    // most_frequent on the 3rd checkout: card 1, pix 1 → tie broken by recency → pix (hit).
    const e = evaluate(replay(line('a', 1, 'card'), line('a', 2, 'pix'), line('a', 3, 'pix')));
    expect(e.all.model.n).toBe(3);
    expect(e.repeat.model.n).toBe(2);
    expect(e.repeat.last_used).toEqual({ top1: 0.5, mrr: 0.75, n: 2 });
    expect(e.repeat.most_frequent.top1).toBe(0.5);
  });

  it('builds priors only from events strictly earlier in time (a same-second event never leaks)', () => {
    // b and c pay at the same second: c must not see b's boleto, so with no earlier counts the
    // popularity scorer keeps the offered order (card first), not b's choice.
    const sameSecond = evaluate(replay(line('b', 5, 'boleto'), line('c', 5, 'boleto')));
    expect(sameSecond.all.region_popularity.top1).toBe(0);
    // One second later c sees b's boleto in the region's counts.
    const later = evaluate(replay(line('b', 5, 'boleto'), line('c', 6, 'boleto')));
    expect(later.all.region_popularity.top1).toBe(0.5);
  });

  it('ranks only the methods offered at that checkout', () => {
    // The shopper always used pix; at the third checkout pix is not offered, so no scorer may
    // rank it, and each ranks exactly what was offered.
    const orders: (readonly string[])[] = [];
    evaluate(replay(line('a', 1, 'pix'), line('a', 2, 'pix'), line('a', 3, 'card', 'card|boleto')), undefined, (r, _repeat, o) => {
      if (r.t === 3) orders.push(...Object.values(o));
    });
    expect(orders).toHaveLength(RULES.length + 1);
    for (const o of orders) expect([...o].sort()).toEqual(['boleto', 'card']);
  });

  it('learns: a shopper who repeats a method has it predicted by the model', () => {
    const rows = replay(...Array.from({ length: 6 }, (_, i) => line('a', i + 1, 'boleto')));
    expect(evaluate(rows).repeat.model.top1).toBe(1);
  });
});

describe('gainInterval', () => {
  const build = (seq: (s: number) => string[], shoppers: number): ReplayRow[] => {
    const lines: string[] = [];
    for (let s = 0; s < shoppers; s++) seq(s).forEach((m, i) => lines.push(line(`s${s}`, 100 * i + s, m)));
    return replay(...lines);
  };

  it('is paired: when model and last_used hit the same checkouts, the gain interval has no width', () => {
    // Half the shoppers are loyal to boleto after one card checkout, half alternate pix/card: both
    // scorers hit or miss together on every checkout, while hit rates differ between shoppers.
    const rows = build((s) => (s % 2 ? ['card', 'boleto', 'boleto', 'boleto'] : ['pix', 'card', 'pix', 'card']), 40);
    const a = gainInterval(rows, 200, 7);
    expect(gainInterval(rows, 200, 7)).toEqual(a);
    expect(a).toMatchObject({ gain_pp: 0, gain_ci95_pp: [0, 0], n: 120, shoppers: 40 });
    // Unpaired draws would give the gain the width the model's own top-1 has here.
    expect(a.model_top1_ci95[1]).toBeGreaterThan(a.model_top1_ci95[0]);
  });

  it('resamples whole shoppers; the gain is over the best rule, and over last_used besides', () => {
    // Shoppers who go back to their habit after one detour (card card pix card): the model keeps
    // card, last_used follows the detour. Others repeat one method, where every scorer hits.
    const rows = build((s) => (s % 3 ? ['card', 'card', 'pix', 'card', 'card'] : ['pix', 'pix', 'pix', 'pix', 'pix']), 60);
    const e = evaluate(rows).repeat;
    const a = gainInterval(rows, 300, 3);
    const best = RULES.reduce((x, y) => (e[y].top1 > e[x].top1 ? y : x));
    expect(a.best_rule).toBe(best);
    expect(a.gain_pp).toBeCloseTo(100 * (e.model.top1 - e[best].top1), 1);
    expect(a.gain_over_last_used_pp).toBeCloseTo(100 * (e.model.top1 - e.last_used.top1), 1);
    expect(a.gain_over_last_used_pp).toBeGreaterThan(0);
    expect(a.gain_ci95_pp[0]).toBeLessThanOrEqual(a.gain_pp);
    expect(a.gain_ci95_pp[1]).toBeGreaterThanOrEqual(a.gain_pp);
    expect(a.model_top1_ci95[0]).toBeLessThanOrEqual(a.model_top1);
    expect(a.model_top1_ci95[1]).toBeGreaterThanOrEqual(a.model_top1);
  });

  it('refuses a log with no repeat checkouts', () => {
    expect(() => gainInterval(replay(line('a', 1, 'card'), line('b', 2, 'pix')))).toThrow('no repeat checkouts');
  });
});
