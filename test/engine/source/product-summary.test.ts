/**
 * The products part of the business summary, on databases nobody here wrote and on the demo
 * shop: which table is the product list, its selling price, and a price sample that picks the
 * same products whatever is added or removed around them.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { compareBackups } from '../../../main/engine/backup/anomaly.js';
import { classifyTables } from '../../../main/engine/source/classify/classify.js';
import { createDemoShop } from '../../../main/engine/demo/demo-shop.js';
import {
  PRICE_SAMPLE,
  businessSummary,
  describeTables,
  type BusinessSummary,
} from '../../../main/engine/source/schema.js';
import { chinook, northwind, tempDir } from '../../helpers.js';

function summaryOf(file: string): BusinessSummary {
  const db = new Database(file, { readonly: true });
  try {
    return businessSummary(db, classifyTables(describeTables(db)));
  } finally {
    db.close();
  }
}

function exec(file: string, sql: string): void {
  const db = new Database(file);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

const sampleSize = (s: BusinessSummary): number =>
  Buffer.from(s.products!.priceSample!, 'base64').length / 8;

test('Chinook sells tracks and Northwind products, each at its unit price', () => {
  const c = summaryOf(chinook(tempDir()));
  assert.equal(c.products?.count, 3503);
  assert.equal(c.products?.priceSum, 3680.97);
  assert.equal(sampleSize(c), PRICE_SAMPLE);
  const n = summaryOf(northwind(tempDir()));
  assert.equal(n.products?.count, 77);
  assert.equal(n.products?.priceSum, 2222.71);
  assert.equal(sampleSize(n), 77, 'a short list is sampled whole');
});

test('the demo shop: its products and their price in cents, not the stock or the sale lines', () => {
  const file = path.join(tempDir(), 'shop.db');
  createDemoShop(file, { members: 400, days: 5, endDate: new Date('2025-03-10') });
  const db = new Database(file, { readonly: true });
  const want = db
    .prepare('SELECT count(*) AS count, sum(price_cents) AS sum FROM products')
    .get() as {
    count: number;
    sum: number;
  };
  db.close();
  const s = summaryOf(file);
  assert.deepEqual({ count: s.products?.count, sum: s.products?.priceSum }, want);
});

test('the sample keeps its products when others come and go, and a price stored as text is the same price', () => {
  const file = chinook(tempDir());
  const before = summaryOf(file);
  exec(
    file,
    `PRAGMA foreign_keys = OFF;
     DELETE FROM Track WHERE TrackId % 50 = 0;
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
     INSERT INTO Track (Name, MediaTypeId, Milliseconds, UnitPrice) SELECT 'New ' || i, 1, 1000, 0.99 FROM n;
     UPDATE Track SET UnitPrice = CAST(UnitPrice AS TEXT);`,
  );
  const after = summaryOf(file);
  assert.equal(after.products?.count, 3503 - 70 + 300);
  const then = new Set(sampleKeys(before));
  const shared = sampleKeys(after).filter((k) => then.has(k)).length;
  assert.ok(shared > PRICE_SAMPLE * 0.8, `${shared} of ${PRICE_SAMPLE} sampled products kept`);
  const manifest = (s: BusinessSummary) => ({
    trigger: 'scheduled' as const,
    tables: [],
    summary: s,
  });
  assert.deepEqual(compareBackups(manifest(before), manifest(after)), []);
});

function sampleKeys(s: BusinessSummary): number[] {
  const raw = Buffer.from(s.products!.priceSample!, 'base64');
  return Array.from({ length: raw.length / 8 }, (_, i) => raw.readUInt32BE(i * 8));
}
