// The HTML of /activate/:requestId: the same for every activation and every visitor but for the language
// (from Accept-Language), so it says nothing about whether the link is good; the script (page/main.ts)
// reads the client secret from the fragment and asks the gateway. No inline script or style: the
// Content-Security-Policy below allows only the page's own files.
import Negotiator from 'negotiator';
import { ar } from '../../page/messages/ar';
import { en } from '../../page/messages/en';

export type PageLanguage = 'en' | 'ar';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of the shell: nothing cached (it is tiny), no referrer to the payment provider, camera and location here only. */
export const SHELL_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(self), geolocation=(self), microphone=(), payment=()',
};

export function languageOf(acceptLanguage: string | undefined): PageLanguage {
  const chosen = new Negotiator({ headers: { 'accept-language': acceptLanguage ?? '' } }).language(['en', 'ar']);
  return chosen === 'ar' ? 'ar' : 'en';
}

export function shellHtml(lang: PageLanguage, assetVersion: string): string {
  const m = lang === 'ar' ? ar : en;
  const other = lang === 'ar' ? 'en' : 'ar';
  return `<!doctype html>
<html lang="${lang}" dir="${lang === 'ar' ? 'rtl' : 'ltr'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${m.pageTitle}</title>
<link rel="stylesheet" href="/activate/assets/page.css?v=${assetVersion}">
<script type="module" src="/activate/assets/page.js?v=${assetVersion}"></script>
</head>
<body>
<header class="brand">
<img id="logo" alt="" hidden>
<span id="brand-name" class="brand-name">${m.brandFallback}</span>
<button id="lang-switch" type="button" lang="${other}">${m.switchTo}</button>
</header>
<main id="main">
<h1 id="title" tabindex="-1">${m.loading}</h1>
</main>
<div id="live" class="visually-hidden" role="status" aria-live="polite"></div>
</body>
</html>
`;
}
