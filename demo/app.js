// Demo storefront script: creates a session on the demo backend for the chosen scenario and
// hands its id to <till-checkout>. Plain JS so the page needs no build step beyond dist/till.js.
const CARTS = {
  standard: [{ productId: 'tee-classic', quantity: 2 }, { productId: 'mug-enamel', quantity: 1 }],
  small: [{ productId: 'socks-wool', quantity: 1 }],
  large: [{ productId: 'tee-classic', quantity: 4 }, { productId: 'mug-enamel', quantity: 2 }, { productId: 'socks-wool', quantity: 3 }],
  topup: [{ productId: 'topup-mobile', quantity: 1 }],
};

const $ = (id) => document.getElementById(id);
const checkout = $('checkout');

/**
 * The checkout this tab is in: session id and its client secret. A real shop keeps them in its
 * server-side session; the demo keeps them in sessionStorage (this tab) and localStorage (a bank
 * return into a new tab).
 */
function savedCheckout(store) {
  try {
    const v = JSON.parse(store.getItem('till-demo-session') ?? 'null');
    return v && typeof v.id === 'string' && typeof v.secret === 'string' ? v : null;
  } catch {
    return null;
  }
}

function showCheckout({ id, secret }) {
  checkout.setAttribute('client-secret', secret);
  checkout.setAttribute('session-id', id);
  document.body.dataset.sessionId = id;
  void showNetwork();
}

async function startCheckout(fresh = false) {
  const params = new URLSearchParams(location.search);
  // Back from the bank, or reloaded while a payment was pending or its outcome unknown: keep the
  // session the payment belongs to, so the widget resumes it (a real shop keeps its checkout
  // session the same way).
  // A bank return into a new tab has no sessionStorage: the shop's own memory of the shopper's
  // checkout (a cookie in a real shop, localStorage here) names the session.
  const returned = params.get('till_payment');
  const resume = savedCheckout(sessionStorage) ?? (returned ? savedCheckout(localStorage) : null);
  const pending = sessionStorage.getItem('till:pending') ?? '';
  const unanswered = resume && sessionStorage.getItem('till:attempt:' + resume.id);
  if (!fresh && resume && (returned || pending.includes(resume.id) || unanswered)) {
    showCheckout(resume);
    return;
  }
  const country = $('country').value;
  const items = CARTS[$('cart').value] ?? CARTS.standard;
  const provider = $('provider').value === 'stripe' ? '?provider=stripe' : '';
  const res = await fetch('/api/till/v1/sessions' + provider, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Till-Version': '2' },
    // Who the shopper is comes from the sign-in cookie on the server, never from this body.
    body: JSON.stringify({ items, country, ...(params.get('locale') ? { locale: params.get('locale') } : {}) }),
  });
  const reply = await res.json();
  if (reply.status !== 'ok') {
    log(`session error: ${reply.code}`);
    return;
  }
  const current = { id: reply.session.id, secret: reply.clientSecret };
  showCheckout(current);
  sessionStorage.setItem('till-demo-session', JSON.stringify(current));
  localStorage.setItem('till-demo-session', JSON.stringify(current));
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
      for (const v of [r.orderId, r.method, `${r.amount} ${r.currency}`, r.card ? `${r.card.brand} •••• ${r.card.last4}` : '', r.actor === 'agent' ? `agent ${r.agentId} (mandate ${r.mandateId})` : 'shopper']) {
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
  void fetch('/demo/sign-out', { method: 'POST' })
    .then(showAccount)
    .then(() => checkout.forgetPreferences())
    .then(() => startCheckout(true));
});

// Sign-in: the demo shop's own accounts (HttpOnly, SameSite=Lax cookie). A new session is started
// after every change, because a checkout belongs to the shopper it was created for.
async function showAccount() {
  const me = await (await fetch('/demo/me')).json();
  $('account-status').textContent = me.signedIn ? `Signed in as ${me.username}` : 'Guest checkout';
  $('sign-out').hidden = !me.signedIn;
  document.body.dataset.signedIn = me.signedIn ? 'yes' : 'no';
  return me;
}
$('sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  const body = JSON.stringify({ username: $('username').value, password: $('password').value });
  void fetch('/demo/sign-in', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }).then(async (r) => {
    const reply = await r.json();
    if (!r.ok) $('account-status').textContent = reply.message ?? 'Sign-in failed';
    else {
      $('password').value = '';
      await showAccount();
      await startCheckout(true);
    }
  });
});
$('sign-out').addEventListener('click', () => {
  void fetch('/demo/sign-out', { method: 'POST' }).then(showAccount).then(() => startCheckout(true));
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
// What the checkout does not need waits for a task of its own (each fetch costs the page a few ms).
window.setTimeout(() => {
  void showAccount();
  void refreshLedger();
});
document.addEventListener('till-demo-assistant-done', () => void refreshLedger());
