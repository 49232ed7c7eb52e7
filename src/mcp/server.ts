/**
 * `till-checkout/mcp`: an MCP server (Model Context Protocol, @modelcontextprotocol/sdk) that lets
 * an AI assistant run a Till checkout against any merchant backend speaking the Till protocol. Each
 * tool drives a headless checkout (`till-checkout/headless`), so an agent gets exactly the pricing,
 * coupons, ranking and idempotent payments a person gets in the widget. Input and output schemas
 * are built from the protocol's zod schemas.
 *
 * The agent credential (`agentKey`) is sent as `Authorization: Bearer …` on every call: the
 * merchant's `authenticateAgent` names the agent, and its payments need a delegated token under a
 * mandate. Saved methods are shown as brand and last four only.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod/mini';
import { createClient } from '../core/client';
import { createCheckout, type CheckoutSnapshot, type HeadlessCheckout } from '../headless/index';
import { CartLine, Coupon, CreateSessionRequest, Currency, Country, Id, MethodId, Money, PaymentAction, Quote } from '../protocol/index';

export interface TillMcpOptions {
  /** Base URL of the merchant's Till endpoints, e.g. `https://shop.example/api/till/v1`. */
  endpoint: string;
  /** The agent credential the merchant issued (sent as `Authorization: Bearer <agentKey>`). */
  agentKey?: string;
  /** Checkouts the assistant may act on from the start (e.g. the one open in the shopper's page). */
  checkouts?: { id: string; clientSecret: string }[];
  fetch?: typeof fetch;
}

const CheckoutId = Id;

/** What every checkout tool answers: the checkout as the shopper would see it. */
const CheckoutSummary = z.object({
  checkout_id: Id,
  phase: z.string(),
  currency: Currency,
  lines: z.array(CartLine),
  quote: z.optional(Quote),
  method: z.optional(MethodId),
  payment: z.optional(
    z.object({
      id: z.optional(Id),
      status: z.enum(['pending', 'succeeded']),
      action: z.optional(PaymentAction),
      order_id: z.optional(z.string()),
      amount: z.optional(Money),
    }),
  ),
  failure: z.optional(z.object({ code: z.string(), message: z.string(), retryable: z.boolean() })),
});
type CheckoutSummary = z.infer<typeof CheckoutSummary>;

const RankedMethodOut = z.object({
  method: MethodId,
  label: z.string(),
  flow: z.string(),
  score: z.number(),
  reason: z.looseObject({ code: z.string() }),
  total: Money,
  savings: Money,
});
const SavedMethodOut = z.object({ id: Id, method: MethodId, brand: z.optional(z.string()), last4: z.optional(z.string()) });
const MethodsOut = z.object({ checkout_id: Id, methods: z.array(RankedMethodOut), saved_methods: z.array(SavedMethodOut) });

const Items = CreateSessionRequest.shape.items;

function summary(id: string, s: CheckoutSnapshot): CheckoutSummary {
  const payment = s.result
    ? { id: s.result.paymentId, status: 'succeeded' as const, order_id: s.result.orderId, amount: s.result.amount }
    : s.action
      ? { id: s.action.paymentId, status: 'pending' as const, action: s.action.action, ...(s.action.amount ? { amount: s.action.amount } : {}) }
      : undefined;
  return {
    checkout_id: id,
    phase: s.phase,
    currency: s.session?.currency ?? 'USD',
    lines: s.session?.lines ?? [],
    ...(s.quote ? { quote: s.quote } : {}),
    ...(s.method ? { method: s.method } : {}),
    ...(payment ? { payment } : {}),
    ...(s.failure ? { failure: s.failure } : {}),
  };
}

const result = <T extends Record<string, unknown>>(value: T, text?: string) => ({
  content: [{ type: 'text' as const, text: text ?? JSON.stringify(value) }],
  structuredContent: value,
});

const toolError = (message: string) => ({ content: [{ type: 'text' as const, text: message }], isError: true });

