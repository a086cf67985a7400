/**
 * The restore wizard's channels over the real engine, as the window calls them: a member
 * deleted by mistake found in the backup before and put back; prices undone while today's sales
 * stay; a till holding the database is named and nothing is forced; undo puts back exactly the
 * state before; a database that is gone comes back at its path; "only look" writes a copy.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { backup } from '../../main/engine/backup/backup.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import { readAudit } from '../../main/engine/repository/audit.js';
import { Repository } from '../../main/engine/repository/repository.js';
import { deleteDemoMemberSql, dump, sqliteValue, tempDir } from '../helpers.js';
import { inMemoryCore } from './in-memory-core.js';

const PASS = 'wizard passphrase here';
const MEMBER = 7;
let dir: string;
let db: string;

before(() => {
  dir = tempDir('tillvault-wizard-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 300, days: 5, seed: 11 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A sale made at the till after the backup: an order, its line and its payment. */
function sell(file: string, receipt: string): number {
  const d = new Database(file);
  try {
    return d.transaction(() => {
      const o = d
        .prepare(
          "INSERT INTO orders (receipt_no, member_id, staff_id, shift_id, created_at, total_cents) VALUES (?, NULL, 1, 1, '2026-12-07T10:00:00Z', 500)",
        )
        .run(receipt).lastInsertRowid;
      d.prepare(
        'INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES (?, 1, 1, 500)',
      ).run(o);
      d.prepare(
        "INSERT INTO payments (order_id, method, amount_cents) VALUES (?, 'cash', 500)",
      ).run(o);
      return Number(o);
    })();
  } finally {
    d.close();
  }
}

async function plan() {
  const app = inMemoryCore(dir);
  const { core, handlers } = app;
  core.grants.grant(db);
  const here = core.grants.grant(path.join(dir, 'here'));
  const stick = core.grants.grant(path.join(dir, 'stick'));
  const created = await handlers['jobs:create']({
    name: 'Shop',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: [
      { kind: 'folder' as const, label: 'Documents', path: here },
      { kind: 'folder' as const, label: 'Stick', path: stick },
    ],
    passphrase: PASS,
  });
  const job = core.settings.read().jobs.find((j) => j.id === created.job.id)!;
  const backUp = async (): Promise<void> =>
    assert.equal((await core.runner.start(job, 'manual').done).outcome, 'ok');
  return { ...app, job, backUp, recoveryKey: created.recoveryKey!, here, stick };
}

let shop: Awaited<ReturnType<typeof plan>>;
let good: string;

test('the backup before the mistake: a deleted member found by name and put back, undo', async () => {
  shop = await plan();
  const { handlers, job, backUp } = shop;
  await backUp();
  const name = sqliteValue(db, `SELECT name FROM members WHERE id = ${MEMBER}`);
  const d = new Database(db);
  d.exec(deleteDemoMemberSql(MEMBER));
  d.close();
  const sale = sell(db, 'R-after-1');
  await backUp();

  const { points } = await handlers['restore:points']({ jobId: job.id });
  assert.equal(points.length, 2);
  good = points[1]!.id;
  const opened = await handlers['restore:open']({ jobId: job.id, snapshotId: good });
  assert.equal(opened.live.exists, true);
  const members = opened.types.find((t) => t.type === 'members')!;
  assert.ok(members.rowsThen > members.rowsNow!, 'one member fewer now');

  const { matches } = await handlers['restore:find-records']({
    sessionId: opened.sessionId,
    text: name.slice(0, 6),
    type: 'members',
  });
  const hit = matches.find((m) => m.table === 'members' && String(m.key) === String(MEMBER));
  assert.ok(hit, `member ${MEMBER} found by name in the backup`);

  const record = await handlers['restore:record']({
    sessionId: opened.sessionId,
    table: 'members',
    key: String(MEMBER),
  });
  assert.equal(record.keyColumn, 'id');
  assert.equal(record.then?.['name'], name);
  assert.equal(record.now, null, 'gone from the database now');
  assert.deepEqual(
    record.history.map((h) => h.values === null),
    [true, false],
    'absent from the newest backup, there in the one before',
  );

  const what = {
    kind: 'records' as const,
    records: [{ table: 'members', keys: [String(MEMBER)] }],
  };
  const preview = await handlers['restore:preview']({
    sessionId: opened.sessionId,
    what,
    keepNew: null,
  });
  const back = preview.tables.find((t) => t.table === 'members')!;
  assert.equal(back.added, 1);
  assert.equal(back.removed, 0);
  assert.equal(back.rowsAfter, back.rowsNow + 1);

  assert.deepEqual(await handlers['restore:check-live']({ sessionId: opened.sessionId }), {
    free: true,
  });
  const before = dump(db);
  const done = await handlers['restore:run']({ sessionId: opened.sessionId, what, keepNew: null });
  assert.equal(sqliteValue(db, `SELECT name FROM members WHERE id = ${MEMBER}`), name);
  assert.equal(sqliteValue(db, `SELECT count(*) FROM orders WHERE id = ${sale}`), '1');
  assert.equal(done.checks.integrity, true);
  assert.equal(done.checks.foreignKeyProblems, 0);
  assert.equal(done.checks.foreignKeyProblemsBefore, 0, 'counted before the restore too');
  assert.deepEqual(done.checks.countMismatches, [], 'row counts as the preview said');
  assert.ok(done.safetySnapshotId);
  // The log says who did it: no PIN is set here, so nobody proved to be the owner.
  const log = await readAudit(
    await Repository.open(shop.here, { kind: 'passphrase', value: PASS }),
  );
  const restored = log.find((e) => 'operation' in e && e.operation === 'restore');
  assert.equal(restored && 'actor' in restored ? restored.actor : null, 'staff');
  const withIt = new Set(done.records!.filter((x) => x.role !== 'record').map((x) => x.table));
  assert.ok(withIt.has('points_ledger'), 'the result names the ledger rows that came back');
  await handlers['restore:close']({ sessionId: opened.sessionId });
  await assert.rejects(
    handlers['restore:preview']({ sessionId: opened.sessionId, what, keepNew: null }),
    { code: 'NOT_FOUND' },
  );

  // Undo: the safety backup put back whole, through the same safe path.
  const undo = await handlers['restore:open']({
    jobId: job.id,
    snapshotId: done.safetySnapshotId!,
  });
  assert.equal(undo.point.trigger, 'pre-restore');
  await handlers['restore:run']({
    sessionId: undo.sessionId,
    what: { kind: 'all' },
    keepNew: null,
  });
  assert.equal(dump(db), before, 'exactly the database before the restore');
  await handlers['restore:close']({ sessionId: undo.sessionId });
});

