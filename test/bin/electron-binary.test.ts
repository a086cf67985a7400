/**
 * `npm start` on a machine where Electron's binary was never downloaded (Electron 45 has no
 * install script): the decision logic, with a fake download step instead of the network.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { electronInstalled, ensureElectron } from '../../bin/electron-binary.mjs';
import { tempDir } from '../helpers.js';

const VERSION = '45.4.1';

/** A node_modules/electron folder as npm leaves it: package.json and install.js, no dist/. */
function electronPackage(): string {
  const dir = tempDir('tv-electron-');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ version: VERSION }));
  return dir;
}

/** What Electron's install.js leaves once it has downloaded and unpacked the binary. */
function unpack(dir: string, version = VERSION): void {
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'dist', 'electron'), '');
  fs.writeFileSync(path.join(dir, 'dist', 'version'), `v${version}`);
  fs.writeFileSync(path.join(dir, 'path.txt'), 'electron');
}

function recorder(): { lines: string[]; log: (line: string) => void } {
  const lines: string[] = [];
  return { lines, log: (line) => lines.push(line) };
}

test('an installed binary is used as it is: no download', () => {
  const dir = electronPackage();
  unpack(dir);
  let downloads = 0;
  const r = ensureElectron({
    electronDir: dir,
    env: {},
    download: () => {
      downloads++;
      return { ok: true, error: '' };
    },
  });
  assert.deepEqual(r, { ok: true, downloaded: false });
  assert.equal(downloads, 0);
});

test('a missing binary is fetched, and the owner is told so', () => {
  const dir = electronPackage();
  const { lines, log } = recorder();
  const r = ensureElectron({
    electronDir: dir,
    env: {},
    log,
    download: (d) => {
      unpack(d);
      return { ok: true, error: '' };
    },
  });
  assert.deepEqual(r, { ok: true, downloaded: true });
  assert.match(lines[0]!, /Electron 45\.4\.1 is not downloaded yet: fetching it now/);
  assert.ok(electronInstalled(dir));
});

test('a binary of another version (after an upgrade) is fetched again', () => {
  const dir = electronPackage();
  unpack(dir, '44.0.0');
  assert.equal(electronInstalled(dir), false);
  let downloads = 0;
  const r = ensureElectron({
    electronDir: dir,
    env: {},
    log: () => undefined,
    download: (d) => {
      downloads++;
      unpack(d);
      return { ok: true, error: '' };
    },
  });
  assert.equal(r.ok, true);
  assert.equal(downloads, 1);
});

test('a failed download stops with the real error and the way on, not "run npm install"', () => {
  const dir = electronPackage();
  const r = ensureElectron({
    electronDir: dir,
    env: {},
    log: () => undefined,
    download: () => ({ ok: false, error: 'RequestError: getaddrinfo ENOTFOUND example.invalid' }),
  });
  assert.equal(r.ok, false);
  const message = r.ok ? '' : r.message;
  assert.match(message, /could not be downloaded: RequestError: getaddrinfo ENOTFOUND/);
  assert.match(message, /npm run host/);
  assert.doesNotMatch(message, /ELECTRON_SKIP_BINARY_DOWNLOAD/);
  assert.doesNotMatch(message, /npm install/);
});

test('a download step that ends "successfully" without a binary is a failure too', () => {
  const dir = electronPackage();
  const r = ensureElectron({
    electronDir: dir,
    env: {},
    log: () => undefined,
    download: () => ({ ok: true, error: '' }),
  });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.message, /without installing the binary/);
});

test('ELECTRON_SKIP_BINARY_DOWNLOAD is obeyed and named only when it is set', () => {
  const dir = electronPackage();
  let downloads = 0;
  const download = (): { ok: boolean; error: string } => {
    downloads++;
    return { ok: false, error: 'offline' };
  };
  const skipped = ensureElectron({
    electronDir: dir,
    env: { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    download,
  });
  assert.equal(downloads, 0);
  assert.match(skipped.ok ? '' : skipped.message, /ELECTRON_SKIP_BINARY_DOWNLOAD is set/);
  assert.match(skipped.ok ? '' : skipped.message, /npm run host/);
  // "0" and an empty value mean it is not set.
  for (const value of ['0', '']) {
    ensureElectron({
      electronDir: dir,
      env: { ELECTRON_SKIP_BINARY_DOWNLOAD: value },
      log: () => undefined,
      download,
    });
  }
  assert.equal(downloads, 2);
});
