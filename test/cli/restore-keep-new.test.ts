/**
 * `restore --into --keep-new sales` (roll-forward): the prices go back to the backup, and the
 * sales the till made since stay, with their lines and payments; the receipt counters move past
 * them. A sale whose key the backup has with other values is listed and saved as a CSV, never
 * guessed at. On the demo shop and on Northwind (AUTOINCREMENT order numbers).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { cli, northwind, sqliteValue, tempDir } from '../helpers.js';

interface KeptRows {
  table: string;
  type: string;
  kept: number;
  clashes: number;
  lastNumberBefore: number | null;
  lastNumberAfter: number | null;
}

interface Restored {
  kept: KeptRows[] | null;
  clashes: {
    table: string;
    key: Record<string, unknown>;
    backup: Record<string, unknown> | null;
    live: Record<string, unknown>;
  }[];
  clashesCsv: string | null;
  warnings: string[];
  safetySnapshotId: string;
}

const dir = tempDir();
const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');
let backupId = '';
let backedUpPrices = '';
let lastBackedUpOrder = 0;

/** The till sells: `n` orders tagged `tag`, each with two lines and a payment. */
function sell(file: string, tag: string, n: number, memberId = 3): void {
  const orders = Array.from(
    { length: n },
    (_, i) =>
      `INSERT INTO orders (receipt_no, member_id, staff_id, shift_id, created_at, total_cents)
       VALUES ('${tag}-${i}', ${memberId}, 1, 1, '2026-12-07 1${i % 10}:00', 1200);`,
  ).join('\n');
  sqliteValue(
    file,
    `${orders}
     INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
       SELECT id, 1, 1, 500 FROM orders WHERE receipt_no LIKE '${tag}-%';
     INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
       SELECT id, 2, 1, 700 FROM orders WHERE receipt_no LIKE '${tag}-%';
     INSERT INTO payments (order_id, method, amount_cents)
       SELECT id, 'card', 1200 FROM orders WHERE receipt_no LIKE '${tag}-%';`,
  );
}

/** Orders tagged `tag` and their lines and payments: "orders/lines/payments". */
function salesOf(file: string, tag: string): string {
  const ids = `(SELECT id FROM orders WHERE receipt_no LIKE '${tag}-%')`;
  return sqliteValue(
    file,
    `SELECT (SELECT count(*) FROM orders WHERE receipt_no LIKE '${tag}-%') || '/' ||
            (SELECT count(*) FROM order_items WHERE order_id IN ${ids}) || '/' ||
            (SELECT count(*) FROM payments WHERE order_id IN ${ids})`,
  );
}

function sidecars(file: string): string[] {
  return ['-wal', '-shm'].filter((s) => fs.existsSync(file + s));
}

