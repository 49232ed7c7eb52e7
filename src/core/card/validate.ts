import type { CardBrand } from '../../protocol/common';
import { brandInfo, matchBrands, stripSeparators } from './brands';

/** Longest PAN ISO/IEC 7812 allows; the cap while the brand is still unknown. */
const MAX_PAN = 19;

export function luhn(digits: string): boolean {
  if (typeof digits !== 'string' || !/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

export type CardNumberResult =
  | { valid: true; brand: CardBrand | undefined; digits: string }
  | {
      valid: false;
      potentiallyValid: boolean;
      reason: 'empty' | 'not_a_string' | 'invalid_characters' | 'too_short' | 'too_long' | 'luhn' | 'unknown_brand';
    };

/**
 * Checks a card number the way braintree/card-validator does. Results never echo the input
 * except `digits` on success, so they are safe to pass to error reporting.
 */
export function validateCardNumber(input: unknown): CardNumberResult {
  // card-validator accepts JS numbers; only safe integers keep every digit, so refuse the rest.
  const text =
    typeof input === 'string'
      ? input
      : typeof input === 'number' && Number.isSafeInteger(input) && input >= 0
        ? String(input)
        : undefined;
  if (text === undefined) return { valid: false, potentiallyValid: false, reason: 'not_a_string' };
  const digits = stripSeparators(text);
  if (digits === undefined) return { valid: false, potentiallyValid: false, reason: 'invalid_characters' };
  if (digits === '') return { valid: false, potentiallyValid: true, reason: 'empty' };
  const brands = matchBrands(digits);
  const brand = brands[0];
  if (brand === undefined) return { valid: false, potentiallyValid: false, reason: 'unknown_brand' };
  // Several brands still possible means a prefix is still being typed.
  if (brands.length > 1) return { valid: false, potentiallyValid: true, reason: 'too_short' };
  const { lengths } = brandInfo(brand);
  const max = Math.max(...lengths);
  if (!lengths.includes(digits.length)) {
    return digits.length < max
      ? { valid: false, potentiallyValid: true, reason: 'too_short' }
      : { valid: false, potentiallyValid: false, reason: 'too_long' };
  }
  // Some UnionPay issuers hand out numbers that fail mod 10 (card-validator skips it too).
  if (brand !== 'unionpay' && !luhn(digits)) {
    return { valid: false, potentiallyValid: digits.length < max, reason: 'luhn' };
  }
  return { valid: true, brand, digits };
}

/**
 * Display form of a (partial) number: non-digits dropped, cut at the brand's longest length,
 * spaced at the brand's gaps. Special gaps (Amex, Diners 4-6-x) only apply up to the brand's
 * shortest length; longer Diners numbers read better as groups of four.
 */
export function formatCardNumber(input: string): string {
  const all = typeof input === 'string' ? input.replace(/\D/g, '') : '';
  const brands = matchBrands(all);
  const info = brands.length === 1 && brands[0] !== undefined ? brandInfo(brands[0]) : undefined;
  const digits = all.slice(0, info ? Math.max(...info.lengths) : MAX_PAN);
  const gaps = info && digits.length <= Math.min(...info.lengths) ? info.gaps : [];
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (gaps.length ? gaps.includes(i) : i % 4 === 0)) out += ' ';
    out += digits[i];
  }
  return out;
}

export type ExpiryResult =
  | { valid: true; month: number; year: number }
  | { valid: false; reason: 'invalid_month' | 'invalid_year' | 'expired' | 'too_far' };

function toInt(v: string | number, pattern: RegExp): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  return pattern.test(s) ? Number(s) : undefined;
}

/**
 * A card is good through the last day of its expiry month, judged by the calendar month of
 * `now` in the runtime's time zone. Two-digit years land in the century window ending 20 years
 * past `now`, so "99" read in 2025 is 1999 (expired), not 2099.
 */
export function validateExpiry(month: string | number, year: string | number, now: Date): ExpiryResult {
  const m = toInt(month, /^\d{1,2}$/);
  if (m === undefined || m < 1 || m > 12) return { valid: false, reason: 'invalid_month' };
  const raw = toInt(year, /^(\d{2}|\d{4})$/);
  if (raw === undefined || (raw >= 100 && (raw < 1000 || raw > 9999))) return { valid: false, reason: 'invalid_year' };
  // "0025" is a four-digit year in text; as a number it can only mean 25.
  const twoDigit = typeof year === 'number' ? raw < 100 : year.trim().length === 2;
  const nowYear = now.getFullYear();
  let y = raw;
  if (twoDigit) {
    y = Math.floor(nowYear / 100) * 100 + raw;
    if (y > nowYear + 20) y -= 100;
    else if (y < nowYear - 79) y += 100;
  }
  if (y < nowYear || (y === nowYear && m < now.getMonth() + 1)) return { valid: false, reason: 'expired' };
  if (y > nowYear + 20) return { valid: false, reason: 'too_far' };
  return { valid: true, month: m, year: y };
}

/**
 * Splits an "MM / YY" field into its parts, digits only. Without a separator a leading 2–9, or
 * a 1 followed by 3–9, is a one-digit month, matching how such fields auto-insert the slash.
 */
export function parseExpiryInput(s: string): { month: string; year: string } {
  const text = typeof s === 'string' ? s.slice(0, 32) : '';
  const sep = /\d\s*[/\-.\s]\s*/.exec(text);
  if (sep) {
    const cut = sep.index + 1;
    return { month: text.slice(0, cut).replace(/\D/g, '').slice(0, 2), year: text.slice(cut).replace(/\D/g, '').slice(0, 4) };
  }
  const digits = text.replace(/\D/g, '');
  const monthLen = /^([2-9]|1[3-9])/.test(digits) ? 1 : 2;
  return { month: digits.slice(0, monthLen), year: digits.slice(monthLen, monthLen + 4) };
}

/** Same results as braintree/card-validator's `cvv`; `maxLength` may list several accepted lengths. */
export function validateCvc(
  input: unknown,
  maxLength: number | readonly number[] = 3,
): { valid: boolean; potentiallyValid: boolean } {
  const lengths = typeof maxLength === 'number' ? [maxLength] : maxLength;
  if (typeof input !== 'string' || !/^\d*$/.test(input) || lengths.length === 0) {
    return { valid: false, potentiallyValid: false };
  }
  if (lengths.includes(input.length)) return { valid: true, potentiallyValid: true };
  if (input.length < Math.min(...lengths)) return { valid: false, potentiallyValid: true };
  if (input.length > Math.max(...lengths)) return { valid: false, potentiallyValid: false };
  return { valid: true, potentiallyValid: true };
}
