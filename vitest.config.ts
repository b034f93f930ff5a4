import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs no Temporal server (sandbox, Vlens client against the in-process sandbox,
// codec, the workflow core with fake effects, pure helpers; the dedup store's restart test uses the machine's PostgreSQL); `temporal` runs against a real Temporal dev server that the global setup starts
// once through the project's provisioning script. Both run in `npm test`; neither skips.
export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // One folder per component; none of them needs a Temporal server.
          include: [
            'test/activities/**/*.test.ts',
            'test/bench/**/*.test.ts',
            'test/client/**/*.test.ts',
            'test/codec/**/*.test.ts',
            'test/contract/**/*.test.ts',
            'test/deployment/**/*.test.ts',
            // The activation page's own logic (page/), in Node against a real HTTP server.
            'test/page/**/*.test.ts',
            'test/sandbox/**/*.test.ts',
            'test/scripts/**/*.test.ts',
            'test/telemetry/**/*.test.ts',
            'test/workflows/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'temporal',
          // test/security/: issue 12's findings as attacks against the real stack.
          include: [
            'test/temporal/**/*.test.ts',
            'test/gateway/**/*.test.ts',
            'test/security/**/*.test.ts',
            'test/chaos/**/*.test.ts',
            'test/ui/**/*.test.ts',
            // The installable client package, packed, installed and used (issue 29).
            'test/package/**/*.test.ts',
          ],
          globalSetup: ['test/temporal/global-setup.ts'],
          // The dev server and workers share two cores; run files one after another.
          poolOptions: { forks: { singleFork: true } },
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
