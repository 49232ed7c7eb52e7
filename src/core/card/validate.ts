import type { CardBrand } from '../../protocol/common';
import { brandInfo, DEFAULT_GAPS, detectBrand, matchBrands, stripSeparators } from './brands';

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

type Reason = Extract<CardNumberResult, { valid: false }>['reason'];

const invalid = (potentiallyValid: boolean, reason: Reason): CardNumberResult => ({ valid: false, potentiallyValid, reason });

/** `s` without its non-digits. */
const digitsOf = (s: string): string => s.replace(/\D/g, '');

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
  if (text === undefined) return invalid(false, 'not_a_string');
  const digits = stripSeparators(text);
  if (digits === undefined) return invalid(false, 'invalid_characters');
  if (!digits) return invalid(true, 'empty');
  const brands = matchBrands(digits);
  const brand = brands[0];
  if (!brand) return invalid(false, 'unknown_brand');
  // Several brands still possible means a prefix is still being typed.
  if (brands[1]) return invalid(true, 'too_short');
  const { lengths } = brandInfo(brand);
  const short = digits.length < Math.max(...lengths);
  if (!lengths.includes(digits.length)) return invalid(short, short ? 'too_short' : 'too_long');
  // Some UnionPay issuers hand out numbers that fail mod 10 (card-validator skips it too).
  if (brand !== 'unionpay' && !luhn(digits)) return invalid(short, 'luhn');
  return { valid: true, brand, digits };
}

/**
 * Display form of a (partial) number: non-digits dropped, cut at the brand's longest length,
 * spaced at the brand's gaps. Special gaps (Amex, Diners 4-6-x) only apply up to the brand's
 * shortest length; longer Diners numbers read better as groups of four (as are numbers of an
 * unknown brand, at most {@link MAX_PAN} digits long, so {@link DEFAULT_GAPS} cover them).
 */
export function formatCardNumber(input: string): string {
  const all = typeof input === 'string' ? digitsOf(input) : '';
  const brand = detectBrand(all);
  const info = brand && brandInfo(brand);
  const digits = all.slice(0, info ? Math.max(...info.lengths) : MAX_PAN);
  const gaps = info && digits.length <= Math.min(...info.lengths) ? info.gaps : DEFAULT_GAPS;
  let out = '';
  for (let i = 0; i < digits.length; i++) out += (gaps.includes(i) ? ' ' : '') + digits[i];
  return out;
}

export type ExpiryResult =
  | { valid: true; month: number; year: number }
  | { valid: false; reason: 'invalid_month' | 'invalid_year' | 'expired' | 'too_far' };

/** Non-negative integer from a number or from text matching `pattern`; NaN (which fails every comparison) otherwise. */
function toInt(v: string | number, pattern: RegExp): number {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 ? v : NaN;
  const s = typeof v === 'string' ? v.trim() : '';
  return pattern.test(s) ? +s : NaN;
}

/**
 * A card is good through the last day of its expiry month, judged by the calendar month of
 * `now` in the runtime's time zone. Two-digit years land in the century window ending 20 years
 * past `now`, so "99" read in 2025 is 1999 (expired), not 2099.
 */
export function validateExpiry(month: string | number, year: string | number, now: Date): ExpiryResult {
  const bad = (reason: Extract<ExpiryResult, { valid: false }>['reason']): ExpiryResult => ({ valid: false, reason });
  const m = toInt(month, /^\d{1,2}$/);
  if (!(m && m <= 12)) return bad('invalid_month'); // also 0 and NaN
  const raw = toInt(year, /^(\d{2}|\d{4})$/);
  if (!(raw < 100 || (raw >= 1000 && raw <= 9999))) return bad('invalid_year');
  // "0025" is a four-digit year in text; as a number it can only mean 25.
  const twoDigit = typeof year === 'number' ? raw < 100 : year.trim().length === 2;
  const nowYear = now.getFullYear();
  let y = raw;
  if (twoDigit) {
    y = Math.floor(nowYear / 100) * 100 + raw;
    if (y > nowYear + 20) y -= 100;
    else if (y < nowYear - 79) y += 100;
  }
  if (y < nowYear || (y === nowYear && m < now.getMonth() + 1)) return bad('expired');
  if (y > nowYear + 20) return bad('too_far');
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
    return { month: digitsOf(text.slice(0, cut)).slice(0, 2), year: digitsOf(text.slice(cut)).slice(0, 4) };
  }
  const digits = digitsOf(text);
  const monthLen = /^([2-9]|1[3-9])/.test(digits) ? 1 : 2;
  return { month: digits.slice(0, monthLen), year: digits.slice(monthLen, monthLen + 4) };
}

/**
 * Same results as braintree/card-validator's `cvv`; `maxLength` may list several accepted lengths.
 * card-validator accepts any length between the shortest and longest listed one, and keeps a
 * shorter input potentially valid; an empty list accepts nothing (min = Infinity, max = -Infinity).
 */
export function validateCvc(
  input: unknown,
  maxLength: number | readonly number[] = 3,
): { valid: boolean; potentiallyValid: boolean } {
  const lengths = typeof maxLength === 'number' ? [maxLength] : maxLength;
  const ok = typeof input === 'string' && /^\d*$/.test(input);
  const n = ok ? input.length : 0;
  const long = !ok || n > Math.max(...lengths);
  return { valid: !long && !(n < Math.min(...lengths)), potentiallyValid: !long };
}

/**
 * True when text carries a card number: a digit run of 12–19 digits (spaces or dashes allowed
 * between digits), not part of a longer number, that validates as a card of a known brand
 * (length and checksum). Used to refuse "tokens" that are really cards; timestamps and other
 * long numbers in genuine wallet tokens do not match a brand.
 */
export function containsCardNumber(text: string): boolean {
  for (const m of text.matchAll(/(?<!\d)\d(?:[ -]?\d){11,18}(?!\d)/g)) {
    const r = validateCardNumber(m[0]);
    if (r.valid && r.brand) return true;
  }
  return false;
}
