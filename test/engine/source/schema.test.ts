import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';

import { classifyTables } from '../../../main/engine/source/classify/classify.js';
import { createDemoShop } from '../../../main/engine/demo/demo-shop.js';
import { businessSummary, describeTables, toIsoTime } from '../../../main/engine/source/schema.js';
import { chinook, northwind, tempDir } from '../../helpers.js';

function withDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const summarise = (db: Database.Database) =>
  businessSummary(db, classifyTables(describeTables(db)));
/** The counts and the last sale; the products are checked in product-summary.test.ts. */
const counts = (db: Database.Database) => {
  const { products: _, ...rest } = summarise(db);
  return rest;
};

test('describeTables lists user tables with columns, rows and bytes', () => {
  withDb(northwind(tempDir()), (db) => {
    const tables = describeTables(db);
    const names = tables.map((t) => t.name);
    assert.ok(names.includes('Order Details'));
    assert.ok(!names.some((n) => n.startsWith('sqlite_')), 'no internal tables');
    assert.ok(!names.includes('Order Subtotals'), 'no views');
    const details = tables.find((t) => t.name === 'Order Details')!;
    assert.deepEqual(
      details.columns.map((c) => c.name),
      ['OrderID', 'ProductID', 'UnitPrice', 'Quantity', 'Discount'],
    );
    assert.equal(details.rows, 2155);
    assert.ok(details.bytes! > 0);
    const categories = tables.find((t) => t.name === 'Categories')!;
    assert.ok(categories.bytes! > 50_000, 'BLOB pictures count');
  });
});

test('describeTables quotes names with spaces and quotes', () => {
  const file = path.join(tempDir(), 'odd.db');
  const db = new Database(file);
  db.exec(`
    CREATE TABLE "we""ird 'name" ("col ""one""" TEXT, [col two] INTEGER);
    INSERT INTO "we""ird 'name" VALUES ('a', 1), ('b', 2);
    CREATE TABLE "select" ("from" TEXT);
  `);
  const tables = describeTables(db);
  db.close();
  assert.deepEqual(
    tables.map((t) => [t.name, t.columns.map((c) => c.name), t.rows]),
    [
      ['select', ['from'], 0],
      [`we"ird 'name`, ['col "one"', 'col two'], 2],
    ],
  );
});

test('business summary of Chinook and Northwind', () => {
  withDb(chinook(tempDir()), (db) =>
    assert.deepEqual(counts(db), { members: 59, sales: 412, lastSaleAt: '2025-12-22T00:00:00' }),
  );
  withDb(northwind(tempDir()), (db) =>
    assert.deepEqual(counts(db), {
      members: 93,
      sales: 830,
      lastSaleAt: '1998-05-06T00:00:00.000',
    }),
  );
});

test('business summary of the demo shop', () => {
  const file = path.join(tempDir(), 'shop.db');
  const shop = createDemoShop(file, { members: 50, days: 5, endDate: new Date('2025-03-10') });
  withDb(file, (db) => {
    const summary = summarise(db);
    assert.equal(summary.members, 50);
    assert.equal(summary.sales, shop.orders);
    assert.match(summary.lastSaleAt!, /^2025-03-09T/);
  });
});

test('business summary without foreign keys picks the header over the lines', () => {
  const file = path.join(tempDir(), 'cn.db');
  const db = new Database(file);
  db.exec(`
    CREATE TABLE hy_xx (id INTEGER PRIMARY KEY, xm TEXT, phone TEXT);
    CREATE TABLE hy_jf_mx (id INTEGER PRIMARY KEY, hy_id INTEGER, jf INTEGER);
    CREATE TABLE xs_dd (id INTEGER PRIMARY KEY, hy_id INTEGER, xdsj TEXT, je INTEGER);
    CREATE TABLE xs_dd_mx (id INTEGER PRIMARY KEY, dd_id INTEGER, sp_id INTEGER, created TEXT);
    INSERT INTO hy_xx VALUES (1, '王芳', '1380000'), (2, '李伟', '1390000');
    INSERT INTO hy_jf_mx VALUES (1, 1, 10), (2, 1, 5), (3, 2, 7);
    INSERT INTO xs_dd VALUES (1, 1, '2024/05/01 10:00:00', 100), (2, NULL, '2024/05/02 18:30:05', 50);
    INSERT INTO xs_dd_mx VALUES (1, 1, 1, 'x'), (2, 1, 2, 'x'), (3, 2, 1, 'x');
  `);
  const summary = summarise(db);
  db.close();
  assert.deepEqual(summary, { members: 2, sales: 2, lastSaleAt: '2024-05-02T18:30:05' });
});

test('business summary is null where nothing is recognised, and never throws', () => {
  const file = path.join(tempDir(), 'odd.db');
  const db = new Database(file);
  db.exec(`
    CREATE TABLE notes (body TEXT);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, amount INTEGER);
    INSERT INTO orders VALUES (1, 5);
  `);
  assert.deepEqual(summarise(db), { members: null, sales: 1, lastSaleAt: null });
  assert.deepEqual(businessSummary(db, []), { members: null, sales: null, lastSaleAt: null });
  assert.deepEqual(businessSummary(db, [{ table: 'gone', type: 'members' }]), {
    members: null,
    sales: null,
    lastSaleAt: null,
  });
  db.close();
  assert.deepEqual(businessSummary(db, [{ table: 'orders', type: 'sales' }]), {
    members: null,
    sales: null,
    lastSaleAt: null,
  });
});

test('toIsoTime reads the usual ways POS systems store time', () => {
  assert.equal(toIsoTime('2024-05-02 18:30:05'), '2024-05-02T18:30:05');
  assert.equal(toIsoTime('2024/5/2 8:30'), '2024-05-02T08:30:00');
  assert.equal(toIsoTime('2024-05-02T18:30:05.123Z'), '2024-05-02T18:30:05.123Z');
  assert.equal(toIsoTime('2024-05-02T18:30:05+0200'), '2024-05-02T16:30:05.000Z');
  assert.equal(toIsoTime(1714674605), '2024-05-02T18:30:05.000Z');
  assert.equal(toIsoTime(1714674605000), '2024-05-02T18:30:05.000Z');
  assert.equal(toIsoTime(2460432.5), '2024-05-02T00:00:00.000Z');
  assert.equal(toIsoTime('yesterday'), null);
  assert.equal(toIsoTime('2024-13-45'), null);
  assert.equal(toIsoTime(null), null);
});
