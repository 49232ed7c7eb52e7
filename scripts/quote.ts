/**
 * Prices a session from the command line, with the same code the widget and server run.
 *
 *   npx tsx scripts/quote.ts <session.json> [--method pix] [--codes A,B] [--now <unix seconds>]
 *
 * The file is a protocol `Session` or at least {currency, lines, shipping, coupons, firstOrder},
 * optionally with `now` (unix seconds; default: the current time) and `methods` (method ids or
 * PaymentMethod objects). Prints JSON: the best coupon combination (or exactly `--codes`),
 * each coupon's saving, the totals, and the best quote per method when methods are known.
 * Bad input prints a clear error on stderr and exits with code 1.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as z from 'zod/mini';
import { Currency, MethodId, MinorUnits } from '../src/protocol/common';
import { Coupon } from '../src/protocol/coupon';
import { CartLine, PaymentMethod, Session } from '../src/protocol/session';
import { toDecimalString } from '../src/core/money/money';
import { bestQuote, bestQuotePerMethod, priceWith, type PricingInput } from '../src/core/pricing/index';
import type { Quote } from '../src/protocol/session';

/** The subset of `Session` pricing needs, for hand-written files. */
const PricingFile = z.object({
  currency: Currency,
  lines: z.array(CartLine).check(z.minLength(1), z.maxLength(200)),
  shipping: MinorUnits,
  coupons: z.array(Coupon).check(z.maxLength(100)),
  firstOrder: z.boolean(),
  now: z.optional(z.int()),
  methods: z.optional(z.array(z.union([MethodId, PaymentMethod])).check(z.maxLength(40))),
});

export class QuoteCliError extends Error {}

interface Args {
  file: string;
  method?: string;
  codes?: string[];
  now?: number;
}

function parseArgs(argv: readonly string[]): Args {
  let file: string | undefined;
  const out: Partial<Args> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new QuoteCliError(`${a} needs a value`);
      return v;
    };
    if (a === '--method') out.method = value();
    else if (a === '--codes') out.codes = value().split(',').filter(Boolean);
    else if (a === '--now') {
      const n = Number(value());
      if (!Number.isSafeInteger(n)) throw new QuoteCliError('--now must be an integer (unix seconds)');
      out.now = n;
    } else if (a.startsWith('--')) throw new QuoteCliError(`unknown option ${a}`);
    else if (file === undefined) file = a;
    else throw new QuoteCliError(`unexpected argument ${a}`);
  }
  if (file === undefined) throw new QuoteCliError('usage: npx tsx scripts/quote.ts <session.json> [--method id] [--codes A,B] [--now unix]');
  return { ...out, file };
}

function describe(q: Quote): Record<string, unknown> {
  const fmt = (n: number): string => `${toDecimalString(n, q.currency)} ${q.currency}`;
  return {
    ...(q.method ? { method: q.method } : {}),
    chosen: q.applied.map((a) => ({ code: a.code, class: a.class, saving: a.amount, savingText: fmt(a.amount) })),
    subtotal: q.subtotal,
    shipping: q.shipping,
    discount: q.discount,
    total: q.total,
    totalText: fmt(q.total),
    rejected: q.rejected,
  };
}

/** Runs the CLI on `argv` (without node and script); returns the JSON to print. */
export function run(argv: readonly string[]): Record<string, unknown> {
  const args = parseArgs(argv);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(args.file, 'utf8'));
  } catch (e) {
    throw new QuoteCliError(`cannot read ${args.file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const full = Session.safeParse(raw);
  const parsed = full.success ? full : PricingFile.safeParse(raw);
  if (!parsed.success) throw new QuoteCliError(`invalid session in ${args.file}:\n${z.prettifyError(parsed.error)}`);
  const s = parsed.data;
  const fileNow = 'now' in s && typeof s.now === 'number' ? s.now : undefined;
  const input: PricingInput = {
    currency: s.currency,
    lines: s.lines,
    shipping: s.shipping,
    coupons: s.coupons,
    firstOrder: s.firstOrder,
    now: args.now ?? fileNow ?? Math.floor(Date.now() / 1000),
  };
  const methods = (s.methods ?? []).map((m) => (typeof m === 'string' ? m : m.id));
  const quote = args.codes ? priceWith(input, args.codes, args.method) : bestQuote(input, args.method);
  const out: Record<string, unknown> = { currency: input.currency, now: input.now, mode: args.codes ? 'priceWith' : 'best', ...describe(quote) };
  if (methods.length && !args.codes) {
    const per = bestQuotePerMethod(input, methods);
    out['perMethod'] = Object.fromEntries(
      Object.entries(per).map(([m, q]) => [m, { total: q.total, discount: q.discount, savesVsNoMethod: quote.total - q.total, chosen: q.applied.map((a) => a.code) }]),
    );
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(JSON.stringify(run(process.argv.slice(2)), null, 2));
  } catch (e) {
    console.error(`quote: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