test('prices undone for products while the sales made since are kept; a till holding the database stops it', async () => {
  const { handlers, job, backUp } = shop;
  await backUp();
  const { points } = await handlers['restore:points']({ jobId: job.id });
  const beforeMistake = points[0]!.id;
  const prices = dump(db).length;
  assert.ok(prices > 0);
  const priceOf = (): string => sqliteValue(db, 'SELECT sum(price_cents) FROM products');
  const rightPrices = priceOf();
  const d = new Database(db);
  d.exec('UPDATE products SET price_cents = price_cents * 10');
  d.close();
  const sales = [sell(db, 'R-after-2'), sell(db, 'R-after-3')];

  const opened = await handlers['restore:open']({ jobId: job.id, snapshotId: beforeMistake });
  const what = { kind: 'types' as const, types: ['products' as const] };
  const preview = await handlers['restore:preview']({
    sessionId: opened.sessionId,
    what,
    keepNew: null,
  });
  const products = preview.tables.find((t) => t.table === 'products')!;
  assert.equal(products.changed, products.rowsNow, 'every price changes back');
  const example = products.examples.find((e) => e.kind === 'changed')!;
  assert.ok(example.fields?.some((f) => f.column === 'price_cents'));
  assert.ok(
    preview.tables.every((t) => t.type === 'products'),
    'only product tables',
  );

  // A whole restore would lose the two sales; keeping them takes that warning away.
  const whole = await handlers['restore:preview']({
    sessionId: opened.sessionId,
    what: { kind: 'all' },
    keepNew: null,
  });
  const lost = whole.warnings.find((w) => w.kind === 'sales-lost');
  assert.ok(lost && lost.kind === 'sales-lost' && lost.rows >= 2);
  const kept = await handlers['restore:preview']({
    sessionId: opened.sessionId,
    what: { kind: 'all' },
    keepNew: ['sales'],
  });
  assert.ok(!kept.warnings.some((w) => w.kind === 'sales-lost'));

  // The till has the database open and is writing: named, never forced.
  const till = new Database(db);
  till.pragma('locking_mode = EXCLUSIVE');
  till.exec('BEGIN EXCLUSIVE');
  assert.deepEqual(await handlers['restore:check-live']({ sessionId: opened.sessionId }), {
    free: false,
  });
  await assert.rejects(
    handlers['restore:run']({ sessionId: opened.sessionId, what, keepNew: ['sales'] }),
    { code: 'DB_IN_USE' },
  );
  till.exec('COMMIT');
  till.close();
  assert.notEqual(priceOf(), rightPrices, 'nothing was changed while the till held it');

  const done = await handlers['restore:run']({
    sessionId: opened.sessionId,
    what,
    keepNew: ['sales'],
  });
  assert.equal(priceOf(), rightPrices);
  for (const id of sales) {
    assert.equal(sqliteValue(db, `SELECT count(*) FROM orders WHERE id = ${id}`), '1');
  }
  assert.equal(done.checks.integrity, true);
  assert.deepEqual(done.checks.countMismatches, []);
  await handlers['restore:close']({ sessionId: opened.sessionId });
});

