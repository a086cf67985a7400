/**
 * The restore preview on real files: a demo shop backed up with the engine, changed the way a
 * shop goes wrong (a member deleted, every price ×10) while the till kept selling, and the
 * preview of each kind of restore against it. The row counts it promises are checked against
 * what restoreInto really leaves, as the window checks them.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import Database from 'better-sqlite3';
import { backup } from '../../../main/engine/backup/backup.js';
import type { DataType } from '../../../main/engine/data-types.js';
import { createDemoShop } from '../../../main/engine/demo/demo-shop.js';
import { TillvaultError } from '../../../main/engine/errors.js';
import type { Credential } from '../../../main/engine/repository/config.js';
import type { Manifest } from '../../../main/engine/repository/manifest.js';
import { Repository } from '../../../main/engine/repository/repository.js';
import {
  previewRestoreFiles,
  type PreviewTable,
  type PreviewWarning,
  type PreviewWhat,
  type RestorePreview,
} from '../../../main/engine/restore/preview.js';
import { rebuildDatabase } from '../../../main/engine/restore/rebuild.js';
import { restoreInto } from '../../../main/engine/restore/restore.js';
import { PASSPHRASE, deleteDemoMemberSql, tempDir } from '../../helpers.js';

const credential: Credential = { kind: 'passphrase', value: PASSPHRASE };
const dir = tempDir();
const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');

const WHOLE: PreviewWhat = { types: null, records: null, keepNew: null };
const NEW_SALES = 4;

function exec(file: string, sql: string): void {
  const c = new Database(file);
  try {
    c.exec(sql);
  } finally {
    c.close();
  }
}

function value<T>(file: string, sql: string): T {
  const c = new Database(file, { readonly: true });
  try {
    return c.prepare(sql).pluck().get() as T;
  } finally {
    c.close();
  }
}

/** The shop as a file of its own (every connection to it is closed, so its WAL is in it). */
function copyShop(to: string): void {
  assert.equal(fs.existsSync(`${db}-wal`), false);
  fs.copyFileSync(db, to);
}

async function backUp(
  source: string,
  to: string,
  types: readonly DataType[] | null = null,
): Promise<{ m: Manifest; rebuilt: string }> {
  const r = await backup({ source, destinations: [to], credential, types });
  assert.equal(r.destinations[0]?.ok, true, JSON.stringify(r.destinations));
  const repo = await Repository.open(to, credential);
  const m = await repo.readManifest(r.snapshotId);
  const rebuilt = path.join(dir, `${path.basename(to)}-${r.snapshotId}.db`);
  await rebuildDatabase(repo, m, rebuilt);
  return { m, rebuilt };
}

const table = (p: RestorePreview, name: string): PreviewTable => {
  const t = p.tables.find((x) => x.table === name);
  assert.ok(t, `${name} is in the preview`);
  return t;
};
const warning = <K extends PreviewWarning['kind']>(
  p: RestorePreview,
  kind: K,
): Extract<PreviewWarning, { kind: K }>[] =>
  p.warnings.filter((w): w is Extract<PreviewWarning, { kind: K }> => w.kind === kind);

let whole: { m: Manifest; rebuilt: string };
let partial: { m: Manifest; rebuilt: string };
let member7 = '';
let ledger7 = 0;
let products = 0;
let salesRowsSince = 0;
let receiptThen = 0;
let orders7 = 0;

