/** Every kind of bad input ends in a clear message, the contract's exit code, and no loss. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { chinook, cli, isRoot, mountTmpfs, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

interface ErrorJson {
  error: { code: string; message: string };
}

function errorOf(r: { json: unknown }): ErrorJson['error'] {
  return (r.json as ErrorJson).error;
}

test('a missing source database: exit 2, no destination created', () => {
  const dest = path.join(dir, 'never');
  const r = cli(['backup', path.join(dir, 'nope.db'), '--to', dest]);
  assert.equal(r.code, 2);
  assert.equal(errorOf(r).code, 'SOURCE_MISSING');
  assert.match(errorOf(r).message, /does not exist/);
  assert.ok(!fs.existsSync(dest));
});

test('a file that is not SQLite (or empty) is refused', () => {
  const text = path.join(dir, 'notes.db');
  fs.writeFileSync(
    text,
    'Shopping list: milk, bread, eggs and a long enough text to pass 100 bytes. '.repeat(3),
  );
  const empty = path.join(dir, 'empty.db');
  fs.writeFileSync(empty, '');
  for (const [file, pattern] of [
    [text, /not a SQLite database.*SQLCipher/],
    [empty, /empty/],
  ] as const) {
    const r = cli(['backup', file, '--to', path.join(dir, 'x')]);
    assert.equal(r.code, 2);
    assert.equal(errorOf(r).code, 'NOT_SQLITE');
    assert.match(errorOf(r).message, pattern);
  }
  assert.equal(cli(['types', text]).code, 2);
});

test('random bytes may be a database its POS encrypts: the message says so', () => {
  const random = path.join(dir, 'random.db');
  fs.writeFileSync(random, crypto.randomBytes(20_000));
  const r = cli(['backup', random, '--to', path.join(dir, 'rnd')]);
  assert.equal(r.code, 2);
  assert.equal(errorOf(r).code, 'NOT_SQLITE');
  assert.match(errorOf(r).message, /encrypts its database, with SQLCipher/);
});

test('a truncated database is bad input the owner must act on: exit 2, and what to do', () => {
  const db = chinook(dir);
  const cut = path.join(dir, 'cut.db');
  fs.writeFileSync(cut, fs.readFileSync(db).subarray(0, 200_000));
  const dest = path.join(dir, 'cut-place');
  const r = cli(['backup', cut, '--to', dest]);
  assert.equal(r.code, 2, r.stdout);
  assert.equal(errorOf(r).code, 'SOURCE_UNREADABLE');
  assert.match(errorOf(r).message, /damaged.*Restore it from a backup/);
  assert.ok(
    !fs.existsSync(path.join(dest, 'snapshots')) ||
      fs.readdirSync(path.join(dest, 'snapshots')).length === 0,
  );
});

test('a wrong passphrase is refused and nothing is written', () => {
  const db = chinook(dir);
  const dest = path.join(dir, 'pw');
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  const before = fs.readdirSync(path.join(dest, 'snapshots'));
  const r = cli(['backup', db, '--to', dest], { TILLVAULT_PASSPHRASE: 'wrong horse' });
  assert.equal(r.code, 2);
  const d = (r.json as { destinations: { ok: boolean; error: { code: string } }[] })
    .destinations[0]!;
  assert.equal(d.error.code, 'WRONG_PASSPHRASE');
  assert.deepEqual(fs.readdirSync(path.join(dest, 'snapshots')), before);
  for (const cmd of [
    ['snapshots', dest],
    ['verify', dest],
    ['log', dest],
    ['restore', dest, '--to', path.join(dir, 'r.db')],
  ]) {
    const v = cli(cmd, { TILLVAULT_PASSPHRASE: 'wrong horse' });
    assert.equal(v.code, 2, cmd.join(' '));
    assert.equal(errorOf(v).code, 'WRONG_PASSPHRASE');
  }
  assert.ok(!fs.existsSync(path.join(dir, 'r.db')));
});

test('no passphrase at all: a clear request for one', () => {
  const r = cli(['backup', chinook(dir), '--to', path.join(dir, 'nopw')], {
    TILLVAULT_PASSPHRASE: '',
  });
  assert.equal(r.code, 2);
  assert.equal(errorOf(r).code, 'PASSPHRASE_REQUIRED');
  assert.match(errorOf(r).message, /TILLVAULT_PASSPHRASE/);
});

test('the passphrase can come from a file, never from an argument', () => {
  const file = path.join(dir, 'pass.txt');
  fs.writeFileSync(file, 'from a file\n');
  const dest = path.join(dir, 'pwfile');
  assert.equal(
    cli(['backup', chinook(dir), '--to', dest, '--passphrase-file', file], {
      TILLVAULT_PASSPHRASE: '',
    }).code,
    0,
  );
  assert.equal(cli(['snapshots', dest], { TILLVAULT_PASSPHRASE: 'from a file' }).code, 0);
  assert.equal(cli(['backup', chinook(dir), '--to', dest, '--passphrase', 'x']).code, 2);
});

test('a destination on an unplugged drive is skipped and the others complete', () => {
  const db = chinook(dir);
  const good = path.join(dir, 'good');
  const gone = path.join(dir, 'unplugged-drive', 'Backups');
  const r = cli(['backup', db, '--to', gone, '--to', good]);
  assert.equal(r.code, 1);
  const res = r.json as {
    destinations: { path: string; ok: boolean; error: { code: string; message: string } | null }[];
  };
  const bad = res.destinations.find((d) => d.path === gone)!;
  assert.equal(bad.ok, false);
  assert.equal(bad.error!.code, 'DEST_MISSING');
  assert.match(bad.error!.message, /not available/);
  assert.ok(!fs.existsSync(path.dirname(gone)), 'must never create a missing mount point');
  assert.ok(res.destinations.find((d) => d.path === good)!.ok);
  assert.equal(cli(['verify', good, '--level', 'full']).code, 0);
});

test('a folder with other files in it is not taken over', () => {
  const other = path.join(dir, 'documents');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'taxes.xlsx'), 'x');
  const r = cli(['backup', chinook(dir), '--to', other]);
  assert.equal(r.code, 2);
  assert.deepEqual(fs.readdirSync(other), ['taxes.xlsx']);
});

test('restore refuses to overwrite an existing file', () => {
  const dest = path.join(dir, 'pw');
  const existing = path.join(dir, 'exists.db');
  fs.writeFileSync(existing, 'keep me');
  const r = cli(['restore', dest, '--to', existing]);
  assert.equal(r.code, 2);
  assert.equal(fs.readFileSync(existing, 'utf8'), 'keep me');
});

test('restore --dry-run with --to is refused, not ignored: nothing is written', () => {
  const dest = path.join(dir, 'pw');
  const target = path.join(dir, 'dry.db');
  const r = cli(['restore', dest, '--to', target, '--dry-run']);
  assert.equal(r.code, 2);
  assert.match(errorOf(r).message, /--dry-run .*go with --into/);
  assert.ok(!fs.existsSync(target));
});

test(
  'a full disk and a read-only disk end in clear messages and leave nothing behind',
  { skip: !isRoot() && 'needs root to mount a small tmpfs' },
  () => {
    const db = chinook(dir);
    const fullMount = path.join(dir, 'full');
    const unmountFull = mountTmpfs(fullMount, '300k');
    const roMount = path.join(dir, 'ro');
    const unmountRo = mountTmpfs(roMount, '4m');
    try {
      const good = path.join(dir, 'good-2');
      const r = cli(['backup', db, '--to', path.join(fullMount, 'b'), '--to', good]);
      assert.equal(r.code, 1);
      const res = r.json as {
        destinations: {
          path: string;
          ok: boolean;
          error: { code: string; message: string } | null;
        }[];
      };
      const full = res.destinations.find((d) => d.path.startsWith(fullMount))!;
      assert.equal(full.error!.code, 'DEST_FULL');
      assert.match(full.error!.message, /free space/);
      assert.ok(res.destinations.find((d) => d.path === good)!.ok);
      // The failed run removed the place it set up (its recovery key was never shown), packs
      // and all, so the disk has its space back.
      assert.deepEqual(fs.readdirSync(fullMount), []);

      const ro = path.join(roMount, 'b');
      assert.equal(cli(['backup', db, '--to', ro]).code, 0);
      execRemount(roMount);
      const r2 = cli(['backup', db, '--to', ro]);
      assert.equal(r2.code, 1);
      const d2 = (r2.json as { destinations: { error: { code: string } }[] }).destinations[0]!;
      assert.equal(d2.error.code, 'DEST_READONLY');
    } finally {
      unmountFull();
      unmountRo();
    }
  },
);

/** Root ignores file permissions, so only a read-only mount makes a truly read-only place. */
function execRemount(dir: string): void {
  execFileSync('mount', ['-o', 'remount,ro', dir]);
}

