#!/usr/bin/env node
// The CLI from the TypeScript sources, for development and the tests (`node client/cli-bin.mjs ...`):
// tsx's loader is registered in-process so no build step is needed, then the exit code of the command
// becomes the process's. The package's `vlens-activation` bin is the compiled dist/client/cli.js
// (`npm run build`, scripts/build.ts), which runs the same runCliProcess with plain node, as the image does.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { runCliProcess } = await import('./cli/index.ts');
process.exitCode = await runCliProcess(process.argv.slice(2));