before(async () => {
  createDemoShop(db, { members: 200, days: 5, seed: 3, searchIndexes: true });
  // A key-less table, as some POS keep tags or a cash-up journal.
  exec(
    db,
    `CREATE TABLE member_tags (member_id INTEGER, tag TEXT);
     INSERT INTO member_tags VALUES (1, 'vip'), (2, 'staff'), (3, 'vip'), (3, 'vip');`,
  );
  member7 = value<string>(db, 'SELECT name FROM members WHERE id = 7');
  ledger7 = value<number>(
    db,
    'SELECT (SELECT count(*) FROM points_ledger WHERE member_id = 7) + (SELECT count(*) FROM stored_value_ledger WHERE member_id = 7)',
  );
  products = value<number>(db, 'SELECT count(*) FROM products');
  orders7 = value<number>(db, 'SELECT count(*) FROM orders WHERE member_id = 7');
  receiptThen = Number(value<string>(db, 'SELECT max(receipt_no) FROM orders'));
  whole = await backUp(db, dest);
  partial = await backUp(db, path.join(dir, 'products-only'), ['products']);

  // The mistakes, and the till selling on: NEW_SALES sales with a line and a payment each.
  const sales = Array.from({ length: NEW_SALES }, (_, i) => {
    const receipt = String(receiptThen + 1 + i).padStart(8, '0');
    return `INSERT INTO orders (receipt_no, member_id, staff_id, shift_id, created_at, total_cents)
              VALUES ('${receipt}', 8, 1, (SELECT max(id) FROM shifts), '2030-01-01T10:0${i}:00Z', 4900);
            INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
              VALUES (last_insert_rowid(), 1, 1, 4900);
            INSERT INTO payments (order_id, method, amount_cents)
              VALUES ((SELECT max(id) FROM orders), 'card', 4900);`;
  });
  exec(
    db,
    `${deleteDemoMemberSql(7)}
     UPDATE products SET price_cents = price_cents * 10;
     ${sales.join('\n')}
     DELETE FROM member_tags WHERE member_id = 2;
     INSERT INTO member_tags VALUES (4, 'new'), (5, 'new');`,
  );
  salesRowsSince = NEW_SALES * 3;
});

test('a whole restore: the member comes back, prices go back, the sales since are lost', async () => {
  const p = await previewRestoreFiles(db, whole.rebuilt, whole.m, WHOLE);
  assert.equal(p.snapshotId, whole.m.id);
  const members = table(p, 'members');
  assert.equal(members.added, 1);
  assert.equal(members.removed, 0);
  assert.deepEqual(
    members.examples.filter((e) => e.kind === 'back'),
    [{ kind: 'back', key: 7, label: member7 }],
  );
  assert.equal(members.rowsAfter, members.rowsNow + 1);

  const prices = table(p, 'products');
  assert.equal(prices.changed, products);
  assert.equal(prices.examples.length, 3);
  for (const e of prices.examples) {
    assert.equal(e.kind, 'changed');
    assert.equal(typeof e.label, 'string');
    assert.deepEqual(
      e.fields?.map((f) => f.column),
      ['price_cents'],
    );
    const f = e.fields![0]!;
    assert.equal(f.now, (f.then as number) * 10);
  }

  const orders = table(p, 'orders');
  assert.equal(orders.removed, NEW_SALES);
  // Member 7's orders lost their member: those come back changed.
  assert.equal(orders.changed, orders7);
  const gone = orders.examples.filter((e) => e.kind === 'gone');
  assert.equal(gone.length, 3);
  // Named by receipt number, newest first.
  assert.equal(gone[0]!.label, String(receiptThen + NEW_SALES).padStart(8, '0'));

  const [lost] = warning(p, 'sales-lost');
  assert.ok(lost);
  assert.equal(lost.rows, salesRowsSince);
  assert.equal(lost.since, whole.m.time);
  assert.equal(lost.lastSaleNow, '2030-01-01T10:03:00.000Z');
  assert.deepEqual(
    warning(p, 'receipt-back').find((w) => w.table === 'orders'),
    {
      kind: 'receipt-back',
      table: 'orders',
      column: 'receipt_no',
      then: receiptThen,
      now: receiptThen + NEW_SALES,
    },
  );
  assert.deepEqual(warning(p, 'fewer-types'), []);
  assert.deepEqual(warning(p, 'tables-gone'), []);

  const salesTotal = p.types.find((t) => t.type === 'sales');
  assert.equal(
    salesTotal?.removed,
    p.tables.filter((t) => t.type === 'sales').reduce((n, t) => n + t.removed, 0),
  );
});

