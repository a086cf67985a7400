/**
 * Finding records as a shop owner knows them: members by name, phone and card number, products
 * by barcode and SKU, any row by its key; on the demo shop, Chinook, Northwind, a schema from
 * real Chinese POS software (gct3's `card`) and tables named in pinyin and in characters.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { searchRecords } from '../../../main/engine/restore/record-search.js';
import { chinook, cli, northwind, ROOT, tempDir } from '../../helpers.js';

const dir = tempDir();
const shopFile = path.join(dir, 'shop.db');
let shop: Database.Database;

before(() => {
  assert.equal(cli(['demo', 'create', shopFile, '--members', '300', '--days', '5']).code, 0);
  shop = new Database(shopFile);
  shop
    .prepare('INSERT INTO members (id, card_no, name, phone, joined_at) VALUES (?, ?, ?, ?, ?)')
    .run(9001, 'C-9001', 'Zed_Wild 100%', '070-111 22 33', '2026-01-01');
  shop
    .prepare('INSERT INTO members (id, card_no, name, phone, joined_at) VALUES (?, ?, ?, ?, ?)')
    .run(9002, 'C-9002', 'ZedXWild 1000', '070-999 88 77', '2026-01-01');
});

const keysOf = (found: { table: string; key: string | number }[], table: string) =>
  found.filter((f) => f.table === table).map((f) => f.key);

test('demo shop: a member by name, phone and card number; the label is the name', () => {
  const m = shop.prepare('SELECT * FROM members WHERE id = 7').get() as {
    name: string;
    phone: string;
    card_no: string;
  };
  const byName = searchRecords(shop, 'main', { text: m.name.toUpperCase() });
  const hit = byName.find((f) => f.key === 7);
  assert.ok(hit, 'found by name, whatever its case');
  assert.equal(hit.table, 'members');
  assert.equal(hit.type, 'members');
  assert.equal(hit.matched, 'name');
  assert.equal(hit.label, m.name);
  assert.equal(hit.values['card_no'], m.card_no);
  const byPhone = searchRecords(shop, 'main', { text: m.phone.slice(2) });
  assert.ok(byPhone.some((f) => f.key === 7 && f.matched === 'phone'));
  const byCard = searchRecords(shop, 'main', { text: m.card_no, type: 'members' });
  assert.equal(byCard[0]?.key, 7);
  assert.equal(byCard[0]?.matched, 'card_no');
  // The same phone typed with other spaces and dashes.
  const spaced = searchRecords(shop, 'main', { text: '0701112233' });
  assert.deepEqual(keysOf(spaced, 'members'), [9001]);
});

test('demo shop: a product by barcode and by SKU', () => {
  const p = shop.prepare('SELECT id, sku, barcode, name FROM products WHERE id = 3').get() as {
    id: number;
    sku: string;
    barcode: string;
    name: string;
  };
  const byBarcode = searchRecords(shop, 'main', { text: p.barcode });
  assert.equal(byBarcode[0]?.table, 'products');
  assert.equal(byBarcode[0]?.key, 3);
  assert.equal(byBarcode[0]?.matched, 'barcode');
  assert.equal(byBarcode[0]?.label, p.name);
  const bySku = searchRecords(shop, 'main', { text: p.sku.toLowerCase(), type: 'products' });
  assert.ok(bySku.some((f) => f.key === 3 && f.matched === 'sku'));
  assert.ok(bySku.every((f) => f.type === 'products'));
});

test('any table by its key; the key comes first', () => {
  const found = searchRecords(shop, 'main', { text: '12' });
  assert.equal(found[0]?.matched, 'id');
  assert.equal(found[0]?.key, 12);
  const orders = searchRecords(shop, 'main', { text: '5', table: 'orders' });
  assert.deepEqual(
    orders.map((f) => [f.table, f.key]),
    [['orders', 5]],
  );
  assert.equal(searchRecords(shop, 'main', { text: '   ' }).length, 0);
  assert.throws(
    () => searchRecords(shop, 'main', { text: '1', table: 'nosuch' }),
    /no table nosuch/,
  );
});

test('% and _ in the text are matched literally', () => {
  assert.deepEqual(keysOf(searchRecords(shop, 'main', { text: 'Zed_W' }), 'members'), [9001]);
  assert.deepEqual(keysOf(searchRecords(shop, 'main', { text: 'd 100%' }), 'members'), [9001]);
  assert.deepEqual(keysOf(searchRecords(shop, 'main', { text: '%' }), 'members'), [9001]);
  assert.deepEqual(keysOf(searchRecords(shop, 'main', { text: 'zedxwild' }), 'members'), [9002]);
});

test('Chinook: a customer by phone, name and key; as an attached backup too', () => {
  const file = chinook(tempDir());
  const db = new Database(file, { readonly: true });
  try {
    db.prepare('ATTACH DATABASE ? AS snap').run(file);
    for (const schema of ['main', 'snap'] as const) {
      const byPhone = searchRecords(db, schema, { text: '+420 2 4172 5555' });
      assert.deepEqual(keysOf(byPhone, 'Customer'), [5]);
      assert.equal(byPhone[0]?.label, 'František Wichterlová');
      assert.equal(byPhone[0]?.matched, 'Phone');
      // Grouped otherwise, the digits still find it.
      assert.deepEqual(
        keysOf(searchRecords(db, schema, { text: '420 241 725 555' }), 'Customer'),
        [5],
      );
      assert.ok(searchRecords(db, schema, { text: 'wichterl' }).some((f) => f.key === 5));
      const byKey = searchRecords(db, schema, { text: '5', table: 'Customer' });
      assert.equal(byKey[0]?.key, 5);
      assert.equal(byKey[0]?.matched, 'CustomerId');
    }
  } finally {
    db.close();
  }
});

test('Northwind: a customer by company name and by its text key', () => {
  const db = new Database(northwind(tempDir()), { readonly: true });
  try {
    const byName = searchRecords(db, 'main', { text: 'alfreds' });
    assert.deepEqual(keysOf(byName, 'Customers'), ['ALFKI']);
    assert.equal(byName.find((f) => f.table === 'Customers')?.label, 'Alfreds Futterkiste');
    const byKey = searchRecords(db, 'main', { text: 'ALFKI' });
    assert.equal(byKey[0]?.table, 'Customers');
    assert.equal(byKey[0]?.matched, 'CustomerID');
    const product = searchRecords(db, 'main', { text: 'Chai', type: 'products' });
    assert.ok(product.some((f) => f.table === 'Products' && f.label === 'Chai'));
  } finally {
    db.close();
  }
});

test('gct3 (Chinese foot-massage parlour): a stored-value card by card number and phone', () => {
  const file = path.join(tempDir(), 'gct3.db');
  execFileSync('sqlite3', ['-bail', file], {
    input: execFileSync('cat', [path.join(ROOT, 'test', 'fixtures', 'schemas', 'gct3.sql')]),
  });
  const db = new Database(file);
  try {
    db.prepare(
      "INSERT INTO card (card_number, name, balance, phone, created_at, updated_at) VALUES ('K0042', '王小明', 88.5, '13800138000', '2026-01-01', '2026-01-01')",
    ).run();
    const byCard = searchRecords(db, 'main', { text: 'k0042' });
    assert.equal(byCard[0]?.table, 'card');
    assert.equal(byCard[0]?.matched, 'card_number');
    assert.equal(byCard[0]?.label, '王小明');
    assert.equal(searchRecords(db, 'main', { text: '138001' })[0]?.matched, 'phone');
    assert.equal(searchRecords(db, 'main', { text: '小明' })[0]?.matched, 'name');
  } finally {
    db.close();
  }
});

test('tables named in pinyin and in Chinese characters', () => {
  const db = new Database(':memory:');
  try {
    db.exec(`
      CREATE TABLE huiyuan (id INTEGER PRIMARY KEY, xingming TEXT, shouji TEXT, kahao TEXT, jifen INTEGER);
      INSERT INTO huiyuan VALUES (1, '李华', '13912345678', 'HY0001', 10);
      CREATE TABLE 会员 (编号 INTEGER PRIMARY KEY, 姓名 TEXT, 手机 TEXT, 卡号 TEXT, 余额 REAL);
      INSERT INTO 会员 VALUES (7, '张伟', '13698765432', 'VIP777', 5.5);`);
    const pinyin = searchRecords(db, 'main', { text: 'hy0001' });
    assert.deepEqual(
      pinyin.map((f) => [f.table, f.key, f.matched, f.label]),
      [['huiyuan', 1, 'kahao', '李华']],
    );
    assert.equal(searchRecords(db, 'main', { text: '1391234' })[0]?.matched, 'shouji');
    const han = searchRecords(db, 'main', { text: '张伟' });
    assert.deepEqual(
      han.map((f) => [f.table, f.key, f.matched]),
      [['会员', 7, '姓名']],
    );
    assert.equal(searchRecords(db, 'main', { text: 'VIP777' })[0]?.matched, '卡号');
    assert.equal(searchRecords(db, 'main', { text: '136 9876 5432' })[0]?.matched, '手机');
  } finally {
    db.close();
  }
});
