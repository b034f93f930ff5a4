// Starts one real Temporal dev server for the whole `temporal` test project, through the same
// provisioning script `npm start` uses. If it cannot start, every test in the project fails loudly.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestProject } from 'vitest/node';
import { devServerExecutable, resolveTemporalCli } from '../../scripts/temporal-cli';
import { ALL_SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
  }
}

let env: TestWorkflowEnvironment | undefined;

export async function setup(project: TestProject): Promise<void> {
  const cli = await resolveTemporalCli((line) => console.error(line));
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: devServerExecutable(cli),
      searchAttributes: ALL_SEARCH_ATTRIBUTE_KEYS,
      log: { format: 'pretty', level: 'warn' },
    },
  });
  project.provide('temporalAddress', env.address);
  project.provide('temporalNamespace', env.namespace ?? 'default');
}

export async function teardown(): Promise<void> {
  await env?.teardown();
}