test('a search index is one table and its shadow tables are not listed', async () => {
  const p = await previewRestoreFiles(db, whole.rebuilt, whole.m, WHOLE);
  const names = p.tables.map((t) => t.table);
  assert.equal(names.filter((n) => n === 'member_search').length, 1);
  assert.ok(names.includes('product_search'));
  assert.deepEqual(
    names.filter((n) => /^(member_search|product_search|delivery_zones)_/.test(n)),
    [],
  );
  // The member is counted once in the members total, not again through their search entry.
  const members = p.types.find((t) => t.type === 'members');
  const memberTables = p.tables.filter((t) => t.type === 'members' && t.table !== 'member_search');
  assert.equal(
    members?.added,
    memberTables.reduce((n, t) => n + t.added, 0),
  );
  assert.equal(table(p, 'member_search').added, 1);
});

test('a key-less table is counted by content, with no examples', async () => {
  const p = await previewRestoreFiles(db, whole.rebuilt, whole.m, WHOLE);
  const tags = table(p, 'member_tags');
  assert.deepEqual(
    [tags.rowsNow, tags.rowsAfter, tags.added, tags.removed, tags.changed, tags.examples],
    [5, 4, 1, 2, 0, []],
  );
});

test('keeping new sales: nothing of them is lost and the receipt number stays', async () => {
  const p = await previewRestoreFiles(db, whole.rebuilt, whole.m, { ...WHOLE, keepNew: ['sales'] });
  assert.deepEqual(warning(p, 'sales-lost'), []);
  assert.equal(
    warning(p, 'receipt-back').find((w) => w.table === 'orders'),
    undefined,
  );
  const orders = table(p, 'orders');
  assert.equal(orders.removed, 0);
  assert.equal(orders.rowsAfter, orders.rowsNow);
  assert.equal(orders.examples.filter((e) => e.kind === 'gone').length, 0);
  // Only the kept types keep their rows: the new tags still go.
  assert.equal(table(p, 'member_tags').removed, 2);
});

test('keep-new: rowsAfter is what a real roll-forward leaves, a reused receipt number refused', async () => {
  const copy = path.join(dir, 'keep-copy.db');
  copyShop(copy);
  // The till lost the last backed-up sale and used its receipt number again for a new one.
  const reused = String(receiptThen).padStart(8, '0');
  const lostId = value<number>(copy, `SELECT id FROM orders WHERE receipt_no = '${reused}'`);
  exec(
    copy,
    `DELETE FROM payments WHERE order_id = ${lostId};
     DELETE FROM order_items WHERE order_id = ${lostId};
     DELETE FROM orders WHERE id = ${lostId};
     INSERT INTO orders (receipt_no, member_id, staff_id, shift_id, created_at, total_cents)
       VALUES ('${reused}', 8, 1, 1, '2030-01-02T00:00:00Z', 100);`,
  );
  const p = await previewRestoreFiles(copy, whole.rebuilt, whole.m, {
    ...WHOLE,
    keepNew: ['sales'],
  });
  const orders = table(p, 'orders');
  assert.equal(orders.kept, NEW_SALES);
  assert.equal(orders.removed, 1);
  assert.equal(orders.added, 1);
  // The one that goes is the new sale with the reused number, not one of the kept ones.
  assert.deepEqual(
    orders.examples.filter((e) => e.kind === 'gone').map((e) => e.label),
    [reused],
  );
  assert.deepEqual(
    warning(p, 'sales-lost').map((w) => w.rows),
    [1],
  );
  const r = await restoreInto({
    dest,
    credential,
    ref: whole.m.id,
    liveDb: copy,
    keepNew: ['sales'],
    clashesCsv: path.join(dir, 'clashes.csv'),
  });
  assert.equal(r.kept?.find((k) => k.table === 'orders')?.kept, orders.kept);
  for (const t of p.tables) {
    assert.equal(value<number>(copy, `SELECT count(*) FROM "${t.table}"`), t.rowsAfter, t.table);
  }
});

test('restoring products only lists only product tables', async () => {
  const p = await previewRestoreFiles(db, whole.rebuilt, whole.m, {
    types: ['products'],
    records: null,
    keepNew: null,
  });
  assert.ok(p.tables.length > 0);
  assert.deepEqual([...new Set(p.tables.map((t) => t.type))], ['products']);
  assert.equal(table(p, 'products').changed, products);
  assert.deepEqual(warning(p, 'sales-lost'), []);
  assert.deepEqual(
    p.types.map((t) => t.type),
    ['products'],
  );
});

