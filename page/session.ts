// The client secret: it arrives in the URL fragment (#cs=...), which browsers never send to a server, so
// no server, proxy or log sees it. It is read once, removed from the address bar, and kept in this tab's
// sessionStorage, so a reload or the return from the payment page (which comes back without it) still
// finds it; closing the tab forgets it.
const KEY_PREFIX = 'vlens-activation-cs:';

export function requestIdFromPath(): string {
  const match = /^\/activate\/([^/?#]+)$/.exec(location.pathname);
  return match?.[1] ? decodeURIComponent(match[1]).toLowerCase() : '';
}

export function takeClientSecret(requestId: string): string | undefined {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const fromUrl = fragment.get('cs') ?? undefined;
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  const key = KEY_PREFIX + requestId;
  try {
    if (fromUrl) sessionStorage.setItem(key, fromUrl);
    return fromUrl ?? sessionStorage.getItem(key) ?? undefined;
  } catch {
    return fromUrl;
  }
}

export function forgetClientSecret(requestId: string): void {
  try {
    sessionStorage.removeItem(KEY_PREFIX + requestId);
  } catch {
    // nothing kept
  }
}
