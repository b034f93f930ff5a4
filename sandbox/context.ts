// What every route needs: state, options, the webhook sender and the public base URL (known only once
// the server listens, hence a function).
import type { SandboxOptions } from './config';
import type { SandboxState } from './state';
import type { Logger, WebhookSender } from './webhooks';

export interface SandboxContext {
  state: SandboxState;
  opts: SandboxOptions;
  webhooks: WebhookSender;
  publicUrl: () => string;
  log: Logger;
}
