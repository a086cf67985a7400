/**
 * A backup or prune killed at any moment (power cut, task manager) never leaves a snapshot that
 * looks complete, never damages earlier ones, and never blocks the next run.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { cli, deleteDemoMemberSql, dump, spawnCli, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function killAfter(args: string[], ms: number): Promise<number | null> {
  const child = spawnCli(args);
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    }),
  );
}

function snapshotIds(dest: string): string[] {
  const r = cli(['snapshots', dest]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return (r.json as { snapshots: { id: string }[] }).snapshots.map((s) => s.id);
}

/** Runs a command to its end and says how long it took. */
function timed(args: string[]): { code: number; ms: number } {
  const t0 = performance.now();
  const { code } = cli(args);
  return { code, ms: performance.now() - t0 };
}

// Seeded kill moments spread over a measured run of the same command (from its start to a
// little past its end), so every phase is hit however fast the machine is, and a failure can
// be reproduced.
function moments(seed: number, n: number, runMs: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return Math.round(30 + ((x % 1000) / 1000) * runMs * 1.1);
  });
}

test('backups killed at random moments leave only complete snapshots', async () => {
  const db = path.join(dir, 'shop.db');
  assert.equal(
    cli(['demo', 'create', db, '--members', '1500', '--days', '60', '--seed', '5']).code,
    0,
  );
  const dest = path.join(dir, 'backups');
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  sqliteValue(db, 'UPDATE members SET points = points + 1 WHERE id % 9 = 0');
  const run = timed(['backup', db, '--to', dest]);
  assert.equal(run.code, 0);
  let count = 2;
  for (const [i, ms] of moments(42, 6, run.ms).entries()) {
    sqliteValue(db, `UPDATE members SET points = points + ${i + 1} WHERE id % 7 = ${i}`);
    const code = await killAfter(['backup', db, '--to', dest], ms);
    // A run killed after its manifest was written (while logging) has a complete snapshot.
    const ids = snapshotIds(dest);
    if (code === 0) assert.equal(ids.length, count + 1, `a finished run at ${ms} ms`);
    else assert.ok([count, count + 1].includes(ids.length), `after a kill at ${ms} ms`);
    count = ids.length;
    const v = cli(['verify', dest, '--level', 'full']);
    assert.equal(v.code, 0, `verify after a kill at ${ms} ms: ${v.stdout}`);
  }
  // The next backup is not blocked by the dead run's lock and the result restores.
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  assert.equal(cli(['verify', dest, '--level', 'drill']).code, 0);
  assert.deepEqual(
    fs.readdirSync(path.join(dest, 'locks')).filter((n) => n !== 'reserve'),
    [],
  );
});

test('a prune killed at random moments loses no kept snapshot', async () => {
  const db = path.join(dir, 'shop.db');
  const dest = path.join(dir, 'backups');
  for (let i = 0; i < 3; i++) {
    sqliteValue(db, `UPDATE products SET price_cents = price_cents + 1 WHERE id % 5 = ${i}`);
    assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  }
  const before = snapshotIds(dest);
  const keep = before.slice(-2);
  for (const ms of moments(7, 4, 600)) {
    await killAfter(['prune', dest, '--keep-last', '2'], ms);
    const ids = snapshotIds(dest);
    for (const id of keep)
      assert.ok(ids.includes(id), `kept snapshot ${id} lost after a kill at ${ms} ms`);
    const v = cli(['verify', dest, '--level', 'full']);
    assert.equal(v.code, 0, `verify after a prune killed at ${ms} ms: ${v.stdout}`);
  }
  const done = cli(['prune', dest, '--keep-last', '2']);
  assert.equal(done.code, 0, done.stdout + done.stderr);
  assert.deepEqual(snapshotIds(dest), keep);
  assert.equal(cli(['verify', dest, '--level', 'drill']).code, 0);
});

test('a restore into the live database killed at random moments leaves the old or the new state, never a mix', async () => {
  const db = path.join(dir, 'live.db');
  assert.equal(
    cli(['demo', 'create', db, '--members', '1500', '--days', '60', '--seed', '8']).code,
    0,
  );
  const dest = path.join(dir, 'live-backups');
  const first = cli(['backup', db, '--to', dest]);
  assert.equal(first.code, 0);
  // Killed runs leave safety snapshots behind, so "latest" moves: restore this one by id.
  const original = (first.json as { snapshotId: string }).snapshotId;
  const backedUp = dump(db);
  sqliteValue(db, 'UPDATE members SET points = 0; DELETE FROM system_logs;');
  const changed = dump(db);
  // How long a whole restore takes, measured into a copy of the changed database.
  const copy = path.join(dir, 'live-copy.db');
  fs.copyFileSync(db, copy);
  const run = timed(['restore', dest, '--snapshot', original, '--into', copy]);
  assert.equal(run.code, 0);
  for (const ms of moments(11, 8, run.ms)) {
    const code = await killAfter(['restore', dest, '--snapshot', original, '--into', db], ms);
    const now = dump(db);
    assert.equal(sqliteValue(db, 'PRAGMA integrity_check'), 'ok', `after a kill at ${ms} ms`);
    assert.ok(now === backedUp || now === changed, `a mixed state after a kill at ${ms} ms`);
    if (code === 0) assert.equal(now, backedUp);
    // Put the "bad afternoon" back, so every round restores over it again.
    if (now === backedUp)
      sqliteValue(db, 'UPDATE members SET points = 0; DELETE FROM system_logs;');
  }
  assert.equal(cli(['restore', dest, '--snapshot', original, '--into', db]).code, 0);
  assert.equal(dump(db), backedUp);
});

