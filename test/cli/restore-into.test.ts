/**
 * The worst day: a member deleted, prices changed by mistake. Diff shows it, a restore of one
 * data type brings the member back without touching the rest, and every restore can be undone.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cli, dump, spawnCli, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');
let good = '';
let original = '';
let pricesAfterMistake = '';

interface TableDiff {
  table: string;
  added: number;
  removed: number;
  changed: number;
}

before(() => {
  assert.equal(
    cli(['demo', 'create', db, '--members', '400', '--days', '20', '--seed', '9']).code,
    0,
  );
  const r = cli(['backup', db, '--to', dest]);
  assert.equal(r.code, 0);
  good = (r.json as { snapshotId: string }).snapshotId;
  original = dump(db);
  // The bad afternoon: a member deleted (with their history) and a wrong bulk price change.
  sqliteValue(
    db,
    `PRAGMA foreign_keys=OFF; DELETE FROM members WHERE id = 5; UPDATE products SET price_cents = price_cents * 10 WHERE id <= 20;`,
  );
  pricesAfterMistake = sqliteValue(db, 'SELECT sum(price_cents) FROM products');
});

test('diff shows what changed since the backup, per table', () => {
  const r = cli(['diff', dest, '--snapshot', good, '--against', db]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const tables = (r.json as { tables: TableDiff[] }).tables;
  const members = tables.find((t) => t.table === 'members')!;
  assert.deepEqual([members.added, members.removed, members.changed], [0, 1, 0]);
  const products = tables.find((t) => t.table === 'products')!;
  assert.deepEqual([products.added, products.removed, products.changed], [0, 0, 20]);
  const only = cli(['diff', dest, '--snapshot', good, '--against', db, '--types', 'members']);
  assert.ok((only.json as { tables: TableDiff[] }).tables.every((t) => t.table !== 'products'));
});

test('restoring only members brings the member back and leaves the prices alone', () => {
  const r = cli(['restore', dest, '--snapshot', good, '--into', db, '--types', 'members']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const res = r.json as { safetySnapshotId: string; tables: string[] };
  assert.ok(res.tables.includes('members'));
  assert.equal(sqliteValue(db, 'SELECT count(*) FROM members WHERE id = 5'), '1');
  assert.equal(sqliteValue(db, 'SELECT sum(price_cents) FROM products'), pricesAfterMistake);
  const diffAfter = cli(['diff', dest, '--snapshot', good, '--against', db]).json as {
    tables: TableDiff[];
  };
  assert.equal(diffAfter.tables.find((t) => t.table === 'products')!.changed, 20);
  assert.equal(diffAfter.tables.find((t) => t.table === 'members')!.removed, 0);
  // The safety snapshot of the state before is listed with its trigger.
  const list = cli(['snapshots', dest]).json as { snapshots: { id: string; trigger: string }[] };
  assert.equal(list.snapshots.find((s) => s.id === res.safetySnapshotId)?.trigger, 'pre-restore');
  assert.equal(sqliteValue(db, 'PRAGMA integrity_check'), 'ok');
});

test('a whole restore gives back exactly the backed-up content, and leaves no stale WAL', () => {
  const r = cli(['restore', dest, '--snapshot', good, '--into', db]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(dump(db), original);
  assert.ok(!fs.existsSync(`${db}-wal`) || fs.statSync(`${db}-wal`).size === 0);
  const warnings = (r.json as { warnings: string[] }).warnings.join(' ');
  assert.match(warnings, /safety backup/);
});

test('undo: restoring the safety snapshot returns the state before the restore', () => {
  const list = cli(['snapshots', dest]).json as { snapshots: { id: string; trigger: string }[] };
  const safety = list.snapshots.filter((s) => s.trigger === 'pre-restore').at(-1)!;
  const before = dump(db);
  assert.equal(cli(['restore', dest, '--snapshot', safety.id, '--into', db]).code, 0);
  assert.notEqual(dump(db), before);
  assert.equal(sqliteValue(db, 'SELECT count(*) FROM members WHERE id = 5'), '1');
  assert.equal(sqliteValue(db, 'SELECT max(price_cents) > 0 FROM products'), '1');
});

test('while the POS has the database open, restore refuses and changes nothing', async () => {
  const shifts = Number(sqliteValue(db, 'SELECT count(*) FROM shifts'));
  // The till runs until it is stopped, so the restore meets it however slow the machine is.
  const till = spawnCli(['demo', 'sell', db, '--seconds', '600', '--rate', '20']);
  const done = new Promise((resolve) => till.on('exit', resolve));
  try {
    // Its shift is open once it has the database open and has written to it.
    while (Number(sqliteValue(db, 'SELECT count(*) FROM shifts')) === shifts) {
      assert.equal(till.exitCode, null, 'the till stopped before it opened the database');
      await new Promise((r) => setTimeout(r, 50));
    }
    const count = (cli(['snapshots', dest]).json as { snapshots: unknown[] }).snapshots.length;
    const before = sqliteValue(db, 'SELECT count(*) FROM members WHERE id = 5');
    const r = cli(['restore', dest, '--snapshot', good, '--into', db]);
    assert.equal(r.code, 1, r.stdout);
    const err = (r.json as { error: { code: string; message: string } }).error;
    assert.equal(err.code, 'DB_IN_USE');
    assert.match(err.message, /Close the till/);
    assert.equal(
      (cli(['snapshots', dest]).json as { snapshots: unknown[] }).snapshots.length,
      count,
    );
    assert.equal(sqliteValue(db, 'SELECT count(*) FROM members WHERE id = 5'), before);
  } finally {
    till.kill('SIGTERM');
    await done;
  }
});
