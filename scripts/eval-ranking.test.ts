import { describe, expect, it } from 'vitest';
import { evaluate, gainInterval, parseReplay, type ReplayRow } from './eval-ranking';

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
    expect(() => replay('a,1,,BR,BRL,100,mobile,card')).toThrow('line 2: bad method ""');
    expect(() => replay('a,1,card,BR,BRL,100,mobile,')).toThrow('line 2: bad available ""');
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
    // b and c pay at the same second: c must not see b's boleto, so c's cold start follows the
    // regional table (PIX first in BR), not b's choice.
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
    expect(orders).toHaveLength(5);
    for (const o of orders) expect([...o].sort()).toEqual(['boleto', 'card']);
  });

  it('learns: a shopper who repeats a method has it predicted by the model', () => {
    const rows = replay(...Array.from({ length: 6 }, (_, i) => line('a', i + 1, 'boleto')));
    expect(evaluate(rows).repeat.model.top1).toBe(1);
  });
});

describe('gainInterval', () => {
  it('is reproducible and brackets the observed gain', () => {
    const lines: string[] = [];
    // 40 shoppers: half loyal to boleto after one card checkout, half alternating pix/card.
    for (let s = 0; s < 40; s++) {
      const seq = s % 2 ? ['card', 'boleto', 'boleto', 'boleto'] : ['pix', 'card', 'pix', 'card'];
      seq.forEach((m, i) => lines.push(line(`s${s}`, 100 * i + s, m)));
    }
    const rows = replay(...lines);
    const a = gainInterval(rows, 200, 7);
    expect(gainInterval(rows, 200, 7)).toEqual(a);
    expect(a.n).toBe(120);
    expect(a.shoppers).toBe(40);
    expect(a.gain_ci95_pp[0]).toBeLessThanOrEqual(a.gain_pp);
    expect(a.gain_ci95_pp[1]).toBeGreaterThanOrEqual(a.gain_pp);
  });
});
