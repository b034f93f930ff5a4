// Great-circle distance for the 80 km rule (docs/vlens-api.md part B).

export interface GeoPoint {
  latitude: number;
  longitude: number;
}

/** Mean Earth radius (IUGG), the value part B fixes so the client and the sandbox agree. */
export const EARTH_RADIUS_KM = 6371.0088;

const toRad = (deg: number) => (deg * Math.PI) / 180;

export function haversineKm(a: GeoPoint, b: GeoPoint): number {
  const dLat = toRad(b.latitude - a.latitude);
  const dLon = toRad(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a.latitude)) * Math.cos(toRad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * True when the move needs liveness re-validation: distance strictly greater than the threshold.
 * The distance is rounded to the millimetre first, so a point placed at exactly 80 km is not pushed
 * over the line by floating-point noise.
 */
export function needsRevalidation(reference: GeoPoint, current: GeoPoint, thresholdKm: number): boolean {
  const km = Math.round(haversineKm(reference, current) * 1e6) / 1e6;
  return km > thresholdKm;
}
