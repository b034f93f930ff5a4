// The deployment files checked for structure, without a Docker engine (scripts/docker/ci.sh builds the
// image for real where one can run): docker-compose.yml parsed as YAML (with `<<` merge keys, as compose
// reads it), the Dockerfile read line by line, and .env.example compared with every variable compose
// interpolates. The checks are plain functions that
// return a list of problems; the second half of this file feeds them broken variants to prove each
// check can fail.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { dockerfileInstructions } from '../../scripts/docker/runtime-env';

const ROOT = path.resolve(new URL('../..', import.meta.url).pathname);
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** Secrets: each must come from a required variable, `${NAME:?message}`, and never have a default. */
const SECRETS = [
  'CODEC_KEYS',
  'CODEC_SERVER_TOKENS',
  'GATEWAY_API_KEYS',
  'GATEWAY_CLIENT_SECRET_KEYS',
  'KASHIER_WEBHOOK_SECRET',
  'FAWRY_SECURE_KEY',
  'VLENS_WEBHOOK_TOKEN',
  'VLENS_API_KEY',
  'VLENS_PASSWORD',
  'POSTGRES_PASSWORD',
] as const;
/** The development defaults of the code (docs/design.md §4a); none may appear in the production stack. */
const DEV_SECRET_VALUES = [
  'dev-key',
  'kashier-dev-secret',
  'fawry-dev-secure-key',
  'sandbox-key',
  'sandbox-password',
  'dev-codec-token',
  'dev-client-secret-key-not-for-production',
];
/** Environment keys that hold a secret, whatever service they are in. */
const SECRET_KEY = /(SECRET|PASSWORD|PASSWD|_PWD|(?<!PASS_ACCESS_)TOKENS?|API_KEYS?|SECURE_KEY|CODEC_KEYS)$/;
/** Services that must see the same claim-check image folder (the gateway writes, the worker reads). */
const IMAGE_STORE_SHARERS = ['worker', 'gateway'];

const REQUIRED_SERVICES = [
  'postgresql',
  'temporal',
  'temporal-setup',
  'temporal-ui',
  'worker',
  'gateway',
  'codec-server',
  'sandbox',
];
/** Long-running services: a health check and `restart: unless-stopped` each. */
const LONG_RUNNING = REQUIRED_SERVICES.filter((s) => s !== 'temporal-setup');
/** Built from our Dockerfile and run with NODE_ENV=production; value = the compiled entry its command runs. */
const APP_SERVICES: Record<string, string> = {
  worker: 'dist/worker/main.js',
  gateway: 'dist/gateway/main.js',
  'codec-server': 'dist/codec/codec-server-main.js',
  sandbox: 'dist/sandbox/main.js',
};

/**
 * `npm run build` (scripts/build.ts) compiles each dist entry from a source file: 'dist/worker/main.js' is
 * built from 'worker/main.ts' when ENTRY_POINTS maps 'worker/main' to it. Read from the script's text, so
 * this test needs neither a build nor esbuild.
 */
function buildEntryPoints(buildScript: string): Record<string, string> {
  const block = /ENTRY_POINTS[^=]*=\s*\{([^}]*)\}/.exec(buildScript)?.[1] ?? '';
  return Object.fromEntries([...block.matchAll(/'([^']+)':\s*'([^']+)'/g)].map((m) => [`dist/${m[1]}.js`, m[2]!]));
}
/** depends_on edges that must wait for a condition, not just for the container to start. */
const REQUIRED_DEPENDENCIES: Array<[service: string, on: string, condition: string]> = [
  ['temporal', 'postgresql', 'service_healthy'],
  ['temporal-setup', 'temporal', 'service_healthy'],
  ['temporal-ui', 'temporal', 'service_healthy'],
  ['worker', 'temporal', 'service_healthy'],
  ['worker', 'temporal-setup', 'service_completed_successfully'],
  ['gateway', 'temporal', 'service_healthy'],
  ['gateway', 'temporal-setup', 'service_completed_successfully'],
  ['gateway', 'postgresql', 'service_healthy'],
];

