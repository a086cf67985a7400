/**
 * One damaged index file (a cloud sync conflict, a bad sector) must not stop the restore of
 * backups whose chunks are listed in the others, and the next backup must be whole again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cli, dump, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');
let first = '';
let firstDump = '';

function newestIndexFile(): string {
  const indexDir = path.join(dest, 'index');
  return fs
    .readdirSync(indexDir)
    .map((name) => path.join(indexDir, name))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0]!;
}

before(() => {
  assert.equal(cli(['demo', 'create', db, '--members', '300', '--days', '15']).code, 0);
  const r = cli(['backup', db, '--to', dest]);
  assert.equal(r.code, 0, r.stdout);
  first = (r.json as { snapshotId: string }).snapshotId;
  firstDump = dump(db);
  sqliteValue(db, "UPDATE members SET name = name || ' (moved)' WHERE id <= 150");
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  assert.equal(fs.readdirSync(path.join(dest, 'index')).length, 2);
  // The second backup's index file: it alone lists the pages that changed.
  const victim = newestIndexFile();
  const bytes = fs.readFileSync(victim);
  bytes[bytes.length >> 1]! ^= 0xff;
  fs.writeFileSync(victim, bytes);
});

test('the backup whose chunks are listed elsewhere still restores', () => {
  const out = path.join(dir, 'first.db');
  const r = cli(['restore', dest, '--snapshot', first, '--to', out]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(dump(out), firstDump);
});

test('the backup that needs the damaged index is named as damaged, and verify names the file', () => {
  const r = cli(['restore', dest, '--to', path.join(dir, 'second.db')]);
  assert.equal(r.code, 3, r.stdout);
  assert.match((r.json as { error: { message: string } }).error.message, /missing/);
  const v = cli(['verify', dest]);
  assert.equal(v.code, 3);
  const problems = (v.json as { problems: { kind: string; id: string }[] }).problems;
  assert.ok(problems.some((p) => p.kind === 'index' && newestIndexFile().endsWith(p.id)));
});

test('the next backup stores what the damaged index listed, and restores whole', () => {
  const r = cli(['backup', db, '--to', dest]);
  assert.equal(r.code, 0, r.stdout);
  const out = path.join(dir, 'third.db');
  assert.equal(cli(['restore', dest, '--to', out]).code, 0);
  assert.equal(dump(out), dump(db));
});
