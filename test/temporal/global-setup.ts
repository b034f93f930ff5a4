// Starts one real Temporal dev server for the whole `temporal` test project, through the same
// provisioning script `npm start` uses. If it cannot start, every test in the project fails loudly.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { bundleActivationWorkflows } from '../../worker/create-worker';
import { REGISTERED_SEARCH_ATTRIBUTE_KEYS } from '../../client/tenancy';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
    /** The workflow code bundled once for the whole run, so each test file starts its worker fast. */
    workflowBundlePath: string;
  }
}

let env: TestWorkflowEnvironment | undefined;

export async function setup(project: TestProject): Promise<void> {
  const cli = await resolveTemporalCli((line) => console.error(line));
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: cli.path },
      searchAttributes: REGISTERED_SEARCH_ATTRIBUTE_KEYS,
      log: { format: 'pretty', level: 'warn' },
    },
  });
  project.provide('temporalAddress', env.address);
  project.provide('temporalNamespace', env.namespace ?? 'default');
  const bundle = await bundleActivationWorkflows();
  const bundlePath = path.join(mkdtempSync(path.join(os.tmpdir(), 'vlens-bundle-')), 'workflows.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('workflowBundlePath', bundlePath);
}

export async function teardown(): Promise<void> {
  await env?.teardown();
}
