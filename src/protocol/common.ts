import * as z from 'zod/mini';
import { currencyCodes } from './currencies';

/** Wire protocol version; sent in the {@link VERSION_HEADER} header of every request and reply. */
export const PROTOCOL_VERSION = '2';
export const VERSION_HEADER = 'Till-Version';
/**
 * The session's client secret, returned once by `POST /sessions` and sent in this header on every
 * later call on that session and its payments. A session or payment id alone grants nothing.
 */
export const CLIENT_SECRET_HEADER = 'Till-Client-Secret';

/** A client secret: 256 random bits, base64url (43 characters) after the `tcs_` prefix. */
export const CLIENT_SECRET_PATTERN = /^tcs_[A-Za-z0-9_-]{43}$/;

/** Largest request body a server accepts, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

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
