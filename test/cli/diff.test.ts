/**
 * Diff names tables on either side only: a table the POS added since the backup, and the
 * tables of a database that is not the one backed up at all. A partial backup's missing
 * types are not reported as news.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chinook, cli, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');
let whole = '';
let membersOnly = '';

interface TableDiff {
  table: string;
  type: string;
  added: number;
  removed: number;
  changed: number;
  note: string | null;
}

const tablesOf = (r: { json: unknown }): TableDiff[] => (r.json as { tables: TableDiff[] }).tables;

before(() => {
  assert.equal(cli(['demo', 'create', db, '--members', '200', '--days', '10']).code, 0);
  const full = cli(['backup', db, '--to', dest]);
  assert.equal(full.code, 0, full.stdout);
  whole = (full.json as { snapshotId: string }).snapshotId;
  const partial = cli(['backup', db, '--to', dest, '--types', 'members']);
  assert.equal(partial.code, 0, partial.stdout);
  membersOnly = (partial.json as { snapshotId: string }).snapshotId;
  sqliteValue(
    db,
    `CREATE TABLE gift_cards (id INTEGER PRIMARY KEY, member_id INTEGER, balance_cents INTEGER);
     INSERT INTO gift_cards VALUES (1, 3, 5000), (2, 4, 2500);`,
  );
});

test('a table added since the backup is listed with its rows as added', () => {
  const r = cli(['diff', dest, '--snapshot', whole, '--against', db]);
  assert.equal(r.code, 0, r.stdout);
  const gift = tablesOf(r).find((t) => t.table === 'gift_cards');
  assert.ok(gift, 'gift_cards is listed');
  assert.equal(gift.added, 2);
  assert.equal(gift.removed, 0);
  assert.equal(gift.note, 'table not in the backup');
  const members = tablesOf(r).find((t) => t.table === 'members');
  assert.deepEqual([members?.added, members?.removed, members?.changed], [0, 0, 0]);
});

test('--types filters the tables only the database has by their data type', () => {
  const gift = tablesOf(cli(['diff', dest, '--snapshot', whole, '--against', db])).find(
    (t) => t.table === 'gift_cards',
  )!;
  const same = cli(['diff', dest, '--snapshot', whole, '--against', db, '--types', gift.type]);
  assert.ok(tablesOf(same).some((t) => t.table === 'gift_cards'));
  const other = gift.type === 'logs' ? 'products' : 'logs';
  const without = cli(['diff', dest, '--snapshot', whole, '--against', db, '--types', other]);
  assert.equal(without.code, 0, without.stdout);
  assert.ok(!tablesOf(without).some((t) => t.table === 'gift_cards'));
});

test('a partial backup does not report the types it left out as new tables', () => {
  const r = cli(['diff', dest, '--snapshot', membersOnly, '--against', db]);
  assert.equal(r.code, 0, r.stdout);
  const types = new Set(tablesOf(r).map((t) => t.type));
  assert.deepEqual([...types], ['members']);
  assert.ok(!tablesOf(r).some((t) => t.table === 'orders'));
});

test('latest is the backup a restore would use: the newest holding the types compared', () => {
  const whole2 = cli(['diff', dest, '--snapshot', 'latest', '--against', db]);
  assert.equal(whole2.code, 0, whole2.stdout);
  const r = whole2.json as { snapshotId: string; warnings: string[] };
  assert.equal(r.snapshotId, whole, 'the newer members-only backup is passed over');
  assert.equal(r.warnings.length, 1);
  assert.match(r.warnings[0]!, new RegExp(`${membersOnly}.*Compared with backup ${whole}`));
  const members = cli([
    'diff',
    dest,
    '--snapshot',
    'latest',
    '--against',
    db,
    '--types',
    'members',
  ]);
  assert.equal(members.code, 0, members.stdout);
  const chosen = members.json as { snapshotId: string; warnings: string[] };
  assert.deepEqual([chosen.snapshotId, chosen.warnings], [membersOnly, []]);
});

test('against another database, both sides are listed: its tables added, ours removed', () => {
  const other = chinook(dir);
  const r = cli(['diff', dest, '--snapshot', whole, '--against', other]);
  assert.equal(r.code, 0, r.stdout);
  const tables = tablesOf(r);
  const invoices = tables.find((t) => t.table === 'Invoice' || t.table === 'invoices');
  assert.ok(invoices, `Chinook's invoices are listed: ${tables.map((t) => t.table).join(', ')}`);
  assert.ok(invoices.added > 0);
  const members = tables.find((t) => t.table === 'members');
  assert.equal(members?.note, 'table not in the database');
  assert.ok((members?.removed ?? 0) > 0);
});