export function createTillMcpServer(options: TillMcpOptions): McpServer {
  const baseFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  // Every call carries the agent credential, so the merchant knows an agent is acting.
  const agentFetch: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    if (options.agentKey) headers.set('authorization', `Bearer ${options.agentKey}`);
    return baseFetch(input, { ...init, headers });
  };
  const checkouts = new Map<string, HeadlessCheckout>();
  const open = (id: string, clientSecret: string) => {
    const c = createCheckout({ endpoint: options.endpoint, sessionId: id, clientSecret, fetch: agentFetch });
    checkouts.set(id, c);
    return c;
  };
  for (const c of options.checkouts ?? []) open(c.id, c.clientSecret);

  /** The checkout named by the tool call, loaded (once) from the merchant. */
  async function checkout(id: string): Promise<HeadlessCheckout | undefined> {
    const c = checkouts.get(id);
    if (c && c.getState().phase === 'idle') await c.load();
    return c;
  }
  const unknown = (id: string) => toolError(`Unknown checkout ${id}: create one with create_checkout first.`);

  const server = new McpServer({ name: 'till-checkout', version: '0.1.0' }, { capabilities: { tools: {} } });

  server.registerTool(
    'create_checkout',
    {
      title: 'Create a checkout',
      description: 'Starts a checkout for products of this shop (product ids and quantities). The shop prices them; the answer has the lines, the best total with coupons applied automatically, and a checkout_id for the other tools.',
      inputSchema: { items: Items, country: z.optional(Country), currency: z.optional(Currency) },
      outputSchema: CheckoutSummary,
    },
    async ({ items, country, currency }) => {
      const client = createClient({ baseUrl: options.endpoint, fetch: agentFetch });
      const reply = await client.createSession({ items, ...(country ? { country } : {}), ...(currency ? { currency } : {}) }).catch(() => undefined);
      if (!reply) return toolError('The shop could not be reached.');
      if (reply.status === 'error') return toolError(`${reply.code}: ${reply.message}`);
      const c = open(reply.session.id, reply.clientSecret!);
      return result(summary(reply.session.id, await c.load()));
    },
  );

  server.registerTool(
    'get_checkout',
    { title: 'Show a checkout', description: 'The checkout as it is now: lines, total, applied coupons, chosen payment method and any payment.', inputSchema: { checkout_id: CheckoutId }, outputSchema: CheckoutSummary, annotations: { readOnlyHint: true } },
    async ({ checkout_id }) => {
      const c = await checkout(checkout_id);
      return c ? result(summary(checkout_id, c.getState())) : unknown(checkout_id);
    },
  );

  server.registerTool(
    'update_items',
    {
      title: 'Change quantities',
      description: 'Sets the quantity of products in the cart (0 removes one; products not listed stay as they are). The shop prices the cart again.',
      inputSchema: { checkout_id: CheckoutId, items: z.array(z.object({ productId: Id, quantity: z.int().check(z.minimum(0), z.maximum(999)) })).check(z.minLength(1), z.maxLength(200)) },
      outputSchema: CheckoutSummary,
    },
    async ({ checkout_id, items }) => {
      const c = await checkout(checkout_id);
      if (!c) return unknown(checkout_id);
      const lines = new Map((c.getState().session?.lines ?? []).map((l) => [l.productId, l.quantity]));
      for (const i of items) lines.set(i.productId, i.quantity);
      const s = await c.setItems([...lines].map(([productId, quantity]) => ({ productId, quantity })));
      if (s.failure && s.failure.code !== 'network') return toolError(`${s.failure.code}: ${s.failure.message}`);
      return result(summary(checkout_id, s));
    },
  );

  server.registerTool(
    'apply_coupon',
    { title: 'Apply a coupon code', description: 'Applies a coupon code the shopper has. Says why when it does not apply.', inputSchema: { checkout_id: CheckoutId, code: Coupon.shape.code }, outputSchema: z.extend(CheckoutSummary, { applied: z.boolean(), reason: z.optional(z.string()) }) },
    async ({ checkout_id, code }) => {
      const c = await checkout(checkout_id);
      if (!c) return unknown(checkout_id);
      const s = await c.applyCoupon(code);
      const r = s.codeResult;
      return result({ ...summary(checkout_id, s), applied: !!r?.applied, ...(r?.reason ? { reason: r.reason } : {}) });
    },
  );

  server.registerTool(
    'remove_coupon',
    { title: 'Remove a coupon', description: 'Removes an applied coupon code; the total is priced again.', inputSchema: { checkout_id: CheckoutId, code: Coupon.shape.code }, outputSchema: CheckoutSummary },
    async ({ checkout_id, code }) => {
      const c = await checkout(checkout_id);
      return c ? result(summary(checkout_id, await c.removeCoupon(code.toUpperCase()))) : unknown(checkout_id);
    },
  );

  server.registerTool(
    'list_payment_methods',
    {
      title: 'List payment methods',
      description: 'The payment methods of this checkout, best first, each with the reason it is ranked there, its total and what it saves (e.g. a discount for paying with PIX). Saved methods show brand and last four digits only.',
      inputSchema: { checkout_id: CheckoutId },
      outputSchema: MethodsOut,
      annotations: { readOnlyHint: true },
    },
    async ({ checkout_id }) => {
      const c = await checkout(checkout_id);
      if (!c) return unknown(checkout_id);
      const s = c.getState();
      const session = s.session;
      if (!session) return toolError(s.failure ? `${s.failure.code}: ${s.failure.message}` : 'The checkout is not loaded.');
      const methods = c.ranked().map((r) => {
        const m = session.methods.find((x) => x.id === r.method)!;
        const q = session.methodQuotes.find((x) => x.method === r.method) ?? session.quote;
        return { method: r.method, label: m.label, flow: m.flow, score: Math.round(r.score * 1000) / 1000, reason: r.reason, total: { amount: q.total, currency: session.currency }, savings: { amount: Math.max(0, session.quote.total - q.total), currency: session.currency } };
      });
      const saved = session.savedMethods.map((m) => ({ id: m.id, method: m.method, ...(m.brand ? { brand: m.brand } : {}), ...(m.last4 ? { last4: m.last4 } : {}) }));
      return result({ checkout_id, methods, saved_methods: saved });
    },
  );

  server.registerTool(
    'pay',
    {
      title: 'Pay',
      description: 'Pays the shown total with a payment method, using the delegated payment token the shopper authorised for this shop (its mandate caps the amount). Re-sending after a lost answer never charges twice.',
      inputSchema: { checkout_id: CheckoutId, method: MethodId, payment_token: z.string().check(z.minLength(1), z.maxLength(512)) },
      outputSchema: CheckoutSummary,
      annotations: { destructiveHint: true, idempotentHint: true },
    },
    async ({ checkout_id, method, payment_token }) => {
      const c = await checkout(checkout_id);
      if (!c) return unknown(checkout_id);
      if (c.getState().method !== method) await c.selectMethod(method);
      if (c.getState().method !== method) return toolError(`${method} is not offered for this checkout.`);
      const s = await c.pay({ source: { type: 'delegated', token: payment_token } });
      return result(summary(checkout_id, s));
    },
  );

  server.registerTool(
    'get_payment',
    { title: 'Payment status', description: 'Asks the shop what became of the checkout\'s payment (a QR code scanned, a bank approval…).', inputSchema: { checkout_id: CheckoutId }, outputSchema: CheckoutSummary, annotations: { readOnlyHint: true } },
    async ({ checkout_id }) => {
      const c = await checkout(checkout_id);
      return c ? result(summary(checkout_id, await c.answerAction({ refresh: true }))) : unknown(checkout_id);
    },
  );

  server.registerTool(
    'cancel',
    { title: 'Cancel the pending payment', description: 'Cancels a payment that waits for the shopper (QR code, voucher, bank redirect). Nothing is charged.', inputSchema: { checkout_id: CheckoutId }, outputSchema: CheckoutSummary },
    async ({ checkout_id }) => {
      const c = await checkout(checkout_id);
      return c ? result(summary(checkout_id, await c.cancel())) : unknown(checkout_id);
    },
  );

  return server;
}
