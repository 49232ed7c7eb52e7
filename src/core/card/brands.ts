import type { CardBrand } from '../../protocol/common';

/**
 * Brand table, in detection priority order (ties between equally specific prefixes go to the
 * earlier brand). Ranges follow braintree/credit-card-type; they are written as strings
 * ("lo-hi" or a single prefix, both ends the same length) because that is far smaller in the
 * bundle than code, and because prefix comparison of equal-length digit strings is numeric.
 * Columns: label, IIN prefixes, lengths, then optional CVC length (default 3) and gaps.
 * Troy lists only its 9792 domestic range and the 65xxxx BINs we could verify, not the full
 * Discover-overlap list upstream carries.
 */
const TABLE = {
  visa: ['Visa', '4', '16 18 19'],
  mastercard: ['Mastercard', '51-55 2221-2229 223-229 23-26 270-271 2720', '16'],
  amex: ['American Express', '34 37', '15', 4, [4, 10]],
  diners: ['Diners Club', '300-305 36 38 39', '14 16 19', 3, [4, 10]],
  discover: ['Discover', '6011 644-649 65', '16 19'],
  troy: ['Troy', '9792 650274 650923 65879800 65880800 65880900', '16'],
  jcb: ['JCB', '2131 1800 3528-3589', '16-19'],
  unionpay: [
    'UnionPay',
    '620 62100-62182 62184-62197 62200-62205 622010-622999 62207-62209 623-626 6270 6272 6276 ' +
      '627700-627779 627781-627799 6282-6289 6291 6292 810 8110-8171',
    '14-19',
  ],
  naranja: ['Naranja', '589562 402918 527572', '16'],
  verve: [
    'Verve',
    '506099-506127 506129 506133-506150 506158-506163 506166 506168 506170 506173 506176-506180 ' +
      '506184 506187-506188 506191 506195 506197 507865-507866 507868-507877 507880-507888 507900 507941',
    '16 18 19',
  ],
  maestro: ['Maestro', '493698 500000-504174 504176-506698 506779-508999 56-59 63 67 6', '12-19'],
  elo: [
    'Elo',
    '401178-401179 438935 457631-457632 431274 451416 457393 504175 506699-506778 509000-509999 ' +
      '627780 636297 636368 650031-650033 650035-650051 650405-650439 650485-650538 650541-650598 ' +
      '650700-650718 650720-650727 650901-650978 651652-651679 655000-655019 655021-655058',
    '16',
  ],
  mir: ['Mir', '2200-2204', '16-19'],
  hiper: ['Hiper', '637095 63737423 63743358 637568 637599 637609 637612', '16'],
  hipercard: ['Hipercard', '606282', '16'],
} satisfies Record<CardBrand, readonly [string, string, string, number?, number[]?]>;

export interface BrandInfo {
  label: string;
  lengths: readonly number[];
  cvcLength: number;
  /** Positions after which a space is shown; brands without special gaps use groups of 4. */
  gaps: readonly number[];
}

interface Entry extends BrandInfo {
  brand: CardBrand;
  ranges: readonly (readonly [lo: string, hi: string])[];
}

const DEFAULT_GAPS: readonly number[] = [4, 8, 12, 16];

function tokens(spec: string): [string, string][] {
  return spec.split(' ').map((t) => {
    const dash = t.indexOf('-');
    return dash < 0 ? [t, t] : [t.slice(0, dash), t.slice(dash + 1)];
  });
}

const ENTRIES: readonly Entry[] = (Object.keys(TABLE) as CardBrand[]).map((brand) => {
  const [label, prefixes, lengths, cvcLength = 3, gaps = DEFAULT_GAPS] = TABLE[brand];
  const lens: number[] = [];
  for (const [lo, hi] of tokens(lengths)) for (let n = Number(lo); n <= Number(hi); n++) lens.push(n);
  return { brand, label, lengths: lens, cvcLength, gaps, ranges: tokens(prefixes) };
});

const BY_BRAND = new Map(ENTRIES.map((e) => [e.brand, e]));

export function brandInfo(brand: CardBrand): BrandInfo {
  const e = BY_BRAND.get(brand);
  if (!e) throw new TypeError('Unknown card brand');
  return { label: e.label, lengths: e.lengths, cvcLength: e.cvcLength, gaps: e.gaps };
}

/** Digits of a card number typed with optional space/dash separators; undefined if anything else is present. */
export function stripSeparators(input: string): string | undefined {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d*$/.test(digits) ? digits : undefined;
}

/**
 * Brands the number could belong to. Once the input is at least as long as every prefix it
 * matches, the most specific prefix decides (so 6011… is Discover, not the Maestro catch-all
 * "6"); while some matching prefix is still longer than the input, every candidate is kept.
 */
export function matchBrands(input: string): CardBrand[] {
  if (typeof input !== 'string') return [];
  const digits = stripSeparators(input);
  if (digits === undefined) return [];
  const candidates: CardBrand[] = [];
  let partial = false;
  let best: CardBrand | undefined;
  let bestStrength = 0;
  for (const e of ENTRIES) {
    let matched = false;
    for (const [lo, hi] of e.ranges) {
      const n = Math.min(digits.length, lo.length);
      const head = digits.slice(0, n);
      if (head < lo.slice(0, n) || head > hi.slice(0, n)) continue;
      matched = true;
      if (digits.length < lo.length) partial = true;
      else if (lo.length > bestStrength) {
        bestStrength = lo.length;
        best = e.brand;
      }
    }
    if (matched) candidates.push(e.brand);
  }
  return !partial && best !== undefined ? [best] : candidates;
}

/** The brand when exactly one is possible, for showing a logo while the shopper types. */
export function detectBrand(input: string): CardBrand | undefined {
  const brands = matchBrands(input);
  return brands.length === 1 ? brands[0] : undefined;
}
