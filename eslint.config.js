// @ts-check
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');
const { importX } = require('eslint-plugin-import-x');

module.exports = tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', 'oclif.manifest.json', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type-aware rules: a promise nobody awaits loses its rejection, and one handed where nothing
    // awaits it (an event handler, a callback) runs unordered. One program over every TypeScript
    // file, the one `npm run typecheck` builds, keeps this pass to a single type check.
    files: ['{src,test,sandbox,bench,scripts}/**/*.ts'],
    languageOptions: { parserOptions: { project: './test/tsconfig.json', tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // What the published package imports must be installed with it: a devDependency is at hand in a
    // checkout but missing where users install the plugin. Dev dependencies only where nothing ships.
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        {
          devDependencies: ['test/**', 'bench/**', 'scripts/**', 'sandbox/**', '*.config.js'],
          optionalDependencies: true,
          peerDependencies: false,
          includeTypes: false,
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The inspector's page: plain browser JavaScript, served as it is.
    files: ['assets/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        navigator: 'readonly',
        fetch: 'readonly',
        EventSource: 'readonly',
        URLSearchParams: 'readonly',
      },
    },
  },
);
