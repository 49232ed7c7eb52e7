import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QuoteCliError, run } from '../../../scripts/quote';

const EXAMPLE = join(__dirname, '../../../scripts/examples/session.json');

describe('scripts/quote.ts', () => {
  it('prices the example session, best overall and per method', () => {
    const out = run([EXAMPLE]);
    // Hand-checked: subtotal 3×4990 + 29990 + 2×3500 = 51960; TEES3X2 frees one tee (4990);
    // WELCOME10 is 10% of 46970 = 4697; free shipping 1990 (subtotal ≥ 20000); SHOES15 conflicts.
    expect(out['chosen']).toEqual([
      { code: 'TEES3X2', class: 'product', saving: 4990, savingText: '49.90 BRL' },
      { code: 'WELCOME10', class: 'order', saving: 4697, savingText: '46.97 BRL' },
      { code: 'FRETEGRATIS', class: 'shipping', saving: 1990, savingText: '19.90 BRL' },
    ]);
    expect(out['total']).toBe(51960 + 1990 - 4990 - 4697 - 1990);
    // With PIX both order percentages apply, by code: PIX5 takes 5% of 46970 = 2348.5 → 2348
    // (half-even), then WELCOME10 10% of 44622 = 4462.2 → 4462.
    const per = out['perMethod'] as Record<string, { total: number; chosen: string[] }>;
    expect(per['pix']?.total).toBe(51960 + 1990 - 4990 - 2348 - 4462 - 1990);
    expect(per['pix']?.chosen).toContain('PIX5');
    expect(per['card']?.total).toBe(42273);
  });

  it('prices exact codes with --codes and --method', () => {
    const out = run([EXAMPLE, '--method', 'pix', '--codes', 'PIX5,SHOES15,NOPE']);
    expect(out['mode']).toBe('priceWith');
    expect(out['rejected']).toEqual([
      { code: 'SHOES15', reason: 'does_not_combine' },
      { code: 'NOPE', reason: 'unknown_code' },
    ]);
  });

  it('rejects bad input with a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'till-quote-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ currency: 'XXX', lines: [], shipping: -1, coupons: [], firstOrder: false }));
    expect(() => run([bad])).toThrow(/invalid session[\s\S]*currency/);
    writeFileSync(bad, '{ not json');
    expect(() => run([bad])).toThrow(QuoteCliError);
    expect(() => run([])).toThrow(/usage/);
    expect(() => run([EXAMPLE, '--bogus'])).toThrow(/unknown option/);
  });
});
