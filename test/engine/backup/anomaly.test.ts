/**
 * The change guard: a backup compared with the one before it. On real backups of a demo shop
 * and of Chinook: a normal busy day (the till selling in its own process, members joining and
 * leaving, a few prices set) raises nothing; a mass delete, an emptied table and a bulk price
 * change do, the prune guard then refuses and retention keeps the good backup before. The
 * thresholds and the small cases are checked on the pure function.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  DEFAULT_THRESHOLDS,
  compareBackups,
  describeFinding,
  type ChangeFinding,
  type Compared,
} from '../../../main/engine/backup/anomaly.js';
import { backup } from '../../../main/engine/backup/backup.js';
import { createDemoShop } from '../../../main/engine/demo/demo-shop.js';
import { findAnomalies, prune } from '../../../main/engine/maintenance/prune.js';
import type { Credential } from '../../../main/engine/repository/config.js';
import type { Manifest } from '../../../main/engine/repository/manifest.js';
import { Repository } from '../../../main/engine/repository/repository.js';
import { CLI, PASSPHRASE, chinook, deleteDemoMemberSql, tempDir } from '../../helpers.js';

const credential: Credential = { kind: 'passphrase', value: PASSPHRASE };
const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function exec(file: string, sql: string): void {
  const c = new Database(file);
  try {
    c.exec(sql);
  } finally {
    c.close();
  }
}

async function backUp(source: string, dest: string): Promise<Manifest> {
  const r = await backup({ source, destinations: [dest], credential });
  assert.equal(r.error, null);
  const repo = await Repository.open(dest, credential);
  return repo.readManifest(r.snapshotId);
}

/** What the guard says of the newest backup in `dest`, in words. */
async function newestFindings(dest: string): Promise<ChangeFinding[]> {
  const { manifests } = await (await Repository.open(dest, credential)).readAllManifests();
  const newest = manifests.at(-1)!;
  return findAnomalies(manifests).get(newest.id) ?? [];
}

/** A busy day at the till: sales from the till's own process, and the owner at the back office. */
function busyDay(db: string): void {
  execFileSync(process.execPath, [CLI, 'demo', 'sell', db, '--seconds', '3', '--rate', '40'], {
    stdio: 'ignore',
  });
  exec(
    db,
    `${deleteDemoMemberSql(3)} ${deleteDemoMemberSql(4)}
     INSERT INTO members (card_no, name, joined_at) VALUES
       ('N-1', 'New One', '2025-03-10'), ('N-2', 'New Two', '2025-03-10'), ('N-3', 'New Three', '2025-03-10');
     UPDATE products SET price_cents = price_cents + 500 WHERE id IN (5, 6, 7, 8);
     INSERT INTO products (sku, barcode, name, category, price_cents) VALUES ('NEW-1', '1', 'New thing', 'Fika', 2990);
     UPDATE stock SET quantity = quantity + 20 WHERE product_id < 40;
     DELETE FROM system_logs;`,
  );
}

