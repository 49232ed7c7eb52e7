import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CardBrand } from '../../protocol/common';
import {
  brandInfo,
  containsCardNumber,
  detectBrand,
  formatCardNumber,
  luhn,
  matchBrands,
  parseExpiryInput,
  validateCardNumber,
  validateCvc,
  validateExpiry,
} from './index';

/** Minimal RFC 4180 reader: quoted fields may hold commas and doubled quotes. */
function readCsv<K extends string>(name: string, columns: readonly K[]): Record<K, string>[] {
  const text = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    }
    else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  expect(header).toEqual(columns);
  return body.map((r) => {
    expect(r).toHaveLength(columns.length);
    return Object.fromEntries(columns.map((h, i) => [h, r[i] ?? ''])) as Record<K, string>;
  });
}

const NAMES: Record<string, string> = { 'american-express': 'amex', 'diners-club': 'diners' };
const ours = (name: string): CardBrand => CardBrand.parse(NAMES[name] ?? name);
const strip = (s: string) => s.replace(/[\s-]/g, '');

/** Appends the mod-10 check digit, padding with zeros to `length`. */
function withCheckDigit(prefix: string, length: number): string {
  const body = prefix.padEnd(length - 1, '0');
  for (let d = 0; d <= 9; d++) if (luhn(body + d)) return body + d;
  throw new Error('unreachable');
}

describe('card_vectors.csv', () => {
  const rows = readCsv('card_vectors.csv', ['number', 'expected_brand', 'luhn_valid', 'source', 'note']);

  it('has every row of the shared fixture', () => {
    expect(rows).toHaveLength(316);
  });

  const ctt = rows.map((r, i) => ({ ...r, i })).filter((r) => r.source.startsWith('braintree/credit-card-type'));
  const cv = rows.map((r, i) => ({ ...r, i })).filter((r) => r.source.startsWith('braintree/card-validator'));

  describe('credit-card-type rows', () => {
    it.each(ctt)('row $i: "$number" → $expected_brand', (r) => {
      const expected = r.expected_brand;
      const note = r.note;
      expect(luhn(strip(r.number))).toBe(r.luhn_valid === 'true');

      if (expected === 'none') {
        expect(matchBrands(r.number)).toEqual([]);
        expect(detectBrand(r.number)).toBeUndefined();
      } else if (expected.startsWith('ambiguous:')) {
        const set = expected.slice('ambiguous:'.length).split('|').map(ours);
        // Same brands, in the same priority order credit-card-type reports them.
        expect(matchBrands(r.number)).toEqual(set);
        expect(detectBrand(r.number)).toBe(set.length === 1 ? set[0] : undefined);
      } else {
        const brand = ours(expected);
        const lengths = /allowed lengths \[([\d, ]+)\]/.exec(note);
        const cvc = /security code size:name = (\d):/.exec(note);
        if (lengths?.[1]) {
          // These rows take credit-card-type's first candidate, so the prefix may still be ambiguous.
          expect(matchBrands(r.number)).toContain(brand);
          expect(brandInfo(brand).lengths).toEqual(lengths[1].split(', ').map(Number));
        } else {
          expect(note).toMatch(/uniquely matches|security code/);
          expect(matchBrands(r.number)).toEqual([brand]);
          expect(detectBrand(r.number)).toBe(brand);
          if (cvc?.[1]) expect(brandInfo(brand).cvcLength).toBe(Number(cvc[1]));
        }
      }
    });
  });

  describe('card-validator rows', () => {
    const literal = (r: { number: string; note: string }): unknown => {
      if (!r.note.includes('non-string JS input')) return r.number;
      const literals: Record<string, unknown> = { '{}': {}, '[]': [], true: true, false: false };
      return r.number in literals ? literals[r.number] : Number(r.number);
    };
    // Rows whose expectation depends on a card-validator option; we assert the default.
    const defaults: [RegExp, boolean, boolean][] = [
      [/Luhn-invalid UnionPay; isValid=true by default/, true, true],
      [/19-digit with spaces; .* maxLength:19 -> valid/, true, true],
      [/maxLength:16 and Luhn-invalid/, false, true],
    ];

    it.each(cv)('row $i: "$number" ($note)', (r) => {
      const value = literal(r);
      expect(luhn(strip(r.number))).toBe(r.luhn_valid === 'true');

      const override = defaults.find(([re]) => re.test(r.note));
      const flags = /isValid=(true|false), isPotentiallyValid=(true|false)/.exec(r.note);
      const [valid, potentiallyValid] = override
        ? [override[1], override[2]]
        : [flags?.[1] === 'true', flags?.[2] === 'true'];
      expect(override ?? flags).toBeTruthy();

      const result = validateCardNumber(value);
      expect(result.valid).toBe(valid);
      expect(result.valid || result.potentiallyValid).toBe(potentiallyValid);

      const brand = r.expected_brand === 'none' ? undefined : ours(r.expected_brand);
      if (typeof value === 'string') expect(detectBrand(value)).toBe(brand);
      if (result.valid) expect(result.brand).toBe(brand);
    });
  });
});

