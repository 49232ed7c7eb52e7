/**
 * Built-in cold-start table: rough public market shares of online payment methods per country.
 * Used only when the session brings no merchant priors (or to smooth sparse ones), so it is
 * deliberately coarse — a shopper's own history and the merchant's data override it quickly.
 * Shares need not sum to 1: they are renormalised over the methods actually available.
 */
const TABLE: Record<string, Record<string, number>> = {
  BR: { pix: 0.4, card: 0.35, boleto: 0.15, wallet: 0.05, paypal: 0.05 },
  IN: { upi: 0.5, card: 0.2, netbanking: 0.15, wallet: 0.15 },
  NL: { ideal: 0.6, card: 0.15, paypal: 0.12, klarna: 0.08 },
  BE: { bancontact: 0.5, card: 0.25, paypal: 0.1, ideal: 0.05 },
  DE: { paypal: 0.3, klarna: 0.25, card: 0.25, sepa_debit: 0.1, giropay: 0.05 },
  CN: { alipay: 0.45, wechat_pay: 0.4, unionpay_qr: 0.08, card: 0.07 },
  JP: { card: 0.5, paypay: 0.2, konbini: 0.15, bank_transfer: 0.08 },
  MX: { card: 0.45, oxxo: 0.3, paypal: 0.12, wallet: 0.1 },
  US: { card: 0.55, paypal: 0.2, wallet: 0.18, klarna: 0.07 },
  GB: { card: 0.55, paypal: 0.2, wallet: 0.2, klarna: 0.05 },
  PL: { blik: 0.5, card: 0.25, p24: 0.15 },
};

/** Outside the table cards and big wallets dominate. */
const DEFAULT: Record<string, number> = { card: 0.55, paypal: 0.2, wallet: 0.2 };

export function regionalShares(country: string | undefined): Record<string, number> {
  return (country && TABLE[country.toUpperCase()]) || DEFAULT;
}
