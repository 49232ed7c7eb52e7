import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useDemo } from '../../demo/in-process';
import { shopperClient } from '../../demo/http-client';
import { containsCardNumber } from '../core/card/index';
import { createCheckout } from '../headless/index';
import { createTillMcpServer, serveMcpHttp, type TillMcpOptions } from './index';

/**
 * The Till MCP server with the official SDK's client, against the real demo backend: in memory,
 * over stdio (the `till-mcp` bin as a child process) and over Streamable HTTP. The SDK client checks
 * every tool's structured output against the tool's output schema.
 */
const demoOf = useDemo();
const endpoint = () => demoOf().url + 'api/till/v1';

async function connect(extra: Partial<TillMcpOptions> = {}) {
  const server = createTillMcpServer({ endpoint: endpoint(), agentKey: 'demo-agent', ...extra });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'test-assistant', version: '1.0.0' });
  await client.connect(b);
  return client;
}

type Out = Record<string, unknown> & { checkout_id: string };
async function call(client: Client, name: string, args: Record<string, unknown>) {
  const r = await client.callTool({ name, arguments: args });
  return { isError: !!r.isError, out: r.structuredContent as Out, text: (r.content as { text: string }[])[0]?.text ?? '' };
}

async function delegate(o: { max: number; checkout?: string; number?: string }) {
  const res = await fetch(`${demoOf().url}psp/agentic_commerce/delegate_payment`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-agent', 'content-type': 'application/json' },
    body: JSON.stringify({
      payment_method: { type: 'card', number: o.number ?? '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' },
      allowance: { reason: 'one_time', max_amount: o.max, currency: 'usd', merchant_id: 'demo-shop', expires_at: new Date(Date.now() + 3600_000).toISOString(), ...(o.checkout ? { checkout_session_id: o.checkout } : {}) },
    }),
  });
  return ((await res.json()) as { id: string }).id;
}

const ordersOf = async (id: string) => (await demoOf().ledger()).filter((o) => o.sessionId === id);
const TOOLS = ['apply_coupon', 'cancel', 'create_checkout', 'get_checkout', 'get_payment', 'list_payment_methods', 'pay', 'remove_coupon', 'update_items'];

