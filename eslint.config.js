import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

// The engine's layers, lowest first: each folder may import the ones before it, never after.
// `fs/` and the files at the engine's top (errors, data types, version) are the floor.
const ENGINE = './main/engine';
const LAYERS = [['repository'], ['source', 'places'], ['backup'], ['restore'], ['maintenance']];
// Folders that stand beside the layers and use only the floor.
const ASIDE = ['schedule', 'demo'];
const ENGINE_FOLDERS = [...LAYERS.flat(), ...ASIDE];
const at = (folder) => `${ENGINE}/${folder}`;

const engineZones = [
  {
    target: [`${ENGINE}/*.ts`, at('fs')],
    from: ENGINE_FOLDERS.map(at),
    message: "The engine's floor (fs/, errors, data types) imports no other part of the engine.",
  },
  ...LAYERS.flatMap((layer, i) =>
    layer.map((folder) => ({
      target: at(folder),
      from: [...LAYERS.slice(i + 1).flat(), ...layer.filter((f) => f !== folder), ...ASIDE].map(at),
      message: `main/engine/${folder} may import only the layers below it (see docs/architecture.md).`,
    })),
  ),
  ...ASIDE.map((folder) => ({
    target: at(folder),
    from: ENGINE_FOLDERS.filter((f) => f !== folder).map(at),
    message: `main/engine/${folder} uses only the engine's floor.`,
  })),
];

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
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json'] })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: ENGINE,
              from: ['./main/app', './main/ipc', './main/cli', './main/index.ts', './preload'],
              message: 'The engine imports nothing above it.',
            },
            ...engineZones,
            {
              target: ['./main/app', './main/ipc'],
              from: ['./main/cli', './main/index.ts', './preload', './renderer'],
              message: 'The app core and the contract know no front end.',
            },
            {
              target: './main/ipc',
              from: './main/app',
              message: 'The contract is below the app core.',
            },
            {
              target: './renderer',
              from: ['./main/engine', './main/app', './main/cli', './main/index.ts', './preload'],
              message: 'The window reaches main only through the contract (main/ipc/contract.ts).',
            },
            {
              target: './preload',
              from: ['./main/engine', './main/app', './main/cli', './renderer'],
              message: 'Preload is the bridge only: it knows the contract, nothing else.',
            },
          ],
        },
      ],
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
        { paths: ['electron'], patterns: ['node:*', 'electron/*'] },
      ],
    },
  },
);
