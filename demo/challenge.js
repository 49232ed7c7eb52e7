// Simulated issuer challenge: settles the payment on the demo backend, then tells the parent
// checkout (same origin as this page) that the challenge for this payment is done.
const paymentId = location.pathname.split('/')[3];
async function finish(result) {
  await fetch(`${location.pathname}/${result}`, { method: 'POST' });
  // The demo shop and its simulated issuer share an origin; a real issuer targets the shop's origin.
  window.parent.postMessage({ type: 'till:challenge-complete', paymentId }, location.origin);
}
document.getElementById('complete').addEventListener('click', () => void finish('complete'));
document.getElementById('fail').addEventListener('click', () => void finish('fail'));
