// The skeleton's activities do nothing: the benchmark measures orchestration, not Vlens.
export interface SkeletonActivities {
  requestOtp(requestId: string): Promise<void>;
  validateOtp(requestId: string, code: string): Promise<boolean>;
  validatePayment(requestId: string): Promise<void>;
}

export const skeletonActivities: SkeletonActivities = {
  async requestOtp() {},
  async validateOtp() {
    return true;
  },
  async validatePayment() {},
};
