/**
 * ISO 4217 List One (published 2024-06-25, via npm currency-codes@2.2.0; see
 * ../shared/data/iso4217_minor_units.csv) as the number of minor-unit digits.
 * Codes with no minor unit (N.A.: metals, SDR, test code) are not payable and absent.
 * Packed as concatenated 3-letter codes to keep the script-tag bundle small.
 */
const BY_EXPONENT: Readonly<Record<number, string>> = {
  0: 'BIFCLPDJFGNFISKJPYKMFKRWPYGRWFUGXUYIVNDVUVXAFXOFXPF',
  2: 'AEDAFNALLAMDANGAOAARSAUDAWGAZNBAMBBDBDTBGNBMDBNDBOBBOVBRLBSDBTNBWPBYNBZDCADCDFCHECHFCHWCNYCOPCOUCRCCUCCUPCVECZKDKKDOPDZDEGPERNETBEURFJDFKPGBPGELGHSGIPGMDGTQGYDHKDHNLHTGHUFIDRILSINRIRRJMDKESKGSKHRKPWKYDKZTLAKLBPLKRLRDLSLMADMDLMGAMKDMMKMNTMOPMRUMURMVRMWKMXNMXVMYRMZNNADNGNNIONOKNPRNZDPABPENPGKPHPPKRPLNQARRONRSDRUBSARSBDSCRSDGSEKSGDSHPSLESOSSRDSSPSTNSVCSYPSZLTHBTJSTMTTOPTRYTTDTWDTZSUAHUSDUSNUYUUZSVEDVESWSTXCDYERZARZMWZWG',
  3: 'BHDIQDJODKWDLYDOMRTND',
  4: 'CLFUYW',
};

let exponents: Map<string, number> | undefined;

/** The code → exponent map, unpacked on first use (not at import). */
function table(): Map<string, number> {
  if (!exponents) {
    exponents = new Map();
    for (const [exp, codes] of Object.entries(BY_EXPONENT)) {
      for (let i = 0; i < codes.length; i += 3) exponents.set(codes.slice(i, i + 3), Number(exp));
    }
  }
  return exponents;
}

/** Minor-unit exponent of an ISO 4217 code, or undefined when the code is not a payable currency. */
export function currencyExponent(code: string): number | undefined {
  return table().get(code);
}

export function isCurrency(code: string): boolean {
  return table().has(code);
}

export function currencyCodes(): string[] {
  return [...table().keys()];
}