test('a whole restore keeping the new sales while the till sold after the preview: the counts hold, the sales are counted as receipts; no backup of the database meanwhile', async () => {
  const { core, handlers, job, backUp } = shop;
  await backUp();
  const { points } = await handlers['restore:points']({ jobId: job.id });
  const opened = await handlers['restore:open']({ jobId: job.id, snapshotId: points[0]!.id });
  sell(db, 'R-before-preview');
  const what = { kind: 'all' as const };
  const preview = await handlers['restore:preview']({
    sessionId: opened.sessionId,
    what,
    keepNew: ['sales'],
  });
  assert.equal(preview.tables.find((t) => t.table === 'orders')!.kept, 1);
  // Sold after the preview was shown: kept too, and the count check must know it.
  sell(db, 'R-after-preview-1');
  sell(db, 'R-after-preview-2');
  const running = handlers['restore:run']({
    sessionId: opened.sessionId,
    what,
    keepNew: ['sales'],
  });
  // Another plan of the same database may not back it up in the middle of the restore.
  const twin = { ...job, id: 'twin-plan' };
  core.secrets.set(twin.id, PASS);
  // Its first progress comes from inside the restore, which then holds the database.
  const events = core.events as { emit: (event: string, payload: unknown) => void };
  const quiet = events.emit;
  await new Promise<void>((resolve) => {
    events.emit = (event) => {
      if (event === 'restore:progress') resolve();
    };
  });
  events.emit = quiet;
  assert.throws(() => core.runner.start(twin, 'manual'), { code: 'BUSY' });
  const done = await running;
  assert.deepEqual(done.checks.countMismatches, [], 'the sales after the preview are counted');
  assert.equal(done.keptSales, 3, 'three sales (receipts), not their lines and payments');
  const ordersKept = done.kept!.find((k) => k.table === 'orders')!;
  assert.equal(ordersKept.kept, 3);
  for (const receipt of ['R-before-preview', 'R-after-preview-1', 'R-after-preview-2']) {
    assert.equal(
      sqliteValue(db, `SELECT count(*) FROM orders WHERE receipt_no = '${receipt}'`),
      '1',
    );
  }
  // A wizard closed while a step runs goes when the step is done, not under it.
  const step = handlers['restore:find-records']({
    sessionId: opened.sessionId,
    text: 'a',
    type: 'members',
  });
  assert.deepEqual(await handlers['restore:close']({ sessionId: opened.sessionId }), {
    closed: true,
  });
  assert.ok((await step).matches.length > 0, 'the running step finished');
  await assert.rejects(
    handlers['restore:preview']({ sessionId: opened.sessionId, what, keepNew: null }),
    { code: 'NOT_FOUND' },
  );
});

test('only look: the backup as a new file where the owner chose; a database that is gone comes back at its path', async () => {
  const { core, handlers, job } = shop;
  const opened = await handlers['restore:open']({ jobId: job.id, snapshotId: good });
  const copy = core.grants.grant(path.join(dir, 'look.db'));
  const r = await handlers['restore:to-copy']({ sessionId: opened.sessionId, path: copy });
  assert.equal(r.file, copy);
  assert.equal(sqliteValue(copy, 'PRAGMA integrity_check'), 'ok');
  await assert.rejects(handlers['restore:to-copy']({ sessionId: opened.sessionId, path: copy }), {
    code: 'BAD_INPUT',
  });
  const outside = path.join(dir, 'not-granted.db');
  await assert.rejects(
    handlers['restore:to-copy']({ sessionId: opened.sessionId, path: outside }),
    { code: 'PATH_NOT_GRANTED' },
  );
  await handlers['restore:close']({ sessionId: opened.sessionId });

  // Gone, but its -wal is still there: replayed into the restored file, it would damage it.
  fs.rmSync(db);
  fs.writeFileSync(`${db}-wal`, 'a stale write-ahead log');
  const gone = await handlers['restore:open']({ jobId: job.id, snapshotId: good });
  assert.equal(gone.live.exists, false);
  assert.ok(gone.types.every((t) => t.rowsNow === null));
  await assert.rejects(
    handlers['restore:run']({
      sessionId: gone.sessionId,
      what: { kind: 'types', types: ['members'] },
      keepNew: null,
    }),
    { code: 'BAD_INPUT' },
  );
  const back = await handlers['restore:run']({
    sessionId: gone.sessionId,
    what: { kind: 'all' },
    keepNew: null,
  });
  assert.equal(back.safetySnapshotId, null);
  assert.ok(back.setAside, 'the stale -wal was moved aside');
  assert.equal(fs.readFileSync(`${back.setAside}-wal`, 'utf8'), 'a stale write-ahead log');
  assert.equal(fs.existsSync(`${db}-wal`), false, 'no -wal beside the restored file');
  assert.equal(back.checks.integrity, true);
  assert.equal(dump(db), dump(copy), 'the same backup, at the database path');
  await handlers['restore:close']({ sessionId: gone.sessionId });

  // Damaged: kept beside it under another name, never deleted.
  fs.writeFileSync(db, Buffer.alloc(8192, 7));
  const damaged = await handlers['restore:open']({ jobId: job.id, snapshotId: good });
  assert.ok(damaged.live.problem, 'the database cannot be read');
  const fixed = await handlers['restore:run']({
    sessionId: damaged.sessionId,
    what: { kind: 'all' },
    keepNew: null,
  });
  assert.ok(fixed.setAside && fs.readFileSync(fixed.setAside).equals(Buffer.alloc(8192, 7)));
  assert.equal(dump(db), dump(copy));
  await handlers['restore:close']({ sessionId: damaged.sessionId });
});

