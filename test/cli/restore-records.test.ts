/**
 * `restore --into --records`: one member deleted by mistake comes back with the rows that
 * belong to them, in one transaction, and nothing the till added since is lost; a changed
 * record gets its old values; Chinook's customer comes back with their invoices and lines.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';
import { chinook, cli, deleteDemoMemberSql, northwind, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');
let before7 = '';
let ledgerRows = 0;
let memberCount = 0;

const rowOf7 = (): string =>
  sqliteValue(db, 'SELECT card_no || name || points FROM members WHERE id = 7');

before(() => {
  const made = cli(['demo', 'create', db, '--members', '200', '--days', '5', '--search-indexes']);
  assert.equal(made.code, 0, made.stdout);
  before7 = rowOf7();
  ledgerRows = Number(
    sqliteValue(
      db,
      'SELECT (SELECT count(*) FROM points_ledger WHERE member_id = 7) + (SELECT count(*) FROM stored_value_ledger WHERE member_id = 7)',
    ),
  );
  assert.ok(ledgerRows > 0, 'member 7 has ledger rows');
  memberCount = Number(sqliteValue(db, 'SELECT count(*) FROM members'));
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  // The mistake, then the till goes on: a new points entry for member 8 and a renamed member 9.
  sqliteValue(
    db,
    `${deleteDemoMemberSql(7)}
     INSERT INTO points_ledger (member_id, points, reason, at) VALUES (8, 5, 'sale', '2026-12-07 10:00');
     UPDATE members SET name = 'Renamed Since' WHERE id = 9;`,
  );
});

test('a deleted member comes back with their ledgers; what was added since stays', () => {
  const r = cli(['restore', dest, '--into', db, '--records', 'members=7']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = r.json as {
    records: { table: string; rows: number; role: string }[];
    safetySnapshotId: string;
  };
  assert.deepEqual(
    out.records.find((p) => p.role === 'record'),
    { table: 'members', rows: 1, role: 'record' },
  );
  const belongs = out.records.filter((p) => p.role === 'belongs').reduce((n, p) => n + p.rows, 0);
  assert.equal(belongs, ledgerRows);
  assert.match(out.safetySnapshotId, /^\d{8}T/);
  assert.equal(rowOf7(), before7);
  assert.equal(Number(sqliteValue(db, 'SELECT count(*) FROM members')), memberCount);
  // Added since: kept. Another member's change since: kept (only member 7 was asked for).
  assert.equal(
    sqliteValue(
      db,
      "SELECT count(*) FROM points_ledger WHERE member_id = 8 AND at = '2026-12-07 10:00'",
    ),
    '1',
  );
  assert.equal(sqliteValue(db, 'SELECT name FROM members WHERE id = 9'), 'Renamed Since');
  // The member search box finds them again: the index was kept by its triggers.
  const name = sqliteValue(db, 'SELECT name FROM members WHERE id = 7');
  assert.equal(
    sqliteValue(
      db,
      `SELECT rowid FROM member_search WHERE member_search MATCH '"${name.split(' ')[0]}"' AND rowid = 7`,
    ),
    '7',
  );
  assert.equal(
    sqliteValue(
      db,
      "INSERT INTO member_search(member_search) VALUES ('integrity-check'); SELECT 'ok'",
    ),
    'ok',
  );
  assert.equal(sqliteValue(db, 'PRAGMA foreign_key_check'), '');
});

test('a changed record gets its values from the backup, in place', () => {
  const r = cli(['restore', dest, '--into', db, '--records', 'members=9']);
  assert.equal(r.code, 0, r.stdout);
  assert.notEqual(sqliteValue(db, 'SELECT name FROM members WHERE id = 9'), 'Renamed Since');
  assert.equal(Number(sqliteValue(db, 'SELECT count(*) FROM members')), memberCount);
});

test('a record the backup lacks, a table without one key and a bad argument change nothing', () => {
  const count = sqliteValue(db, 'SELECT count(*) FROM members');
  const backups = (): number =>
    (cli(['snapshots', dest]).json as { snapshots: unknown[] }).snapshots.length;
  const before = backups();
  const missing = cli(['restore', dest, '--into', db, '--records', 'members=999999']);
  assert.equal(missing.code, 2, missing.stdout);
  assert.match(missing.stdout + missing.stderr, /no members record 999999/);
  // Refused before the safety backup: a wrong key leaves no backup behind.
  assert.equal(backups(), before);
  assert.equal(sqliteValue(db, 'SELECT count(*) FROM members'), count);
  const noTable = cli(['restore', dest, '--into', db, '--records', 'nosuch=1']);
  assert.equal(noTable.code, 2);
  assert.match(noTable.stdout + noTable.stderr, /no table nosuch/);
  const bad = cli(['restore', dest, '--into', db, '--records', 'members']);
  assert.equal(bad.code, 2);
  assert.match(bad.stdout + bad.stderr, /TABLE=KEY/);
  const both = cli(['restore', dest, '--into', db, '--records', 'members=7', '--types', 'members']);
  assert.equal(both.code, 2);
});

test('Chinook: a customer deleted with their invoices comes back with invoices and lines', () => {
  const cdir = tempDir();
  const file = chinook(cdir);
  const cdest = path.join(cdir, 'backups');
  const count = (sql: string): number => Number(sqliteValue(file, sql));
  const invoices = count('SELECT count(*) FROM Invoice WHERE CustomerId = 5');
  const lines = count(
    'SELECT count(*) FROM InvoiceLine WHERE InvoiceId IN (SELECT InvoiceId FROM Invoice WHERE CustomerId = 5)',
  );
  assert.ok(invoices > 0 && lines > 0);
  assert.equal(cli(['backup', file, '--to', cdest]).code, 0);
  sqliteValue(
    file,
    `DELETE FROM InvoiceLine WHERE InvoiceId IN (SELECT InvoiceId FROM Invoice WHERE CustomerId = 5);
     DELETE FROM Invoice WHERE CustomerId = 5;
     DELETE FROM Customer WHERE CustomerId = 5;`,
  );
  const r = cli(['restore', cdest, '--into', file, '--records', 'Customer=5']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(count('SELECT count(*) FROM Customer WHERE CustomerId = 5'), 1);
  assert.equal(count('SELECT count(*) FROM Invoice WHERE CustomerId = 5'), invoices);
  assert.equal(
    count(
      'SELECT count(*) FROM InvoiceLine WHERE InvoiceId IN (SELECT InvoiceId FROM Invoice WHERE CustomerId = 5)',
    ),
    lines,
  );
  const composite = cli(['restore', cdest, '--into', file, '--records', 'PlaylistTrack=1']);
  assert.equal(composite.code, 2);
  assert.match(composite.stdout + composite.stderr, /several columns/);
});

test('Northwind: an order deleted with its lines comes back with its "Order Details"', () => {
  const ndir = tempDir();
  const file = northwind(ndir);
  const ndest = path.join(ndir, 'backups');
  const lines = Number(
    sqliteValue(file, 'SELECT count(*) FROM "Order Details" WHERE OrderID = 10250'),
  );
  assert.ok(lines > 0);
  assert.equal(cli(['backup', file, '--to', ndest]).code, 0);
  sqliteValue(
    file,
    'DELETE FROM "Order Details" WHERE OrderID = 10250; DELETE FROM Orders WHERE OrderID = 10250;',
  );
  const r = cli(['restore', ndest, '--into', file, '--records', 'Orders=10250']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM Orders WHERE OrderID = 10250'), '1');
  assert.equal(
    Number(sqliteValue(file, 'SELECT count(*) FROM "Order Details" WHERE OrderID = 10250')),
    lines,
  );
});

test('rows linked only by a column name (member_id, no FOREIGN KEY) come back with the member', () => {
  const mdir = tempDir();
  const file = path.join(mdir, 'cards.db');
  const mdest = path.join(mdir, 'backups');
  assert.equal(cli(['demo', 'create', file, '--members', '50', '--days', '2']).code, 0);
  // A POS converted from MySQL: its cards table names the member but declares no key.
  sqliteValue(
    file,
    `CREATE TABLE member_cards (id INTEGER PRIMARY KEY, member_id INTEGER, card_serial TEXT, issued_at TEXT);
     INSERT INTO member_cards (member_id, card_serial, issued_at)
       SELECT id, 'S' || id, '2026-01-0' || (id % 9 + 1) FROM members;
     INSERT INTO member_cards (member_id, card_serial, issued_at) VALUES (7, 'S7-spare', '2026-02-01');`,
  );
  const cardsOf7 = sqliteValue(
    file,
    'SELECT group_concat(id || card_serial) FROM member_cards WHERE member_id = 7',
  );
  assert.equal(cli(['backup', file, '--to', mdest]).code, 0);
  sqliteValue(file, `DELETE FROM member_cards WHERE member_id = 7; ${deleteDemoMemberSql(7)}`);
  const r = cli(['restore', mdest, '--into', file, '--records', 'members=7']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = r.json as { records: { table: string; rows: number; role: string }[] };
  assert.deepEqual(
    out.records.find((p) => p.table === 'member_cards'),
    { table: 'member_cards', rows: 2, role: 'belongs' },
  );
  assert.equal(
    sqliteValue(
      file,
      'SELECT group_concat(id || card_serial) FROM member_cards WHERE member_id = 7',
    ),
    cardsOf7,
  );
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM members WHERE id = 7'), '1');
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM member_cards'), '51');
});
