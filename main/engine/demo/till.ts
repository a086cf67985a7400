/**
 * The cash register of the demo shop, as a second program writing to the database: it proves
 * that backups are consistent while the shop keeps selling, and measures how much a backup
 * slows a sale down. Run it in its own process or worker thread: its SQLite busy waits block
 * the thread they run on.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { TillvaultError } from '../errors.js';
import { seededRandom } from './demo-shop.js';

export interface TillOptions {
  seconds: number;
  /** Sales per second. */
  rate: number;
  seed?: number;
  signal?: AbortSignal;
}

export interface TillStats {
  sales: number;
  errors: number;
  /** Latency of whole sale transactions, from BEGIN IMMEDIATE to COMMIT. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Long enough that a backup holding a read lock (or a rollback-journal SHARED lock) never fails a sale. */
const BUSY_TIMEOUT_MS = 5000;
const OPENING_CASH = 150_000;

/** Members whose stored value differs from the sum of their ledger rows; there should be none. */
export function checkLedgerInvariant(db: Database.Database): { ok: boolean; badMembers: number } {
  const { bad } = db
    .prepare(
      `SELECT count(*) AS bad FROM members AS m
       LEFT JOIN (SELECT member_id, SUM(amount_cents) AS total FROM stored_value_ledger GROUP BY member_id) AS l
         ON l.member_id = m.id
       WHERE m.stored_value_cents <> coalesce(l.total, 0)`,
    )
    .get() as { bad: number };
  return { ok: bad === 0, badMembers: bad };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Opens the shop's database and prepares the till's statements; fails if it is not a demo shop. */
function openTill(file: string): { db: Database.Database; sql: ReturnType<typeof prepare> } {
  if (!fs.existsSync(file)) throw new TillvaultError('SOURCE_MISSING', `No database at ${file}.`);
  const db = new Database(file, { fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    return { db, sql: prepare(db) };
  } catch (err) {
    db.close();
    throw new TillvaultError('BAD_INPUT', `${file} is not a Tillvault demo shop database.`, {
      cause: err,
    });
  }
}

function prepare(db: Database.Database) {
  return {
    productIds: db.prepare('SELECT id FROM products WHERE active = 1').pluck(),
    memberIds: db.prepare('SELECT id FROM members').pluck(),
    cashierIds: db.prepare("SELECT id FROM staff WHERE role = 'cashier' AND active = 1").pluck(),
    openShift: db.prepare(
      'INSERT INTO shifts (staff_id, opened_at, opening_cash_cents) VALUES (?, ?, ?)',
    ),
    closeShift: db.prepare('UPDATE shifts SET closed_at = ?, closing_cash_cents = ? WHERE id = ?'),
    nextReceipt: db.prepare("SELECT value FROM settings WHERE key = 'next_receipt_no'").pluck(),
    setNextReceipt: db.prepare("UPDATE settings SET value = ? WHERE key = 'next_receipt_no'"),
    price: db.prepare('SELECT price_cents FROM products WHERE id = ?').pluck(),
    insertOrder: db.prepare(
      `INSERT INTO orders (receipt_no, member_id, staff_id, shift_id, created_at, total_cents)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    insertItem: db.prepare(
      'INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES (?, ?, ?, ?)',
    ),
    takeStock: db.prepare(
      'UPDATE stock SET quantity = quantity - ?, updated_at = ? WHERE product_id = ?',
    ),
    insertPayment: db.prepare(
      'INSERT INTO payments (order_id, method, amount_cents) VALUES (?, ?, ?)',
    ),
    balance: db.prepare('SELECT stored_value_cents FROM members WHERE id = ?').pluck(),
    insertLedger: db.prepare(
      'INSERT INTO stored_value_ledger (member_id, amount_cents, reason, order_id, at) VALUES (?, ?, ?, ?, ?)',
    ),
    addStoredValue: db.prepare(
      'UPDATE members SET stored_value_cents = stored_value_cents + ? WHERE id = ?',
    ),
    insertPoints: db.prepare(
      "INSERT INTO points_ledger (member_id, points, reason, order_id, at) VALUES (?, ?, 'purchase', ?, ?)",
    ),
    addPoints: db.prepare('UPDATE members SET points = points + ? WHERE id = ?'),
    setPrice: db.prepare('UPDATE products SET price_cents = ? WHERE id = ?'),
    log: db.prepare("INSERT INTO system_logs (at, level, message) VALUES (?, 'info', ?)"),
  };
}

export async function runTill(file: string, opts: TillOptions): Promise<TillStats> {
  if (!(opts.seconds > 0) || !(opts.rate > 0)) {
    throw new TillvaultError('BAD_INPUT', 'The till needs a positive number of seconds and rate.');
  }
  const rand = seededRandom(opts.seed ?? Date.now());
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const { db, sql } = openTill(file);
  try {
    const products = sql.productIds.all() as number[];
    const members = sql.memberIds.all() as number[];
    const cashiers = sql.cashierIds.all() as number[];
    if (products.length === 0 || cashiers.length === 0) {
      throw new TillvaultError('BAD_INPUT', `${file} has no products or no cashiers to sell with.`);
    }
    const staff = pick(cashiers);
    const shift = db
      .transaction(() =>
        Number(sql.openShift.run(staff, new Date().toISOString(), OPENING_CASH).lastInsertRowid),
      )
      .immediate();
    let cash = 0;

    // Everything a sale changes commits together, so a backup sees all of it or none of it.
    const sell = db.transaction(() => {
      const now = new Date().toISOString();
      const receipt = Number(sql.nextReceipt.get());
      sql.setNextReceipt.run(String(receipt + 1));
      const lines = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => {
        const product = pick(products);
        return {
          product,
          quantity: rand() < 0.15 ? 2 : 1,
          price: sql.price.get(product) as number,
        };
      });
      const total = lines.reduce((sum, l) => sum + l.price * l.quantity, 0);
      const member = members.length > 0 && rand() < 0.6 ? pick(members) : null;
      const order = Number(
        sql.insertOrder.run(String(receipt).padStart(8, '0'), member, staff, shift, now, total)
          .lastInsertRowid,
      );
      for (const l of lines) {
        sql.insertItem.run(order, l.product, l.quantity, l.price);
        sql.takeStock.run(l.quantity, now, l.product);
      }
      let method = rand() < 0.65 ? 'card' : 'cash';
      if (member && rand() < 0.3 && (sql.balance.get(member) as number) >= total) {
        method = 'stored_value';
        sql.insertLedger.run(member, -total, 'purchase', order, now);
        sql.addStoredValue.run(-total, member);
      }
      sql.insertPayment.run(order, method, total);
      if (method === 'cash') cash += total;
      if (member) {
        const earned = Math.floor(total / 100);
        sql.insertPoints.run(member, earned, order, now);
        sql.addPoints.run(earned, member);
        if (rand() < 0.05) {
          const amount = pick([10_000, 20_000, 50_000]);
          sql.insertLedger.run(member, amount, 'top_up', null, now);
          sql.addStoredValue.run(amount, member);
        }
      }
      if (rand() < 0.02) {
        const product = pick(products);
        const price = 900 + Math.floor(rand() * 300) * 100;
        sql.setPrice.run(price, product);
        sql.log.run(now, `Price of product ${product} set to ${price} cents`);
      }
    });

    const latencies: number[] = [];
    let errors = 0;
    const interval = 1000 / opts.rate;
    const started = performance.now();
    for (let i = 0; i * interval < opts.seconds * 1000 && !opts.signal?.aborted; i++) {
      const wait = started + i * interval - performance.now();
      if (wait > 0) await sleep(wait, undefined, { signal: opts.signal }).catch(() => undefined);
      if (opts.signal?.aborted) break;
      const t0 = performance.now();
      try {
        sell.immediate();
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }

    try {
      db.transaction(() =>
        sql.closeShift.run(new Date().toISOString(), OPENING_CASH + cash, shift),
      ).immediate();
    } catch {
      errors++;
    }
    latencies.sort((a, b) => a - b);
    return {
      sales: latencies.length,
      errors,
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies.at(-1) ?? 0,
    };
  } finally {
    db.close();
  }
}
