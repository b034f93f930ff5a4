// Every app message carries the device's position and clock (docs/vlens-api.md: Vlens compares the
// position with the customer's last one, 80 km). The position is asked for once, when the customer first
// acts, and reused for a few minutes.
import type { Device } from './api';

const REUSE_MS = 5 * 60_000;
let last: { at: number; latitude: number; longitude: number } | undefined;

export class LocationUnavailable extends Error {}

export async function currentDevice(): Promise<Device> {
  if (!last || Date.now() - last.at > REUSE_MS) {
    const position = await new Promise<GeolocationPosition>((resolve, reject) => {
      if (!('geolocation' in navigator)) return reject(new LocationUnavailable('no geolocation'));
      navigator.geolocation.getCurrentPosition(resolve, () => reject(new LocationUnavailable('denied')), {
        enableHighAccuracy: false,
        maximumAge: REUSE_MS,
        timeout: 20_000,
      });
    });
    last = { at: Date.now(), latitude: position.coords.latitude, longitude: position.coords.longitude };
  }
  return {
    geoLocation: { latitude: last.latitude, longitude: last.longitude },
    userDeviceUtcTime: new Date().toISOString(),
  };
}

/** A fresh key per user action: a retry of the same action reuses it (api.ts). */
export function newIdempotencyKey(what: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `page-${what}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
