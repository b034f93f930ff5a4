// The layering of docs/architecture.md ("Layers"), enforced: `npm run lint:layers` (part of `npm test`)
// fails on any import these rules forbid. Paths are relative to the repository root.
//
// Product code is every folder below except test/, bench/ and scripts/: those are tooling, may import any
// file (they test and measure the internals), and product code never imports them.
//
// Layers, lowest first; a folder imports its own files and only the public surface of a folder listed
// for it (test/scripts/layering.test.ts holds a fixture that breaks each rule):
//   contract/   nothing of ours                        surface: every file directly in contract/
//   telemetry/  nothing of ours                        surface: every file (log-output, state, tracing)
//   codec/      contract, telemetry                    surface: index.ts; redact.ts (log redaction alone,
//                                                               for processes that do not load the codec)
//   page/       contract                               surface: messages/ (the page's words, which the
//                                                               gateway's server-rendered shell also prints)
//   workflows/  contract; of packages, only @temporalio/workflow   surface: index.ts (the bundle's entry)
//   activities/ contract, codec, telemetry             surface: index.ts
//   client/     contract, codec, telemetry             surface: index.ts (the CLI is reached as a program)
//   worker/     contract, codec, telemetry, activities, workflows
//   gateway/    contract, codec, telemetry, client, page
//   sandbox/    contract, codec, telemetry             (the Vlens stand-in shares no code with the real client)
//   packages/client/  contract, codec, client          (the installable package's entry: it re-exports
//                                                      names from those surfaces)
// worker/, gateway/, sandbox/ and packages/ are tops: no product code imports them.

/** Every product folder, as the first segment of a path. */
const PRODUCT = '^(contract|telemetry|codec|page|workflows|activities|client|worker|gateway|sandbox|packages)/';
const TOOLING = '^(test|bench|scripts)/';

/** The files another folder may import; anything else in that folder is its internals. */
const SURFACES = [
  '^contract/[^/]+\\.ts$',
  '^telemetry/[^/]+\\.ts$',
  '^codec/(index|redact)\\.ts$',
  '^page/messages/[^/]+\\.ts$',
  '^workflows/index\\.ts$',
  '^activities/index\\.ts$',
  '^client/index\\.ts$',
];

/** Which product folders each folder may import (besides itself). */
const MAY_IMPORT = {
  contract: [],
  telemetry: [],
  codec: ['contract', 'telemetry'],
  page: ['contract'],
  workflows: ['contract'],
  activities: ['contract', 'codec', 'telemetry'],
  client: ['contract', 'codec', 'telemetry'],
  worker: ['contract', 'codec', 'telemetry', 'activities', 'workflows'],
  gateway: ['contract', 'codec', 'telemetry', 'client', 'page'],
  sandbox: ['contract', 'codec', 'telemetry'],
  packages: ['contract', 'codec', 'client'],
};

const layerRules = Object.entries(MAY_IMPORT).map(([folder, allowed]) => ({
  name: `layer-${folder}`,
  comment: `${folder}/ imports only ${allowed.length ? allowed.map((f) => `${f}/`).join(', ') : 'nothing of ours'} (docs/architecture.md, Layers)`,
  severity: 'error',
  from: { path: `^${folder}/` },
  to: { path: PRODUCT, pathNot: `^(${[folder, ...allowed].join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      comment:
        'No import cycles in product code: a cycle makes load order matter (a value read before its module ran ' +
        'is undefined) and means two files cannot be understood or tested apart.',
      severity: 'error',
      from: { path: PRODUCT },
      to: { circular: true },
    },
    {
      name: 'workflows-deterministic-imports',
      comment:
        "workflows/ is bundled into the worker's deterministic sandbox and replayed from history: it imports " +
        'its own files, contract/ and @temporalio/workflow, nothing else (no Node built-ins, no other package, ' +
        'not even types from @temporalio/common: workflows/sdk-types.ts names the few types ' +
        '@temporalio/workflow does not re-export, derived from its own functions).',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { pathNot: ['^workflows/', '^contract/', '^node_modules/@temporalio/workflow/'] },
    },
    ...layerRules,
    {
      name: 'no-internals',
      comment:
        'Across folders, only a public surface is imported (SURFACES above; docs/architecture.md, Layers). ' +
        'Export what another folder needs from the surface instead of reaching past it.',
      severity: 'error',
      from: { path: PRODUCT },
      to: { path: PRODUCT, pathNot: ['^$1/', ...SURFACES] },
    },
    {
      name: 'product-not-into-tooling',
      comment:
        'Product code never imports test/, bench/ or scripts/: they are not shipped (.dockerignore, ' +
        'tsconfig.build.json). One exception, the next rule.',
      severity: 'error',
      from: { path: PRODUCT, pathNot: '^gateway/page/assets\\.ts$' },
      to: { path: TOOLING },
    },
    {
      name: 'page-assets-dev-builder-type-only',
      comment:
        'gateway/page/assets.ts builds the activation page with scripts/build-page.ts in development only ' +
        '(a production build has the files prebuilt); it loads the builder through a variable specifier so ' +
        'that `npm run build` never bundles esbuild, and names it statically only for its type.',
      severity: 'error',
      from: { path: '^gateway/page/assets\\.ts$' },
      to: { path: TOOLING, pathNot: '^scripts/build-page\\.ts$' },
    },
    {
      name: 'page-assets-dev-builder-not-loaded',
      comment: 'The exception above is for a type only: a value import would put esbuild into the production gateway.',
      severity: 'error',
      from: { path: '^gateway/page/assets\\.ts$' },
      to: { path: '^scripts/build-page\\.ts$', dependencyTypesNot: ['type-only', 'type-import'] },
    },
  ],
  options: {
    // Type-only imports count: they are still a dependency a reader follows.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
  },
};