type Doc = Record<string, any>;

function envOf(service: Doc): Record<string, string> {
  const env = service?.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry: string) => {
        const eq = String(entry).indexOf('=');
        return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function commandText(service: Doc): string {
  const c = service?.command;
  return Array.isArray(c) ? c.join(' ') : String(c ?? '');
}

function healthTest(service: Doc): string {
  const t = service?.healthcheck?.test;
  return Array.isArray(t) ? t.join(' ') : String(t ?? '');
}

/** `${NAME...}` references in a compose string ($$ is an escaped literal dollar, not a reference). */
function references(text: string): Array<{ name: string; operator: string; raw: string }> {
  const found: Array<{ name: string; operator: string; raw: string }> = [];
  const pattern = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?([^}]*)\}/g;
  for (const m of text.matchAll(pattern)) found.push({ name: m[1]!, operator: m[2] ?? '', raw: m[0] });
  return found;
}

/** The text without full-line comments (compose does not interpolate comments). */
const uncommented = (text: string) =>
  text
    .split(/\r?\n/)
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');

/** Strips every `${...}` reference; what remains of a secret value is literal text. */
const withoutReferences = (value: string) => value.replace(/\$\{[^}]*\}/g, '');

function checkCompose(text: string): string[] {
  const problems: string[] = [];
  let doc: Doc;
  try {
    doc = parse(text, { merge: true }) as Doc;
  } catch (error) {
    return [`docker-compose.yml is not valid YAML: ${(error as Error).message}`];
  }
  const services: Record<string, Doc> = doc?.services ?? {};

  for (const name of REQUIRED_SERVICES) if (!services[name]) problems.push(`service ${name} is missing`);

  for (const name of LONG_RUNNING) {
    const s = services[name];
    if (!s) continue;
    if (!healthTest(s).trim() || s.healthcheck?.disable) problems.push(`${name}: no healthcheck`);
    if (s.restart !== 'unless-stopped')
      problems.push(`${name}: restart is ${JSON.stringify(s.restart)}, not unless-stopped`);
  }
  const setup = services['temporal-setup'];
  if (setup) {
    if (setup.restart === 'always' || setup.restart === 'unless-stopped')
      problems.push('temporal-setup is a one-shot and must not restart forever');
    const cmd = commandText(setup);
    if (!/temporalio\/admin-tools:/.test(String(setup.image)))
      problems.push('temporal-setup must use temporalio/admin-tools');
    for (const needle of [
      'search-attribute create',
      'ActivationState',
      'VlensRequestId',
      'ActivationTenant',
      'Keyword',
    ]) {
      if (!cmd.includes(needle)) problems.push(`temporal-setup command lacks "${needle}"`);
    }
  }

  // PostgreSQL and Temporal on it.
  const pg = services.postgresql;
  if (pg) {
    if (!/^postgres:16(\.|$|-)/.test(String(pg.image)))
      problems.push(`postgresql image ${pg.image} is not postgres:16`);
    if (!/pg_isready/.test(healthTest(pg))) problems.push('postgresql healthcheck must use pg_isready');
    const dataVolume = (pg.volumes ?? []).map(String).find((v: string) => v.endsWith(':/var/lib/postgresql/data'));
    if (!dataVolume || /^[./~]/.test(dataVolume)) problems.push('postgresql data must live on a named volume');
  }
  const temporal = services.temporal;
  if (temporal) {
    if (!/^temporalio\/auto-setup:1\.29\.\d+$/.test(String(temporal.image)))
      problems.push(`temporal image ${temporal.image} is not temporalio/auto-setup:1.29.x`);
    const env = envOf(temporal);
    if (env.DB !== 'postgres12') problems.push('temporal: DB must be postgres12');
    if (env.POSTGRES_SEEDS !== 'postgresql')
      problems.push('temporal: POSTGRES_SEEDS must point at the postgresql service');
    if (!/temporal operator cluster health|tctl/.test(healthTest(temporal)))
      problems.push('temporal healthcheck must ask the cluster (temporal operator cluster health or tctl)');
    // auto-setup creates a database only when its name differs from the SQL user (it assumes the postgres
    // image created the user's namesake); with user `temporal` the `temporal` database would never exist.
    const user = env.SQL_USER ?? env.POSTGRES_USER ?? '';
    const pgUser = envOf(pg ?? {}).POSTGRES_USER ?? 'postgres';
    if (user !== pgUser)
      problems.push(`temporal connects as ${user || '(nobody)'}, but the postgresql service's user is ${pgUser}`);
    for (const database of [
      env.SQL_DATABASE ?? env.DBNAME ?? 'temporal',
      env.SQL_VISIBILITY_DATABASE ?? env.VISIBILITY_DBNAME ?? 'temporal_visibility',
    ]) {
      if (database === user)
        problems.push(`temporal: database ${database} has the SQL user's name, so auto-setup would not create it`);
    }
  }

  // The UI decodes through the codec server.
  const ui = services['temporal-ui'];
  if (ui) {
    if (!/^temporalio\/ui:/.test(String(ui.image))) problems.push('temporal-ui must use temporalio/ui');
    const endpoint = envOf(ui).TEMPORAL_CODEC_ENDPOINT ?? '';
    const codecPorts = (services['codec-server']?.ports ?? []).map(String);
    const codecHostPort = codecPorts
      .map((p: string) => /:(\d+):8888$|^(\d+):8888$/.exec(p.replace(/\$\{[^}]*:-(\d+)\}/g, '$1')))
      .find(Boolean);
    const hostPort = codecHostPort ? (codecHostPort[1] ?? codecHostPort[2]) : undefined;
    if (!endpoint) problems.push('temporal-ui: TEMPORAL_CODEC_ENDPOINT is not set');
    else if (!hostPort || !endpoint.includes(`:${hostPort}`))
      problems.push(
        `temporal-ui: TEMPORAL_CODEC_ENDPOINT (${endpoint}) does not point at the codec server's published port`,
      );
    const ports = (ui.ports ?? []).map((p: unknown) => String(p).replace(/\$\{[^}]*:-(\d+)\}/g, '$1'));
    if (!ports.some((p: string) => /(^|:)8233:8080$/.test(p))) problems.push('temporal-ui must publish 8233 -> 8080');
  }

  // App services: our image, production mode, an entry file that exists.
  for (const [name, entry] of Object.entries(APP_SERVICES)) {
    const s = services[name];
    if (!s) continue;
    const build = typeof s.build === 'string' ? { context: s.build } : s.build;
    if (!build || (build.dockerfile ?? 'Dockerfile') !== 'Dockerfile' || !['.', './'].includes(build.context)) {
      problems.push(`${name}: must be built from ./Dockerfile`);
    }
    if (envOf(s).NODE_ENV !== 'production') problems.push(`${name}: NODE_ENV must be production`);
    const cmd = commandText(s);
    const source = buildEntryPoints(read('scripts/build.ts'))[entry];
    if (!/^node\s/.test(cmd) || !cmd.includes(entry))
      problems.push(`${name}: command "${cmd}" does not run node ${entry}`);
    else if (!source) problems.push(`${name}: npm run build (scripts/build.ts) does not build ${entry}`);
    else if (!existsSync(path.join(ROOT, source)))
      problems.push(`${name}: ${source} (built into ${entry}) does not exist in the repository`);
  }
  const worker = services.worker;
  if (worker && !envOf(worker).WORKFLOW_BUNDLE_PATH)
    problems.push('worker: WORKFLOW_BUNDLE_PATH is not set (prebuilt bundle)');

  // Profiles: the sandbox only under `sandbox`; everything else starts by default.
  for (const [name, s] of Object.entries(services)) {
    const profiles: string[] = s.profiles ?? [];
    if (name === 'sandbox') {
      if (profiles.length !== 1 || profiles[0] !== 'sandbox')
        problems.push(`sandbox must be in exactly the "sandbox" profile, not ${JSON.stringify(profiles)}`);
    } else if (profiles.length > 0) {
      problems.push(`${name} is in profiles ${JSON.stringify(profiles)}; only the sandbox is optional`);
    }
    // A default service must not wait for the optional sandbox.
    if (
      name !== 'sandbox' &&
      s.depends_on &&
      Object.keys(
        Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d: string) => [d, 1])) : s.depends_on,
      ).includes('sandbox')
    ) {
      problems.push(`${name} depends on the optional sandbox service`);
    }
  }

  // depends_on: the long form with a condition everywhere, and the edges that matter.
  for (const [name, s] of Object.entries(services)) {
    if (Array.isArray(s.depends_on)) problems.push(`${name}: depends_on must use the long form with a condition`);
  }
  for (const [name, on, condition] of REQUIRED_DEPENDENCIES) {
    const actual = services[name]?.depends_on?.[on]?.condition;
    if (services[name] && actual !== condition)
      problems.push(`${name} must depend on ${on} with condition ${condition} (found ${actual ?? 'none'})`);
  }

  // The claim-check store: one IMAGE_STORE_DIR on one named volume for every process that touches images.
  const imageMounts = IMAGE_STORE_SHARERS.map((name) => {
    const s = services[name];
    const dir = envOf(s ?? {}).IMAGE_STORE_DIR;
    const mount = (s?.volumes ?? []).map(String).find((v: string) => dir && v.endsWith(`:${dir}`));
    return { name, dir, source: mount?.split(':')[0] };
  });
  for (const m of imageMounts)
    if (services[m.name] && (!m.dir || !m.source))
      problems.push(`${m.name}: IMAGE_STORE_DIR must be set and mounted from a volume`);
  if (new Set(imageMounts.map((m) => m.source)).size > 1)
    problems.push(`worker and gateway mount different image stores (${imageMounts.map((m) => m.source).join(', ')})`);

  // Named volumes: every non-path volume source is declared at the top level.
  const declared = Object.keys(doc?.volumes ?? {});
  if (declared.length === 0) problems.push('no named volumes declared');
  for (const [name, s] of Object.entries(services)) {
    for (const v of s.volumes ?? []) {
      const source = typeof v === 'string' ? v.split(':')[0]! : v?.type === 'volume' ? v.source : undefined;
      if (source && v !== source && !/^[./~$]/.test(source) && !declared.includes(source)) {
        problems.push(`${name}: volume ${source} is not declared under volumes:`);
      }
    }
  }

  // Secrets: required variables only, never a default, never a literal.
  const refs = references(uncommented(text));
  for (const secret of SECRETS) {
    const uses = refs.filter((r) => r.name === secret);
    if (uses.length === 0) problems.push(`secret ${secret} is never used`);
    for (const use of uses)
      if (use.operator !== ':?')
        problems.push(`secret ${secret} is referenced as ${use.raw}; use \${${secret}:?message}`);
  }
  for (const [name, s] of Object.entries(services)) {
    for (const [key, value] of Object.entries(envOf(s))) {
      const secretKey = SECRET_KEY.test(key);
      const credentialsInUrl = /:\/\/[^/:@\s]+:([^@\s]+)@/.exec(value);
      if (secretKey) {
        if (references(value).some((r) => r.operator !== ':?') || references(value).length === 0) {
          problems.push(`${name}.${key} must come from a required variable (\${VAR:?message})`);
        } else if (withoutReferences(value).trim() !== '') {
          problems.push(`${name}.${key} mixes literal text into a secret`);
        }
      }
      if (credentialsInUrl && !/^\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}$/.test(credentialsInUrl[1]!)) {
        problems.push(`${name}.${key} embeds a password that is not a required variable`);
      }
    }
  }
  for (const literal of DEV_SECRET_VALUES) {
    if (
      new RegExp(`(^|[^A-Za-z0-9_-])${literal.replace(/[-]/g, '\\-')}([^A-Za-z0-9_-]|$)`, 'm').test(uncommented(text))
    ) {
      problems.push(`the development secret "${literal}" appears literally`);
    }
  }
  return problems;
}

