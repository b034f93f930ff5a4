#!/usr/bin/env node
// Entry of the `vlens-activation` bin (package.json). The CLI is TypeScript; tsx's loader is registered
// in-process so no build step is needed, then the exit code of the command becomes the process's.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { runCliProcess } = await import('./cli.ts');
process.exitCode = await runCliProcess(process.argv.slice(2));
