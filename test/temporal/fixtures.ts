// The real stack as vitest fixtures (issue 13): a test asks for `harness` (or `receiver`, or the gateway
// `stack`) and gets the stack of its describe block, started with that block's options:
//
//   import { temporalTest as test } from './fixtures';
//   describe('liveness (legacy-activate)', () => {
//     test.scoped({ harnessOptions: { flavor: 'legacy-activate' } });
//     test('...', async ({ harness: h }) => { ... });
//   });
//
// One stack per top-level describe block, as the `beforeAll(startHarness)` / `afterAll(close)` pairs this
// replaces: started when the block's first test asks for it (inside that test, so within its timeout),
// closed when a test outside the block asks for a stack (one block's stack is down before the next one's
// starts) or at the end of the file; a close that fails (the harness's leak scan) fails the file.
//
// Why not simply `{ scope: 'file' }` on `harness`: vitest 3.2's fixture scopes are 'test', 'file' and
// 'worker', none per describe block, and a file-scoped value is kept per fixture name, so every block of
// a file would share one harness started with the options of whichever block asked first. The file-scoped
// fixture is `stacks`, which keeps the blocks' stacks; `harness` picks its block's. `beforeAll` hooks get
// no fixtures: setup a block did there after starting its stack is a fixture of its file now, made once
// per stack with `oncePerStack` where the block's tests share its result.
import { test as base, type TestContext } from 'vitest';
import { startGatewayStack, type GatewayStack, type GatewayStackOptions } from '../gateway/stack';
import { startHarness, type Harness, type HarnessOptions } from './harness';
import { startHarnessWithReceiver, type WebhookReceiver } from './webhook-receiver';

type Suite = NonNullable<TestContext['task']['suite']>;

interface Closable {
  close(): Promise<void>;
}

/** Whether `block` is `suite` or one of the describe blocks around it. */
function encloses(block: Suite, suite: Suite | undefined): boolean {
  for (; suite; suite = suite.suite) if (suite === block) return true;
  return false;
}

/** The top-level describe block around a test, or its file for a test outside any block. */
function topLevelBlock(task: TestContext['task']): Suite {
  let block: Suite = task.suite ?? task.file;
  while (block.suite && block.suite !== task.file) block = block.suite;
  return block;
}

/**
 * The stacks of one test file. A stack belongs to a top-level describe block (or to the file's tests
 * outside any block) and to the options it was started with, so a nested block shares its parent's stack
 * unless it sets options of its own. It is closed when a test outside its block asks for a stack, or at
 * the end of the file.
 */
export class DescribeStacks {
  private readonly open: { block: Suite; kind: string; options: object; stack: Promise<Closable> }[] = [];
  private readonly closeErrors: Error[] = [];

  /** The stack of this kind and options for the block of `task`, started now if it has none yet. */
  async of<T extends Closable>(
    task: TestContext['task'],
    kind: string,
    options: object,
    start: () => Promise<T>,
  ): Promise<T> {
    const block = topLevelBlock(task);
    // Blocks that do not enclose this test are done: a file's tests run one after another, in order.
    for (const entry of [...this.open].reverse()) {
      if (entry.block !== task.file && !encloses(entry.block, task.suite)) await this.close(entry);
    }
    let entry = this.open.find((e) => e.block === block && e.kind === kind && e.options === options);
    if (!entry) {
      entry = { block, kind, options, stack: start() };
      this.open.push(entry);
    }
    return (await entry.stack) as T;
  }

  /** Closes what is still open; any close that failed (a secret in a history, say) fails the file. */
  async closeAll(): Promise<void> {
    for (const entry of [...this.open].reverse()) await this.close(entry);
    if (this.closeErrors.length) {
      throw new Error(this.closeErrors.map((error) => error.message).join('\n'), { cause: this.closeErrors[0] });
    }
  }

  private async close(entry: DescribeStacks['open'][number]): Promise<void> {
    this.open.splice(this.open.indexOf(entry), 1);
    // A stack that failed to start failed its block's tests already; there is nothing to close.
    const stack = await entry.stack.catch(() => undefined);
    try {
      await stack?.close();
    } catch (error) {
      // Kept for the end of the file, so it is not blamed on the test that happened to come next.
      const message = error instanceof Error ? error.message : String(error);
      this.closeErrors.push(
        new Error(`closing the ${entry.kind} of "${entry.block.name}": ${message}`, { cause: error }),
      );
    }
  }
}

/** Shared by every test API below: one `DescribeStacks` per file, whichever API asks first. */
const stacksFixture: [
  (context: object, use: (value: DescribeStacks) => Promise<void>) => Promise<void>,
  { scope: 'file' },
] = [
  // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from its destructuring
  async ({}, use) => {
    const open = new DescribeStacks();
    await use(open);
    await open.closeAll();
  },
  { scope: 'file' },
];

export interface HarnessFixtures {
  /** The options of the describe block's harness; set them with `test.scoped({ harnessOptions })`. */
  harnessOptions: HarnessOptions;
  stacks: DescribeStacks;
  /** The real stack: sandbox, worker on a fresh task queue, client of the test Temporal server. */
  harness: Harness;
}

/** Tests against the real stack: `harness` is the describe block's own, started with `harnessOptions`. */
export const temporalTest = base.extend<HarnessFixtures>({
  harnessOptions: {},
  stacks: stacksFixture,
  harness: async ({ task, stacks, harnessOptions }, use) => {
    await use(await stacks.of(task, 'harness', harnessOptions, () => startHarness(harnessOptions)));
  },
});

const harnessWithReceiver = (task: TestContext['task'], stacks: DescribeStacks, options: HarnessOptions) =>
  stacks.of(task, 'harness with receiver', options, () => startHarnessWithReceiver(options));

/**
 * The same, with a backend registered for every activation's webhooks: `receiver` hears what the
 * describe block's `harness` sends.
 */
export const receiverTest = base.extend<HarnessFixtures & { receiver: WebhookReceiver }>({
  harnessOptions: {},
  stacks: stacksFixture,
  harness: async ({ task, stacks, harnessOptions }, use) => {
    await use((await harnessWithReceiver(task, stacks, harnessOptions)).h);
  },
  receiver: async ({ task, stacks, harnessOptions }, use) => {
    await use((await harnessWithReceiver(task, stacks, harnessOptions)).receiver);
  },
});

/** Tests through the gateway: `stack` is the describe block's gateway on its own harness. */
export const gatewayTest = base.extend<{
  /** The options of the describe block's stack; set them with `test.scoped({ stackOptions })`. */
  stackOptions: GatewayStackOptions;
  stacks: DescribeStacks;
  stack: GatewayStack;
}>({
  stackOptions: {},
  stacks: stacksFixture,
  stack: async ({ task, stacks, stackOptions }, use) => {
    await use(await stacks.of(task, 'gateway stack', stackOptions, () => startGatewayStack(stackOptions)));
  },
});

/**
 * One-time setup on a stack, as a describe block's `beforeAll` did after starting it (an activation the
 * block's tests share, say): the first test that asks runs it, inside its own timeout, and the block's
 * other tests get the same result, or the same failure.
 */
export function oncePerStack<S extends object, T>(setup: (stack: S) => Promise<T>): (stack: S) => Promise<T> {
  const done = new WeakMap<S, Promise<T>>();
  return (stack) => {
    let result = done.get(stack);
    if (!result) done.set(stack, (result = setup(stack)));
    return result;
  };
}
