// Where outbound HTTP may go (issue 27, item 2), in the worker and the codec server. Every URL a configuration supplies (outbound
// webhooks, Vlens, the codec server's JWKS) is called through a dispatcher that checks the address each
// socket actually connected to, after DNS: a name that resolves to 127.0.0.1 (or re-resolves there later,
// DNS rebinding) is caught at the same place as a literal http://127.0.0.1. In production, loopback,
// private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT (another cloud's metadata),
// unique-local IPv6 and every other special-purpose range are refused unless OUTBOUND_ALLOWED_NETWORKS
// names the address. Redirects are never followed by these callers, so a receiver cannot send the request
// on to another address either.
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, type Dispatcher } from 'undici';

export interface OutboundPolicy {
  /** true in production: only public unicast addresses, or the allow-list. */
  publicOnly: boolean;
  /** OUTBOUND_ALLOWED_NETWORKS: addresses or CIDR ranges allowed even when not public. */
  allowed: [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

export class OutboundConfigError extends Error {
  override name = 'OutboundConfigError';
}

/** Raised by the dispatcher's connector: the socket is closed before a byte of the request is written. */
export class OutboundAddressRefused extends Error {
  override name = 'OutboundAddressRefused';
  constructor() {
    // No address in the message: it reaches history, and what a name resolves to inside the network is not
    // for a tenant's receiver to learn.
    super('the address this URL resolved to is not allowed (OUTBOUND_ALLOWED_NETWORKS)');
  }
}

/** `OUTBOUND_ALLOWED_NETWORKS`: comma-separated addresses or CIDR ranges, e.g. `10.20.0.0/16,fd00:ec2::254`. */
export function loadOutboundPolicy(env: NodeJS.ProcessEnv = process.env): OutboundPolicy {
  const allowed: OutboundPolicy['allowed'] = [];
  for (const entry of (env.OUTBOUND_ALLOWED_NETWORKS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      if (ipaddr.isValidCIDR(entry)) allowed.push(ipaddr.parseCIDR(entry));
      else {
        const address = ipaddr.process(entry);
        allowed.push([address, address.kind() === 'ipv4' ? 32 : 128]);
      }
    } catch {
      throw new OutboundConfigError(`OUTBOUND_ALLOWED_NETWORKS: "${entry}" is not an IP address or CIDR range`);
    }
  }
  return { publicOnly: env.NODE_ENV === 'production', allowed };
}

/** Whether a connection to `address` (as the socket reports it) is allowed by `policy`. */
export function isAddressAllowed(address: string, policy: OutboundPolicy): boolean {
  if (!policy.publicOnly) return true;
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // process() turns ::ffff:127.0.0.1 into 127.0.0.1, so a mapped address is judged as the IPv4 it is.
    parsed = ipaddr.process(address);
  } catch {
    return false;
  }
  if (policy.allowed.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits)))
    return true;
  // 'unicast' is ipaddr.js's name for "none of the special-purpose ranges" (RFC 6890 and successors).
  return parsed.range() === 'unicast';
}

/**
 * An undici dispatcher whose connections may only reach allowed addresses. The check runs on the connected
 * socket's remote address, so it holds whatever DNS answered and whichever of several addresses was used.
 */
export function createOutboundDispatcher(policy: OutboundPolicy): Dispatcher {
  const base = buildConnector({});
  return new Agent({
    connect(options, callback) {
      base(options, (error, socket) => {
        if (error || !socket) return callback(error ?? new Error('connection failed'), null);
        if (!isAddressAllowed(socket.remoteAddress ?? '', policy)) {
          socket.destroy();
          return callback(new OutboundAddressRefused(), null);
        }
        return callback(null, socket);
      });
    },
  });
}
