// Lint rules that review would otherwise have to catch; see ../shared/STYLE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http',
  'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'timers/promises',
  'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

/** What neither the workflow sandbox nor the pure core may import: I/O, Node builtins, non-workflow SDKs. */
const sandboxUnsafeImports = {
  paths: nodeBuiltins.flatMap((name) => [
    { name, message: 'Node builtins are not deterministic; workflows and core stay pure.' },
    { name: `node:${name}`, message: 'Node builtins are not deterministic; workflows and core stay pure.' },
  ]),
  patterns: [
    { group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'], message: 'Only @temporalio/workflow and @temporalio/common belong in workflow code.' },
    { group: ['@kubernetes/client-node'], message: 'Kubernetes I/O belongs in activities/ and bridge/.' },
    { group: ['pino', 'prom-client'], message: 'Logging and metrics are I/O; use the workflow logger.' },
    { group: ['**/activities/*', '!**/activities/index.js'], message: 'Import activities as types only, through proxyActivities.' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.dev/**', 'dist/**', 'deploy/crds/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['core/**/*.ts', 'workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', sandboxUnsafeImports],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'No process in workflows or core.' },
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() from @temporalio/workflow in a loop.' },
        { name: 'fetch', message: 'I/O belongs in activities.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Workflows use the deterministic random of @temporalio/workflow; core has none.' },
      ],
    },
  },
  {
    // The reusable VM imports the workflow modules for every workflow it starts or replays: values come from
    // core/workflow-safe.js, never from a module that builds zod schemas (test/unit/workflow-bundle.test.ts).
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          group: ['**/core/index.js', '**/core/spec-check.js', '**/core/api/*', '!**/core/api/names.js', 'zod', 'zod/*'],
          allowTypeImports: true,
          message: 'Workflows import values from core/workflow-safe.js: this module builds zod schemas at import, once per workflow. Types may come from it with `import type`.',
        }],
      }],
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'The core has no randomness.' },
        { object: 'Date', property: 'now', message: 'The core has no clock: time comes in as input.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'The core has no clock: time comes in as input.' },
        { selector: "ImportDeclaration[source.value=/^@temporalio\\//]", message: 'The core imports no Temporal package.' },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, program: null },
      globals: { console: 'readonly', process: 'readonly' },
    },
  },
);
