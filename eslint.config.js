// ESLint flat config: typescript-eslint (typed rules where they pay: floating promises),
// svelte, and the boundaries of ARCHITECTURE.md (the renderer imports neither electron nor main).
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['out/', 'dist/', 'src/core/graph/onnx-pb/', 'node_modules/', 'scratch/', 'coverage/', 'test-results/', 'playwright-report/', '**/*.tsbuildinfo'],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'prefer-const': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Typed linting for the processes whose promises matter (engine, main, preload, e2e).
    files: ['src/engine/**/*.ts', 'src/main/**/*.ts', 'src/preload/**/*.ts', 'src/contract/**/*.ts', 'e2e/**/*.ts'],
    languageOptions: { parserOptions: { project: ['./tsconfig.node.json', './tsconfig.e2e.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.svelte', 'src/renderer/**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig: (await import('./svelte.config.js')).default },
    },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'the renderer talks to main only through window.kvscope' },
            { group: ['**/main/**', '**/core/**', '**/engine/**', 'node:*'], message: 'the renderer imports only src/contract and its own files' },
          ],
        },
      ],
    },
  },
  {
    // Svelte 5 props are declared with `let { ... } = $props()`.
    files: ['**/*.svelte'],
    rules: { 'prefer-const': 'off' },
  },
  {
    files: ['scripts/**/*.js', 'bin/**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
);
