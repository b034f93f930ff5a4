// The page a payment link opens: plain HTML and inline JS, no external assets, so it works offline and in
// a WebView. Its buttons do what a gateway's checkout would: POST the outcome to /sandbox/payments/:id.
import type { PaymentRecord } from './state';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * Where the customer goes back after paying, as Kashier's hosted checkout takes it (`merchantRedirect`):
 * only an http(s) URL, shown as a link once the payment went through (the hosted activation page,
 * gateway/page/, passes its own address).
 */
function returnUrlOf(merchantRedirect: string | undefined): string | undefined {
  if (!merchantRedirect) return undefined;
  try {
    const url = new URL(merchantRedirect);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

export function paymentPageHtml(payment: PaymentRecord, merchantRedirect?: string): string {
  const returnUrl = returnUrlOf(merchantRedirect);
  const amount = `${payment.amount.toFixed(2)} ${payment.currency}`;
  const gateway = payment.gateway === 'fawry' ? 'Fawry' : 'Kashier';
  // JSON.stringify then escaping '<' keeps the id a safe JS string literal inside <script>.
  const idLiteral = JSON.stringify(payment.paymentId).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vlens sandbox payment - ${escapeHtml(amount)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; }
  .amount { font-size: 2rem; margin: 1rem 0; }
  button { font-size: 1rem; padding: .6rem 1.4rem; margin-right: .5rem; cursor: pointer; }
  #pay { background: #1a7f37; color: #fff; border: 0; }
  #decline { background: #eee; border: 1px solid #999; }
  #result { margin-top: 1.5rem; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>Sandbox payment</h1>
<p>Gateway: ${escapeHtml(gateway)} (simulated, no money moves)</p>
<p>Request: <code>${escapeHtml(payment.requestId)}</code></p>
<div class="amount" id="amount">${escapeHtml(amount)}</div>
<p>Status: <strong id="status">${escapeHtml(payment.status)}</strong></p>
<button id="pay" type="button">Pay</button>
<button id="decline" type="button">Decline</button>
<div id="result" role="status"></div>
${returnUrl ? `<p><a id="return" href="${escapeHtml(returnUrl)}" hidden>Return to the merchant</a></p>` : ''}
<script>
(function () {
  var paymentId = ${idLiteral};
  function submit(outcome) {
    var buttons = document.querySelectorAll('button');
    buttons.forEach(function (b) { b.disabled = true; });
    fetch('/sandbox/payments/' + encodeURIComponent(paymentId), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ outcome: outcome })
    }).then(function (r) { return r.json(); }).then(function (body) {
      if (body.status) document.getElementById('status').textContent = body.status;
      var back = document.getElementById('return');
      if (back && body.status === 'paid') back.hidden = false;
      document.getElementById('result').textContent =
        body.status === 'paid' ? 'Payment successful. You can return to the app.'
        : body.status === 'declined' ? 'Payment declined.'
        : 'Error: ' + (body.error_message || 'unknown');
    }).catch(function (e) {
      document.getElementById('result').textContent = 'Error: ' + e;
    }).finally(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    });
  }
  document.getElementById('pay').addEventListener('click', function () { submit('paid'); });
  document.getElementById('decline').addEventListener('click', function () { submit('declined'); });
})();
</script>
</body>
</html>
`;
}

export function notFoundPageHtml(): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Payment not found</title></head>' +
    '<body><h1>Payment not found</h1><p>This sandbox payment link is unknown (was the sandbox reset?).</p></body></html>\n'
  );
}
