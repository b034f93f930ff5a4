// `start <requestId>`: start (or join) an activation; prints the status and, when ACTIVATION_PAGE_BASE_URL
// is set, the customer's link to the hosted activation page.
import { Command, Option } from 'commander';
import { activationLinkFor } from '../../activation-link';
import type { CliContext } from '../context';
import { readInputFile } from '../files';
import { accessTokenFrom, deviceFrom, jsonObject, jsonOption, withDevice, type DeviceOptions } from '../options';
import { formatStatus } from '../status-format';

interface StartOptions extends DeviceOptions {
  input?: string;
  transactionId?: string;
  contractStorageId?: string;
  paymentGateway?: string;
  smsProvider?: string;
  policy?: Record<string, unknown>;
  wait: boolean;
  json?: boolean;
}

export function addStartCommand(program: Command, cli: CliContext): void {
  withDevice(program.command('start').argument('<requestId>', 'the approved business request (UUID)'))
    .description('start (or join) the activation of a business request')
    .option('--input <file>', "JSON workflow input to start from ('-' = stdin); flags override it")
    .option('--transaction-id <uuid>', 'the KYC transaction id')
    .option('--contract-storage-id <uuid>', 'the contract storage id')
    .option('--payment-gateway <name>', 'e.g. kashier or fawry')
    .addOption(
      new Option('--sms-provider <n>', 'SMS provider: 1 Infobip, 2 Vodafone, 3 Cequens, 4 Victory Link').choices([
        '1',
        '2',
        '3',
        '4',
      ]),
    )
    .option('--policy <json>', 'policy overrides, e.g. \'{"otpTtl":"2m"}\'', jsonObject)
    .option(
      '--no-wait',
      'answer at once ("requesting_otp") instead of after the first Vlens step (OTP sent, or liveness needed)',
    )
    .addOption(jsonOption())
    .addHelpText(
      'after',
      '\nExample:\n  vlens-activation start 81f404b3-d7dc-4f08-b4fe-934853c86282 --lat 30.0444 --lon 31.2357',
    )
    .action(async (requestId: string, options: StartOptions, command: Command) => {
      const input = await startInput(requestId, options, cli.env);
      await cli.run(command, async (client) => {
        // Waiting (at most 10 s) makes the answer say what to do next rather than "wait" (issue 16).
        const result = await client.start(input as never, options.wait ? { waitForFirstStep: true } : {});
        // The customer's link to the hosted activation page, when ACTIVATION_PAGE_BASE_URL is set.
        const link = activationLinkFor(cli.env, requestId, result);
        cli.print(
          options,
          link ? { ...result, activationUrl: link } : result,
          `${result.created ? 'Started' : 'Already running'}: ${result.status.workflowId}\n${formatStatus(result.status)}` +
            (link ? `\nActivation page for the customer: ${link}` : ''),
        );
      });
    });
}

/** The workflow input: --input's object, then the request id, the device and each flag given over it. */
async function startInput(
  requestId: string,
  options: StartOptions,
  env: NodeJS.ProcessEnv,
): Promise<Record<string, unknown>> {
  const base = options.input ? await readInputFile(options.input) : {};
  return {
    ...base,
    requestId,
    device: deviceFrom(options),
    ...(options.transactionId ? { transactionId: options.transactionId } : {}),
    ...(options.contractStorageId ? { contractStorageId: options.contractStorageId } : {}),
    ...(options.paymentGateway ? { paymentGateway: options.paymentGateway } : {}),
    ...(options.smsProvider ? { smsProvider: Number(options.smsProvider) } : {}),
    ...accessTokenFrom(options, env),
    ...(options.policy ? { policy: options.policy } : {}),
  };
}
