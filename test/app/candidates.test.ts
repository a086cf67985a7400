import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

import { defaultCandidateRoots, findCandidates } from '../../main/app/candidates.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import { FIXTURES, chinook, isRoot, tempDir } from '../helpers.js';

const END = new Date('2025-03-10T12:00:00Z');

/** A real temp folder per test, removed afterwards even when the test fails. */
function scratch(t: TestContext): string {
  const dir = tempDir('tv-candidates-');
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function mkdir(...parts: string[]): string {
  const dir = path.join(...parts);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Tiny but complete: every table of the demo POS, a handful of rows. */
function demoShop(file: string): string {
  createDemoShop(file, { members: 20, days: 2, endDate: END });
  return file;
}

function sqliteWith(file: string, sql: string, pageSize = 4096): string {
  const db = new Database(file);
  try {
    db.pragma(`page_size = ${pageSize}`);
    db.exec(sql);
  } finally {
    db.close();
  }
  return file;
}

/** A small POS with only members and sales: POS-like, but below the full demo shop. */
const SMALL_POS = `
  CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT, phone TEXT);
  CREATE TABLE orders (id INTEGER PRIMARY KEY, member_id INTEGER, created_at TEXT, total INTEGER);
`;

test('findCandidates ranks the demo shop first, finds Chinook and skips every decoy', async (t) => {
  const root = scratch(t);
  const shop = demoShop(path.join(mkdir(root, 'Documents'), 'shop.db'));
  const chinookDb = chinook(root);
  // No extension: recognised only by its SQLite header.
  const vendorDir = mkdir(root, 'AppData', 'Vendor');
  const extensionless = path.join(vendorDir, 'POSDATA');
  fs.copyFileSync(path.join(FIXTURES, 'chinook.sqlite'), extensionless);
  // Same tables as chinook.sqlite: an hour older, so the tie is broken the same way every run.
  const anHourAgo = new Date(Date.now() - 3_600_000);
  fs.utimesSync(extensionless, anHourAgo, anHourAgo);
  // An old copy of the till's database: same tables, so only the recency bonus separates them.
  const oldCopy = path.join(root, 'shop-2021.db');
  fs.copyFileSync(shop, oldCopy);
  const twoYearsAgo = new Date(Date.now() - 2 * 365 * 86_400_000);
  fs.utimesSync(oldCopy, twoYearsAgo, twoYearsAgo);
  // maxDepth 2: a/b is listed (found), a/b/c is not (skipped).
  const edge = sqliteWith(path.join(mkdir(root, 'a', 'b'), 'edge.db'), SMALL_POS);

  // Decoys.
  fs.writeFileSync(path.join(mkdir(root, 'notes'), 'shop.db'), 'not a database\n'.repeat(1000));
  sqliteWith(path.join(root, 'notes.db'), 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
  sqliteWith(path.join(root, 'tiny.db'), SMALL_POS, 512);
  assert.ok(fs.statSync(path.join(root, 'tiny.db')).size < 4096, 'the tiny decoy is really tiny');
  fs.copyFileSync(shop, path.join(root, 'old.db-wal'));
  fs.copyFileSync(shop, path.join(root, 'data-journal'));
  fs.copyFileSync(shop, path.join(mkdir(root, '.hidden'), 'shop.db'));
  fs.copyFileSync(shop, path.join(mkdir(root, 'node_modules', 'pos'), 'shop.db'));
  fs.copyFileSync(shop, path.join(mkdir(root, '.git'), 'shop.db'));
  fs.copyFileSync(shop, path.join(mkdir(root, 'a', 'b', 'c'), 'deep.db'));
  fs.symlinkSync(shop, path.join(root, 'link.db'));
  fs.symlinkSync(path.join(root, 'Documents'), path.join(root, 'linked-dir'), 'dir');

  const found = await findCandidates({ roots: [root], maxDepth: 2 });

  assert.deepEqual(
    found.map((c) => c.path),
    [shop, oldCopy, chinookDb, extensionless, edge].map((p) => path.resolve(p)),
  );
  const [first, second, third] = found;
  assert.equal(first!.name, 'shop.db');
  assert.equal(first!.tables, 13);
  assert.equal(first!.bytes, fs.statSync(shop).size);
  assert.equal(first!.modified, fs.statSync(shop).mtime.toISOString());
  assert.deepEqual(first!.reasons, ['members', 'sales', 'products', 'staff', 'logs']);
  assert.equal(first!.score - second!.score, 2, 'a recently changed file gets a small bonus');
  assert.equal(third!.name, 'chinook.sqlite');
  assert.ok(third!.reasons.includes('members'), 'Chinook has customers');
  assert.ok(third!.reasons.includes('sales'), 'Chinook has invoices');
  assert.ok(found.every((c) => c.score > 0));
});

test('overlapping roots report a database once, and missing roots are ignored', async (t) => {
  const root = scratch(t);
  const shop = demoShop(path.join(mkdir(root, 'Documents'), 'shop.db'));
  const found = await findCandidates({
    roots: [root, path.join(root, 'Documents'), path.join(root, 'does-not-exist')],
  });
  assert.deepEqual(
    found.map((c) => c.path),
    [shop],
  );
});

test(
  'unreadable folders are skipped silently',
  { skip: isRoot() && 'root reads any folder' },
  async (t) => {
    const root = scratch(t);
    const shop = sqliteWith(path.join(root, 'till.db'), SMALL_POS);
    const locked = mkdir(root, 'locked');
    sqliteWith(path.join(locked, 'hidden-away.db'), SMALL_POS);
    fs.chmodSync(locked, 0o000);
    try {
      const found = await findCandidates({ roots: [root] });
      assert.deepEqual(
        found.map((c) => c.path),
        [shop],
      );
    } finally {
      // Before the folder is removed, which needs to list it.
      fs.chmodSync(locked, 0o700);
    }
  },
);

test('at most ten candidates, best first', async (t) => {
  const root = scratch(t);
  const template = sqliteWith(path.join(root, 'template.sqlite'), SMALL_POS);
  for (let i = 0; i < 12; i++) fs.copyFileSync(template, path.join(root, `till-${i}.db`));
  const best = demoShop(path.join(root, 'shop.db'));
  const found = await findCandidates({ roots: [root] });
  assert.equal(found.length, 10);
  assert.equal(found[0]!.path, best);
  for (let i = 1; i < found.length; i++) assert.ok(found[i - 1]!.score >= found[i]!.score);
});

test('the entry budget and an aborted signal stop the scan without throwing', async (t) => {
  const root = scratch(t);
  demoShop(path.join(root, 'shop.db'));
  assert.equal((await findCandidates({ roots: [root] })).length, 1);
  assert.deepEqual(await findCandidates({ roots: [root], maxFiles: 0 }), []);
  assert.deepEqual(await findCandidates({ roots: [root], signal: AbortSignal.abort() }), []);
});

test('defaultCandidateRoots: Windows user and program data folders, from the environment', () => {
  assert.deepEqual(
    defaultCandidateRoots({
      platform: 'win32',
      home: 'C:\\Users\\anna',
      env: {
        LOCALAPPDATA: 'C:\\Users\\anna\\AppData\\Local',
        APPDATA: 'C:\\Users\\anna\\AppData\\Roaming',
        ProgramData: 'D:\\ProgramData',
      },
    }),
    [
      'C:\\Users\\anna\\Documents',
      'C:\\Users\\anna\\Desktop',
      'C:\\Users\\anna\\AppData\\Local',
      'C:\\Users\\anna\\AppData\\Roaming',
      'D:\\ProgramData',
    ],
  );
  // Names in any case, OneDrive-redirected folders and Public Documents; defaults when unset.
  assert.deepEqual(
    defaultCandidateRoots({
      platform: 'win32',
      home: 'C:\\Users\\li',
      env: { ONEDRIVE: 'C:\\Users\\li\\OneDrive', PUBLIC: 'C:\\Users\\Public' },
    }),
    [
      'C:\\Users\\li\\Documents',
      'C:\\Users\\li\\Desktop',
      'C:\\Users\\li\\OneDrive\\Documents',
      'C:\\Users\\li\\OneDrive\\Desktop',
      'C:\\Users\\li\\AppData\\Local',
      'C:\\Users\\li\\AppData\\Roaming',
      'C:\\ProgramData',
      'C:\\Users\\Public\\Documents',
    ],
  );
});

test('defaultCandidateRoots: macOS and Linux', () => {
  assert.deepEqual(defaultCandidateRoots({ platform: 'darwin', home: '/Users/anna', env: {} }), [
    '/Users/anna/Documents',
    '/Users/anna/Desktop',
    '/Users/anna/Library/Application Support',
  ]);
  assert.deepEqual(defaultCandidateRoots({ platform: 'linux', home: '/home/ola', env: {} }), [
    '/home/ola/Documents',
    '/home/ola/Desktop',
    '/home/ola/.local/share',
    '/var/lib',
    '/opt',
  ]);
  assert.deepEqual(
    defaultCandidateRoots({
      platform: 'linux',
      home: '/home/ola',
      env: { XDG_DATA_HOME: '/data/ola' },
    }),
    ['/home/ola/Documents', '/home/ola/Desktop', '/data/ola', '/var/lib', '/opt'],
  );
});
