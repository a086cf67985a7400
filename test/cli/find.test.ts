/**
 * `tillvault find`: a new computer with the backup stick plugged in finds the backups by
 * itself, a few folders deep, without the passphrase; and a stick is anyone's, so a link that
 * loops, a forged or hostile settings file and a huge tree end in an answer, not a hang.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { findRepositories } from '../../main/engine/places/find.js';
import { CLI, cli, tempDir } from '../helpers.js';

interface Found {
  path: string;
  repositoryId: string;
  encrypted: boolean;
  backups: number;
  newestAt: string | null;
}

const dir = tempDir();
const stick = path.join(dir, 'stick');
const shop = path.join(stick, 'Tillvault Backups', 'Corner shop');
const plain = path.join(stick, 'old', 'plain');
const db = path.join(dir, 'shop.db');
let newest = '';

before(() => {
  assert.equal(cli(['demo', 'create', db, '--members', '50', '--days', '2']).code, 0);
  // A backup never makes the folder its place is in (that would hide an unplugged stick).
  fs.mkdirSync(path.dirname(shop), { recursive: true });
  fs.mkdirSync(path.dirname(plain), { recursive: true });
  for (let i = 0; i < 2; i++) {
    const r = cli(['backup', db, '--to', shop]);
    assert.equal(r.code, 0, r.stdout);
  }
  const listed = cli(['snapshots', shop]).json as { snapshots: { time: string }[] };
  newest = listed.snapshots.at(-1)!.time;
  assert.equal(cli(['backup', db, '--to', plain, '--no-encryption']).code, 0);
  // What else a stick holds: photos, a loop back to its root, a forged settings file, a pipe
  // where a settings file should be, a tree too deep to matter, and node_modules.
  fs.mkdirSync(path.join(stick, 'Photos'), { recursive: true });
  fs.writeFileSync(path.join(stick, 'Photos', 'a.jpg'), 'jpeg');
  fs.symlinkSync(stick, path.join(stick, 'Photos', 'loop'));
  fs.mkdirSync(path.join(stick, 'forged'));
  fs.writeFileSync(
    path.join(stick, 'forged', 'tillvault.json'),
    '{"format":"tillvault-repository"}',
  );
  fs.mkdirSync(path.join(stick, 'pipe'));
  execFileSync('mkfifo', [path.join(stick, 'pipe', 'tillvault.json')]);
  const deep = path.join(stick, 'a', 'b', 'c', 'd', 'e');
  fs.mkdirSync(deep, { recursive: true });
  fs.cpSync(plain, path.join(deep, 'too-deep'), { recursive: true });
  fs.mkdirSync(path.join(stick, 'node_modules'));
  fs.cpSync(plain, path.join(stick, 'node_modules', 'skipped'), { recursive: true });
});

test('finds each repository on the stick with its newest backup, newest first, without a key', () => {
  const r = cli(['find', stick], { TILLVAULT_PASSPHRASE: undefined });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const { found } = r.json as { found: Found[] };
  assert.deepEqual(
    found.map((f) => [path.relative(stick, f.path), f.backups, f.encrypted]),
    [
      [path.join('old', 'plain'), 1, false],
      [path.join('Tillvault Backups', 'Corner shop'), 2, true],
    ],
  );
  assert.equal(found[1]!.newestAt, newest);
  assert.match(found[1]!.repositoryId, /^[0-9a-f-]{36}$/);
});

test('a root may be the repository or its settings file; the same place is listed once', async () => {
  const viaFile = await findRepositories([path.join(shop, 'tillvault.json')]);
  assert.deepEqual(
    viaFile.map((f) => f.path),
    [shop],
  );
  const twice = await findRepositories([stick, shop, path.join(stick, 'Tillvault Backups')]);
  assert.equal(twice.length, 2);
  assert.deepEqual(await findRepositories([path.join(dir, 'no such folder')]), []);
});

test('the walk has a budget of folder entries and a depth, so a huge drive still answers', async () => {
  assert.deepEqual(await findRepositories([stick], { maxEntries: 1 }), []);
  const deeper = await findRepositories([stick], { maxDepth: 7 });
  assert.ok(deeper.some((f) => f.path.endsWith('too-deep')));
  assert.ok(!deeper.some((f) => f.path.includes('node_modules')));
});

test('the human output names each place, or says where nothing was found', () => {
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty);
  const human = (root: string): string =>
    execFileSync(process.execPath, [CLI, 'find', root], { encoding: 'utf8' });
  assert.match(
    human(stick),
    /Corner shop {2}2 backup\(s\), newest \d{4}-\d\d-\d\d \d\d:\d\d, encrypted/,
  );
  assert.match(human(stick), /plain {2}1 backup\(s\), .*, not encrypted/);
  assert.equal(human(empty).trim(), `No Tillvault backups in ${empty}.`);
});
