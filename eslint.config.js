// Two rules matter most for Temporal code: no floating promises anywhere (a lost promise in a
// workflow or activity is a lost step), and no Node built-ins in workflows/ (workflow code must be
// deterministic and runs in a sandbox without them).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', '**/dist/**', 'coverage/**', 'test/histories/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'worker/workflow-tracing-interceptors.ts', 'bench/skeleton/workflows.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: nodeBuiltins, patterns: ['node:*'] }],
    },
  },
  {
    // Tests poke at loosely shaped HTTP bodies; typing each one adds noise, not safety.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
