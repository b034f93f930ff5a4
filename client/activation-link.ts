// The CLI's `start` prints the hosted activation page's link (issue 26) as the gateway's start answers it:
// when ACTIVATION_PAGE_BASE_URL is set, with a client secret signed by the gateway's key
// (GATEWAY_CLIENT_SECRET_KEYS; the development key outside production, as the gateway does), so the
// gateway at that address accepts it.
import { activationUrl, createClientSecrets, DEV_CLIENT_SECRET_KEY, splitKeyList } from '../contract/client-secret';

export function activationLinkFor(
  env: NodeJS.ProcessEnv,
  requestId: string,
  started: { tenant: string; maxLifeMs: number },
): string | undefined {
  const base = env.ACTIVATION_PAGE_BASE_URL;
  if (!base) return undefined;
  const keys = splitKeyList(env.GATEWAY_CLIENT_SECRET_KEYS ?? '');
  if (keys.length === 0) {
    if (env.NODE_ENV === 'production')
      throw new Error('ACTIVATION_PAGE_BASE_URL is set but GATEWAY_CLIENT_SECRET_KEYS is not: no link can be signed');
    keys.push(DEV_CLIENT_SECRET_KEY);
  }
  const { clientSecret } = createClientSecrets(keys).issue(requestId, started.tenant, started.maxLifeMs);
  return activationUrl(base, requestId.toLowerCase(), clientSecret);
}
