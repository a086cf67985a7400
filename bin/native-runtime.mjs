#!/usr/bin/env node
/**
 * better-sqlite3 is a native module built for one runtime at a time: Node (tests, CLI, test
 * host) or Electron (the app). `node bin/native-runtime.mjs node|electron` rebuilds it only when
 * the current build is for the other one; a marker file remembers which it is. For Electron it
 * first fetches Electron's binary when it is missing (`electron-binary.mjs`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureElectron } from './electron-binary.mjs';

const want = process.argv[2];
if (want !== 'node' && want !== 'electron') {
  console.error('usage: native-runtime.mjs node|electron');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const moduleDir = path.dirname(require.resolve('better-sqlite3/package.json'));
const marker = path.join(moduleDir, 'build', 'tillvault-runtime.txt');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const current = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : 'node';

if (want === 'node') {
  // Loading it is the real test: a build for Electron fails with NODE_MODULE_VERSION.
  const probe = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:')"], {
    cwd: process.cwd(),
    stdio: 'ignore',
  });
  if (probe.status !== 0 || current !== 'node') {
    console.error('Rebuilding better-sqlite3 for Node…');
    execFileSync(npm, ['rebuild', 'better-sqlite3'], {
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    fs.rmSync(marker, { force: true });
  }
} else {
  const electron = ensureElectron({
    electronDir: path.dirname(require.resolve('electron/package.json')),
    env: process.env,
  });
  if (!electron.ok) {
    console.error(electron.message);
    process.exit(1);
  }
  const version = require('electron/package.json').version;
  if (current !== `electron-${version}`) {
    console.error(`Rebuilding better-sqlite3 for Electron ${version}…`);
    execFileSync('npx', ['electron-builder', 'install-app-deps'], {
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    fs.mkdirSync(path.dirname(marker), { recursive: true });
    fs.writeFileSync(marker, `electron-${version}\n`);
  }
}