describe('validateCardNumber', () => {
  it.each([
    ['', 'empty', true],
    ['  - ', 'empty', true],
    [{}, 'not_a_string', false],
    [null, 'not_a_string', false],
    [4.5, 'not_a_string', false],
    [-4111111111111111, 'not_a_string', false],
    [2 ** 60, 'not_a_string', false],
    ['4111.1111', 'invalid_characters', false],
    ['４１１１', 'invalid_characters', false],
    ['7000', 'unknown_brand', false],
    ['4', 'too_short', true],
    ['411111111111111', 'too_short', true],
    ['41111111111111111', 'too_short', true],
    ['41111111111111111111', 'too_long', false],
    ['378282246310005 1', 'too_long', false],
    ['4111111111111112', 'luhn', true],
    ['5555555555554446', 'luhn', false],
  ] as const)('%j → %s', (input, reason, potentiallyValid) => {
    expect(validateCardNumber(input)).toEqual({ valid: false, reason, potentiallyValid });
  });

  it('returns the bare digits and brand of a valid number', () => {
    expect(validateCardNumber('4111-1111 1111-1111')).toEqual({ valid: true, brand: 'visa', digits: '4111111111111111' });
    expect(validateCardNumber(' 3782 822463 10005 ')).toEqual({ valid: true, brand: 'amex', digits: '378282246310005' });
  });

  it('skips Luhn for UnionPay only', () => {
    expect(luhn('6221558812340000')).toBe(false);
    expect(validateCardNumber('6221558812340000')).toMatchObject({ valid: true, brand: 'unionpay' });
    expect(validateCardNumber('6011000990139425')).toMatchObject({ valid: false, reason: 'luhn' });
  });

  it.each<[CardBrand, string]>([
    ['visa', '4'],
    ['mastercard', '51'],
    ['mastercard', '222100'],
    ['mastercard', '272099'],
    ['amex', '34'],
    ['discover', '6011'],
    ['diners', '36'],
    ['jcb', '3528'],
    ['unionpay', '6240'],
    ['maestro', '6304'],
    ['elo', '636368'],
    ['hipercard', '606282'],
    ['hiper', '637095'],
    ['mir', '2200'],
    ['troy', '9792'],
    ['verve', '506099'],
    ['naranja', '589562'],
  ])('accepts a Luhn-valid %s number at every allowed length (%s…)', (brand, prefix) => {
    for (const length of brandInfo(brand).lengths) {
      const n = withCheckDigit(prefix, length);
      expect(validateCardNumber(n)).toEqual({ valid: true, brand, digits: n });
    }
  });

  it('knows every Troy BIN range credit-card-type 10.3.0 lists, ahead of Discover\'s 65 range', () => {
    // braintree/credit-card-type 10.3.0 (MIT), src/lib/card-types.ts, troy.patterns: range ends.
    const TROY: [string, string][] = [['9792', '9792'], ['650052', '650052'], ['650082', '650083'], ['650092', '650092'], ['650161', '650161'], ['650170', '650170'], ['650173', '650173'], ['650175', '650175'], ['650268', '650268'], ['650271', '650271'], ['650273', '650274'], ['650456', '650457'], ['650836', '650836'], ['650846', '650850'], ['650923', '650923'], ['650987', '650987'], ['650990', '650990'], ['654997', '654997'], ['657366', '657366'], ['657998', '657998'], ['658758', '658758'], ['658767', '658768'], ['65083700', '65083704'], ['65085800', '65085804'], ['65085900', '65085901'], ['65086000', '65086000'], ['65086100', '65086105'], ['65086200', '65086203'], ['65875000', '65875003'], ['65875009', '65875009'], ['65875101', '65875104'], ['65875200', '65875200'], ['65875501', '65875501'], ['65875601', '65875601'], ['65875900', '65875900'], ['65876000', '65876002'], ['65876100', '65876103'], ['65876110', '65876110'], ['65876115', '65876116'], ['65876200', '65876201'], ['65876500', '65876500'], ['65876504', '65876505'], ['65876600', '65876602'], ['65877100', '65877101'], ['65877600', '65877602'], ['65877700', '65877700'], ['65877801', '65877802'], ['65878200', '65878202'], ['65878300', '65878311'], ['65878400', '65878405'], ['65878500', '65878505'], ['65878600', '65878601'], ['65879800', '65879800'], ['65880800', '65880800'], ['65880900', '65880900']];
    for (const [lo, hi] of TROY) {
      expect([detectBrand(lo), detectBrand(hi)]).toEqual(['troy', 'troy']);
      expect(validateCardNumber(withCheckDigit(hi, 16))).toMatchObject({ valid: true, brand: 'troy' });
    }
    // Next to them, 65 is still Discover.
    expect(detectBrand('650084')).toBe('discover');
    expect(detectBrand('65083705')).toBe('discover');
  });

  it('bounds the Mastercard 2-series at 222100–272099', () => {
    expect(detectBrand('222100')).toBe('mastercard');
    expect(detectBrand('272099')).toBe('mastercard');
    expect(detectBrand('222099')).toBeUndefined();
    expect(detectBrand('272100')).toBeUndefined();
    expect(validateCardNumber(withCheckDigit('2720', 16))).toMatchObject({ valid: true, brand: 'mastercard' });
    expect(validateCardNumber(withCheckDigit('2721', 16))).toMatchObject({ valid: false, reason: 'unknown_brand' });
  });
});