test('a new computer: found on the stick, a wrong key refused, opened with the recovery key, put back, and backed up again in the same chain', async () => {
  const { stick, recoveryKey } = shop;
  // The newest backup on the stick holds members only: the plan must still back up everything.
  const partial = await backup({
    source: db,
    destinations: [stick],
    credential: { kind: 'passphrase', value: PASS },
    types: ['members'],
  });
  assert.ok(partial.destinations[0]!.ok);
  fs.mkdirSync(path.join(dir, 'new-computer'));
  const fresh = inMemoryCore(path.join(dir, 'new-computer'));
  const { core, handlers } = fresh;
  const root = core.grants.grant(path.dirname(stick));
  const { found } = await handlers['recover:find']({ roots: [root] });
  const onStick = found.find((f) => f.path === stick)!;
  assert.ok(onStick, 'the backups on the stick are found');
  assert.ok(onStick.encrypted && onStick.backups >= 3);

  await assert.rejects(
    handlers['recover:unlock']({
      path: onStick.path,
      secret: { kind: 'passphrase', value: 'not the passphrase' },
    }),
    { code: 'WRONG_PASSPHRASE' },
  );
  // Typed from paper: lower case, spaces instead of dashes.
  const typed = recoveryKey.toLowerCase().replace(/-/g, ' ');
  const opened = await handlers['recover:unlock']({
    path: onStick.path,
    secret: { kind: 'recovery-key', value: typed },
  });
  assert.equal(opened.sourceName, 'shop.db');
  assert.equal(opened.otherPlaces.length, 1, 'the other copy of the plan was found too');
  const newest = opened.points.find((p) => p.complete)!;

  const target = core.grants.grant(path.join(dir, 'new-computer', 'shop.db'));
  const restored = await handlers['recover:restore']({
    recoveryId: opened.recoveryId,
    snapshotId: newest.id,
    to: target,
  });
  assert.equal(restored.checks.integrity, true);
  assert.deepEqual(restored.checks.countMismatches, []);

  await assert.rejects(
    handlers['recover:adopt']({
      recoveryId: opened.recoveryId,
      database: target,
      name: 'Shop again',
      passphrase: null,
      schedule: { preset: 'nightly', time: '23:00' },
    }),
    { code: 'BAD_INPUT' },
  );
  const NEW_PASS = 'a new passphrase on the new computer';
  const { job } = await handlers['recover:adopt']({
    recoveryId: opened.recoveryId,
    database: target,
    name: 'Shop again',
    passphrase: NEW_PASS,
    schedule: { preset: 'nightly', time: '23:00' },
  });
  assert.equal(job.destinations.length, 2, 'both copies keep backing up');
  assert.deepEqual(
    [...job.types].sort(),
    ['logs', 'members', 'other', 'products', 'sales', 'staff'],
    'what the restored backup held, not the partial newest one',
  );
  const stored = core.settings.read().jobs.find((j) => j.id === job.id)!;
  const run = await core.runner.start(stored, 'manual').done;
  assert.equal(run.outcome, 'ok');
  assert.ok(run.destinations.every((d) => d.ok));
  assert.ok(
    run.destinations.every((d) => d.newBytes < 64 * 1024),
    'the chain goes on: only new pages are stored',
  );
  const { points } = await handlers['restore:points']({ jobId: job.id });
  assert.ok(points.length > opened.points.length, 'the same history, one backup longer');
});
