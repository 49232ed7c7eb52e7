import * as z from 'zod/mini';
import { currencyCodes } from './currencies';

export { CLIENT_SECRET_HEADER, CLIENT_SECRET_PATTERN, MAX_BODY_BYTES, PROTOCOL_VERSION, VERSION_HEADER } from './constants';

/**
 * Defines a request schema the widget never runs (only the server kit validates requests): as one
 * pure call, a bundle that does not use it drops it whole. Without this, zod/mini's `.check()`
 * method calls inside a definition survive tree-shaking as dead expressions. Use at the call
 * site as `/* @__PURE__ *\/ requestSchema(() => z.object(…))`.
 */
export const requestSchema = <T>(define: () => T): T => define();

const idPattern = /^[A-Za-z0-9_\-.:]+$/;

/** Opaque identifier: 1–128 URL-safe characters. */
export const Id = z.string().check(z.minLength(1), z.maxLength(128), z.regex(idPattern));

/** ISO 4217 alphabetic code of a payable currency (see currencies.ts), as one anchored alternation. */
export const Currency = z.string().check(z.regex(new RegExp(`^(?:${currencyCodes().join('|')})$`), 'Unknown or non-payable ISO 4217 currency'));

/** An amount in integer minor units (cents, yen, fils): never a float. */
export const MinorUnits = z.int().check(z.minimum(0));

export const Money = z.object({ amount: MinorUnits, currency: Currency });
export type Money = z.infer<typeof Money>;

/** ISO 3166-1 alpha-2 country. */
export const Country = z.string().check(z.regex(/^[A-Z]{2}$/));

/** BCP 47 language tag such as `en`, `pt-BR`, `zh-Hant-TW`. */
export const Locale = z.string().check(z.maxLength(35), z.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/));

/** Payment method identifier as used by ranking and priors: `card`, `pix`, `alipay`, `ideal`, … */
export const MethodId = z.string().check(z.minLength(1), z.maxLength(40), z.regex(/^[a-z][a-z0-9_]*$/));

/** Shopper-facing short text (labels, messages): bounded so hostile input cannot bloat the UI. */
export const ShortText = z.string().check(z.maxLength(200));

export const CardBrand = z.enum([
  'visa',
  'mastercard',
  'amex',
  'discover',
  'diners',
  'jcb',
  'unionpay',
  'maestro',
  'elo',
  'hipercard',
  'mir',
  'hiper',
  'troy',
  'verve',
  'naranja',
]);
export type CardBrand = z.infer<typeof CardBrand>;
