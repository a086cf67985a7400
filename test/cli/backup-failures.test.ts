/**
 * Backups that fail, in part or in whole, leave nothing that misleads: a repository this run set
 * up and that got no backup is taken away again (its recovery key was never shown, so the next
 * run shows one that opens it); a pack file that went missing is stored again, with a warning,
 * rather than counted as stored; a passphrase that an existing place refuses sets up no new
 * place; and a destination that is full answers DEST_FULL, not "no place could be used". Real
 * databases, real folders, real full disks (a small tmpfs, which needs root to mount), and the
 * CLI as a child process.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import { cli, dump, mountTmpfs, tempDir } from '../helpers.js';

const dir = tempDir('tv-backup-failures-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Failure {
  code: string;
  message: string;
}

interface DestinationJson {
  path: string;
  ok: boolean;
  snapshotId: string | null;
  error: Failure | null;
  warning: string | null;
}

interface BackupJson {
  snapshotId: string | null;
  recoveryKey: string | null;
  destinations: DestinationJson[];
  error: Failure | null;
}

interface SnapshotsJson {
  snapshots: { id: string }[];
}

interface VerifyJson {
  snapshots: { id: string; ok: boolean; missingChunks: number; damagedChunks: number }[];
  damagedSnapshots: string[];
  problems: { kind: string; id: string; problem: string }[];
}

const RECOVERY_KEY = /^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/;

/** A new demo shop database (WAL mode, about 270 KB). */
function shop(name: string): string {
  const db = path.join(dir, name);
  const r = cli(['demo', 'create', db, '--members', '200', '--days', '5']);
  assert.equal(r.code, 0, r.stderr);
  return db;
}

/** The shop keeps scanned receipts: `mib` MiB of random bytes, which no compression shrinks. */
function addAttachments(db: string, mib: number): void {
  execFileSync('sqlite3', [db], {
    input: `CREATE TABLE attachments (id INTEGER PRIMARY KEY, data BLOB NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${mib * 4})
INSERT INTO attachments (data) SELECT randomblob(262144) FROM n;`,
  });
}

/** A backup's JSON document, whatever its exit code (each test checks the one it expects). */
function backupOf(args: string[]): BackupJson {
  const r = cli(['backup', ...args]);
  assert.ok(r.json, `backup printed no JSON document:\n${r.stdout}\n${r.stderr}`);
  return r.json as BackupJson;
}

