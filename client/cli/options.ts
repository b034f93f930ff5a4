// Option parsers and option groups shared by the commands. A value a parser refuses is a usage error
// (commander's InvalidArgumentError, exit 2), found before any client is built.
import { Command, InvalidArgumentError, Option } from 'commander';
import type { DeviceContext } from '../../contract/types';

export function numberIn(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidArgumentError(`must be a number between ${min} and ${max}`);
    }
    return value;
  };
}

export function jsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('must be a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError('must be a JSON object');
  return value as Record<string, unknown>;
}

export const jsonOption = () => new Option('--json', 'print the raw JSON answer');

export interface DeviceOptions {
  lat: number;
  lon: number;
  deviceTime?: string;
  accessToken?: string;
}

/** --lat/--lon/--device-time/--access-token, shared by every command that speaks for the app. */
export function withDevice(command: Command): Command {
  return command
    .requiredOption('--lat <latitude>', "the device's latitude", numberIn(-90, 90))
    .requiredOption('--lon <longitude>', "the device's longitude", numberIn(-180, 180))
    .option('--device-time <iso>', "the device's clock, ISO-8601 UTC (default: now)")
    .option('--access-token <token>', "the user's Vlens token (or env VLENS_ACCESS_TOKEN; the flag is visible in ps)");
}

export function deviceFrom(options: DeviceOptions): DeviceContext {
  return {
    geoLocation: { latitude: options.lat, longitude: options.lon },
    userDeviceUtcTime: options.deviceTime ?? new Date().toISOString(),
  };
}

/** `{ accessToken }` from --access-token, else VLENS_ACCESS_TOKEN; `{}` when neither is set. */
export function accessTokenFrom(options: DeviceOptions, env: NodeJS.ProcessEnv): { accessToken?: string } {
  const token = options.accessToken ?? env.VLENS_ACCESS_TOKEN;
  return token ? { accessToken: token } : {};
}

/** `{ idempotencyKey }` from --idempotency-key; `{}` without it. */
export function idempotencyFrom(options: { idempotencyKey?: string }): { idempotencyKey?: string } {
  return options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {};
}