function checkDockerfile(text: string): string[] {
  const problems: string[] = [];
  const instructions = dockerfileInstructions(text);
  const froms = instructions.filter((i) => i.keyword === 'FROM');
  if (froms.length < 2) problems.push('the Dockerfile must be multi-stage');
  const lastFrom = instructions.map((i) => i.keyword).lastIndexOf('FROM');
  const finalStage = instructions.slice(lastFrom);
  const users = finalStage.filter((i) => i.keyword === 'USER');
  const lastUser = users.at(-1)?.args.split(':')[0];
  if (!lastUser) problems.push('the final stage has no USER (it would run as root)');
  else if (lastUser === 'root' || lastUser === '0') problems.push(`the final stage runs as ${lastUser}`);
  const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  const finalRuns = finalStage.filter((i) => i.keyword === 'RUN').map((i) => i.args);
  if (!runs.some((r) => /\bnpm ci\b/.test(r))) problems.push('dependencies must be installed with npm ci');
  if (runs.some((r) => /\bnpm (install|i)\b/.test(r)))
    problems.push('npm install in the Dockerfile ignores the lock file; use npm ci');
  // Docker's own builder, offline: no frontend image to pull, no heredocs (BuildKit-only syntax).
  if (/^\s*#\s*syntax\s*=/im.test(text)) problems.push('a `# syntax=` directive makes the build pull a frontend image');
  if (instructions.some((i) => /<<-?\s*['"]?[A-Za-z_]+['"]?(\s|$)/.test(i.args))) {
    problems.push('heredocs need BuildKit; keep the files in the repository and COPY them');
  }
  // A final `FROM scratch` stage is allowed when it takes its whole file system from an earlier stage (the
  // runtime root file system built from ${NODE_IMAGE}, scripts/docker/runtime-rootfs.sh).
  const fromScratchWithRootfs = (index: number) =>
    froms[index]!.args.startsWith('scratch') &&
    index === froms.length - 1 &&
    finalStage.some((i) => i.keyword === 'COPY' && /--from=\S+\s+\S+\s+\/$/.test(i.args));
  if (
    !/^\s*ARG\s+NODE_IMAGE=\S+/m.test(text) ||
    !froms.every((f, index) => f.args.startsWith('${NODE_IMAGE}') || fromScratchWithRootfs(index))
  ) {
    problems.push('every stage must start FROM ${NODE_IMAGE} (ARG NODE_IMAGE=...)');
  }
  // The build: `npm run build` writes dist/ and the prebuilt workflow bundle (dist/workflow-bundle.js).
  const buildRun = runs.find((r) => /\bnpm run build\b/.test(r));
  if (!buildRun) problems.push('the image does not run `npm run build` (dist/ and the workflow bundle)');
  const bundleOut = 'dist/workflow-bundle.js';
  // The runtime: production dependencies only, compiled code only, plain node.
  // Production dependencies only: installed with --omit=dev in a stage of their own (the final stage may be
  // `FROM scratch` and run nothing), never copied from the build stage's full node_modules.
  const copiesBuildModules = instructions.some(
    (i) => i.keyword === 'COPY' && /--from=build\b/.test(i.args) && /node_modules/.test(i.args),
  );
  if (![...finalRuns, ...runs].some((r) => /\bnpm ci\b.*--omit=dev/.test(r)) || copiesBuildModules)
    problems.push('the final stage must install production dependencies only (npm ci --omit=dev)');
  if (finalRuns.some((r) => /\bnpm run build\b/.test(r)))
    problems.push('the final stage builds; copy dist/ from the build stage');
  if (
    !finalStage.some((i) => i.keyword === 'COPY' && /--from=\S+/.test(i.args) && /\/app\/dist\s/.test(`${i.args} `))
  ) {
    problems.push('the final stage does not copy dist/ from the build stage');
  }
  const cmd = finalStage.filter((i) => i.keyword === 'CMD').at(-1)?.args ?? '';
  if (!/"node"\s*,\s*"dist\/worker\/main\.js"/.test(cmd))
    problems.push(`the default command ${cmd || '(none)'} is not node dist/worker/main.js`);
  if (/\btsx\b|\.ts"/.test(finalStage.map((i) => i.args).join(' ')))
    problems.push('the final stage runs TypeScript (tsx); production runs node dist/');
  if (!finalStage.some((i) => i.keyword === 'HEALTHCHECK' && /CMD/.test(i.args)))
    problems.push('the final stage has no HEALTHCHECK');
  const envText = finalStage
    .filter((i) => i.keyword === 'ENV')
    .map((i) => i.args)
    .join(' ');
  const bundlePath = /WORKFLOW_BUNDLE_PATH[= ](\S+)/.exec(envText)?.[1];
  if (!bundlePath) problems.push('WORKFLOW_BUNDLE_PATH is not set in the final stage');
  else if (!bundlePath.endsWith(bundleOut.replace(/^\.?\//, '')))
    problems.push(`WORKFLOW_BUNDLE_PATH ${bundlePath} is not the built bundle ${bundleOut}`);
  if (!/NODE_ENV[= ]production/.test(envText)) problems.push('NODE_ENV=production is not set in the final stage');
  return problems;
}

/** Volumes mounted into our image must exist in it owned by `node`, or the non-root processes cannot write. */
function checkVolumeOwnership(composeText: string, dockerfileText: string, rootfsScript = ''): string[] {
  const services: Record<string, Doc> = (parse(composeText, { merge: true }) as Doc)?.services ?? {};
  const joined = dockerfileText.replace(/\\\r?\n/g, ' ');
  const runs = [...joined.matchAll(/^RUN\s+(.*)$/gm)].map((m) => m[1]!);
  // The runtime root file system (scripts/docker/runtime-rootfs.sh) creates them with `install -d -o node`.
  const rootfsDirs = [...rootfsScript.matchAll(/^install -d -o node -g node (.*)$/gm)].flatMap((m) =>
    m[1]!.split(/\s+/).map((d) => d.replace(/^"\$OUT/, '').replace(/"$/, '')),
  );
  const problems: string[] = [];
  for (const name of Object.keys(APP_SERVICES)) {
    for (const v of services[name]?.volumes ?? []) {
      const target = String(v).split(':')[1];
      if (!target) continue;
      const prepared =
        rootfsDirs.includes(target) ||
        runs.some(
          (r) =>
            new RegExp(`mkdir[^&;]*\\s${target}(\\s|$)`).test(r) &&
            new RegExp(`chown[^&;]*node[^&;]*\\s${target}(\\s|$)`).test(r),
        );
      if (!prepared) problems.push(`${name}: ${target} is not created and chowned to node in the Dockerfile`);
    }
  }
  return problems;
}

/** Every variable compose interpolates must be listed in .env.example. */
function checkEnvExample(composeText: string, envExample: string): string[] {
  const listed = new Set(
    envExample
      .split(/\r?\n/)
      .map((l) => /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(l)?.[1])
      .filter((n): n is string => Boolean(n)),
  );
  const used = new Set(references(uncommented(composeText)).map((r) => r.name));
  return [...used].filter((name) => !listed.has(name)).map((name) => `.env.example does not list ${name}`);
}

const compose = read('docker-compose.yml');
const dockerfile = read('Dockerfile');
const rootfsScript = read('scripts/docker/runtime-rootfs.sh');

describe('docker-compose.yml', () => {
  it('has the required structure', () => {
    expect(checkCompose(compose)).toEqual([]);
  });
  it('lists every variable in .env.example', () => {
    expect(checkEnvExample(compose, read('.env.example'))).toEqual([]);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage, builds on the classic builder, installs with npm ci, runs node dist/ as a non-root user', () => {
    expect(checkDockerfile(dockerfile)).toEqual([]);
  });
  it('prepares every mounted volume directory for the node user', () => {
    expect(checkVolumeOwnership(compose, dockerfile, rootfsScript)).toEqual([]);
    const withoutImages = rootfsScript.replace(' "$OUT/images"', '');
    expect(withoutImages).not.toBe(rootfsScript);
    expect(checkVolumeOwnership(compose, dockerfile, withoutImages)).toEqual([
      'worker: /images is not created and chowned to node in the Dockerfile',
      'gateway: /images is not created and chowned to node in the Dockerfile',
    ]);
  });
  it('has the build scripts, the files it copies, and a .dockerignore that keeps local state out', () => {
    for (const file of ['scripts/build.ts', 'scripts/build-workflow-bundle.ts', 'tsconfig.build.json'])
      expect(existsSync(path.join(ROOT, file))).toBe(true);
    const copied = [...dockerfile.matchAll(/^COPY\s+(?!--from)(.*)\s+\S+$/gm)]
      .flatMap((m) => m[1]!.split(/\s+/))
      .filter((f) => f && !f.startsWith('--') && f !== '.');
    for (const file of copied) expect(existsSync(path.join(ROOT, file)), file).toBe(true);
    const ignore = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', '.data', '.env', '.git', 'dist']) expect(ignore).toContain(entry);
    for (const needed of ['scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'])
      expect(ignore).not.toContain(needed);
  });
  it('builds every app service command from a source entry point', () => {
    const entries = buildEntryPoints(read('scripts/build.ts'));
    for (const entry of Object.values(APP_SERVICES)) expect(entries[entry], entry).toBeDefined();
    expect(read('Dockerfile')).toMatch(/CMD \["node", "dist\/worker\/main\.js"\]/);
  });
});

describe('the checks fail on broken files', () => {
  const mutate = (from: string | RegExp, to: string) => {
    const next = compose.replace(from, to);
    expect(next).not.toBe(compose); // the mutation must hit something
    return checkCompose(next);
  };

  it('a missing service', () => {
    expect(mutate(/\n {2}codec-server:\n/, '\n  codec-srv:\n')).toContain('service codec-server is missing');
  });
  it('a literal or defaulted secret', () => {
    expect(
      mutate('${GATEWAY_API_KEYS:?set GATEWAY_API_KEYS (tenant:role:key, comma-separated)}', 'dev-key').join('\n'),
    ).toMatch(/GATEWAY_API_KEYS/);
    expect(mutate('${FAWRY_SECURE_KEY:?set FAWRY_SECURE_KEY}', '${FAWRY_SECURE_KEY:-x}').join('\n')).toMatch(
      /FAWRY_SECURE_KEY/,
    );
    expect(
      mutate(/postgres:\/\/postgres:\$\{POSTGRES_PASSWORD:\?[^}]*\}@/, 'postgres://postgres:hunter2@').join('\n'),
    ).toMatch(/DATABASE_URL embeds a password/);
  });
  it('a service without a healthcheck or restart policy', () => {
    const noHealth = parse(compose, { merge: true });
    delete noHealth.services.gateway.healthcheck;
    delete noHealth.services.worker.restart;
    const problems = checkCompose(stringify(noHealth));
    expect(problems).toContain('gateway: no healthcheck');
    expect(problems.join('\n')).toMatch(/worker: restart/);
  });
  it('the sandbox started by default, or a short-form depends_on', () => {
    expect(mutate('profiles: ["sandbox"]', 'profiles: []').join('\n')).toMatch(/sandbox must be in exactly/);
    const problems = mutate(
      / {4}depends_on:\n {6}temporal:\n {8}condition: service_healthy\n {4}environment:\n {6}TEMPORAL_ADDRESS: temporal:7233\n {6}TEMPORAL_NAMESPACE: default\n/,
      '    depends_on: [temporal]\n    environment:\n      TEMPORAL_ADDRESS: temporal:7233\n      TEMPORAL_NAMESPACE: default\n',
    );
    expect(problems.join('\n')).toMatch(/temporal-setup: depends_on must use the long form/);
  });
  it('a UI without the codec endpoint, an undeclared volume, a worker not built from the Dockerfile', () => {
    expect(mutate(/ {6}TEMPORAL_CODEC_ENDPOINT:.*\n/, '').join('\n')).toMatch(/TEMPORAL_CODEC_ENDPOINT is not set/);
    expect(mutate(/\n {2}gateway-data:\n/, '\n').join('\n')).toMatch(/volume gateway-data is not declared/);
    expect(mutate('dockerfile: Dockerfile', 'dockerfile: Dockerfile.dev').join('\n')).toMatch(/must be built from/);
  });
  it('a Dockerfile running as root, without npm ci or without the build', () => {
    const broken = (from: string | RegExp, to: string) => {
      const next = dockerfile.replace(from, to);
      expect(next).not.toBe(dockerfile); // the mutation must hit something
      return checkDockerfile(next).join('\n');
    };
    expect(checkDockerfile(dockerfile.replace(/^USER node$/m, 'USER root'))).toContain('the final stage runs as root');
    expect(broken(/npm ci/g, 'npm install')).toMatch(/npm ci/);
    expect(broken(/^RUN npm run build$/m, '')).toMatch(/does not run `npm run build`/);
  });
  it('a Dockerfile that needs BuildKit or a registry frontend, or ships dev tools', () => {
    const broken = (from: string | RegExp, to: string) => {
      const next = dockerfile.replace(from, to);
      expect(next).not.toBe(dockerfile);
      return checkDockerfile(next).join('\n');
    };
    expect(broken(/^/, '# syntax=docker/dockerfile:1.7\n')).toMatch(/frontend image/);
    expect(broken(/^USER node$/m, "COPY <<'EOF' /app/x.mjs\nconsole.log(1)\nEOF\nUSER node")).toMatch(/heredocs/);
    expect(broken(/npm ci --omit=dev/, 'npm ci')).toMatch(/production dependencies only/);
    expect(broken(/^CMD \[.*\]$/m, 'CMD ["npx", "tsx", "worker/main.ts"]')).toMatch(/TypeScript|not node dist/);
    expect(broken(/^HEALTHCHECK .*$/m, '')).toMatch(/no HEALTHCHECK/);
    expect(broken(/^FROM \$\{NODE_IMAGE\} AS deps$/m, 'FROM node:20 AS deps')).toMatch(/NODE_IMAGE/);
    expect(broken(/^COPY --from=rootfs \/rootfs \/$/m, 'COPY --from=rootfs /rootfs/app /app')).toMatch(/NODE_IMAGE/);
    expect(broken(/^COPY --from=deps \/app\/node_modules/m, 'COPY --from=build /app/node_modules')).toMatch(
      /production dependencies only/,
    );
  });
  it('a compose service still running TypeScript', () => {
    expect(
      checkCompose(compose.replace('["node", "dist/worker/main.js"]', '["npx", "tsx", "worker/main.ts"]')).join('\n'),
    ).toMatch(/worker: command .* does not run node dist\/worker\/main\.js/);
  });
  it('a Temporal SQL user that makes auto-setup skip creating its database', () => {
    const next = compose
      .replace(/POSTGRES_USER: postgres\n/, 'POSTGRES_USER: temporal\n')
      .replace(/SQL_USER: postgres\n/, 'SQL_USER: temporal\n');
    expect(next).not.toBe(compose);
    expect(checkCompose(next).join('\n')).toMatch(/database temporal has the SQL user's name/);
  });
  it('worker and gateway on different image stores', () => {
    expect(
      mutate(
        / {6}- gateway-data:\/data\n {6}- image-store:\/images\n/,
        '      - gateway-data:/data\n      - gateway-data:/images\n',
      ).join('\n'),
    ).toMatch(/different image stores/);
  });
  it('a variable missing from .env.example', () => {
    expect(checkEnvExample(compose, read('.env.example').replace(/^FAWRY_SECURE_KEY=.*$/m, ''))).toEqual([
      '.env.example does not list FAWRY_SECURE_KEY',
    ]);
  });
});
