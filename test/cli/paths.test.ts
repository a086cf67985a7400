/**
 * Places the user names that cannot be used as asked: a write-protected destination (readers
 * work, writers fail naming it), a file given as a folder, a folder given as a database, a new
 * file in a folder that does not exist. Each ends in a message naming the path and the
 * contract's exit code.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { cli, dump, isRoot, tempDir, type CliResult } from '../helpers.js';

const dir = tempDir('tv-paths-');
const db = path.join(dir, 'shop.db');
/** Two copies of one set of backups: `good` is shown read-only, `copy` repairs from it. */
const good = path.join(dir, 'good');
const copy = path.join(dir, 'copy');

before(() => {
  assert.equal(cli(['demo', 'create', db, '--members', '200', '--days', '20']).code, 0);
  assert.equal(cli(['backup', db, '--to', good, '--to', copy]).code, 0);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Failure {
  code: string;
  message: string;
}

interface DestinationOutcome {
  path: string;
  ok: boolean;
  error: Failure | null;
}

function errorOf(r: CliResult): Failure {
  return (r.json as { error: Failure }).error;
}

function outcomeAt(r: CliResult, dest: string): DestinationOutcome {
  const all = (r.json as { destinations: DestinationOutcome[] }).destinations;
  const found = all.find((d) => d.path === dest);
  assert.ok(found, `no outcome for ${dest} in ${r.stdout}`);
  return found;
}

/**
 * `src` as a place that cannot be written, until the test ends. Root writes through permission
 * bits, so as root it is a read-only bind mount beside `src`; otherwise `src` loses its write
 * bits. Null (the test is skipped) only when root cannot mount, e.g. in a locked-down container.
 */
function readOnlyView(t: TestContext, src: string): string | null {
  if (!isRoot()) {
    execFileSync('chmod', ['-R', 'a-w', src]);
    t.after(() => execFileSync('chmod', ['-R', 'u+w', src]));
    return src;
  }
  const view = `${src}-ro`;
  fs.mkdirSync(view, { recursive: true });
  try {
    execFileSync('mount', ['--bind', src, view], { stdio: 'pipe' });
  } catch (err) {
    t.skip(`root cannot bind-mount here, so no read-only place can be made: ${String(err)}`);
    return null;
  }
  t.after(() => execFileSync('umount', [view]));
  execFileSync('mount', ['-o', 'remount,bind,ro', view]);
  return view;
}

/** Every file under `root`, to show a reader left nothing behind (no lock, no log entry). */
function filesUnder(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
}

test('a read-only destination can be restored, verified, diffed, listed and its log read', (t) => {
  const ro = readOnlyView(t, good);
  if (!ro) return;
  const before = filesUnder(ro);

  const restored = path.join(dir, 'restored.db');
  const r = cli(['restore', ro, '--to', restored]);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(dump(restored), dump(db));

  for (const level of ['quick', 'full', 'drill']) {
    const v = cli(['verify', ro, '--level', level]);
    assert.equal(v.code, 0, `verify --level ${level}: ${v.stdout}`);
    assert.equal((v.json as { ok: boolean }).ok, true);
  }

  const d = cli(['diff', ro, '--snapshot', 'latest', '--against', db]);
  assert.equal(d.code, 0, d.stdout);
  assert.equal((d.json as { database: string }).database, db);

  const s = cli(['snapshots', ro]);
  assert.equal(s.code, 0, s.stdout);
  assert.equal((s.json as { snapshots: unknown[] }).snapshots.length, 1);

  const l = cli(['log', ro]);
  assert.equal(l.code, 0, l.stdout);
  assert.deepEqual(
    (l.json as { entries: { operation: string }[] }).entries.map((e) => e.operation),
    ['backup'],
  );
  assert.deepEqual(filesUnder(ro), before, 'a reader wrote into the read-only place');
});

test('backup, prune and repair on a read-only destination fail naming it; another --to completes', (t) => {
  const ro = readOnlyView(t, good);
  if (!ro) return;
  const other = path.join(dir, 'other');
  const b = cli(['backup', db, '--to', ro, '--to', other]);
  assert.equal(b.code, 1, b.stdout);
  assert.deepEqual(outcomeAt(b, ro).error, {
    code: 'DEST_READONLY',
    message: `Cannot write here: permission denied (${ro}).`,
  });
  assert.equal(outcomeAt(b, other).ok, true);
  assert.equal(cli(['verify', other]).code, 0);

  for (const cmd of [
    ['prune', ro, '--keep-last', '1'],
    ['repair', ro, '--from', copy],
  ]) {
    const r = cli(cmd);
    assert.equal(r.code, 1, `${cmd.join(' ')}: ${r.stdout}`);
    assert.deepEqual(errorOf(r), {
      code: 'DEST_READONLY',
      message: `Cannot write here: permission denied (${ro}).`,
    });
  }
});

test('an empty read-only folder is reported as read-only, not as missing', (t) => {
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty);
  const ro = readOnlyView(t, empty);
  if (!ro) return;
  const d1 = path.join(dir, 'd1');
  const r = cli(['backup', db, '--to', d1, '--to', ro]);
  assert.equal(r.code, 1, r.stdout);
  assert.deepEqual(outcomeAt(r, ro).error, {
    code: 'DEST_READONLY',
    message: `Cannot write here: permission denied (${ro}).`,
  });
  assert.equal(outcomeAt(r, d1).ok, true);
  assert.deepEqual(fs.readdirSync(ro), []);
});

test('a file given as the destination is named as a file, exit 2, and left alone', () => {
  const file = path.join(dir, 'notes.txt');
  fs.writeFileSync(file, 'not a folder');

  const alone = cli(['backup', db, '--to', file]);
  assert.equal(alone.code, 2, alone.stdout);
  assert.deepEqual(outcomeAt(alone, file).error, {
    code: 'NOT_A_REPOSITORY',
    message: `${file} is a file, not a folder.`,
  });
  // Under a file is no better: the file is named.
  const under = cli(['backup', db, '--to', path.join(file, 'Backups')]);
  assert.equal(under.code, 2, under.stdout);
  assert.equal(
    outcomeAt(under, path.join(file, 'Backups')).error?.message,
    `${file} is a file, not a folder.`,
  );

  const withGood = path.join(dir, 'beside-file');
  const both = cli(['backup', db, '--to', file, '--to', withGood]);
  assert.equal(both.code, 1, both.stdout);
  assert.equal(outcomeAt(both, file).error?.code, 'NOT_A_REPOSITORY');
  assert.equal(outcomeAt(both, withGood).ok, true);

  const restored = path.join(dir, 'never.db');
  for (const cmd of [
    ['verify', file],
    ['snapshots', file],
    ['log', file],
    ['restore', file, '--to', restored],
    ['prune', file],
    ['repair', good, '--from', file],
    ['repair', file, '--from', good],
  ]) {
    const r = cli(cmd);
    assert.equal(r.code, 2, `${cmd.join(' ')}: ${r.stdout}`);
    assert.deepEqual(errorOf(r), {
      code: 'NOT_A_REPOSITORY',
      message: `${file} is not a folder (it is a file, or inside one).`,
    });
  }
  assert.equal(fs.readFileSync(file, 'utf8'), 'not a folder');
  assert.ok(!fs.existsSync(restored));
});

test('a folder given as the database: exit 2 naming it, and no destination is made', () => {
  const folder = path.join(dir, 'a-folder');
  fs.mkdirSync(folder);
  const dest = path.join(dir, 'from-folder');
  for (const cmd of [
    ['types', folder],
    ['backup', folder, '--to', dest],
  ]) {
    const r = cli(cmd);
    assert.equal(r.code, 2, `${cmd.join(' ')}: ${r.stdout}`);
    assert.deepEqual(errorOf(r), {
      code: 'NOT_SQLITE',
      message: `${folder} is a folder, not a database file.`,
    });
  }
  assert.ok(!fs.existsSync(dest));
});

test('a new database in a folder that does not exist: exit 2 naming the folder', () => {
  const nowhere = path.join(dir, 'no-such-folder');
  const expected = {
    code: 'BAD_INPUT',
    message: `The folder ${nowhere} does not exist; create it first or choose another place.`,
  };
  const demo = cli(['demo', 'create', path.join(nowhere, 'x.db')]);
  assert.equal(demo.code, 2, demo.stdout);
  assert.deepEqual(errorOf(demo), expected);

  const restore = cli(['restore', good, '--to', path.join(nowhere, 'x.db')]);
  assert.equal(restore.code, 2, restore.stdout);
  assert.deepEqual(errorOf(restore), expected);
  assert.ok(!fs.existsSync(nowhere), 'the missing folder must not be made');
});
