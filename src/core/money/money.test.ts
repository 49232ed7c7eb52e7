import { describe, expect, it } from 'vitest';
import { exponentOf, formatMoney, installmentPlan, money, MoneyError, toDecimalString } from './money';

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
