// Lint (npm run lint). Besides typescript-eslint's type-aware checks, it enforces the
// layering described in docs/architecture.md: which folder may import which.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import sonarjs from 'eslint-plugin-sonarjs';
import tseslint from 'typescript-eslint';

const ELECTRON = { regex: '^electron(/|$)', message: 'only electron/main and electron/preload import electron (docs/architecture.md)' };

/** `no-restricted-imports` with the given patterns (regexes over the import specifier). */
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'release/**', 'test-results/**', 'test/plugins-cli/.generated-*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { sonarjs },
    rules: {
      // A ternary or if/else whose branches are all the same is a slip (one branch was meant to differ).
      'sonarjs/no-all-duplicated-branches': 'error',
      // `_`-prefixed names are deliberately unused (a destructured-away field, a fake's parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // Rethrowing a caught value as it came (reject(e) in a catch) is fine.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // An async function without await still turns a throw into a rejection: kept for uniform error paths.
      '@typescript-eslint/require-await': 'off',
      // Walking a parent chain starts from `this` (engine/plugin-worker.ts's logger tree).
      '@typescript-eslint/no-this-alias': 'off',
      // It misreads Function.prototype.call and arrow-valued interface members; methods passed as values here are arrows.
      '@typescript-eslint/unbound-method': 'off',
      // ShotGrid records are dynamic JSON: String(field) on an unknown value is how they are rendered.
      '@typescript-eslint/no-base-to-string': 'off',
      // An async event handler is fine where its promise is handled inside (React onClick and the like).
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { attributes: false } }],
    },
  },
  // Plain JS and the Vite config are in no tsconfig: syntax checks only.
  { files: ['**/*.js', '**/*.mjs', 'vite.config.ts'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } } },
  {
    // Tests read untyped JSON off real HTTP and assert on it.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },

  // The layers (docs/architecture.md).
  {
    files: ['electron/**/*.ts', 'bench/**/*.ts', 'plugins/**/*.ts'],
    ignores: ['electron/main/**', 'electron/preload/**'],
    rules: restrict(ELECTRON),
  },
  {
    files: ['electron/engine/**/*.ts', 'electron/shotgun/**/*.ts', 'electron/sandbox/**/*.ts'],
    rules: restrict(ELECTRON, {
      regex: '^\\.\\./(main|headless|cli|demo|ui)/|(^|/)renderer/',
      message: 'the engine, client and sandbox import nothing from the layers above them (docs/architecture.md)',
    }),
  },
  {
    // The two front ends (the desktop app and the headless server) and the CLI sit side by side: none imports another.
    files: ['electron/main/**/*.ts', 'electron/preload/**/*.ts'],
    rules: restrict({
      regex: '^\\.\\./(cli|headless)/',
      message: 'the desktop app imports neither the CLI nor the headless server: shared code goes a layer down (docs/architecture.md)',
    }),
  },
  {
    files: ['electron/headless/**/*.ts', 'electron/ui/**/*.ts', 'electron/demo/**/*.ts'],
    rules: restrict(ELECTRON, {
      regex: '^\\.\\./(cli|main|preload)/',
      message: 'this layer imports neither the CLI nor the desktop app (docs/architecture.md)',
    }),
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: restrict(ELECTRON, {
      regex: '(^|/)electron/(?!(contract|retry)\\.js$)',
      message: 'the renderer imports only electron/contract.ts and electron/retry.ts (docs/architecture.md)',
    }),
  },
  {
    // Shared with the renderer: they stay browser-safe and self-contained.
    files: ['electron/contract.ts', 'electron/retry.ts'],
    rules: restrict({
      regex: '^(?!zod$|\\./contract\\.js$|\\./retry\\.js$)',
      message: 'the renderer shares this file: it imports only zod and its twin',
    }),
  },

  // The renderer's hooks. The React Compiler is not used, so its library-compatibility note does not apply.
  { files: ['renderer/**/*.ts', 'renderer/**/*.tsx'], ...reactHooks.configs.flat.recommended },
  { files: ['renderer/**/*.ts', 'renderer/**/*.tsx'], rules: { 'react-hooks/incompatible-library': 'off' } },
);
