// What every route needs: state, options, the dialect answers are worded in, the webhook sender and the
// public base URL (known only once the server listens, hence a function).
import type { SandboxOptions } from './config';
import type { Dialect } from './dialect';
import type { SandboxState } from './state';
import type { Logger, WebhookSender } from './webhooks';

export interface SandboxContext {
  state: SandboxState;
  opts: SandboxOptions;
  dialect: Dialect;
  webhooks: WebhookSender;
  publicUrl: () => string;
  log: Logger;
}