describe('on a demo shop', () => {
  const db = path.join(dir, 'shop.db');
  const dest = path.join(dir, 'shop-backups');
  const ids: string[] = [];
  let members = 0;

  before(async () => {
    createDemoShop(db, { members: 600, days: 30, seed: 3, endDate: new Date('2025-03-10') });
    ids.push((await backUp(db, dest)).id);
  });

  test('a normal busy day raises nothing', async () => {
    busyDay(db);
    const m = await backUp(db, dest);
    ids.push(m.id);
    members = m.summary.members!;
    assert.ok(m.summary.sales! > 0 && members === 601, JSON.stringify(m.summary));
    assert.deepEqual(await newestFindings(dest), []);
  });

  test('a mass delete of members is found, and the prune guard refuses', async () => {
    exec(db, 'PRAGMA foreign_keys = OFF; DELETE FROM members WHERE id % 4 = 0;');
    const m = await backUp(db, dest);
    ids.push(m.id);
    const gone = members - m.summary.members!;
    assert.ok(gone > 140, `${gone} members deleted`);
    assert.deepEqual(await newestFindings(dest), [
      { kind: 'members', before: members, now: members - gone },
    ]);
    await assert.rejects(prune(dest, credential, { keepLast: 1 }), (err: Error) => {
      assert.match(err.message, new RegExp(`Pruning stopped.*${gone} fewer members`));
      return true;
    });
    assert.equal((await (await Repository.open(dest, credential)).listSnapshotIds()).length, 3);
  });

  test('retention then keeps the good backup before the mistake and all after it', async () => {
    const m = await backUp(db, dest);
    ids.push(m.id);
    assert.deepEqual(await newestFindings(dest), [], 'the day after the mistake is like it');
    const r = await prune(dest, credential, { keepLast: 1 });
    // The first backup goes; the last good one before the delete, the delete and after stay.
    assert.deepEqual(r.remove, [ids[0]]);
    const reasons = new Map(r.keep.map((k) => [k.id, k.reasons]));
    assert.ok(reasons.get(ids[1]!)!.includes('anomaly guard'));
    assert.ok(reasons.get(ids[2]!)!.includes('anomaly guard'));
    // Three months on, a mistake nobody undid no longer holds every backup after it.
    const later = await prune(
      dest,
      credential,
      { keepLast: 1 },
      {
        dryRun: true,
        now: new Date(Date.now() + 91 * 86_400_000),
      },
    );
    assert.deepEqual(
      later.keep.map((k) => k.id),
      [ids[3]],
    );
  });

  test('an emptied table is found; an emptied log is not', async () => {
    exec(db, 'DELETE FROM stock; DELETE FROM system_logs;');
    await backUp(db, dest);
    const found = await newestFindings(dest);
    assert.equal(found.length, 1, JSON.stringify(found));
    const [emptied] = found;
    assert.ok(emptied?.kind === 'emptied' && emptied.table === 'stock' && emptied.rowsBefore > 150);
  });

  test('every price ×10 is found, counted exactly in a shop of a few hundred products', async () => {
    const products = (await backUp(db, dest)).summary.products!;
    assert.ok(products.count <= 256, `${products.count} products`);
    exec(db, 'UPDATE products SET price_cents = price_cents * 10;');
    const m = await backUp(db, dest);
    assert.ok(
      Math.abs(m.summary.products!.priceSum! - products.priceSum! * 10) < 1,
      'the sum of prices is ten times',
    );
    assert.deepEqual(await newestFindings(dest), [
      { kind: 'prices', changed: products.count, of: products.count, exact: true },
    ]);
  });

  test('prices moved to the wrong products (the sum unchanged) are found too', async () => {
    const beforeSum = (await backUp(db, dest)).summary.products!.priceSum;
    // A price list imported one row off: every product gets its neighbour's price.
    exec(
      db,
      `CREATE TEMP TABLE p AS SELECT id, price_cents FROM products;
       UPDATE products SET price_cents = (SELECT price_cents FROM p WHERE p.id = (products.id % (SELECT max(id) FROM p)) + 1);`,
    );
    const m = await backUp(db, dest);
    assert.equal(m.summary.products!.priceSum, beforeSum);
    const found = await newestFindings(dest);
    assert.equal(found[0]?.kind, 'prices', JSON.stringify(found));
  });
});

test('Chinook: a customer deleted and every price ×10 is a price change, estimated from the sample', async () => {
  const db = chinook(dir);
  const dest = path.join(dir, 'chinook-backups');
  const first = await backUp(db, dest);
  assert.deepEqual(
    { members: first.summary.members, sales: first.summary.sales },
    { members: 59, sales: 412 },
  );
  exec(
    db,
    'PRAGMA foreign_keys = OFF; DELETE FROM Customer WHERE CustomerId = 59; UPDATE Track SET UnitPrice = UnitPrice * 10;',
  );
  const m = await backUp(db, dest);
  assert.equal(m.summary.members, 58);
  // One member gone is not a mass delete; 3,503 tracks repriced are.
  const found = await newestFindings(dest);
  assert.deepEqual(found, [{ kind: 'prices', changed: 3500, of: 3503, exact: false }]);
  assert.equal(
    describeFinding(found[0]!),
    'about 3500 of 3503 product prices changed since the one before',
  );
});

