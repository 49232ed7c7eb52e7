// Demo storefront script: creates a session on the demo backend for the chosen scenario and
// hands its id to <till-checkout>. Plain JS so the page needs no build step beyond dist/till.js.
const CARTS = {
  standard: [{ productId: 'tee-classic', quantity: 2 }, { productId: 'mug-enamel', quantity: 1 }],
  small: [{ productId: 'socks-wool', quantity: 1 }],
  large: [{ productId: 'tee-classic', quantity: 4 }, { productId: 'mug-enamel', quantity: 2 }, { productId: 'socks-wool', quantity: 3 }],
};

const $ = (id) => document.getElementById(id);
const checkout = $('checkout');

/** One shopper per browser profile, so saved cards and learned preferences survive a reload. */
function shopperRef() {
  let ref = localStorage.getItem('till-demo-shopper');
  if (!ref) {
    ref = 'shopper_' + crypto.randomUUID().replaceAll('-', '').slice(0, 16);
    localStorage.setItem('till-demo-shopper', ref);
  }
  return ref;
}

async function startCheckout(fresh = false) {
  const params = new URLSearchParams(location.search);
  // Back from the bank, or reloaded while a payment was pending or its outcome unknown: keep the
  // session the payment belongs to, so the widget resumes it (a real shop keeps its checkout
  // session the same way).
  // A bank return into a new tab has no sessionStorage: the shop's own memory of the shopper's
  // checkout (a cookie in a real shop, localStorage here) names the session.
  const returned = params.get('till_payment');
  const resumeSession = sessionStorage.getItem('till-demo-session') ?? (returned && localStorage.getItem('till-demo-session'));
  const pending = sessionStorage.getItem('till:pending') ?? '';
  const unanswered = resumeSession && sessionStorage.getItem('till:attempt:' + resumeSession);
  if (!fresh && resumeSession && (returned || pending.includes(resumeSession) || unanswered)) {
    checkout.setAttribute('session-id', resumeSession);
    document.body.dataset.sessionId = resumeSession;
    void showNetwork();
    return;
  }
  const country = $('country').value;
  const items = CARTS[$('cart').value] ?? CARTS.standard;
  const provider = $('provider').value === 'stripe' ? '?provider=stripe' : '';
  const res = await fetch('/api/till/v1/sessions' + provider, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Till-Version': '1' },
    body: JSON.stringify({ items, country, shopperRef: shopperRef(), ...(params.get('locale') ? { locale: params.get('locale') } : {}) }),
  });
  const reply = await res.json();
  if (reply.status !== 'ok') {
    log(`session error: ${reply.code}`);
    return;
  }
  checkout.setAttribute('session-id', reply.session.id);
  document.body.dataset.sessionId = reply.session.id;
  void showNetwork();
  sessionStorage.setItem('till-demo-session', reply.session.id);
  localStorage.setItem('till-demo-session', reply.session.id);
}

function log(text) {
  const li = document.createElement('li');
  li.textContent = text;
  $('events').prepend(li);
}

async function refreshLedger() {
  const rows = await (await fetch('/demo/ledger')).json();
  const body = $('ledger-rows');
  body.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      for (const v of [r.orderId, r.method, `${r.amount} ${r.currency}`, r.card ? `${r.card.brand} •••• ${r.card.last4}` : '']) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
      return tr;
    }),
  );
}

let pendingPayment = '';
function setPending(id) {
  pendingPayment = id;
  $('pending-id').textContent = id;
  $('pending-controls').disabled = !id;
}
for (const [button, what] of [['simulate-paid', 'complete'], ['simulate-expire', 'expire'], ['simulate-fail', 'fail']]) {
  $(button).addEventListener('click', () => {
    if (pendingPayment) void fetch(`/demo/payments/${pendingPayment}/${what}`, { method: 'POST' }).then(() => log(`${what} ${pendingPayment}`));
  });
}
checkout.addEventListener('till-action-required', (e) => setPending(e.detail.paymentId));
checkout.addEventListener('till-payment-succeeded', () => setPending(''));

for (const type of ['viewed', 'method-selected', 'coupons-changed', 'payment-started', 'payment-succeeded', 'payment-failed', 'action-required']) {
  checkout.addEventListener(`till-${type}`, (e) => {
    log(`${type} ${JSON.stringify(e.detail)}`);
    if (type === 'payment-succeeded') void refreshLedger();
  });
}

$('scenario').addEventListener('submit', (e) => {
  e.preventDefault();
  void startCheckout(true);
});
$('refresh-ledger').addEventListener('click', () => void refreshLedger());
$('forget').addEventListener('click', () => void checkout.forgetPreferences().then(() => log('preferences forgotten')));
$('personalization').addEventListener('change', (e) => {
  checkout.setAttribute('personalization', e.target.checked ? 'on' : 'off');
});
// Network faults happen in the demo backend, so the widget meets them as it would in the wild.
async function setNetwork(mode) {
  const sessionId = document.body.dataset.sessionId;
  const r = await (await fetch('/demo/network', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mode, sessionId }) })).json();
  log(`network for ${sessionId}: ${r.mode ?? r.error}`);
}
$('network').addEventListener('change', (e) => void setNetwork(e.target.value));
/** One-shot faults reset themselves: show the mode this session's network is really in. */
async function showNetwork() {
  const r = await (await fetch('/demo/network/' + encodeURIComponent(document.body.dataset.sessionId))).json();
  $('network').value = r.mode;
}

// The two A/B switches: each attribute change starts the checkout afresh in that arm.
$('auto-coupons').addEventListener('change', (e) => {
  checkout.setAttribute('auto-coupons', e.target.checked ? 'on' : 'off');
});
$('new-shopper').addEventListener('click', () => {
  localStorage.removeItem('till-demo-shopper');
  void checkout.forgetPreferences().then(startCheckout);
});

const params = new URLSearchParams(location.search);
if (params.get('country')) $('country').value = params.get('country');
if (params.get('cart')) $('cart').value = params.get('cart');
if (params.get('provider')) $('provider').value = params.get('provider');
if (params.get('personalization') === 'off') {
  $('personalization').checked = false;
  checkout.setAttribute('personalization', 'off');
}
if (params.get('auto-coupons') === 'off') {
  $('auto-coupons').checked = false;
  checkout.setAttribute('auto-coupons', 'off');
}
void startCheckout();
void refreshLedger();
