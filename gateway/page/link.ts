// The link a backend sends its customer (issue 26): the hosted page, with the client secret in the URL
// fragment, which a browser never sends to any server, so no proxy or access log holds it (page/session.ts
// reads it and removes it from the address bar). POST /v1/activations and the CLI's `start` answer it.
export function activationUrl(baseUrl: string, requestId: string, clientSecret: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/activate/${requestId}#cs=${encodeURIComponent(clientSecret)}`;
}
