/**
 * A backup place that is full must still be prunable, since pruning is how a shop gets its room
 * back: packs nothing needs go first (even when there is no room for a new index), packs that
 * are partly needed are rewritten only when there is room, and the backups that stay restore.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { cli, dump, isRoot, mountTmpfs, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const skip = !isRoot() && 'needs root to mount a small tmpfs';

interface Pruned {
  remove: string[];
  packsDeleted: number;
  packsRewritten: number;
  bytesFreed: number;
}

/** Fills the file system holding `folder` to the last byte; returns the filler file. */
function fill(folder: string): string {
  const filler = path.join(folder, 'filler');
  const fd = fs.openSync(filler, 'w');
  try {
    for (const size of [1 << 20, 4096, 1]) {
      const block = Buffer.alloc(size, 1);
      for (;;) {
        try {
          fs.writeSync(fd, block);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

function freeBytes(folder: string): number {
  const s = fs.statfsSync(folder);
  return s.bavail * s.bsize;
}

function shop(name: string, seed: number): string {
  const db = path.join(dir, name);
  for (const f of [db, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
  const r = cli([
    'demo',
    'create',
    db,
    '--members',
    '1500',
    '--days',
    '40',
    '--seed',
    String(seed),
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return db;
}

function restoresTo(dest: string, expected: string, name: string): void {
  const out = path.join(dir, name);
  const r = cli(['restore', dest, '--to', out]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(dump(out), expected);
  const v = cli(['verify', dest, '--level', 'full']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
}

test('a full place frees the space of backups it forgets', { skip }, (t) => {
  const mount = path.join(dir, 'full-unused');
  t.after(mountTmpfs(mount, '24m'));
  const dest = path.join(mount, 'backups');
  // The same till database, replaced by a different shop: the old backup shares nothing.
  const db = shop('shop.db', 1);
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  // The shop keeps its price list: every price changed at once would stop the prune as a
  // probable mistake (anomaly.ts), which is not what this test is about.
  const prices = sqliteValue(
    db,
    "SELECT group_concat(id || '=' || price_cents, ' ') FROM products",
  );
  shop('shop.db', 2);
  sqliteValue(
    db,
    prices
      .split(' ')
      .map((p) => p.split('='))
      .map(([id, cents]) => `UPDATE products SET price_cents = ${cents} WHERE id = ${id};`)
      .join('\n'),
  );
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  const expected = dump(db);
  fill(mount);
  assert.ok(freeBytes(mount) < 4096);
  // A full place can still be read: no lock file is needed to look or to restore.
  assert.equal(cli(['snapshots', dest]).code, 0);
  const early = path.join(dir, 'from-full.db');
  assert.equal(cli(['restore', dest, '--to', early]).code, 0);
  assert.equal(dump(early), expected);

  const r = cli(['prune', dest, '--keep-last', '1']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const pruned = r.json as Pruned;
  assert.equal(pruned.remove.length, 1);
  assert.ok(pruned.packsDeleted >= 1);
  assert.ok(freeBytes(mount) > 1_000_000, `only ${freeBytes(mount)} bytes free after pruning`);
  assert.ok(pruned.bytesFreed > 1_000_000);
  restoresTo(dest, expected, 'unused-restored.db');
});

test(
  'a full place keeps a partly needed pack as it is, and rewrites it once there is room',
  { skip },
  (t) => {
    const mount = path.join(dir, 'full-partly');
    t.after(mountTmpfs(mount, '24m'));
    const dest = path.join(mount, 'backups');
    const db = shop('changing.db', 3);
    assert.equal(cli(['backup', db, '--to', dest]).code, 0);
    // A busy week: a third of the members change, the rest of the pages stay as they were.
    sqliteValue(db, 'UPDATE members SET points = points + 7 WHERE id % 3 = 0');
    sqliteValue(db, 'DELETE FROM order_items WHERE id % 2 = 0');
    sqliteValue(db, 'VACUUM');
    assert.equal(cli(['backup', db, '--to', dest]).code, 0);
    const expected = dump(db);
    const filler = fill(mount);

    const r = cli(['prune', dest, '--keep-last', '1']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((r.json as Pruned).packsRewritten, 0);
    restoresTo(dest, expected, 'partly-restored-1.db');

    fs.rmSync(filler);
    const again = cli(['prune', dest, '--keep-last', '1']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    const later = again.json as Pruned;
    assert.ok(later.packsRewritten >= 1, JSON.stringify(later));
    assert.ok(later.bytesFreed > 0, JSON.stringify(later));
    restoresTo(dest, expected, 'partly-restored-2.db');
    // Nothing half written is left in the place.
    const files = fs.readdirSync(dest, { recursive: true }) as string[];
    assert.deepEqual(
      files.filter((f) => f.includes('.tmp-')),
      [],
    );
  },
);