test('a record restore killed at random moments leaves the member missing or back whole, never half', async () => {
  const db = path.join(dir, 'records.db');
  assert.equal(
    cli(['demo', 'create', db, '--members', '1500', '--days', '60', '--seed', '9']).code,
    0,
  );
  const dest = path.join(dir, 'records-backups');
  const first = cli(['backup', db, '--to', dest]);
  assert.equal(first.code, 0);
  const original = (first.json as { snapshotId: string }).snapshotId;
  const mistake = deleteDemoMemberSql(7);
  const rowsOf7 = (): string =>
    sqliteValue(
      db,
      `SELECT (SELECT count(*) FROM members WHERE id = 7) || '/' ||
              (SELECT count(*) FROM points_ledger WHERE member_id = 7) || '/' ||
              (SELECT count(*) FROM stored_value_ledger WHERE member_id = 7)`,
    );
  const whole = rowsOf7();
  sqliteValue(db, mistake);
  const gone = rowsOf7();
  assert.equal(gone, '0/0/0');
  const args = ['restore', dest, '--snapshot', original, '--into', db, '--records', 'members=7'];
  const copy = path.join(dir, 'records-copy.db');
  fs.copyFileSync(db, copy);
  const run = timed([
    'restore',
    dest,
    '--snapshot',
    original,
    '--into',
    copy,
    '--records',
    'members=7',
  ]);
  assert.equal(run.code, 0);
  for (const ms of moments(13, 8, run.ms)) {
    const code = await killAfter(args, ms);
    const now = rowsOf7();
    assert.equal(sqliteValue(db, 'PRAGMA integrity_check'), 'ok', `after a kill at ${ms} ms`);
    assert.ok(now === whole || now === gone, `${now} after a kill at ${ms} ms`);
    if (code === 0) assert.equal(now, whole);
    if (now === whole) sqliteValue(db, mistake);
  }
});

test('a roll-forward restore killed at random moments leaves the database as before or as restored with the kept sales', async () => {
  const db = path.join(dir, 'keep.db');
  assert.equal(
    cli(['demo', 'create', db, '--members', '1500', '--days', '60', '--seed', '10']).code,
    0,
  );
  const dest = path.join(dir, 'keep-backups');
  const first = cli(['backup', db, '--to', dest]);
  assert.equal(first.code, 0);
  const original = (first.json as { snapshotId: string }).snapshotId;
  // The bad morning: prices doubled, and the till sold at them.
  const mistake = 'UPDATE products SET price_cents = price_cents * 2';
  sqliteValue(
    db,
    `${mistake};
     WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 40)
     INSERT INTO orders (receipt_no, staff_id, shift_id, created_at, total_cents)
       SELECT 'TODAY-' || value, 1, 1, '2026-12-07 09:00', 900 FROM n;
     INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents)
       SELECT id, 3, 1, 900 FROM orders WHERE receipt_no LIKE 'TODAY-%';
     INSERT INTO payments (order_id, method, amount_cents)
       SELECT id, 'cash', 900 FROM orders WHERE receipt_no LIKE 'TODAY-%';`,
  );
  const changed = dump(db);
  const args = ['--snapshot', original, '--types', 'products,sales', '--keep-new', 'sales'];
  // What a finished run gives, and how long it takes, measured on a copy.
  const copy = path.join(dir, 'keep-copy.db');
  fs.copyFileSync(db, copy);
  const run = timed(['restore', dest, ...args, '--into', copy]);
  assert.equal(run.code, 0);
  const restored = dump(copy);
  assert.notEqual(restored, changed);
  assert.match(restored, /TODAY-40/);
  for (const ms of moments(17, 8, run.ms)) {
    const code = await killAfter(['restore', dest, ...args, '--into', db], ms);
    const now = dump(db);
    assert.equal(sqliteValue(db, 'PRAGMA integrity_check'), 'ok', `after a kill at ${ms} ms`);
    assert.ok(now === changed || now === restored, `a mixed state after a kill at ${ms} ms`);
    if (code === 0) assert.equal(now, restored);
    if (now === restored) {
      sqliteValue(db, mistake);
      assert.equal(dump(db), changed, 'the mistake made again');
    }
  }
});
