import { describe, expect, it } from 'vitest';
import { estimateIn, exponentOf, formatMoney, installmentPlan, money, MoneyError, toDecimalString } from './money';

describe('money', () => {
  it('uses ISO 4217 exponents', () => {
    expect(exponentOf('JPY')).toBe(0);
    expect(exponentOf('USD')).toBe(2);
    expect(exponentOf('KWD')).toBe(3);
    expect(exponentOf('CLF')).toBe(4);
    expect(() => exponentOf('XAU')).toThrow(MoneyError);
    expect(() => exponentOf('ABC')).toThrow(MoneyError);
  });

  it('renders exact decimal strings', () => {
    expect(toDecimalString(12345, 'USD')).toBe('123.45');
    expect(toDecimalString(5, 'USD')).toBe('0.05');
    expect(toDecimalString(12345, 'JPY')).toBe('12345');
    expect(toDecimalString(1, 'KWD')).toBe('0.001');
    expect(toDecimalString(-250, 'EUR')).toBe('-2.50');
    expect(toDecimalString(9007199254740991, 'USD')).toBe('90071992547409.91');
  });

  it('formats in the shopper locale with ISO digits', () => {
    expect(formatMoney({ amount: 12800, currency: 'CNY' }, 'zh-CN')).toBe('¥128.00');
    expect(formatMoney({ amount: 1280, currency: 'JPY' }, 'ja-JP')).toBe('￥1,280');
    expect(formatMoney({ amount: 1234567, currency: 'BRL' }, 'pt-BR')).toBe('R$\u00a012.345,67');
    expect(formatMoney({ amount: 1500, currency: 'KWD' }, 'en')).toBe('KWD\u00a01.500');
    expect(formatMoney({ amount: 199, currency: 'USD' }, 'en-US')).toBe('$1.99');
    expect(formatMoney({ amount: 1000, currency: 'EUR' }, 'de-DE')).toBe('10,00\u00a0€');
  });

  it('refuses floats', () => {
    expect(() => money(1.5, 'USD')).toThrow(/integer/);
    expect(money(150, 'USD')).toEqual({ amount: 150, currency: 'USD' });
  });
});

describe('installmentPlan', () => {
  it('splits exactly, extra minor units first', () => {
    expect(installmentPlan(32790, 3)).toEqual([10930, 10930, 10930]);
    expect(installmentPlan(10000, 3)).toEqual([3334, 3333, 3333]);
    expect(installmentPlan(7, 4)).toEqual([2, 2, 2, 1]);
    for (const [total, n] of [[1, 12], [999_999, 7], [0, 3]] as const) {
      expect(installmentPlan(total, n).reduce((a, b) => a + b, 0)).toBe(total);
    }
  });
});

describe('estimateIn (display only)', () => {
  it('converts across exponents and rounds to the target minor unit', () => {
    expect(estimateIn(32790, 'BRL', 'USD', 0.18)).toEqual({ amount: 5902, currency: 'USD' });
    expect(estimateIn(8000, 'JPY', 'USD', 0.0067)).toEqual({ amount: 5360, currency: 'USD' });
    expect(estimateIn(1500, 'KWD', 'USD', 3.26)).toEqual({ amount: 489, currency: 'USD' });
    expect(estimateIn(1000, 'USD', 'JPY', 150)).toEqual({ amount: 1500, currency: 'JPY' });
  });
});

describe('every ISO 4217 List One currency', () => {
  it('has its published exponent; codes without a minor unit are refused', async () => {
    const { readFileSync } = await import('node:fs');
    const csv = readFileSync(new URL('./fixtures/iso4217_minor_units.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
    expect(csv.length).toBe(179);
    for (const row of csv) {
      const [code, unit] = row.split(',') as [string, string];
      if (unit === 'N.A.') expect(() => exponentOf(code), code).toThrow(MoneyError);
      else expect(exponentOf(code), code).toBe(Number(unit));
      if (unit !== 'N.A.') expect(formatMoney({ amount: 123456, currency: code }, 'en').replace(/[^0-9]/g, '')).toBe('123456');
    }
  });
});

describe('installmentPlan agrees with the general largest-remainder allocation', () => {
  it('for many totals and counts', async () => {
    const { allocate } = await import('./rounding');
    for (const total of [0, 1, 7, 99, 10_000, 10_001, 10_005, 32_790, 999_999]) {
      for (let n = 1; n <= 12; n++) expect(installmentPlan(total, n)).toEqual(allocate(total, Array.from({ length: n }, () => 1)));
    }
  });
});
