// `liveness <requestId> <image> [faces...]`: submit liveness images for re-validation; files are read and
// sent as base64, blob: references as they are.
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { EXIT } from '../exit-codes';
import { readImage } from '../files';
import { accessTokenFrom, deviceFrom, idempotencyFrom, jsonOption, withDevice, type DeviceOptions } from '../options';
import { formatStatus } from '../status-format';

interface LivenessOptions extends DeviceOptions {
  idempotencyKey?: string;
  json?: boolean;
}

export function addLivenessCommand(program: Command, cli: CliContext): void {
  withDevice(
    program
      .command('liveness')
      .argument('<requestId>', 'the business request')
      .argument('<image>', 'selfie image file (or a blob: reference)')
      .argument('[faces...]', 'optionally exactly three face frames (files or blob: references)'),
  )
    .description('submit liveness images for re-validation (files are read and sent as base64)')
    .option('--idempotency-key <key>', 'retrying with the same key returns the first answer')
    .addOption(jsonOption())
    .action(async (requestId: string, image: string, faces: string[], options: LivenessOptions, command: Command) => {
      if (faces.length !== 0 && faces.length !== 3)
        command.error('error: give no face frames or exactly three', { exitCode: EXIT.usage });
      const [selfie, ...faceImages] = await Promise.all([image, ...faces].map(readImage));
      await cli.run(command, async (client) => {
        const answer = await client.submitLiveness(
          requestId,
          {
            image: selfie ?? '',
            ...(faceImages.length === 3 ? { faces: faceImages as [string, string, string] } : {}),
            device: deviceFrom(options),
            ...accessTokenFrom(options, cli.env),
          },
          idempotencyFrom(options),
        );
        cli.print(
          options,
          answer,
          `liveness ${answer.outcome} (${answer.attemptsLeft} attempts left)\n${formatStatus(answer.status)}`,
        );
      });
    });
}