test('a record restore lists only the rows it would write, and removes nothing', async () => {
  const p = await previewRestoreFiles(db, whole.rebuilt, whole.m, {
    types: null,
    records: [{ table: 'members', keys: ['7'] }],
    keepNew: null,
  });
  assert.deepEqual(warning(p, 'sales-lost'), []);
  for (const t of p.tables) {
    assert.equal(t.removed, 0, t.table);
    assert.equal(t.rowsAfter, t.rowsNow + t.added, t.table);
    assert.ok(t.added + t.changed > 0 || t.table === 'members', t.table);
  }
  assert.equal(table(p, 'members').added, 1);
  const ledgers = p.tables
    .filter((t) => t.table === 'points_ledger' || t.table === 'stored_value_ledger')
    .reduce((n, t) => n + t.added, 0);
  assert.equal(ledgers, ledger7);
  // The products and the sales since are not touched by it.
  assert.equal(
    p.tables.find((t) => t.table === 'products'),
    undefined,
  );

  // What restoreInto then really writes, on a copy of the shop.
  const copy = path.join(dir, 'record-copy.db');
  copyShop(copy);
  const r = await restoreInto({
    dest,
    credential,
    ref: whole.m.id,
    liveDb: copy,
    records: [{ table: 'members', keys: ['7'] }],
  });
  for (const put of r.records ?? []) {
    const t = table(p, put.table);
    assert.equal(t.added + (put.role === 'record' ? t.changed : 0), put.rows, put.table);
  }
  for (const t of p.tables) {
    assert.equal(value<number>(copy, `SELECT count(*) FROM "${t.table}"`), t.rowsAfter, t.table);
  }
});

test('a changed record shows its fields now and then', async () => {
  exec(db, "UPDATE members SET phone = '070-0000000' WHERE id = 9");
  const p = await previewRestoreFiles(db, whole.rebuilt, whole.m, {
    types: null,
    records: [{ table: 'members', keys: ['9'] }],
    keepNew: null,
  });
  const members = table(p, 'members');
  assert.equal(members.changed, 1);
  assert.equal(members.added, 0);
  const [e] = members.examples;
  assert.equal(e?.kind, 'changed');
  assert.equal(e?.key, 9);
  assert.deepEqual(e?.fields?.[0]?.column, 'phone');
  assert.equal(e?.fields?.[0]?.now, '070-0000000');
});

test('a partial backup: fewer types, and a whole restore from it is refused', async () => {
  const p = await previewRestoreFiles(db, partial.rebuilt, partial.m, {
    types: ['products'],
    records: null,
    keepNew: null,
  });
  const [fewer] = warning(p, 'fewer-types');
  assert.ok(fewer);
  assert.ok(fewer.missing.includes('members') && fewer.missing.includes('sales'));
  assert.ok(!fewer.missing.includes('products'));
  assert.deepEqual(warning(p, 'tables-gone'), []);
  await assert.rejects(
    previewRestoreFiles(db, partial.rebuilt, partial.m, WHOLE),
    (e: unknown) => e instanceof TillvaultError && e.code === 'BAD_INPUT',
  );
});

test('the preview leaves no -wal or -shm beside the live database or the rebuilt backup', async () => {
  const sidecars = (): boolean[] =>
    [db, whole.rebuilt].flatMap((f) => ['-wal', '-shm'].map((x) => fs.existsSync(f + x)));
  const before = sidecars();
  await previewRestoreFiles(db, whole.rebuilt, whole.m, WHOLE);
  assert.deepEqual(sidecars(), before);
  assert.deepEqual(before, [false, false, false, false]);
});

test('rowsAfter is the row count a real whole restore leaves', async () => {
  const p = await previewRestoreFiles(db, whole.rebuilt, whole.m, WHOLE);
  await restoreInto({ dest, credential, ref: whole.m.id, liveDb: db });
  for (const t of p.tables) {
    assert.equal(value<number>(db, `SELECT count(*) FROM "${t.table}"`), t.rowsAfter, t.table);
  }
});

