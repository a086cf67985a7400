import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

import { createDemoShop, demoOptionsForSize } from '../../../main/engine/demo/demo-shop.js';
import { checkLedgerInvariant, runTill, type TillStats } from '../../../main/engine/demo/till.js';
import { TillvaultError } from '../../../main/engine/errors.js';
import { dump, tempDir } from '../../helpers.js';

const END = new Date('2025-03-10T12:00:00Z');
const TILL = fileURLToPath(new URL('../../../main/engine/demo/till.ts', import.meta.url));

function smallShop(opts: { seed?: number } = {}): string {
  const file = path.join(tempDir(), 'shop.db');
  createDemoShop(file, { members: 80, days: 7, endDate: END, ...opts });
  return file;
}

const count = (db: Database.Database, table: string): number =>
  (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** Everything a consistent shop database must satisfy, whoever wrote it last. */
function assertConsistent(file: string): void {
  const db = new Database(file, { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    assert.deepEqual(checkLedgerInvariant(db), { ok: true, badMembers: 0 });
    const badPoints = db
      .prepare(
        `SELECT count(*) AS n FROM members AS m
         WHERE m.points <> (SELECT coalesce(SUM(points), 0) FROM points_ledger WHERE member_id = m.id)`,
      )
      .get() as { n: number };
    assert.equal(badPoints.n, 0, 'points match the points ledger');
    const unpaid = db
      .prepare(
        `SELECT count(*) AS n FROM orders AS o
         WHERE o.total_cents <> (SELECT coalesce(SUM(amount_cents), 0) FROM payments WHERE order_id = o.id)`,
      )
      .get() as { n: number };
    assert.equal(unpaid.n, 0, 'every order is paid in full');
  } finally {
    db.close();
  }
}

test('a small demo shop is complete, consistent and in WAL mode', () => {
  const file = path.join(tempDir(), 'shop.db');
  const fractions: number[] = [];
  const summary = createDemoShop(file, {
    members: 80,
    days: 7,
    endDate: END,
    onProgress: (f) => fractions.push(f),
  });
  assert.equal(summary.members, 80);
  assert.equal(summary.bytes, fs.statSync(file).size);
  assert.ok(summary.orders > 80, `${summary.orders} orders`);
  assert.deepEqual(fractions.at(-1), 1);
  assert.ok(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!));

  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(count(db, 'members'), 80);
  assert.equal(count(db, 'orders'), summary.orders);
  assert.equal(count(db, 'products'), summary.products);
  assert.equal(count(db, 'stock'), summary.products);
  assert.ok(count(db, 'order_items') >= summary.orders);
  assert.equal(count(db, 'payments'), summary.orders);
  for (const table of ['staff', 'shifts', 'coupons', 'settings', 'system_logs', 'points_ledger']) {
    assert.ok(count(db, table) > 0, `${table} has rows`);
  }
  const stored = db.prepare('SELECT count(*) AS n FROM stored_value_ledger').get() as { n: number };
  assert.ok(stored.n > 0, 'some members have stored value');
  const last = db.prepare('SELECT max(created_at) AS t FROM orders').get() as { t: string };
  assert.match(last.t, /^2025-03-09T/, 'the history ends the day before endDate');
  const fks = db.prepare("SELECT count(*) AS n FROM pragma_foreign_key_list('orders')").get() as {
    n: number;
  };
  assert.equal(fks.n, 4, 'orders declares its foreign keys');
  db.close();
  assertConsistent(file);
});

test('the same seed makes the same shop; another seed another', () => {
  const a = dump(smallShop({ seed: 7 }));
  assert.equal(dump(smallShop({ seed: 7 })), a);
  assert.notEqual(dump(smallShop({ seed: 8 })), a);
});

test('never overwrites an existing file', () => {
  const file = path.join(tempDir(), 'shop.db');
  fs.writeFileSync(file, 'precious');
  assert.throws(
    () => createDemoShop(file, { members: 5, days: 1 }),
    (err: unknown) => err instanceof TillvaultError && err.code === 'BAD_INPUT',
  );
  assert.equal(fs.readFileSync(file, 'utf8'), 'precious');
});

test('demoOptionsForSize gives roughly the asked size', () => {
  const target = 8 * 2 ** 20;
  const file = path.join(tempDir(), 'sized.db');
  const { bytes } = createDemoShop(file, { ...demoOptionsForSize(target), endDate: END });
  assert.ok(Math.abs(bytes / target - 1) < 0.3, `${bytes} bytes for ${target}`);
  assert.equal(demoOptionsForSize(2 ** 30).days, 730);
});

/** Runs the till in another process, as the real POS would be, and returns its stats. */
async function tillInChild(file: string, seconds: number, rate: number): Promise<TillStats> {
  const script = `
    import { runTill } from ${JSON.stringify(TILL)};
    const stats = await runTill(${JSON.stringify(file)}, { seconds: ${seconds}, rate: ${rate}, seed: 5 });
    process.stdout.write(JSON.stringify(stats));
  `;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '--eval', script],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  return JSON.parse(out) as TillStats;
}

for (const mode of ['wal', 'delete'] as const) {
  test(`the till sells while a reader checks the ledger (${mode} journal)`, async () => {
    const file = smallShop();
    if (mode === 'delete') {
      const db = new Database(file);
      db.pragma('journal_mode = DELETE');
      db.close();
    }
    const before = new Database(file, { readonly: true });
    const ordersBefore = count(before, 'orders');
    before.close();
    const selling = tillInChild(file, 2, 50);
    let done = false;
    void selling.finally(() => (done = true));
    const reader = new Database(file, { readonly: true, timeout: 5000 });
    let checks = 0;
    while (!done) {
      // Each read transaction sees whole sales only: the invariant holds at every moment.
      const result = reader.transaction(() => checkLedgerInvariant(reader))();
      assert.ok(result.ok, `${result.badMembers} members off during the sale`);
      checks++;
      await sleep(15);
    }
    reader.close();
    const stats = await selling;
    assert.ok(checks > 10, `${checks} checks`);
    assert.equal(stats.errors, 0);
    assert.ok(stats.sales >= 90 && stats.sales <= 101, `${stats.sales} sales`);
    assert.ok(stats.p50Ms > 0 && stats.p50Ms <= stats.p99Ms && stats.p99Ms <= stats.maxMs);
    const db = new Database(file, { readonly: true });
    assert.equal(count(db, 'orders'), ordersBefore + stats.sales);
    assert.equal(db.pragma('journal_mode', { simple: true }), mode);
    db.close();
    assertConsistent(file);
  });
}

test('the till stops when aborted and refuses what is not a demo shop', async () => {
  const file = smallShop();
  const stop = new AbortController();
  setTimeout(() => stop.abort(), 300);
  const started = Date.now();
  const stats = await runTill(file, { seconds: 30, rate: 20, seed: 1, signal: stop.signal });
  assert.ok(Date.now() - started < 3000);
  assert.ok(stats.sales > 0 && stats.sales < 20, `${stats.sales} sales`);
  assertConsistent(file);

  const other = path.join(tempDir(), 'other.db');
  new Database(other).exec('CREATE TABLE t (x)').close();
  await assert.rejects(
    runTill(other, { seconds: 1, rate: 1 }),
    (err: unknown) => err instanceof TillvaultError && err.code === 'BAD_INPUT',
  );
  await assert.rejects(
    runTill(path.join(tempDir(), 'missing.db'), { seconds: 1, rate: 1 }),
    (err: unknown) => err instanceof TillvaultError && err.code === 'SOURCE_MISSING',
  );
});
