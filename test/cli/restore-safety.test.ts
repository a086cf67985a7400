/**
 * Restore must not hurt the shop: it refuses another program's database, never rebuilds a shop
 * from a partial backup without saying so, warns when a selective restore breaks links between
 * tables, and leaves no stale -wal/-shm beside the live database, whether it worked or failed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  ROOT,
  chinook,
  cli,
  fileSha256,
  sqliteValue,
  tempDir,
  type CliResult,
} from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

interface RestoreJson {
  snapshotId: string;
  warnings: string[];
}

function errorOf(r: CliResult): { code: string; message: string } {
  return (r.json as { error: { code: string; message: string } }).error;
}

function snapshotCount(dest: string): number {
  return (cli(['snapshots', dest]).json as { snapshots: unknown[] }).snapshots.length;
}

function sidecars(db: string): string[] {
  return ['-wal', '-shm'].filter((s) => fs.existsSync(`${db}${s}`));
}

/** A demo shop with one full backup; the backup's read-only pass leaves sidecars, closed here. */
function shopWithBackup(name: string): { db: string; dest: string; id: string } {
  const db = path.join(dir, `${name}.db`);
  const dest = path.join(dir, `${name}-backups`);
  assert.equal(
    cli(['demo', 'create', db, '--members', '300', '--days', '15', '--seed', '4']).code,
    0,
  );
  const r = cli(['backup', db, '--to', dest]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  sqliteValue(db, 'SELECT count(*) FROM sqlite_master');
  assert.deepEqual(sidecars(db), []);
  return { db, dest, id: (r.json as { snapshotId: string }).snapshotId };
}

function tableCount(db: string, table: string): number {
  return Number(sqliteValue(db, `SELECT count(*) FROM ${table}`));
}

function hasTable(db: string, table: string): boolean {
  return sqliteValue(db, `SELECT count(*) FROM sqlite_master WHERE name = '${table}'`) === '1';
}

function foreignKeyViolations(db: string): number {
  return Number(sqliteValue(db, 'SELECT count(*) FROM pragma_foreign_key_check'));
}

test('restore into an unrelated database is refused before any safety backup or change', () => {
  const shop = shopWithBackup('wrong');
  const music = chinook(dir);
  const sha = fileSha256(music);
  const count = snapshotCount(shop.dest);
  for (const extra of [[], ['--types', 'members']]) {
    const r = cli(['restore', shop.dest, '--into', music, ...extra]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const err = errorOf(r);
    assert.equal(err.code, 'BAD_INPUT');
    assert.match(err.message, /chinook\.sqlite does not look like the database/);
    assert.match(err.message, /is of wrong\.db/);
    assert.match(err.message, /--to NEWFILE/);
  }
  assert.equal(fileSha256(music), sha);
  assert.equal(snapshotCount(shop.dest), count);
  assert.deepEqual(sidecars(music), []);
  assert.equal(tableCount(music, 'Track'), 3503);
});

test('a POS that added a column and a table since the backup, and an empty database, are restored', () => {
  const shop = shopWithBackup('grown');
  const members = tableCount(shop.db, 'members');
  sqliteValue(
    shop.db,
    'ALTER TABLE members ADD COLUMN nickname TEXT; CREATE TABLE gift_wraps (id INTEGER PRIMARY KEY, colour TEXT); PRAGMA foreign_keys=OFF; DELETE FROM members WHERE id > 250;',
  );
  const some = cli(['restore', shop.dest, '--into', shop.db, '--types', 'members']);
  assert.equal(some.code, 0, some.stdout + some.stderr);
  assert.equal(tableCount(shop.db, 'members'), members);
  assert.ok(hasTable(shop.db, 'gift_wraps'));
  const whole = cli(['restore', shop.dest, '--snapshot', shop.id, '--into', shop.db]);
  assert.equal(whole.code, 0, whole.stdout + whole.stderr);
  assert.equal(tableCount(shop.db, 'members'), members);

  const empty = path.join(dir, 'empty.db');
  sqliteValue(empty, 'PRAGMA user_version = 1');
  const r = cli(['restore', shop.dest, '--snapshot', shop.id, '--into', empty]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(tableCount(empty, 'members'), members);
  assert.equal(sqliteValue(empty, 'PRAGMA integrity_check'), 'ok');
});

test('latest skips newer partial backups and says so; a partial backup by id carries a warning', () => {
  const shop = shopWithBackup('partial');
  const partial = cli(['backup', shop.db, '--to', shop.dest, '--types', 'members,sales']);
  assert.equal(partial.code, 0, partial.stdout + partial.stderr);
  const partialId = (partial.json as { snapshotId: string }).snapshotId;
  const products = tableCount(shop.db, 'products');

  const whole = path.join(dir, 'partial-latest.db');
  const r = cli(['restore', shop.dest, '--to', whole]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const res = r.json as RestoreJson;
  assert.equal(res.snapshotId, shop.id);
  assert.equal(res.warnings.length, 1);
  assert.match(res.warnings[0]!, /passed over/);
  assert.ok(res.warnings[0]!.includes(partialId));
  assert.equal(tableCount(whole, 'products'), products);
  assert.ok(hasTable(whole, 'staff') && hasTable(whole, 'settings'));

  const part = path.join(dir, 'partial-by-id.db');
  const byId = cli(['restore', shop.dest, '--snapshot', partialId, '--to', part]);
  assert.equal(byId.code, 0, byId.stdout + byId.stderr);
  const warnings = (byId.json as RestoreJson).warnings;
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /partial backup: it holds only members, sales/);
  assert.ok(!hasTable(part, 'products'));
  assert.equal(tableCount(part, 'members'), tableCount(shop.db, 'members'));

  // Into the live database: products are only in the older full backup.
  const into = cli(['restore', shop.dest, '--into', shop.db, '--types', 'products']);
  assert.equal(into.code, 0, into.stdout + into.stderr);
  const intoRes = into.json as RestoreJson;
  assert.equal(intoRes.snapshotId, shop.id);
  assert.ok(intoRes.warnings.some((w) => w.includes(partialId) && /passed over/.test(w)));
});

test('a newer partial backup that holds the requested types is used, without a warning', () => {
  const shop = shopWithBackup('partial-types');
  const partial = cli(['backup', shop.db, '--to', shop.dest, '--types', 'members']);
  assert.equal(partial.code, 0, partial.stdout + partial.stderr);
  const r = cli(['restore', shop.dest, '--into', shop.db, '--types', 'members']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const res = r.json as RestoreJson;
  assert.equal(res.snapshotId, (partial.json as { snapshotId: string }).snapshotId);
  assert.deepEqual(res.warnings, []);
});

test('when only partial backups exist, a whole restore names the problem', () => {
  const db = path.join(dir, 'only-partial.db');
  const dest = path.join(dir, 'only-partial-backups');
  assert.equal(cli(['demo', 'create', db, '--members', '50', '--days', '3']).code, 0);
  assert.equal(cli(['backup', db, '--to', dest, '--types', 'members']).code, 0);
  const out = path.join(dir, 'only-partial-out.db');
  const r = cli(['restore', dest, '--to', out]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.equal(errorOf(r).code, 'SNAPSHOT_NOT_FOUND');
  assert.match(errorOf(r).message, /partial backups/);
  assert.ok(!fs.existsSync(out));
  const into = cli(['restore', dest, '--into', db]);
  assert.equal(into.code, 2, into.stdout + into.stderr);
  assert.equal(errorOf(into).code, 'SNAPSHOT_NOT_FOUND');
});

test('a selective restore that leaves rows pointing at missing orders warns, naming the tables', () => {
  const shop = shopWithBackup('links');
  // The last 30 orders go, with their ledger rows: the live database is consistent again.
  const gone = 'SELECT id FROM orders ORDER BY id DESC LIMIT 30';
  const points = Number(
    sqliteValue(shop.db, `SELECT count(*) FROM points_ledger WHERE order_id IN (${gone})`),
  );
  const stored = Number(
    sqliteValue(shop.db, `SELECT count(*) FROM stored_value_ledger WHERE order_id IN (${gone})`),
  );
  assert.ok(points > 1, 'the demo shop gives points for orders');
  sqliteValue(
    shop.db,
    `PRAGMA foreign_keys=OFF;
     CREATE TEMP TABLE gone AS ${gone};
     DELETE FROM points_ledger WHERE order_id IN (SELECT id FROM gone);
     DELETE FROM stored_value_ledger WHERE order_id IN (SELECT id FROM gone);
     DELETE FROM order_items WHERE order_id IN (SELECT id FROM gone);
     DELETE FROM payments WHERE order_id IN (SELECT id FROM gone);
     DELETE FROM orders WHERE id IN (SELECT id FROM gone);`,
  );
  const before = foreignKeyViolations(shop.db);

  const r = cli([
    'restore',
    shop.dest,
    '--snapshot',
    shop.id,
    '--into',
    shop.db,
    '--types',
    'members',
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(foreignKeyViolations(shop.db), before + points + stored);
  const warning = (r.json as RestoreJson).warnings.join('\n');
  assert.ok(warning.includes(`${points} rows in points_ledger now refer to orders`), warning);
  if (stored > 0) assert.match(warning, /stored_value_ledger/);
  assert.match(warning, /Restoring sales from the same backup as well \(--types members,sales\)/);

  // Restoring the same types again breaks nothing new: no alarm.
  const again = cli([
    'restore',
    shop.dest,
    '--snapshot',
    shop.id,
    '--into',
    shop.db,
    '--types',
    'members',
  ]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.deepEqual((again.json as RestoreJson).warnings, []);
});

test('a POS schema whose foreign keys SQLite cannot check does not stop a selective restore', () => {
  const shop = shopWithBackup('mismatch');
  // members.name is not a key, so PRAGMA foreign_key_check fails with "foreign key mismatch".
  sqliteValue(
    shop.db,
    "CREATE TABLE member_notes (member_name TEXT REFERENCES members(name), note TEXT); INSERT INTO member_notes VALUES ('x', 'y');",
  );
  const r = cli([
    'restore',
    shop.dest,
    '--snapshot',
    shop.id,
    '--into',
    shop.db,
    '--types',
    'members',
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(tableCount(shop.db, 'member_notes'), 1);
});

test('latest after a restore is still the backup, not the safety backup that restore made', () => {
  const shop = shopWithBackup('again');
  const first = cli(['restore', shop.dest, '--into', shop.db]);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  const safety = (first.json as { safetySnapshotId: string }).safetySnapshotId;
  const again = cli(['restore', shop.dest, '--to', path.join(dir, 'again-latest.db')]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.equal((again.json as RestoreJson).snapshotId, shop.id);
  // Undoing the restore stays possible, by the id it printed.
  const undo = cli(['restore', shop.dest, '--snapshot', safety, '--to', path.join(dir, 'u.db')]);
  assert.equal((undo.json as RestoreJson).snapshotId, safety);
});

test('a successful restore leaves no -wal/-shm beside the live database', () => {
  const shop = shopWithBackup('tidy');
  for (const extra of [['--types', 'members'], []]) {
    const r = cli(['restore', shop.dest, '--snapshot', shop.id, '--into', shop.db, ...extra]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(sidecars(shop.db), [], `after restore ${extra.join(' ')}`);
  }
});

test('a restore from a damaged backup fails with the live database untouched and no -wal/-shm', () => {
  const shop = shopWithBackup('damaged');
  const data = path.join(shop.dest, 'data');
  for (const pack of fs.readdirSync(data, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(data, pack);
    if (!fs.statSync(file).isFile()) continue;
    const bytes = fs.readFileSync(file);
    for (let i = 512; i < bytes.length; i += 4096) bytes[i]! ^= 0xff;
    fs.writeFileSync(file, bytes);
  }
  const sha = fileSha256(shop.db);
  const count = snapshotCount(shop.dest);
  for (const extra of [[], ['--types', 'members']]) {
    const r = cli(['restore', shop.dest, '--snapshot', shop.id, '--into', shop.db, ...extra]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.equal(errorOf(r).code, 'DAMAGED');
    assert.equal(fileSha256(shop.db), sha);
    assert.deepEqual(sidecars(shop.db), []);
  }
  // The backup was checked before the safety backup, so no useless one was taken.
  assert.equal(snapshotCount(shop.dest), count);
});

test("a live database with the POS's own unsaved WAL keeps those changes through a restore", () => {
  const shop = shopWithBackup('crashed-pos');
  // A till that wrote and then died: the change is only in the -wal, never checkpointed.
  const crash = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import Database from 'better-sqlite3';
       const db = new Database(${JSON.stringify(shop.db)});
       db.pragma('wal_autocheckpoint = 0');
       db.exec("UPDATE products SET price_cents = 4242 WHERE id = 1");
       process.exit(0);`,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.equal(crash.status, 0, crash.stderr);
  assert.ok(fs.statSync(`${shop.db}-wal`).size > 0);

  const r = cli([
    'restore',
    shop.dest,
    '--snapshot',
    shop.id,
    '--into',
    shop.db,
    '--types',
    'members',
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(sqliteValue(shop.db, 'SELECT price_cents FROM products WHERE id = 1'), '4242');
  assert.equal(sqliteValue(shop.db, 'PRAGMA integrity_check'), 'ok');
  assert.deepEqual(sidecars(shop.db), []);
});