test(
  'a temp folder too small for the consistent copy is named in the message, and nothing is stored',
  { skip: !isRoot() && 'needs root to mount a small tmpfs' },
  () => {
    const tiny = path.join(dir, 'tinytmp');
    const unmount = mountTmpfs(tiny, '200k');
    try {
      const dest = path.join(dir, 'tmpfull');
      const r = cli(['backup', chinook(dir), '--to', dest], { TMPDIR: tiny });
      assert.equal(r.code, 1, r.stdout);
      const err = errorOf(r);
      assert.equal(err.code, 'DEST_FULL');
      assert.match(err.message, /copying the database/);
      assert.deepEqual(fs.readdirSync(tiny), []);
      // The new repository was removed again: its recovery key was never shown.
      assert.deepEqual(fs.existsSync(dest) ? fs.readdirSync(dest) : [], []);
    } finally {
      unmount();
    }
  },
);

test('bad usage is exit 2', () => {
  assert.equal(cli(['frobnicate']).code, 2);
  assert.equal(cli(['backup', 'x.db']).code, 2);
  assert.equal(cli(['verify', dir, '--level', 'extreme']).code, 2);
  assert.equal(
    cli(['backup', chinook(dir), '--to', path.join(dir, 'y'), '--types', 'members,unicorns']).code,
    2,
  );
  assert.equal(cli(['prune', path.join(dir, 'pw'), '--keep-within', 'forever']).code, 2);
});
