import type { CardBrand } from '../../protocol/common';

/**
 * Brand table, in detection priority order (ties between equally specific prefixes go to the
 * earlier brand). Ranges follow braintree/credit-card-type; they are written as strings
 * because that is far smaller in the bundle than code, and because prefix comparison of
 * equal-length digit strings is numeric.
 * Fields, separated by ";": IIN prefixes, lengths, then optional label (default: the
 * capitalised brand id), CVC length (default 3) and gaps (default {@link DEFAULT_GAPS}).
 *
 * Packed notation, expanded on first use (not at import: a page pays nothing for it until a card
 * number is typed or a brand is shown) by {@link ranges}:
 *   - tokens are separated by a space (absolute) or a comma (relative);
 *   - "lo-hi" is a range whose `hi` only spells the digits that differ from `lo`'s tail:
 *     "51-5" is 51–55, "506099-127" is 506099–506127;
 *   - a relative token replaces the tail of the previous token's `lo` (same length):
 *     "506166,168" is 506166 and 506168, "500000-4174,4176-6698" is 500000–504174, 504176–506698.
 * Both ends of a range always have the same length. Lengths and gaps use the same notation.
 * Troy: its 9792 domestic range and the 65xxxx BINs it shares with Discover's 65 range, as listed
 * by credit-card-type 10.3.0 (the more specific prefix wins over Discover's "65").
 */
const TABLE: Record<CardBrand, string> = {
  visa: '4;16 18-9',
  mastercard: '51-5 2221-9 223-9 23-6 270-1 2720;16',
  amex: '34 37;15;American Express;4;4 10',
  diners: '300-5 36 38 39;14 16 19;Diners Club;3;4 10',
  discover: '6011 644-9 65;16 19',
  troy: '9792 650052,82-3,92,161,70,3,5,268,71,3-4,456-7,836,46-50,923,87,90,4997,7366,998,8758,67-8 65083700-4,5800-4,900-1,6000,100-5,200-3,875000-3,9,101-4,200,501,601,900,6000-2,100-3,10,5-6,200-1,500,4-5,600-2,7100-1,600-2,700,801-2,8200-2,300-11,400-5,500-5,600-1,9800,80800,900;16',
  jcb: '2131 1800 3528-89;16-9;JCB',
  unionpay:
    '620 62100-82,184-97 62200-5 622010-999 62207-9 623-6 6270,2,6 627700-79,781-99 6282-9 6291,2 810 8110-71;14-9;UnionPay',
  naranja: '589562 402918 527572;16',
  verve:
    '506099-127,129,133-50,158-63,166,168,170,173,176-80,184,187-8,191,195,197 507865-6,868-77,880-8,900,941;16 18-9',
  maestro: '493698 500000-4174,4176-6698,6779-8999 56-9 63 67 6;12-9',
  elo:
    '401178-9 438935 457631-2 431274 451416 457393 504175 506699-778 509000-999 627780 636297,368 ' +
    '650031-3,035-51,405-39,485-538,541-98,700-18,720-7,901-78 651652-79 655000-19,021-58;16',
  mir: '2200-4;16-9',
  hiper: '637095 63737423 63743358 637568,599,609,612;16',
  hipercard: '606282;16',
};

export interface BrandInfo {
  label: string;
  lengths: readonly number[];
  cvcLength: number;
  /** Positions after which a space is shown; brands without special gaps use groups of 4. */
  gaps: readonly number[];
}

/** Groups of four, as far as the longest PAN (19 digits) goes. */
export const DEFAULT_GAPS: readonly number[] = [4, 8, 12, 16];

/** Expands a packed range list (see {@link TABLE}) into [lo, hi] pairs. */
function ranges(spec: string): [lo: string, hi: string][] {
  const out: [string, string][] = [];
  let prev = '';
  for (const [, sep, d = '', h] of spec.matchAll(/(,?)(\d+)(?:-(\d+))?/g)) {
    const lo = sep ? prev.slice(0, -d.length) + d : d;
    out.push([lo, h ? lo.slice(0, -h.length) + h : lo]);
    prev = lo;
  }
  return out;
}

/** Every number in a packed list of ranges: "16 18-9" is [16, 18, 19]. */
function numbers(spec: string): number[] {
  const out: number[] = [];
  for (const [lo, hi] of ranges(spec)) for (let n = +lo; n <= +hi; n++) out.push(n);
  return out;
}

type Entry = [CardBrand, [string, string][], BrandInfo];
let entries: Entry[] | undefined;

/** [brand, prefix ranges, info], in table order; expanded once, on first use. */
const ENTRIES = (): Entry[] => (entries ??= (Object.keys(TABLE) as CardBrand[]).map((brand): Entry => {
  const [prefixes = '', lengths = '', label, cvc, gaps] = TABLE[brand].split(';');
  return [
    brand,
    ranges(prefixes),
    {
      label: label || brand.charAt(0).toUpperCase() + brand.slice(1),
      lengths: numbers(lengths),
      cvcLength: cvc ? +cvc : 3,
      gaps: gaps ? numbers(gaps) : DEFAULT_GAPS,
    },
  ];
}));

export function brandInfo(brand: CardBrand): BrandInfo {
  const e = ENTRIES().find(([b]) => b === brand);
  if (!e) throw new TypeError('Unknown card brand');
  return { ...e[2] };
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
  const digits = typeof input === 'string' ? stripSeparators(input) : undefined;
  if (digits === undefined) return [];
  const len = digits.length;
  const candidates: CardBrand[] = [];
  let partial = false;
  let best: CardBrand | undefined;
  let bestStrength = 0;
  for (const [brand, rs] of ENTRIES()) {
    let matched = false;
    for (const [lo, hi] of rs) {
      const n = Math.min(len, lo.length);
      const head = digits.slice(0, n);
      if (head < lo.slice(0, n) || head > hi.slice(0, n)) continue;
      matched = true;
      if (len < lo.length) partial = true;
      else if (lo.length > bestStrength) {
        bestStrength = lo.length;
        best = brand;
      }
    }
    if (matched) candidates.push(brand);
  }
  return !partial && best ? [best] : candidates;
}

/** The brand when exactly one is possible, for showing a logo while the shopper types. */
export function detectBrand(input: string): CardBrand | undefined {
  const brands = matchBrands(input);
  return brands.length === 1 ? brands[0] : undefined;
}
