// Simulated bank redirect: settles the payment on the demo backend, then sends the shopper back
// to the shop's return URL with the payment id, where <till-checkout> resumes it.
const paymentId = location.pathname.split('/').pop();
const back = new URL(new URLSearchParams(location.search).get('return') ?? '/', location.origin);
async function finish(result) {
  await fetch(`/demo/payments/${paymentId}/${result}`, { method: 'POST' });
  back.searchParams.set('till_payment', paymentId);
  location.assign(back.href);
}
document.getElementById('approve').addEventListener('click', () => void finish('complete'));
document.getElementById('decline').addEventListener('click', () => void finish('fail'));
