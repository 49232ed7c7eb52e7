// The demo's scripted assistant: a tiny MCP client (JSON-RPC over Streamable HTTP, plain JSON
// answers) that drives the Till MCP server at /mcp on the checkout open in this page. No model:
// the dialogue is fixed, the tool calls and their answers are real.
const $a = (id) => document.getElementById(id);

function say(role, text) {
  const li = document.createElement('li');
  li.dataset.role = role;
  li.textContent = (role === 'user' ? 'You: ' : role === 'assistant' ? 'Assistant: ' : '') + text;
  $a('assistant-log').append(li);
  return li;
}

const money = (m) => `${(m.amount / 100).toFixed(2)} ${m.currency}`;

/** One MCP session bound to this page's checkout (sent on initialize). */
let last;

function mcpClient(checkoutId, secret) {
  let sessionId = '';
  let seq = 0;
  async function send(message) {
    const res = await fetch('/mcp', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        ...(sessionId ? { 'Mcp-Session-Id': sessionId, 'Mcp-Protocol-Version': '2025-06-18' } : { 'Till-Checkout': checkoutId, 'Till-Client-Secret': secret }),
      },
      body: JSON.stringify(message),
    });
    sessionId = res.headers.get('mcp-session-id') ?? sessionId;
    if (res.status === 202) return undefined;
    const reply = await res.json();
    if (reply.error) throw new Error(reply.error.message);
    return reply.result;
  }
  return {
    async connect() {
      await send({ jsonrpc: '2.0', id: ++seq, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'till-demo-assistant', version: '1.0.0' } } });
      await send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    },
    async call(name, args) {
      const line = say('tool', `→ ${name} ${JSON.stringify(args)}`);
      const result = await send({ jsonrpc: '2.0', id: ++seq, method: 'tools/call', params: { name, arguments: args } });
      line.textContent += result.isError ? `  ✗ ${result.content?.[0]?.text ?? 'error'}` : '  ✓';
      line.dataset.tool = name;
      last = line;
      return result;
    },
  };
}

/**
 * The widget beside the panel reloads its checkout from the shop after each step; what it then
 * shows is noted on the step (QA and the e2e read it).
 */
async function refreshWidget(id) {
  const el = $a('checkout');
  const store = el.checkout;
  if (!store) return;
  await store.getState().load(id);
  const s = store.getState();
  if (last) {
    last.dataset.widgetPhase = s.phase;
    last.dataset.widgetTotal = String(s.quote?.total ?? '');
    last.dataset.widgetLines = (s.session?.lines ?? []).map((l) => `${l.productId}×${l.quantity}`).join(',');
  }
}

async function runAssistant() {
  const el = $a('checkout');
  const id = el.getAttribute('session-id');
  const secret = el.getAttribute('client-secret');
  const button = $a('run-assistant');
  if (!id || !secret) return;
  button.disabled = true;
  $a('assistant-log').replaceChildren();
  try {
    const mcp = mcpClient(id, secret);
    await mcp.connect();
    say('user', 'Add a pair of wool socks to my cart, please.');
    const current = (await mcp.call('get_checkout', { checkout_id: id })).structuredContent;
    if (current.phase === 'succeeded') {
      say('assistant', `This checkout is already paid (order ${current.payment.order_id}). Nothing more to do.`);
      return;
    }
    const socks = current.lines.find((l) => l.productId === 'socks-wool')?.quantity ?? 0;
    let r = await mcp.call('update_items', { checkout_id: id, items: [{ productId: 'socks-wool', quantity: socks + 1 }] });
    await refreshWidget(id);
    say('assistant', `Done: ${r.structuredContent.lines.map((l) => `${l.quantity} × ${l.name}`).join(', ')}. Total ${money({ amount: r.structuredContent.quote.total, currency: r.structuredContent.currency })}.`);

    say('user', 'I have a code: WELCOME10.');
    r = await mcp.call('apply_coupon', { checkout_id: id, code: 'WELCOME10' });
    await refreshWidget(id);
    const q = r.structuredContent.quote;
    say('assistant', r.structuredContent.applied ? `Applied. You save ${money({ amount: q.discount, currency: q.currency })}.` : `That code does not apply here (${r.structuredContent.reason}); the best coupons stay applied: ${q.applied.map((a) => a.code).join(', ') || 'none'}.`);

    say('user', 'How can I pay?');
    r = await mcp.call('list_payment_methods', { checkout_id: id });
    const methods = r.structuredContent.methods;
    say('assistant', methods.slice(0, 3).map((m, i) => `${i + 1}. ${m.label} (${m.reason.code.replaceAll('_', ' ')}), ${money(m.total)}`).join('  '));

    const card = methods.find((m) => m.method === 'card');
    say('user', `Pay by card, up to ${money(card.total)}.`);
    // The shopper's card goes to the payment provider, never to the assistant's tools: the
    // provider returns a token limited to this shop, this checkout and this amount (the mandate).
    const token = await (
      await fetch('/psp/agentic_commerce/delegate_payment', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer demo-agent' },
        body: JSON.stringify({
          payment_method: { type: 'card', number: '4242424242424242', exp_month: 12, exp_year: new Date().getFullYear() + 3, cvc: '123' },
          allowance: { reason: 'one_time', max_amount: card.total.amount, currency: card.total.currency.toLowerCase(), merchant_id: 'demo-shop', checkout_session_id: id, expires_at: new Date(Date.now() + 15 * 60_000).toISOString() },
        }),
      })
    ).json();
    r = await mcp.call('pay', { checkout_id: id, method: 'card', payment_token: token.id });
    await refreshWidget(id);
    const out = r.structuredContent;
    if (out.payment?.status === 'succeeded') say('assistant', `Paid ${money(out.payment.amount)}: order ${out.payment.order_id}.`);
    else say('assistant', `The payment did not go through: ${out.failure?.message ?? 'unknown'}`);
  } catch (e) {
    say('assistant', `Something went wrong: ${e.message}`);
  } finally {
    button.disabled = false;
    document.dispatchEvent(new Event('till-demo-assistant-done'));
  }
}

$a('run-assistant').addEventListener('click', () => void runAssistant());