describe('till MCP server', () => {
  it('lists the nine tools, each with input and output JSON Schemas from the protocol schemas', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const t of tools) {
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(t.outputSchema?.type, t.name).toBe('object');
    }
    const create = tools.find((t) => t.name === 'create_checkout')!;
    // The items schema is the protocol's: product ids and integer quantities 1–999.
    expect(JSON.stringify(create.inputSchema)).toContain('"maximum":999');
  });

  it('a scripted assistant: create → add items → coupon → ranked methods → mandate overrun refused → pay once', async () => {
    const client = await connect();
    const created = await call(client, 'create_checkout', { items: [{ productId: 'tee-classic', quantity: 1 }], country: 'US' });
    expect(created.isError).toBe(false);
    const id = created.out.checkout_id;
    expect(created.out).toMatchObject({ phase: 'ready', currency: 'USD' });
    // The tee out, two pairs of socks in.
    const more = await call(client, 'update_items', { checkout_id: id, items: [{ productId: 'tee-classic', quantity: 0 }, { productId: 'socks-wool', quantity: 2 }] });
    expect((more.out.lines as { productId: string; quantity: number }[]).map((l) => [l.productId, l.quantity])).toEqual([['socks-wool', 2]]);
    const before = (more.out.quote as { total: number }).total;
    const coupon = await call(client, 'apply_coupon', { checkout_id: id, code: 'socks2for1' });
    expect(coupon.out).toMatchObject({ applied: true });
    // Buy one, get one: one pair (1200) off, with the automatic coupons kept where they combine.
    expect((coupon.out.quote as { total: number }).total).toBeLessThan(before);
    const bad = await call(client, 'apply_coupon', { checkout_id: id, code: 'NOPE' });
    expect(bad.out).toMatchObject({ applied: false, reason: 'unknown_code' });
    const methods = await call(client, 'list_payment_methods', { checkout_id: id });
    const list = methods.out.methods as { method: string; reason: { code: string }; total: { amount: number }; savings: { amount: number } }[];
    expect(list.map((m) => m.method)).toEqual(expect.arrayContaining(['card', 'paypal']));
    expect(list.every((m) => typeof m.reason.code === 'string' && m.total.amount > 0 && m.savings.amount >= 0)).toBe(true);
    const total = (coupon.out.quote as { total: number }).total;
    // A token whose mandate is one cent short is refused, whatever the agent asks; nothing is charged.
    const short = await delegate({ max: total - 1 });
    const refused = await call(client, 'pay', { checkout_id: id, method: 'card', payment_token: short });
    expect(refused.out.failure).toMatchObject({ code: 'mandate_exceeded' });
    expect(await ordersOf(id)).toHaveLength(0);
    const token = await delegate({ max: total, checkout: id });
    const paid = await call(client, 'pay', { checkout_id: id, method: 'card', payment_token: token });
    expect(paid.out).toMatchObject({ phase: 'succeeded', payment: { status: 'succeeded', amount: { amount: total, currency: 'USD' } } });
    const orders = await ordersOf(id);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ amount: total, actor: 'agent', agentId: 'demo-agent', mandateId: token });
    expect((await call(client, 'get_checkout', { checkout_id: id })).out.phase).toBe('succeeded');
  });

  it('an agent cannot pay with card data or without a mandate, and sees no saved cards', async () => {
    const client = await connect();
    const created = await call(client, 'create_checkout', { items: [{ productId: 'mug-enamel', quantity: 1 }] });
    const id = created.out.checkout_id;
    const forged = await call(client, 'pay', { checkout_id: id, method: 'card', payment_token: 'vt_forged' });
    expect(forged.out.failure).toMatchObject({ code: 'mandate_invalid' });
    expect(await ordersOf(id)).toHaveLength(0);
    const methods = await call(client, 'list_payment_methods', { checkout_id: id });
    // An agent's checkout is nobody's signed-in session: no saved methods at all (the schema would
    // allow brand and last four only), and nothing that looks like a card number.
    expect(methods.out.saved_methods).toEqual([]);
    expect(containsCardNumber(JSON.stringify({ ...methods.out, checkout_id: '' }))).toBe(false);
    const unknown = await call(client, 'get_checkout', { checkout_id: 'cs_nope' });
    expect(unknown.isError).toBe(true);
  });

  it('a person and an agent on one session: the agent pays, the person\'s page shows it paid, one charge', async () => {
    const person = shopperClient();
    const { session, secret } = await person.open(demoOf().url, { items: [{ productId: 'tee-classic', quantity: 1 }], country: 'US' });
    const client = await connect({ checkouts: [{ id: session.id, clientSecret: secret }] });
    const seen = await call(client, 'get_checkout', { checkout_id: session.id });
    expect(seen.out.phase).toBe('ready');
    const total = (seen.out.quote as { total: number }).total;
    const token = await delegate({ max: total, checkout: session.id });
    const agentPaid = await call(client, 'pay', { checkout_id: session.id, method: 'card', payment_token: token });
    expect(agentPaid.out.payment).toMatchObject({ status: 'succeeded' });
    // The person's tab (headless here, the widget in e2e) shows it paid, and Pay does nothing.
    const tab = createCheckout({ endpoint: endpoint(), sessionId: session.id, clientSecret: secret });
    expect(await tab.load()).toMatchObject({ phase: 'succeeded', result: { paymentId: (agentPaid.out.payment as { id: string }).id, method: 'card' } });
    const s = await tab.pay({ card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' } });
    expect(s.phase).toBe('succeeded');
    const orders = await ordersOf(session.id);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.actor).toBe('agent');
  });

  it('the till-mcp bin over stdio, and Streamable HTTP', async () => {
    const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
    const stdio = new StdioClientTransport({ command: process.execPath, args: ['--import', 'tsx', bin, '--endpoint', endpoint(), '--agent-key', 'demo-agent'], stderr: 'pipe' });
    const c1 = new Client({ name: 'stdio-test', version: '1.0.0' });
    await c1.connect(stdio);
    expect((await c1.listTools()).tools).toHaveLength(9);
    const created = await call(c1, 'create_checkout', { items: [{ productId: 'socks-wool', quantity: 3 }] });
    expect(created.out).toMatchObject({ phase: 'ready', lines: [{ productId: 'socks-wool', quantity: 3 }] });
    await c1.close();

    const http = await serveMcpHttp({ endpoint: endpoint(), agentKey: 'demo-agent' });
    try {
      const c2 = new Client({ name: 'http-test', version: '1.0.0' });
      await c2.connect(new StreamableHTTPClientTransport(new URL(http.url)));
      const made = await call(c2, 'create_checkout', { items: [{ productId: 'tee-classic', quantity: 1 }] });
      // The MCP session keeps its checkouts between requests.
      expect((await call(c2, 'get_checkout', { checkout_id: made.out.checkout_id })).out.phase).toBe('ready');
      await c2.close();
    } finally {
      await http.close();
    }
  }, 60_000);

  it('the demo\'s /mcp gives an assistant only to a page holding a checkout\'s client secret', async () => {
    const init = (headers: Record<string, string>) =>
      fetch(demoOf().url + 'mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
      });
    const { session, secret } = await shopperClient().open(demoOf().url);
    expect((await init({})).status).toBe(403);
    expect((await init({ 'till-checkout': session.id, 'till-client-secret': 'tcs_' + 'A'.repeat(43) })).status).toBe(403);
    const ok = await init({ 'till-checkout': session.id, 'till-client-secret': secret });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('mcp-session-id')).toBeTruthy();
  });

  it('the bin refuses to start without an endpoint, and says how to call it', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./bin.ts', import.meta.url))], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('Usage: till-mcp --endpoint');
  });
});