describe('matchBrands', () => {
  it('ignores separators but rejects other characters', () => {
    expect(matchBrands('4111 1111-1111')).toEqual(['visa']);
    expect(matchBrands('4111x')).toEqual([]);
  });

  it('keeps candidates while a longer prefix could still match', () => {
    expect(matchBrands('6370')).toEqual(['maestro', 'hiper']);
    expect(matchBrands('637095')).toEqual(['hiper']);
  });
});

describe('brandInfo', () => {
  it('describes every brand in the protocol enum', () => {
    for (const brand of CardBrand.options) {
      const info = brandInfo(brand);
      expect(info.label.length).toBeGreaterThan(0);
      expect(info.lengths.length).toBeGreaterThan(0);
      expect(Math.max(...info.lengths)).toBeLessThanOrEqual(19);
      expect([3, 4]).toContain(info.cvcLength);
    }
  });

  it('has the expected labels and Amex specifics', () => {
    expect(brandInfo('visa').label).toBe('Visa');
    expect(brandInfo('mastercard').label).toBe('Mastercard');
    expect(brandInfo('amex')).toEqual({ label: 'American Express', lengths: [15], cvcLength: 4, gaps: [4, 10] });
    expect(brandInfo('diners').gaps).toEqual([4, 10]);
  });
});

