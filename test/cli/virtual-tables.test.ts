/**
 * Real POS databases use SQLite features the demo shop does not: a full-text member search
 * (FTS5 over the members table, kept in sync by triggers), FTS5 and FTS4 tables of their own,
 * an R*Tree, and tables without a primary key. Backup and restore by data type, and diff,
 * must treat a virtual table and its shadow tables as one, and compare what a person would.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { before, test } from 'node:test';
import { cli, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
const db = path.join(dir, 'shop.db');
const place = path.join(dir, 'place');

const EXTRAS = `
CREATE VIRTUAL TABLE lookup USING fts5(name, phone, content='members', content_rowid='id');
INSERT INTO lookup(lookup) VALUES ('rebuild');
CREATE TRIGGER members_ai AFTER INSERT ON members BEGIN
  INSERT INTO lookup(rowid, name, phone) VALUES (new.id, new.name, new.phone);
END;
CREATE TRIGGER members_ad AFTER DELETE ON members BEGIN
  INSERT INTO lookup(lookup, rowid, name, phone) VALUES ('delete', old.id, old.name, old.phone);
END;
CREATE TRIGGER members_au AFTER UPDATE ON members BEGIN
  INSERT INTO lookup(lookup, rowid, name, phone) VALUES ('delete', old.id, old.name, old.phone);
  INSERT INTO lookup(rowid, name, phone) VALUES (new.id, new.name, new.phone);
END;
CREATE VIRTUAL TABLE notes_fts USING fts5(body);
INSERT INTO notes_fts VALUES ('till 2 drawer sticks'), ('new receipt paper');
CREATE VIRTUAL TABLE old_fts USING fts4(txt);
INSERT INTO old_fts VALUES ('legacy search');
CREATE VIRTUAL TABLE shop_geo USING rtree(id, minx, maxx, miny, maxy);
INSERT INTO shop_geo VALUES (1, 0, 1, 0, 1);
CREATE TABLE member_visits (member_no TEXT, visited_at TEXT);
INSERT INTO member_visits VALUES ('A1', 'mon'), ('A1', 'mon'), ('B2', 'tue'), ('C3', 'wed');
`;

interface Diff {
  tables: { table: string; added: number; removed: number; changed: number; note: string | null }[];
}

before(() => {
  assert.equal(cli(['demo', 'create', db, '--members', '300', '--days', '10']).code, 0);
  sqliteValue(db, EXTRAS);
  const r = cli(['backup', db, '--to', place]);
  assert.equal(r.code, 0, r.stdout);
});

test('a search index over members is members, and its shadow tables go with it', () => {
  const r = cli(['types', db]);
  assert.equal(r.code, 0);
  const types = new Map(
    (r.json as { tables: { table: string; type: string; reason: string }[] }).tables.map((t) => [
      t.table,
      t,
    ]),
  );
  assert.equal(types.get('lookup')?.type, 'members');
  assert.match(types.get('lookup')!.reason, /searches the table "members"/);
  for (const s of ['lookup_config', 'lookup_data', 'lookup_idx', 'lookup_docsize']) {
    assert.equal(types.get(s)?.type, 'members', s);
  }
  assert.equal(types.get('old_fts_segdir')?.type, types.get('old_fts')?.type);
  assert.equal(types.get('shop_geo_node')?.type, types.get('shop_geo')?.type);
});

test('a backup of some data types drops virtual tables whole, never failing on a shadow table', () => {
  const partial = path.join(dir, 'sales-only');
  const r = cli(['backup', db, '--to', partial, '--types', 'sales']);
  assert.equal(r.code, 0, r.stdout);
  const restored = path.join(dir, 'sales.db');
  const id = (r.json as { snapshotId: string }).snapshotId;
  const back = cli(['restore', partial, '--snapshot', id, '--to', restored]);
  assert.equal(back.code, 0, back.stdout);
  assert.equal(sqliteValue(restored, 'PRAGMA integrity_check'), 'ok');
  assert.equal(
    sqliteValue(restored, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'lookup%'"),
    '0',
  );
  assert.notEqual(sqliteValue(restored, 'SELECT count(*) FROM orders'), '0');
});

test('an untouched database with full-text tables shows no changes', () => {
  const r = cli(['diff', place, '--snapshot', 'latest', '--against', db]);
  assert.equal(r.code, 0, r.stdout);
  const tables = (r.json as Diff).tables;
  assert.ok(!tables.some((t) => /_(config|data|idx|docsize|content|segdir|node)$/.test(t.table)));
  for (const t of tables) {
    assert.deepEqual([t.table, t.added, t.removed, t.changed], [t.table, 0, 0, 0]);
  }
});

test('a table without a key is matched by content: one row deleted and a VACUUM is one removed', () => {
  const copy = path.join(dir, 'vacuumed.db');
  sqliteValue(db, `VACUUM INTO '${copy}'`);
  sqliteValue(copy, 'DELETE FROM member_visits WHERE rowid = 2; VACUUM;');
  const r = cli(['diff', place, '--snapshot', 'latest', '--against', copy]);
  assert.equal(r.code, 0, r.stdout);
  const visits = (r.json as Diff).tables.find((t) => t.table === 'member_visits')!;
  assert.deepEqual([visits.added, visits.removed, visits.changed], [0, 1, 0]);
  assert.match(visits.note ?? '', /no key/);
});

test('restoring members into the live database rebuilds the search index and touches nothing else', () => {
  sqliteValue(
    db,
    "UPDATE members SET name = 'Wrong Name' WHERE id <= 20; DELETE FROM notes_fts; INSERT INTO notes_fts VALUES ('kept');",
  );
  const orders = sqliteValue(db, 'SELECT count(*) FROM orders');
  const r = cli(['restore', place, '--into', db, '--types', 'members']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(sqliteValue(db, 'PRAGMA integrity_check'), 'ok');
  assert.equal(
    sqliteValue(db, "INSERT INTO lookup(lookup, rank) VALUES ('integrity-check', 1); SELECT 'ok'"),
    'ok',
  );
  assert.equal(sqliteValue(db, "SELECT count(*) FROM lookup WHERE lookup MATCH 'Wrong'"), '0');
  assert.equal(sqliteValue(db, "SELECT count(*) FROM members WHERE name = 'Wrong Name'"), '0');
  const name = sqliteValue(db, 'SELECT name FROM members WHERE id = 1').split(' ')[0]!;
  assert.notEqual(
    sqliteValue(db, `SELECT count(*) FROM lookup WHERE lookup MATCH '"${name}"'`),
    '0',
  );
  // notes_fts is "other": left as the till has it.
  assert.equal(sqliteValue(db, 'SELECT body FROM notes_fts'), 'kept');
  assert.equal(sqliteValue(db, 'SELECT count(*) FROM orders'), orders);

  const other = cli(['restore', place, '--into', db, '--types', 'other']);
  assert.equal(other.code, 0, other.stdout);
  assert.equal(sqliteValue(db, 'SELECT count(*) FROM notes_fts'), '2');
  assert.equal(sqliteValue(db, "SELECT count(*) FROM old_fts WHERE old_fts MATCH 'legacy'"), '1');
  assert.equal(sqliteValue(db, 'SELECT count(*) FROM shop_geo'), '1');
  assert.equal(sqliteValue(db, 'PRAGMA integrity_check'), 'ok');
});

test('the demo shop can have search indexes; the till keeps them in step, and a typed backup and restore keep them whole', () => {
  const shop = path.join(dir, 'demo-search.db');
  const made = cli(['demo', 'create', shop, '--members', '200', '--days', '5', '--search-indexes']);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(cli(['demo', 'sell', shop, '--seconds', '1', '--rate', '20']).code, 0);
  const ftsOk = (file: string): string =>
    sqliteValue(
      file,
      "INSERT INTO member_search(member_search, rank) VALUES ('integrity-check', 1); SELECT 'ok'",
    );
  assert.equal(ftsOk(shop), 'ok');
  const where = path.join(dir, 'demo-search-place');
  assert.equal(cli(['backup', shop, '--to', where]).code, 0);
  assert.equal(cli(['backup', shop, '--to', where, '--types', 'sales']).code, 0);
  sqliteValue(shop, "UPDATE members SET name = 'Nobody' WHERE id <= 10");
  const r = cli(['restore', where, '--into', shop, '--types', 'members']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(ftsOk(shop), 'ok');
  assert.equal(
    sqliteValue(shop, "SELECT count(*) FROM member_search WHERE member_search MATCH 'Nobody'"),
    '0',
  );
  assert.equal(
    sqliteValue(shop, "SELECT count(*) FROM product_search WHERE product_search MATCH 'a*'") !==
      '0',
    true,
  );
  assert.equal(sqliteValue(shop, 'PRAGMA integrity_check'), 'ok');
});
