/**
 * Rebuilt snapshots kept in a folder: a snapshot is rebuilt once per folder, whoever asks (two
 * instances, at the same moment); a neighbour is made from a rebuilt file by rewriting only the
 * pages that differ, byte for byte what a full rebuild writes; damage is DAMAGED and leaves
 * nothing under the file's name.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { TillvaultError } from '../../../main/engine/errors.js';
import type { Manifest } from '../../../main/engine/repository/manifest.js';
import { Repository } from '../../../main/engine/repository/repository.js';
import { rebuildDatabase } from '../../../main/engine/restore/rebuild.js';
import { changedPages, RebuiltSnapshots } from '../../../main/engine/restore/rebuilt-cache.js';
import { PASSPHRASE, cli, fileSha256, sqliteValue, tempDir } from '../../helpers.js';

const credential = { kind: 'passphrase', value: PASSPHRASE } as const;
const dir = tempDir();
const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');

async function twoBackups(): Promise<{ repo: Repository; older: Manifest; newer: Manifest }> {
  if (!fs.existsSync(dest)) {
    assert.equal(cli(['demo', 'create', db, '--members', '2000', '--days', '30']).code, 0);
    assert.equal(cli(['backup', db, '--to', dest]).code, 0);
    sqliteValue(db, 'UPDATE members SET points = points + 1 WHERE id % 50 = 0');
    assert.equal(cli(['demo', 'sell', db, '--seconds', '1', '--rate', '20']).code, 0);
    assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  }
  const repo = await Repository.open(dest, credential);
  const [older, newer] = (await repo.readAllManifests()).manifests;
  assert.ok(older && newer);
  return { repo, older, newer };
}

const isDamaged = (e: unknown): boolean => e instanceof TillvaultError && e.code === 'DAMAGED';

test('two instances on one folder rebuild a snapshot once, at the same moment or later', async () => {
  const { repo, older } = await twoBackups();
  const other = await Repository.open(dest, credential);
  const folder = tempDir();
  const calls = [0, 0];
  const [a, b] = await Promise.all([
    new RebuiltSnapshots(folder).file(repo, older, { onProgress: () => calls[0]!++ }),
    new RebuiltSnapshots(folder).file(other, older, { onProgress: () => calls[1]!++ }),
  ]);
  assert.equal(a, b);
  assert.equal(calls.filter((n) => n > 0).length, 1, 'one of them rebuilt, the other waited');
  assert.equal(fileSha256(a), older.database.sha256);
  const before = fs.statSync(a);
  let again = 0;
  const third = await new RebuiltSnapshots(folder).file(repo, older, { onProgress: () => again++ });
  assert.equal(third, a);
  assert.equal(again, 0);
  assert.equal(fs.statSync(third).mtimeMs, before.mtimeMs);
  // Only the file and nothing else: no lock, no temp.
  assert.deepEqual(fs.readdirSync(folder), [path.basename(a)]);
  assert.throws(
    () => new RebuiltSnapshots(folder).pathOf(repo.id, '../../etc/passwd'),
    (e: unknown) => e instanceof TillvaultError,
  );
});

test('a neighbour rewrites only the pages that differ and equals a full rebuild', async () => {
  const { repo, older, newer } = await twoBackups();
  const folder = tempDir();
  const cache = new RebuiltSnapshots(folder);
  let t = performance.now();
  await cache.file(repo, older);
  const fullMs = performance.now() - t;
  let total = 0;
  t = performance.now();
  const file = await cache.file(repo, newer, { onProgress: (p) => (total = p.total) });
  const patchMs = performance.now() - t;
  const changed = changedPages(await repo.pageIdBytes(older), await repo.pageIdBytes(newer));
  assert.equal(total, changed.length);
  assert.ok(
    changed.length > 0 && changed.length < newer.database.pageCount / 2,
    `${changed.length} pages`,
  );
  assert.equal(fileSha256(file), newer.database.sha256);
  const full = path.join(tempDir(), 'full.db');
  await rebuildDatabase(repo, newer, full);
  assert.ok(fs.readFileSync(full).equals(fs.readFileSync(file)), 'byte for byte');
  console.log(
    `full ${fullMs.toFixed(0)} ms, neighbour ${patchMs.toFixed(0)} ms (${changed.length} of ${newer.database.pageCount} pages)`,
  );
});

test('a damaged chunk is DAMAGED, from a neighbour or from scratch, and leaves no file', async () => {
  const { older, newer } = await twoBackups();
  const copy = path.join(tempDir(), 'backups');
  fs.cpSync(dest, copy, { recursive: true });
  const repo = await Repository.open(copy, credential);
  const folder = tempDir();
  const cache = new RebuiltSnapshots(folder);
  const base = await cache.file(repo, older);
  // A chunk only the newer backup has: the neighbour must read it.
  const ids = await repo.pageIdBytes(newer);
  const [page] = changedPages(await repo.pageIdBytes(older), ids);
  assert.ok(page !== undefined);
  const index = await repo.getIndex();
  const [loc] = index.locations(ids.toString('hex', page * 32, page * 32 + 32));
  assert.ok(loc);
  const pack = repo.layout.pack(loc.pack);
  fs.chmodSync(pack, 0o644);
  const bytes = fs.readFileSync(pack);
  bytes[loc.offset + Math.floor(loc.length / 2)]! ^= 0xff;
  fs.writeFileSync(pack, bytes);

  const final = cache.pathOf(repo.id, newer.id);
  await assert.rejects(cache.file(repo, newer), isDamaged);
  assert.deepEqual(fs.readdirSync(folder), [path.basename(base)]);
  const empty = tempDir();
  await assert.rejects(new RebuiltSnapshots(empty).file(repo, newer), isDamaged);
  assert.deepEqual(fs.readdirSync(empty), []);
  assert.equal(fs.existsSync(final), false);
});

test('a neighbour file changed on this disk is not trusted: the snapshot is rebuilt whole', async () => {
  const { repo, older, newer } = await twoBackups();
  const folder = tempDir();
  const cache = new RebuiltSnapshots(folder);
  const base = await cache.file(repo, older);
  // A page both backups share, changed in the kept file: the patched copy cannot match.
  const before = await repo.pageIdBytes(older);
  const changed = new Set(changedPages(before, await repo.pageIdBytes(newer)));
  const shared = [...Array(older.database.pageCount).keys()].filter((p) => !changed.has(p)).at(-1);
  assert.ok(shared !== undefined && shared > 0);
  fs.chmodSync(base, 0o644);
  const fd = fs.openSync(base, 'r+');
  fs.writeSync(fd, Buffer.from([0xaa]), 0, 1, shared * older.database.pageSize + 100);
  fs.closeSync(fd);
  const totals = new Set<number>();
  const file = await cache.file(repo, newer, { onProgress: (p) => totals.add(p.total) });
  assert.ok(totals.has(changed.size), 'patched first');
  assert.ok(totals.has(newer.database.pageCount), 'then rebuilt whole');
  assert.equal(fileSha256(file), newer.database.sha256);
});