describe('formatCardNumber', () => {
  it.each([
    ['378282246310005', '3782 822463 10005'],
    ['3782822463100051234', '3782 822463 10005'],
    ['3782 82', '3782 82'],
    ['30569309025904', '3056 930902 5904'],
    ['3056930902590412', '3056 9309 0259 0412'],
    ['4111111111111111', '4111 1111 1111 1111'],
    ['4111111111111111110', '4111 1111 1111 1111 110'],
    ['41111111111111111109', '4111 1111 1111 1111 110'],
    ['55555555555544441', '5555 5555 5555 4444'],
    ['7777777777777777777777', '7777 7777 7777 7777 777'],
    ['4111-1111 x', '4111 1111'],
    ['41111', '4111 1'],
    ['', ''],
  ])('%s → "%s"', (input, expected) => {
    expect(formatCardNumber(input)).toBe(expected);
  });
});

describe('validateExpiry', () => {
  const jan31 = new Date(2025, 0, 31, 23, 59, 59, 999);
  const feb1 = new Date(2025, 1, 1, 0, 0, 0, 0);

  it('is valid through the last instant of the expiry month', () => {
    expect(validateExpiry('01', '25', jan31)).toEqual({ valid: true, month: 1, year: 2025 });
    expect(validateExpiry('01', '25', feb1)).toEqual({ valid: false, reason: 'expired' });
    expect(validateExpiry(2, 2025, feb1)).toEqual({ valid: true, month: 2, year: 2025 });
    expect(validateExpiry('12', '24', jan31)).toEqual({ valid: false, reason: 'expired' });
  });

  it('handles February, including leap days', () => {
    expect(validateExpiry('02', '24', new Date(2024, 1, 29, 23, 59))).toMatchObject({ valid: true, month: 2 });
    expect(validateExpiry('02', '24', new Date(2024, 2, 1))).toEqual({ valid: false, reason: 'expired' });
    expect(validateExpiry('2', '2026', new Date(2026, 1, 28, 12))).toMatchObject({ valid: true, year: 2026 });
    expect(validateExpiry('2', '2026', new Date(2026, 2, 1))).toMatchObject({ reason: 'expired' });
  });

  it('reads two-digit years in the window ending 20 years ahead', () => {
    expect(validateExpiry('6', '30', jan31)).toEqual({ valid: true, month: 6, year: 2030 });
    expect(validateExpiry(6, 30, jan31)).toEqual({ valid: true, month: 6, year: 2030 });
    expect(validateExpiry('12', '45', jan31)).toEqual({ valid: true, month: 12, year: 2045 });
    expect(validateExpiry('1', '99', jan31)).toEqual({ valid: false, reason: 'expired' });
    expect(validateExpiry('1', '05', new Date(2095, 5, 1))).toEqual({ valid: true, month: 1, year: 2105 });
  });

  it('rejects expiries more than 20 years ahead', () => {
    expect(validateExpiry('12', '2045', jan31)).toMatchObject({ valid: true });
    expect(validateExpiry('1', '2046', jan31)).toEqual({ valid: false, reason: 'too_far' });
  });

  it.each([0, 13, '00', '13', '', 'ab', '1a', '001', 1.5, -1])('month %j is invalid', (m) => {
    expect(validateExpiry(m, '30', jan31)).toEqual({ valid: false, reason: 'invalid_month' });
  });

  it.each(['', '2', '202', '20255', 'yy', '２０', -1, 1.5, 150, 10000])('year %j is invalid', (y) => {
    expect(validateExpiry('1', y, jan31)).toEqual({ valid: false, reason: 'invalid_year' });
  });
});

describe('parseExpiryInput', () => {
  it.each([
    ['12 / 25', '12', '25'],
    ['12/2025', '12', '2025'],
    ['1/25', '1', '25'],
    ['01 / ', '01', ''],
    ['0125', '01', '25'],
    ['1225', '12', '25'],
    ['4', '4', ''],
    ['425', '4', '25'],
    ['1', '1', ''],
    ['135', '1', '35'],
    ['12-25', '12', '25'],
    ['12/202599', '12', '2025'],
    ['', '', ''],
  ])('%j → %s / %s', (input, month, year) => {
    expect(parseExpiryInput(input)).toEqual({ month, year });
  });
});

