// What both flavours share: their dependencies, the base body, and reading a payment link.
import type { VlensConfig } from '../config';
import type { VlensCallContext } from '../contract';
import type { VlensHttpClient, VlensLogger } from '../http';
import type { ResolveImage } from '../images';

export interface FlavorDeps {
  config: VlensConfig;
  http: VlensHttpClient;
  resolveImage: ResolveImage;
  logger: VlensLogger;
}

export function geoAndTime(ctx: VlensCallContext) {
  return {
    geoLocation: { latitude: ctx.device.geoLocation.latitude, longitude: ctx.device.geoLocation.longitude },
    userDeviceUtcTime: ctx.device.userDeviceUtcTime,
  };
}

/** The CustomerSign base body (vlens-api.md): every optional field sent, as null when unknown. */
export function baseBody(ctx: VlensCallContext) {
  return {
    ...geoAndTime(ctx),
    requestId: ctx.requestId,
    transactionId: ctx.transactionId ?? null,
    contractStorageId: ctx.contractStorageId ?? null,
    paymentGateway: ctx.paymentGateway ?? null,
  };
}

/**
 * The success `data` of OTP validation is "undocumented" in the real API; Part B says it is the payment
 * URL or null. Only an http(s) URL is taken as a link, so a message string never becomes one.
 */
export function paymentLinkFrom(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

export function authOf(ctx: VlensCallContext): { userToken?: string } {
  return ctx.accessToken ? { userToken: ctx.accessToken } : {};
}
