import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'tillvault-demo/**',
      'bench/work/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `const { key: _, ...rest } = o` is how an entry is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // Engine, app core, contract and CLI are plain Node: only main/index.ts and preload know Electron.
    files: ['main/engine/**/*.ts', 'main/app/**/*.ts', 'main/ipc/**/*.ts', 'main/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['electron'], patterns: ['electron/*'] }],
    },
  },
  {
    // The window is a web page: no Node, no Electron; it reaches main only through the contract.
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        { paths: ['electron'], patterns: ['node:*', 'electron/*', '**/engine/*', '**/app/*'] },
      ],
    },
  },
);
