// Lint rules that guard grantflow's promises about code: no promise is left floating, workflow code
// stays deterministic (no Node built-ins, no I/O, activities imported as types only), and packages
// are used through their public entry points. Import directions and cycles are checked by
// dependency-cruiser (.dependency-cruiser.cjs), which `npm run lint` runs after ESLint.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** Another package's internal files: what they export can change in any release. */
const deepImports = {
  group: ['@*/*/lib/**', '@*/*/dist/**', '@*/*/dist-*/**', '@*/*/build/**'],
  message: 'Import a package through its public entry points, not its internal files.',
};

/** Code that runs inside the workflow sandbox: workflows/ and the pure core they import. */
const deterministic = ['workflows/**/*.ts', 'src/core/**/*.ts'];

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', '.tools/**', '.grantflow/**', '.test-output/**', 'bench-results/**', '.stryker-tmp/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-imports': ['error', { patterns: [deepImports] }],
    },
  },
  {
    // Product code a newcomer reads: a file of about 500 lines at most, a function (its nested
    // closures counted with it) of about 120. Data tables generated from elsewhere are exempt.
    files: ['src/**/*.ts', 'workflows/**/*.ts', 'activities/**/*.ts'],
    ignores: ['src/core/aws-managed-policies-table.ts'],
    rules: {
      'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 120, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: deterministic,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
          patterns: [
            deepImports,
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows import activities as types only and call them through proxyActivities.',
            },
            {
              group: ['@aws-sdk/*', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', '@temporalio/testing', '@cloud-copilot/*'],
              message: 'No I/O in workflow code: AWS and Temporal client calls belong in activities or src/.',
            },
            {
              group: ['**/src/config/**', '../config/**', '**/src/cli/**', '**/src/temporal/**'],
              message: 'Workflow code may import only the pure core (src/core).',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Workflow code must not read the process environment.' },
        { name: 'require', message: 'Use static imports in workflow code.' },
        { name: 'fetch', message: 'No I/O in workflow code.' },
      ],
    },
  },
  {
    files: ['scripts/**/*.js', 'bin/**/*.js', '*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
