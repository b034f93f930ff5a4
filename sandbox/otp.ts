// SMS OTPs: issue (invalidating the previous one) and check, with the TTL and attempt limit of part B.
import { randomInt, randomUUID } from 'node:crypto';
import type { SandboxOptions } from './config';
import { errors } from './envelope';
import type { BusinessRequestRecord, OtpRecord, SandboxState } from './state';

export function issueOtp(state: SandboxState, opts: SandboxOptions, request: BusinessRequestRecord): OtpRecord {
  const previous = request.currentOtpRequestId ? state.otps.get(request.currentOtpRequestId) : undefined;
  if (previous && previous.status === 'active') previous.status = 'superseded';
  const otp: OtpRecord = {
    otpRequestId: randomUUID(),
    requestId: request.requestId,
    code: randomInt(0, 1_000_000).toString().padStart(6, '0'),
    expiresAt: opts.now() + opts.otpTtlSeconds * 1000,
    wrongAttempts: 0,
    status: 'active',
  };
  state.otps.set(otp.otpRequestId, otp);
  request.currentOtpRequestId = otp.otpRequestId;
  request.otpRequestIds.push(otp.otpRequestId);
  request.smsSent += 1;
  return otp;
}

/**
 * Checks a code against an otpRequestId; throws the part-B error when it does not validate.
 * A correct code for an OTP that was already used succeeds again, so a client retrying after a lost
 * response is not punished.
 */
export function checkOtp(
  state: SandboxState,
  opts: SandboxOptions,
  request: BusinessRequestRecord,
  otpRequestId: string,
  code: string,
): void {
  const otp = state.otps.get(otpRequestId);
  // An otpRequestId that does not exist for this request cannot be validated any more: same answer as expiry.
  if (!otp || otp.requestId !== request.requestId) throw errors.otpExpired('OTP expired or unknown otpRequestId');
  if (otp.status === 'dead') throw errors.otpAttemptsExceeded();
  if (otp.status === 'superseded') throw errors.otpExpired('OTP expired (superseded by a newer OTP request)');
  if (otp.status === 'active' && opts.now() >= otp.expiresAt) throw errors.otpExpired();
  if (code !== otp.code) {
    otp.wrongAttempts += 1;
    if (otp.wrongAttempts >= opts.maxOtpAttempts) otp.status = 'dead';
    throw errors.wrongOtp();
  }
  otp.status = otp.status === 'active' ? 'used' : otp.status;
}
