/**
 * Shapes of real databases the restore must survive: a database VACUUMed after its search
 * indexes were made (SQLite then lists the shadow tables before their index), and a record
 * restore into a table without any key (rows still there are not written a second time).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { cli, deleteDemoMemberSql, dump, sqliteValue, tempDir } from '../helpers.js';

test('a whole restore of a VACUUMed database with search indexes', () => {
  const dir = tempDir();
  const db = path.join(dir, 'shop.db');
  const dest = path.join(dir, 'backups');
  assert.equal(
    cli(['demo', 'create', db, '--members', '120', '--days', '2', '--search-indexes']).code,
    0,
  );
  sqliteValue(db, `${deleteDemoMemberSql(5)} VACUUM;`);
  const first = sqliteValue(
    db,
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'member_search%' ORDER BY rowid LIMIT 1",
  );
  assert.notEqual(first, 'member_search', 'the shadow tables come first after VACUUM');
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  const members = sqliteValue(db, 'SELECT count(*) FROM members');
  sqliteValue(db, deleteDemoMemberSql(9));
  const r = cli(['restore', dest, '--into', db]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(sqliteValue(db, 'SELECT count(*) FROM members'), members);
  // The search index agrees with the members table, gap at 5 included.
  sqliteValue(db, "INSERT INTO member_search(member_search) VALUES ('integrity-check')");
  assert.equal(
    sqliteValue(db, "SELECT count(*) FROM member_search WHERE member_search MATCH 'a*'") !== '0',
    true,
  );
  assert.equal(sqliteValue(db, 'PRAGMA integrity_check'), 'ok');
});

test('a record restore does not copy rows of a key-less table a second time', () => {
  const dir = tempDir();
  const db = path.join(dir, 'shop.db');
  const dest = path.join(dir, 'backups');
  assert.equal(cli(['demo', 'create', db, '--members', '50', '--days', '2']).code, 0);
  sqliteValue(
    db,
    `CREATE TABLE member_notes (member_id INTEGER REFERENCES members(id), note TEXT);
     INSERT INTO member_notes VALUES (7, 'likes oat milk'), (7, NULL), (8, 'pays cash');`,
  );
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  // Member 7 deleted by mistake, one of their notes with them; the other note stays.
  sqliteValue(
    db,
    `DELETE FROM member_notes WHERE member_id = 7 AND note IS NOT NULL; ${deleteDemoMemberSql(7)}`,
  );
  const r = cli(['restore', dest, '--into', db, '--records', 'members=7']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(sqliteValue(db, 'SELECT count(*) FROM member_notes WHERE member_id = 7'), '2');
  assert.equal(
    sqliteValue(
      db,
      "SELECT count(*) FROM member_notes WHERE member_id = 7 AND note = 'likes oat milk'",
    ),
    '1',
  );
  assert.equal(sqliteValue(db, 'SELECT count(*) FROM member_notes'), '3');
});

test('restore --dry-run says what would change and writes nothing, not even a safety backup', () => {
  const dir = tempDir();
  const db = path.join(dir, 'shop.db');
  const dest = path.join(dir, 'backups');
  assert.equal(cli(['demo', 'create', db, '--members', '60', '--days', '2']).code, 0);
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  sqliteValue(db, `UPDATE products SET price_cents = price_cents * 10; ${deleteDemoMemberSql(3)}`);
  const before = dump(db);
  const r = cli(['restore', dest, '--into', db, '--dry-run']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const preview = r.json as {
    tables: { table: string; added: number; changed: number; rowsAfter: number }[];
  };
  assert.equal(preview.tables.find((t) => t.table === 'members')?.added, 1);
  const products = preview.tables.find((t) => t.table === 'products')!;
  assert.equal(products.changed, Number(sqliteValue(db, 'SELECT count(*) FROM products')));
  assert.equal(dump(db), before);
  const listed = cli(['snapshots', dest]).json as { snapshots: unknown[] };
  assert.equal(listed.snapshots.length, 1, 'no safety backup for a dry run');
});