function restore(args: string[]): Restored {
  const r = cli(['restore', dest, '--snapshot', backupId, '--into', db, ...args]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.json as Restored;
}

function checkHealthy(file: string): void {
  assert.equal(sqliteValue(file, 'PRAGMA integrity_check'), 'ok');
  assert.equal(sqliteValue(file, 'PRAGMA foreign_key_check'), '');
}

/** RFC 4180, as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

before(() => {
  const made = cli(['demo', 'create', db, '--members', '300', '--days', '10', '--seed', '4']);
  assert.equal(made.code, 0, made.stdout);
  const b = cli(['backup', db, '--to', dest]);
  assert.equal(b.code, 0, b.stdout);
  backupId = (b.json as { snapshotId: string }).snapshotId;
  backedUpPrices = sqliteValue(db, 'SELECT group_concat(price_cents) FROM products');
  lastBackedUpOrder = Number(sqliteValue(db, 'SELECT max(id) FROM orders'));
  // The bad morning: every price doubled by mistake, and the till kept selling at them.
  sqliteValue(db, 'UPDATE products SET price_cents = price_cents * 2');
  sell(db, 'TODAY', 4);
});

test('kept types this restore does not touch are refused, and nothing is changed', () => {
  const backups = (): number =>
    (cli(['snapshots', dest]).json as { snapshots: unknown[] }).snapshots.length;
  const count = backups();
  const r = cli(['restore', dest, '--into', db, '--types', 'products', '--keep-new', 'sales']);
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stdout, /does not touch sales/);
  assert.equal(backups(), count);
  const records = cli([
    'restore',
    dest,
    '--into',
    db,
    '--records',
    'members=7',
    '--keep-new',
    'sales',
  ]);
  assert.equal(records.code, 2, records.stdout);
  const unknown = cli(['restore', dest, '--into', db, '--keep-new', 'receipts']);
  assert.equal(unknown.code, 2);
  assert.match(
    (unknown.json as { error: { message: string } }).error.message,
    /Unknown data type "receipts"/,
  );
});

test('products and sales back to the backup, with the sales made since kept', () => {
  const sides = sidecars(db);
  const out = restore(['--types', 'products,sales', '--keep-new', 'sales']);
  assert.equal(sqliteValue(db, 'SELECT group_concat(price_cents) FROM products'), backedUpPrices);
  assert.equal(salesOf(db, 'TODAY'), '4/8/4');
  const byTable = new Map(out.kept!.map((k) => [k.table, k]));
  assert.equal(byTable.get('orders')!.kept, 4);
  assert.equal(byTable.get('order_items')!.kept, 8);
  assert.equal(byTable.get('payments')!.kept, 4);
  assert.equal(byTable.get('orders')!.lastNumberAfter, lastBackedUpOrder + 4);
  assert.equal(byTable.get('orders')!.lastNumberBefore, lastBackedUpOrder + 4);
  assert.deepEqual(out.clashes, []);
  assert.equal(out.clashesCsv, null);
  checkHealthy(db);
  assert.deepEqual(sidecars(db), sides);
  // The next sale gets the next number, after the kept ones.
  sell(db, 'NEXT', 1);
  assert.equal(
    Number(sqliteValue(db, "SELECT id FROM orders WHERE receipt_no = 'NEXT-0'")),
    lastBackedUpOrder + 5,
  );
});

test('a whole restore with --keep-new sales keeps today, and says so about the new member', () => {
  // Since the backup: a member joined and bought something, and a member's points changed.
  sqliteValue(
    db,
    `INSERT INTO members (card_no, name, joined_at) VALUES ('NEW-1', 'Joined Today', '2026-12-07');
     UPDATE members SET points = points + 1000 WHERE id = 5;`,
  );
  const joined = Number(sqliteValue(db, "SELECT id FROM members WHERE card_no = 'NEW-1'"));
  sell(db, 'NEWMEMBER', 1, joined);
  const points5 = sqliteValue(db, 'SELECT points - 1000 FROM members WHERE id = 5');
  const out = restore(['--keep-new', 'sales']);
  assert.equal(salesOf(db, 'TODAY'), '4/8/4');
  assert.equal(salesOf(db, 'NEXT'), '1/2/1');
  assert.equal(salesOf(db, 'NEWMEMBER'), '1/2/1');
  assert.equal(sqliteValue(db, 'SELECT points FROM members WHERE id = 5'), points5);
  assert.equal(sqliteValue(db, "SELECT count(*) FROM members WHERE card_no = 'NEW-1'"), '0');
  const warnings = out.warnings.join('\n');
  assert.doesNotMatch(warnings, /Sales made after/);
  assert.match(
    warnings,
    /1 kept row in orders refers to a row of members that is not in the restored/,
  );
  assert.match(warnings, /--keep-new sales,members/);
  assert.equal(sqliteValue(db, 'PRAGMA integrity_check'), 'ok');
  // The audit log says what was kept.
  const log = cli(['log', dest]).json as { entries: { summary?: string }[] };
  assert.ok(
    log.entries.some((e) => /keeping 24 rows added since in .*orders/.test(e.summary ?? '')),
  );
});

test('a sale whose number was used again is a clash: listed, not written, saved as a CSV', () => {
  // The last backed-up sale was voided and the till gave its number to a new sale.
  const original = sqliteValue(db, `SELECT receipt_no FROM orders WHERE id = ${lastBackedUpOrder}`);
  sqliteValue(
    db,
    `DELETE FROM order_items WHERE order_id = ${lastBackedUpOrder};
     DELETE FROM payments WHERE order_id = ${lastBackedUpOrder};
     DELETE FROM points_ledger WHERE order_id = ${lastBackedUpOrder};
     DELETE FROM stored_value_ledger WHERE order_id = ${lastBackedUpOrder};
     UPDATE orders SET receipt_no = '=1+2, "reused"', total_cents = 4242 WHERE id = ${lastBackedUpOrder};`,
  );
  const out = restore(['--keep-new', 'sales']);
  const clash = out.clashes.find((c) => c.table === 'orders');
  assert.ok(clash, JSON.stringify(out.clashes));
  assert.deepEqual(clash.key, { id: lastBackedUpOrder });
  assert.equal(clash.backup!['receipt_no'], original);
  assert.equal(clash.live['receipt_no'], '=1+2, "reused"');
  assert.equal(out.kept!.find((k) => k.table === 'orders')!.clashes, 1);
  // Not written: the restored sale is the backup's.
  assert.equal(
    sqliteValue(db, `SELECT receipt_no FROM orders WHERE id = ${lastBackedUpOrder}`),
    original,
  );
  assert.equal(salesOf(db, 'TODAY'), '4/8/4');
  assert.equal(out.clashesCsv, path.join(dir, `shop.db.clashes-${backupId}.csv`));
  const text = fs.readFileSync(out.clashesCsv, 'utf8');
  assert.ok(text.startsWith('\uFEFF'));
  const rows = parseCsv(text.slice(1));
  assert.deepEqual(rows[0], [
    'table',
    'key',
    'column',
    'restored (backup)',
    'not kept (live)',
    'differs',
    'why',
  ]);
  const receipt = rows.find((r) => r[0] === 'orders' && r[2] === 'receipt_no');
  // A spreadsheet shows the text, and does not run it as a formula.
  assert.deepEqual(receipt?.slice(1, 6), [
    `id=${lastBackedUpOrder}`,
    'receipt_no',
    original,
    `'=1+2, "reused"`,
    'yes',
  ]);
  const total = rows.find((r) => r[0] === 'orders' && r[2] === 'total_cents');
  assert.equal(total?.[4], '4242');
  assert.equal(sqliteValue(db, 'PRAGMA integrity_check'), 'ok');
  // The same clash again: a second list beside the first, which is not overwritten.
  sqliteValue(db, `UPDATE orders SET total_cents = 4343 WHERE id = ${lastBackedUpOrder}`);
  const again = restore(['--keep-new', 'sales']);
  assert.equal(again.clashes.length, 1);
  assert.equal(again.clashesCsv, path.join(dir, `shop.db.clashes-${backupId}-2.csv`));
  assert.equal(fs.readFileSync(out.clashesCsv, 'utf8'), text);
});

test('Northwind: AUTOINCREMENT order numbers move past the kept orders', () => {
  const ndir = tempDir();
  const file = northwind(ndir);
  const ndest = path.join(ndir, 'backups');
  const fkBefore = sqliteValue(file, 'PRAGMA foreign_key_check');
  const b = cli(['backup', file, '--to', ndest]);
  assert.equal(b.code, 0, b.stdout);
  const seqAtBackup = Number(
    sqliteValue(file, "SELECT seq FROM sqlite_sequence WHERE name = 'Orders'"),
  );
  // Three orders with lines; the last is voided, so its number was handed out but is not there.
  sqliteValue(
    file,
    `UPDATE Products SET UnitPrice = UnitPrice * 3;
     INSERT INTO Orders (CustomerID, EmployeeID, OrderDate, ShipName) VALUES
       ('ALFKI', 1, '2026-12-07', 'kept 1'), ('ANATR', 2, '2026-12-07', 'kept 2'),
       ('ANTON', 3, '2026-12-07', 'voided');
     INSERT INTO "Order Details" (OrderID, ProductID, UnitPrice, Quantity, Discount)
       SELECT OrderID, 11, 14, 2, 0 FROM Orders WHERE OrderDate = '2026-12-07';
     DELETE FROM "Order Details" WHERE OrderID = (SELECT OrderID FROM Orders WHERE ShipName = 'voided');
     DELETE FROM Orders WHERE ShipName = 'voided';`,
  );
  const handedOut = Number(
    sqliteValue(file, "SELECT seq FROM sqlite_sequence WHERE name = 'Orders'"),
  );
  assert.equal(handedOut, seqAtBackup + 3);
  const r = cli(['restore', ndest, '--into', file, '--keep-new', 'sales']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = r.json as Restored;
  assert.equal(out.kept!.find((k) => k.table === 'Orders')!.kept, 2);
  assert.equal(out.kept!.find((k) => k.table === 'Order Details')!.kept, 2);
  assert.equal(
    sqliteValue(file, "SELECT count(*) FROM Orders WHERE OrderDate = '2026-12-07'"),
    '2',
  );
  assert.equal(
    sqliteValue(
      file,
      `SELECT count(*) FROM "Order Details" WHERE OrderID IN (SELECT OrderID FROM Orders WHERE OrderDate = '2026-12-07')`,
    ),
    '2',
  );
  assert.ok(Number(sqliteValue(file, 'SELECT max(UnitPrice) FROM Products')) < 300);
  // The counter is past every number handed out, the voided one included.
  assert.equal(
    Number(sqliteValue(file, "SELECT seq FROM sqlite_sequence WHERE name = 'Orders'")),
    handedOut,
  );
  const next = Number(
    sqliteValue(
      file,
      "INSERT INTO Orders (CustomerID, OrderDate) VALUES ('ALFKI', '2026-12-08'); SELECT last_insert_rowid();",
    ),
  );
  assert.equal(next, handedOut + 1);
  assert.equal(sqliteValue(file, 'PRAGMA integrity_check'), 'ok');
  assert.equal(sqliteValue(file, 'PRAGMA foreign_key_check'), fkBefore);
});
