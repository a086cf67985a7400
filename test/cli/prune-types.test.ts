/** Retention through the CLI, its safety rules, and the data-type listing. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chinook, cli, northwind, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');

function ids(): string[] {
  return (cli(['snapshots', dest]).json as { snapshots: { id: string }[] }).snapshots.map(
    (s) => s.id,
  );
}

function folderBytes(p: string): number {
  return fs
    .readdirSync(p, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
}

before(() => {
  assert.equal(
    cli(['demo', 'create', db, '--members', '1500', '--days', '60', '--seed', '4']).code,
    0,
  );
  for (let i = 0; i < 4; i++) {
    // Each round rewrites many pages, so old snapshots hold space of their own.
    sqliteValue(db, `UPDATE order_items SET quantity = quantity + 1 WHERE id % 4 = ${i}`);
    assert.equal(cli(['backup', db, '--to', dest, '--label', `round ${i}`]).code, 0);
  }
});

test('an empty policy is refused and deletes nothing', () => {
  const r = cli(['prune', dest, '--keep-last', '0']);
  assert.equal(r.code, 2);
  assert.equal((r.json as { error: { code: string } }).error.code, 'POLICY_EMPTY');
  assert.equal(ids().length, 4);
});

test('--dry-run says what would go and changes nothing', () => {
  const before = folderBytes(dest);
  const r = cli(['prune', dest, '--keep-last', '2', '--dry-run']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal((r.json as { remove: string[] }).remove.length, 2);
  assert.equal(ids().length, 4);
  assert.equal(folderBytes(dest), before);
});

test('the newest verified snapshot is kept even when the policy would drop it', () => {
  const all = ids();
  // Only all[1] has been proven to restore; the audit log says so.
  assert.equal(cli(['verify', dest, '--level', 'drill', '--snapshot', all[1]!]).code, 0);
  const r = cli(['prune', dest, '--keep-last', '1', '--dry-run']);
  const plan = r.json as { keep: { id: string; reasons: string[] }[] };
  const kept = plan.keep.map((k) => k.id);
  assert.ok(kept.includes(all[3]!));
  assert.ok(kept.includes(all[1]!), JSON.stringify(plan.keep));
});

test('prune removes old snapshots, frees their space and leaves the rest whole', () => {
  const before = folderBytes(dest);
  const all = ids();
  const r = cli(['prune', dest, '--keep-last', '2']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const res = r.json as { remove: string[]; bytesFreed: number };
  assert.ok(res.remove.length >= 1);
  assert.ok(res.bytesFreed > 0);
  assert.ok(folderBytes(dest) < before);
  assert.deepEqual(
    ids(),
    all.filter((id) => !res.remove.includes(id)),
  );
  assert.equal(cli(['verify', dest, '--level', 'full']).code, 0);
  assert.equal(cli(['verify', dest, '--level', 'drill']).code, 0);
  const log = cli(['log', dest]).json as { entries: { operation: string }[] };
  assert.ok(log.entries.some((e) => e.operation === 'prune'));
});

test('prune refuses to run when the newest backup lost most of its rows', () => {
  sqliteValue(
    db,
    'PRAGMA foreign_keys=OFF; DELETE FROM order_items; DELETE FROM orders; DELETE FROM payments;',
  );
  assert.equal(cli(['backup', db, '--to', dest, '--label', 'after the accident']).code, 0);
  const count = ids().length;
  const r = cli(['prune', dest, '--keep-last', '1']);
  assert.equal(r.code, 1);
  assert.match((r.json as { error: { message: string } }).error.message, /far fewer rows/);
  assert.equal(ids().length, count);
});

test('types lists each table with its data type and rows, for databases nobody here wrote', () => {
  const c = cli(['types', chinook(dir)]);
  assert.equal(c.code, 0);
  const tables = (c.json as { tables: { table: string; type: string; rows: number }[] }).tables;
  const byName = new Map(tables.map((t) => [t.table, t]));
  assert.equal(byName.get('Customer')?.type, 'members');
  assert.equal(byName.get('Invoice')?.type, 'sales');
  assert.equal(byName.get('Track')?.rows, 3503);
  const n = cli(['types', northwind(dir)]).json as { tables: { table: string; type: string }[] };
  assert.equal(n.tables.find((t) => t.table === 'Order Details')?.type, 'sales');
  assert.equal(n.tables.find((t) => t.table === 'Employees')?.type, 'staff');
});