function snapshotIds(place: string): string[] {
  const r = cli(['snapshots', place]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return (r.json as SnapshotsJson).snapshots.map((s) => s.id);
}

/** Every file under `root` (folders left out), as paths relative to it. */
function filesUnder(root: string): string[] {
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

/** The pack files of a repository, as paths relative to it. */
function packFiles(place: string): string[] {
  return filesUnder(place).filter((f) => f.startsWith(`data${path.sep}`));
}

/** Writes a filler file until the disk says it is full. */
function fillUp(disk: string): void {
  const fd = fs.openSync(path.join(disk, 'filler'), 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    fs.closeSync(fd);
  }
  assert.equal(fs.statfsSync(disk).bavail, 0);
}

/**
 * A small disk of its own at `<dir>/<name>`, unmounted when the test ends. Root can fill a
 * disk that permission bits cannot stop it writing to; the test is skipped (and says why) where
 * no tmpfs can be mounted: not root, or a locked-down container.
 */
function smallDisk(t: TestContext, name: string, size: string): string | null {
  const mount = path.join(dir, name);
  try {
    t.after(mountTmpfs(mount, size));
  } catch (err) {
    t.skip(
      `no tmpfs can be mounted here (needs root), so no full disk can be made: ${String(err)}`,
    );
    return null;
  }
  return mount;
}

describe('(a) a repository this run set up that got no backup is taken away again', () => {
  test('a new place whose disk fills up mid-backup goes, folder and all; the next run shows a recovery key that opens it', (t) => {
    const disk = smallDisk(t, 'small-disk', '1m');
    if (!disk) return;
    const db = shop('receipts.db');
    addAttachments(db, 8);
    const place = path.join(disk, 'Backups');

    const r = cli(['backup', db, '--to', place]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    // The repository was made (and its key generated) before the disk filled: neither stays,
    // nor anything half-written.
    assert.deepEqual(fs.readdirSync(disk), []);
    const failed = r.json as BackupJson;
    assert.equal(failed.recoveryKey, null);
    assert.equal(failed.snapshotId, null);
    assert.equal(failed.error?.code, 'DEST_FULL');
    assert.deepEqual(
      failed.destinations.map((d) => [d.path, d.ok, d.error?.code]),
      [[place, false, 'DEST_FULL']],
    );

    execFileSync('mount', ['-o', 'remount,size=64m', disk]);
    const again = backupOf([db, '--to', place]);
    assert.equal(again.error, null);
    assert.match(again.recoveryKey ?? '', RECOVERY_KEY);
    const keyFile = path.join(dir, 'receipts-recovery-key.txt');
    fs.writeFileSync(keyFile, `${again.recoveryKey}\n`);
    const opened = cli(['snapshots', place, '--recovery-key-file', keyFile], {
      TILLVAULT_PASSPHRASE: '',
    });
    assert.equal(opened.code, 0, opened.stdout + opened.stderr);
    assert.deepEqual(
      (opened.json as SnapshotsJson).snapshots.map((s) => s.id),
      [again.snapshotId],
    );
  });

  test('a new place on a disk with no room even for its settings is left as it was: no folder, no key', (t) => {
    const disk = smallDisk(t, 'no-room', '1m');
    if (!disk) return;
    fillUp(disk);
    const db = shop('no-room.db');
    const place = path.join(disk, 'Backups');

    const r = cli(['backup', db, '--to', place]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    // The folder and the empty ones made inside it before the settings file failed: all gone.
    assert.deepEqual(fs.readdirSync(disk), ['filler']);
    const b = r.json as BackupJson;
    assert.equal(b.recoveryKey, null);
    assert.equal(b.error?.code, 'DEST_FULL');
    assert.deepEqual(
      b.destinations.map((d) => [d.path, d.ok, d.error?.code]),
      [[place, false, 'DEST_FULL']],
    );
  });

  test('a backup refused after the copy (no tables of the types asked for) takes away the folder it made and empties the one the user made', () => {
    const db = shop('refused.db');
    const made = path.join(dir, 'refused-new');
    const own = path.join(dir, 'refused-own');
    fs.mkdirSync(own);

    const r = cli(['backup', db, '--to', made, '--to', own, '--types', 'other']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal((r.json as { error: Failure }).error.code, 'BAD_INPUT');
    assert.equal(fs.existsSync(made), false);
    assert.deepEqual(fs.readdirSync(own), []);

    const again = backupOf([db, '--to', made, '--to', own]);
    assert.equal(again.error, null);
    assert.match(again.recoveryKey ?? '', RECOVERY_KEY);
    assert.deepEqual(
      again.destinations.map((d) => [d.path, d.ok]),
      [
        [made, true],
        [own, true],
      ],
    );
  });
});

test('(b) a pack file that went missing is stored again: the backup says so, restores whole and verifies', () => {
  const db = shop('packs.db');
  const place = path.join(dir, 'packs');
  const first = backupOf([db, '--to', place]);
  assert.equal(first.error, null);
  const firstPacks = packFiles(place);
  assert.ok(firstPacks.length > 0);
  // A few members change: the second backup stores only their pages, in a pack of its own.
  execFileSync('sqlite3', [db, "UPDATE members SET name = name || ' Jr' WHERE id <= 3"]);
  const second = backupOf([db, '--to', place]);
  assert.equal(second.error, null);
  const secondPacks = packFiles(place).filter((p) => !firstPacks.includes(p));
  assert.equal(secondPacks.length, 1);

  // A cloud sync conflict takes the first backup's pack away; the index still lists its parts.
  const lost = firstPacks[0]!;
  fs.rmSync(path.join(place, lost));
  const third = backupOf([db, '--to', place]);
  assert.equal(third.error, null);
  const dest = third.destinations[0]!;
  assert.equal(dest.ok, true);
  assert.match(
    dest.warning ?? '',
    /^\d+ parts? (was|were) missing from this place \(a pack file is gone\) and stored again/,
  );
  // Only what was lost is stored again: the second backup's pack is still used.
  assert.ok(packFiles(place).includes(secondPacks[0]!));

  const restored = path.join(dir, 'packs-restored.db');
  const r = cli(['restore', place, '--snapshot', 'latest', '--to', restored]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((r.json as { snapshotId: string }).snapshotId, third.snapshotId);
  assert.equal(dump(restored), dump(db));

  // Only the first backup lacks parts: its members' old pages were in the lost pack alone.
  const v = cli(['verify', place, '--level', 'full']);
  assert.equal(v.code, 3, v.stdout + v.stderr);
  const report = v.json as VerifyJson;
  assert.deepEqual(
    report.snapshots.map((s) => [s.id, s.ok]),
    [
      [first.snapshotId, false],
      [second.snapshotId, true],
      [third.snapshotId, true],
    ],
  );
  assert.ok(
    report.problems.some(
      (p) => p.kind === 'pack' && p.id === path.basename(lost) && p.problem === 'missing',
    ),
    JSON.stringify(report.problems),
  );
  // The newest backup alone is whole; the gone pack is still named, as a problem of the place.
  const newest = cli(['verify', place, '--level', 'full', '--snapshot', third.snapshotId!]);
  assert.equal(newest.code, 3, newest.stdout + newest.stderr);
  const newestReport = newest.json as VerifyJson;
  assert.deepEqual(
    newestReport.snapshots.map((s) => [s.id, s.ok, s.missingChunks, s.damagedChunks]),
    [[third.snapshotId, true, 0, 0]],
  );
  assert.deepEqual(newestReport.damagedSnapshots, []);
  assert.deepEqual(
    newestReport.problems.map((p) => [p.kind, p.id, p.problem]),
    [['pack', path.basename(lost), 'missing']],
  );
});

test('(c) a passphrase an existing place refuses sets up no new place in the same run', () => {
  const db = shop('passphrase.db');
  const existing = path.join(dir, 'pw-existing');
  const fresh = path.join(dir, 'pw-fresh');
  const empty = path.join(dir, 'pw-empty');
  assert.equal(cli(['backup', db, '--to', existing]).code, 0);
  fs.mkdirSync(empty);

  // The new places come first: each is judged only once every place has been looked at.
  const mistyped = { TILLVAULT_PASSPHRASE: 'correct horse battery stapel' };
  const r = cli(['backup', db, '--to', fresh, '--to', existing, '--to', empty], mistyped);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const b = r.json as BackupJson;
  assert.equal(b.error?.code, 'WRONG_PASSPHRASE');
  assert.equal(b.snapshotId, null);
  assert.equal(b.recoveryKey, null);
  assert.deepEqual(
    b.destinations.map((d) => [d.path, d.ok, d.error?.code]),
    [
      [fresh, false, 'WRONG_PASSPHRASE'],
      [existing, false, 'WRONG_PASSPHRASE'],
      [empty, false, 'WRONG_PASSPHRASE'],
    ],
  );
  for (const d of [b.destinations[0]!, b.destinations[2]!]) {
    assert.equal(
      d.error?.message,
      `${d.path} was not set up: the passphrase did not open the backups in ${existing}.`,
    );
  }
  assert.equal(fs.existsSync(fresh), false);
  assert.deepEqual(fs.readdirSync(empty), []);
  assert.equal(snapshotIds(existing).length, 1);

  // With the right passphrase the new places become copies of the existing set.
  const right = backupOf([db, '--to', fresh, '--to', existing, '--to', empty]);
  assert.equal(right.error, null);
  assert.equal(right.recoveryKey, null);
  assert.deepEqual(
    right.destinations.map((d) => d.ok),
    [true, true, true],
  );
  assert.equal(snapshotIds(existing).length, 2);
  assert.deepEqual(snapshotIds(fresh), [right.snapshotId]);
});

test('(d) when the only destination is full, DEST_FULL naming it is the answer (exit 1) and its backups stay as they were; with a missing one too, the first given says the code', (t) => {
  const disk = smallDisk(t, 'full-disk', '1m');
  if (!disk) return;
  const db = shop('growing.db');
  const place = path.join(disk, 'Backups');
  const first = backupOf([db, '--to', place]);
  assert.equal(first.error, null);
  const filesBefore = filesUnder(place);

  // The shop starts keeping scanned receipts: the next backup no longer fits.
  addAttachments(db, 8);
  const r = cli(['backup', db, '--to', place]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const b = r.json as BackupJson;
  assert.equal(b.error?.code, 'DEST_FULL');
  assert.equal(b.snapshotId, null);
  assert.equal(
    b.error?.message,
    `The backup was not stored anywhere. Not enough free space (${place}).`,
  );
  assert.deepEqual(
    b.destinations.map((d) => [d.path, d.ok, d.error?.code]),
    [[place, false, 'DEST_FULL']],
  );
  // No half-written pack or temp file, no lock: the earlier backup is all there is, and whole.
  assert.deepEqual(filesUnder(place), filesBefore);
  assert.deepEqual(snapshotIds(place), [first.snapshotId]);
  const v = cli(['verify', place, '--level', 'full']);
  assert.equal(v.code, 0, v.stdout + v.stderr);

  // Two places failing for different reasons: both are named, and the code is the first one's.
  const unplugged = path.join(dir, 'unplugged-stick', 'Backups');
  const both = backupOf([db, '--to', place, '--to', unplugged]);
  assert.equal(both.error?.code, 'DEST_FULL');
  assert.match(both.error!.message, /Not enough free space.*not available/s);
  assert.deepEqual(
    both.destinations.map((d) => d.error?.code),
    ['DEST_FULL', 'DEST_MISSING'],
  );
  assert.equal(backupOf([db, '--to', unplugged, '--to', place]).error?.code, 'DEST_MISSING');
});
