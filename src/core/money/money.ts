import { currencyExponent } from '../../protocol/currencies';
import type { Money } from '../../protocol/common';

export type { Money };

/** Thrown for money the SDK refuses to handle (unknown currency, non-integer amount). */
export class MoneyError extends Error {
  override name = 'MoneyError';
  constructor(
    readonly code: 'unknown_currency' | 'not_integer' | 'currency_mismatch',
    message: string,
  ) {
    super(message);
  }
}

export function exponentOf(currency: string): number {
  const exp = currencyExponent(currency);
  if (exp === undefined) throw new MoneyError('unknown_currency', `Unknown or non-payable currency: ${currency}`);
  return exp;
}

export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount)) throw new MoneyError('not_integer', `Amount must be integer minor units, got ${amount}`);
  exponentOf(currency);
  return { amount, currency };
}

/**
 * Exact decimal string of a minor-unit amount: 12345 JPY → "12345", 12345 USD → "123.45",
 * 12345 KWD → "12.345". No float arithmetic is involved.
 */
export function toDecimalString(amount: number, currency: string): string {
  const exp = exponentOf(currency);
  const negative = amount < 0;
  const digits = String(Math.abs(amount)).padStart(exp + 1, '0');
  const whole = digits.slice(0, digits.length - exp);
  const frac = exp > 0 ? '.' + digits.slice(digits.length - exp) : '';
  return (negative ? '-' : '') + whole + frac;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(locale: string, currency: string, display: 'symbol' | 'code'): Intl.NumberFormat {
  const key = `${locale}|${currency}|${display}`;
  let f = formatters.get(key);
  if (!f) {
    const exp = exponentOf(currency);
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      currencyDisplay: display,
      // ISO 4217 decides the digits, not CLDR (they differ for e.g. ISK, HUF display).
      minimumFractionDigits: exp,
      maximumFractionDigits: exp,
    });
    formatters.set(key, f);
  }
  return f;
}

/**
 * Formats integer minor units in the shopper's locale. The decimal string is handed to
 * Intl.NumberFormat as a string, so large amounts keep every digit.
 */
export function formatMoney(m: Money, locale: string, display: 'symbol' | 'code' = 'symbol'): string {
  // Intl.NumberFormat.format accepts decimal strings (ES2023 Intl.NumberFormat v3); the
  // lib typings only list number | bigint.
  const decimal = toDecimalString(m.amount, m.currency) as unknown as number;
  return formatterFor(locale, m.currency, display).format(decimal);
}

/**
 * Splits a total into `count` installments that sum exactly to it: equal parts, with the
 * remainder's minor units on the first installments (largest-remainder allocation).
 */
export function installmentPlan(total: number, count: number): number[] {
  // Largest remainder with equal weights: every part gets the floor, the first `rest` one more.
  const base = Math.floor(total / count);
  const rest = total - base * count;
  return Array.from({ length: count }, (_, i) => base + (i < rest ? 1 : 0));
}

/**
 * An amount converted at a merchant-supplied rate, for display only (always labelled an
 * estimate; never charged). Rounded half away from zero to the target currency's minor unit.
 */
export function estimateIn(amount: number, from: string, to: string, rate: number): Money {
  const shift = exponentOf(to) - exponentOf(from);
  return { amount: Math.round(amount * rate * 10 ** shift), currency: to };
}