describe('the thresholds and the small cases', () => {
  /** A backup of a shop with `members` members and `products` products priced 100 each. */
  function shop(
    members: number | null,
    products: number | null,
    opts: { repriced?: number; tables?: Compared['tables']; trigger?: Compared['trigger'] } = {},
  ): Compared {
    const sample = (n: number): string => {
      const raw = Buffer.alloc(Math.min(n, 256) * 8);
      for (let i = 0; i < raw.length / 8; i++) {
        raw.writeUInt32BE(i + 1, i * 8);
        raw.writeUInt32BE(i < (opts.repriced ?? 0) ? 2 : 1, i * 8 + 4);
      }
      return raw.toString('base64');
    };
    return {
      trigger: opts.trigger ?? 'scheduled',
      tables: opts.tables ?? [{ name: 'members', type: 'members', rows: members ?? 0 }],
      summary: {
        members,
        sales: 100,
        lastSaleAt: null,
        ...(products === null
          ? {}
          : {
              products: {
                count: products,
                priceSum: products * 100,
                priceSample: sample(products),
              },
            }),
      },
    };
  }

  test('members: a fifth gone by default, and never fewer than five', () => {
    assert.deepEqual(compareBackups(shop(1000, null), shop(801, null)), []);
    assert.equal(compareBackups(shop(1000, null), shop(800, null))[0]?.kind, 'members');
    assert.deepEqual(compareBackups(shop(10, null), shop(6, null)), [], '4 of 10');
    assert.deepEqual(
      compareBackups(shop(1000, null), shop(800, null), { ...DEFAULT_THRESHOLDS, dropPercent: 50 }),
      [],
    );
    assert.deepEqual(compareBackups(shop(null, null), shop(0, null)), [], 'not counted before');
  });

  test('products and prices, exact in a small shop, with the plan thresholds', () => {
    assert.deepEqual(compareBackups(shop(5, 200), shop(5, 150)), [
      { kind: 'products', before: 200, now: 150 },
    ]);
    assert.deepEqual(compareBackups(shop(5, 200), shop(5, 200, { repriced: 49 })), [], '24.5 %');
    assert.deepEqual(compareBackups(shop(5, 200), shop(5, 200, { repriced: 50 })), [
      { kind: 'prices', changed: 50, of: 200, exact: true },
    ]);
    assert.deepEqual(
      compareBackups(shop(5, 200), shop(5, 200, { repriced: 150 }), {
        dropPercent: 20,
        pricePercent: 80,
      }),
      [],
    );
    // Nine prices of twelve is someone at work on a small list, not a bulk change.
    assert.deepEqual(compareBackups(shop(5, 12), shop(5, 12, { repriced: 9 })), []);
  });

  test('a large list is estimated from its sample, rounded as an estimate', () => {
    assert.deepEqual(compareBackups(shop(5, 5000), shop(5, 5000, { repriced: 128 })), [
      { kind: 'prices', changed: 2500, of: 5000, exact: false },
    ]);
  });

  test('tables: emptied ones of shop data with rows enough to matter; most rows gone', () => {
    const tables = (orders: number, cart: number, log: number): Compared['tables'] => [
      { name: 'orders', type: 'sales', rows: orders },
      { name: 'cart', type: 'sales', rows: cart },
      { name: 'log', type: 'logs', rows: log },
    ];
    assert.deepEqual(
      compareBackups(
        shop(5, null, { tables: tables(900, 30, 5000) }),
        shop(5, null, { tables: tables(910, 0, 0) }),
      ),
      [],
    );
    assert.deepEqual(
      compareBackups(
        shop(5, null, { tables: tables(900, 30, 50) }),
        shop(5, null, { tables: tables(0, 30, 50) }),
      ),
      [
        { kind: 'emptied', table: 'orders', rowsBefore: 900 },
        { kind: 'rows', before: 930, now: 30 },
      ],
    );
    // A table the new backup does not hold (a plan of fewer data types) is not emptied.
    assert.deepEqual(
      compareBackups(shop(5, null, { tables: tables(900, 30, 50) }), shop(5, null, { tables: [] })),
      [],
    );
  });

  test('a newly damaged database is found; after a restore the differences are its own', () => {
    const damaged = { ...shop(5, null), sourceCheck: { ok: false, detail: 'page 4' } };
    assert.deepEqual(compareBackups(shop(5, null), damaged), [{ kind: 'unreadable' }]);
    assert.deepEqual(compareBackups(damaged, damaged), []);
    assert.deepEqual(
      compareBackups(shop(1000, null, { trigger: 'pre-restore' }), shop(10, null)),
      [],
    );
  });
});