test('AUTOINCREMENT: a whole restore puts the counter back, a restore of types does not', async () => {
  const till = path.join(dir, 'till.db');
  exec(
    till,
    `CREATE TABLE receipts (id INTEGER PRIMARY KEY AUTOINCREMENT, receipt_no INTEGER NOT NULL,
                            total_cents INTEGER NOT NULL, created_at TEXT NOT NULL);
     CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price_cents INTEGER);
     INSERT INTO products VALUES (1, 'Coffee', 3900);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5)
     INSERT INTO receipts (receipt_no, total_cents, created_at)
       SELECT 1000 + i, 100 * i, '2030-01-01T09:0' || i || ':00Z' FROM n;`,
  );
  const b = await backUp(till, path.join(dir, 'till-backups'));
  exec(
    till,
    `INSERT INTO receipts (receipt_no, total_cents, created_at) VALUES
       (1006, 600, '2030-01-02T09:00:00Z'), (1007, 700, '2030-01-02T09:01:00Z'), (1008, 800, '2030-01-02T09:02:00Z');
     DELETE FROM receipts WHERE id = 8;`,
  );
  const types = b.m.tables.find((t) => t.name === 'receipts')?.type;
  assert.equal(types, 'sales');

  const p = await previewRestoreFiles(till, b.rebuilt, b.m, WHOLE);
  assert.deepEqual(warning(p, 'counter-back'), [
    { kind: 'counter-back', table: 'receipts', then: 5, now: 8 },
  ]);
  assert.deepEqual(warning(p, 'receipt-back'), [
    { kind: 'receipt-back', table: 'receipts', column: 'receipt_no', then: 1005, now: 1007 },
  ]);
  assert.equal(warning(p, 'sales-lost')[0]?.rows, 2);

  const bySales = await previewRestoreFiles(till, b.rebuilt, b.m, {
    types: ['sales'],
    records: null,
    keepNew: null,
  });
  assert.deepEqual(warning(bySales, 'counter-back'), []);
  assert.equal(warning(bySales, 'receipt-back').length, 1);
  // And so it is: the counter stays ahead after a restore of sales.
  await restoreInto({
    dest: path.join(dir, 'till-backups'),
    credential,
    ref: b.m.id,
    liveDb: till,
    types: ['sales'],
  });
  assert.equal(value<number>(till, "SELECT seq FROM sqlite_sequence WHERE name = 'receipts'"), 8);
  assert.equal(
    value<number>(till, 'SELECT count(*) FROM receipts'),
    table(bySales, 'receipts').rowsAfter,
  );
});

test('tables on one side only are named', async () => {
  const shop = path.join(dir, 'small.db');
  exec(
    shop,
    `CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT, phone TEXT);
     CREATE TABLE gift_cards (id INTEGER PRIMARY KEY, member_id INTEGER, balance_cents INTEGER);
     INSERT INTO members VALUES (1, 'Anna Berg', '070-1'), (2, 'Lars Dahl', '070-2');
     INSERT INTO gift_cards VALUES (1, 1, 500);`,
  );
  const b = await backUp(shop, path.join(dir, 'small-backups'));
  exec(
    shop,
    `DROP TABLE gift_cards;
     CREATE TABLE coupons (id INTEGER PRIMARY KEY, code TEXT, value INTEGER);
     INSERT INTO coupons VALUES (1, 'SPRING', 10);`,
  );
  const p = await previewRestoreFiles(shop, b.rebuilt, b.m, WHOLE);
  assert.deepEqual(warning(p, 'tables-back'), [{ kind: 'tables-back', tables: ['gift_cards'] }]);
  assert.deepEqual(warning(p, 'tables-gone'), [{ kind: 'tables-gone', tables: ['coupons'] }]);
  const gift = table(p, 'gift_cards');
  assert.deepEqual([gift.rowsNow, gift.rowsAfter, gift.added], [0, 1, 1]);
  const coupons = table(p, 'coupons');
  assert.deepEqual([coupons.rowsNow, coupons.rowsAfter, coupons.removed], [1, 0, 1]);
  assert.deepEqual(coupons.examples, [{ kind: 'gone', key: 1, label: '1' }]);
});
