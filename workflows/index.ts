export { activation } from './activation';
export { activationWebhooks } from './activation-webhooks';