describe('cvv_cases.csv', () => {
  const cases = readCsv('cvv_cases.csv', [
    'input',
    'input_is_string',
    'maxLength',
    'expected_isValid',
    'expected_isPotentiallyValid',
    'source',
  ]);

  it('has every row of the shared fixture', () => {
    expect(cases).toHaveLength(31);
  });

  const literal = (input: string): unknown => {
    const known: Record<string, unknown> = { null: null, '[]': [], '{}': {}, '0 / 0': 0 / 0, Infinity };
    return input in known ? known[input] : Number(input);
  };

  it.each(cases.map((c, i) => ({ ...c, i })))(
    'row $i: $input (string: $input_is_string, max $maxLength)',
    (c) => {
      const value = c.input_is_string === 'true' ? c.input : literal(c.input);
      const max = c.maxLength === '(default 3)' ? undefined : (JSON.parse(c.maxLength) as number | number[]);
      expect(validateCvc(value, max)).toEqual({
        valid: c.expected_isValid === 'true',
        potentiallyValid: c.expected_isPotentiallyValid === 'true',
      });
    },
  );
});

describe('card data never leaks', () => {
  const PAN = '4111111111111111';
  const spies: ReturnType<typeof vi.spyOn>[] = [];
  beforeEach(() => {
    for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      spies.push(vi.spyOn(console, m).mockImplementation(() => undefined));
    }
  });
  afterEach(() => {
    for (const s of spies) expect(s).not.toHaveBeenCalled();
    spies.splice(0).forEach((s) => s.mockRestore());
  });

  const hostile: unknown[] = [
    PAN + 'x',
    PAN + '0000',
    '4111111111111112',
    `${PAN}\u0000`,
    '9'.repeat(200_000),
    Symbol('pan'),
    10n,
    NaN,
    -Infinity,
    undefined,
    () => PAN,
    {
      toString() {
        throw new Error(PAN);
      },
    },
    new Proxy(
      {},
      {
        get() {
          throw new Error(PAN);
        },
      },
    ),
  ];

  it.each(hostile.map((v, i) => [i, v] as const))('input #%i never throws or echoes digits', (_, value) => {
    const results: unknown[] = [];
    expect(() => {
      results.push(validateCardNumber(value));
      results.push(validateCvc(value));
      results.push(validateExpiry(value as string, value as string, new Date(2025, 0, 1)));
      results.push(parseExpiryInput(value as string));
      results.push(matchBrands(value as string), detectBrand(value as string));
      results.push(luhn(value as string));
      formatCardNumber(value as string);
    }).not.toThrow();
    for (const r of results) {
      const text = JSON.stringify(r) ?? '';
      expect(text).not.toContain('4111');
      expect(text).not.toContain('99999');
    }
  });

  it('does not put the number in thrown errors', () => {
    let caught: unknown;
    try {
      brandInfo(PAN as CardBrand);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TypeError);
    expect(String(caught)).not.toContain(PAN);
    expect(JSON.stringify(caught)).not.toContain(PAN);
  });
});

describe('containsCardNumber', () => {
  it('finds card numbers in clear, grouped or not, inside text', () => {
    expect(containsCardNumber('{"pan":"4242424242424242"}')).toBe(true);
    expect(containsCardNumber('card 5555 5555 5555 4444 exp')).toBe(true);
    expect(containsCardNumber('x3782-822463-10005x')).toBe(true);
  });

  it('ignores timestamps, ids and checksum failures in genuine tokens', () => {
    for (let i = 0; i < 2000; i++) {
      const ms = 1_790_000_000_000 + Math.floor(Math.random() * 40_000_000_000);
      expect(containsCardNumber(`{"keyExpiration":"${ms}","protocolVersion":"ECv2"}`)).toBe(false);
    }
    expect(containsCardNumber('4242424242424241')).toBe(false);
    expect(containsCardNumber('order 12345678901234567890123')).toBe(false);
  });
});
