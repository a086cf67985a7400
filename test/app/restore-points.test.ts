/**
 * The restore wizard's timeline: one run's backup in two places appears once, with both places;
 * a place that is gone is named with its reason, and its backups still show from the other; and
 * "the last backup before Tuesday 18:00" is found.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { lastBefore, mergeRestorePoints } from '../../main/app/restore-points.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import type { HistoryPlace } from '../../main/ipc/contract.js';
import { tempDir } from '../helpers.js';
import { inMemoryCore } from './in-memory-core.js';

const PASS = 'timeline passphrase here';
let dir: string;
let db: string;

before(() => {
  dir = tempDir('tillvault-points-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 200, days: 3, seed: 5 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const snapshot = (id: string, time: string): HistoryPlace['snapshots'][number] => ({
  id,
  time,
  trigger: 'manual',
  label: null,
  types: ['members'],
  complete: true,
  summary: { members: 1, sales: 2, lastSaleAt: null },
  bytes: 10,
  newBytes: 5,
});

test('merging: once per backup with every place holding it, newest first, errors named', () => {
  const a = snapshot('20261201T100000000Z-aaaa', '2026-12-01T10:00:00.000Z');
  const b = snapshot('20261202T100000000Z-bbbb', '2026-12-02T10:00:00.000Z');
  const c = snapshot('20261203T100000000Z-cccc', '2026-12-03T10:00:00.000Z');
  const place = (id: string, snaps: HistoryPlace['snapshots']): HistoryPlace => ({
    destinationId: id,
    label: `place ${id}`,
    path: `/p/${id}`,
    snapshots: snaps,
    error: null,
  });
  const merged = mergeRestorePoints([
    place('d1', [a, b]),
    place('d2', [b, c]),
    { ...place('d3', []), error: { code: 'DEST_MISSING', message: 'gone' } },
  ]);
  assert.deepEqual(
    merged.points.map((p) => [p.id, p.places.map((w) => w.destinationId)]),
    [
      [c.id, ['d2']],
      [b.id, ['d1', 'd2']],
      [a.id, ['d1']],
    ],
  );
  assert.ok(!('bytes' in merged.points[0]!), 'sizes are per place, not per point');
  assert.deepEqual(merged.unreachable, [
    { destinationId: 'd3', label: 'place d3', code: 'DEST_MISSING', message: 'gone' },
  ]);
  assert.equal(lastBefore(merged.points, new Date('2026-12-02T18:00:00Z'))?.id, b.id);
  assert.equal(lastBefore(merged.points, new Date('2026-12-02T10:00:00Z'))?.id, a.id);
  assert.equal(lastBefore(merged.points, new Date('2026-11-30T00:00:00Z')), null);
  assert.deepEqual(mergeRestorePoints([]), { points: [], unreachable: [] });
});

test('through the app: two places, one run each time; a place taken away is named, the other answers', async () => {
  const { core, handlers } = inMemoryCore(dir);
  core.grants.grant(db);
  const here = core.grants.grant(path.join(dir, 'here'));
  const stick = core.grants.grant(path.join(dir, 'stick'));
  const { job } = await handlers['jobs:create']({
    name: 'Shop',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: [
      { kind: 'folder' as const, label: 'Documents', path: here },
      { kind: 'folder' as const, label: 'Stick', path: stick },
    ],
    passphrase: PASS,
  });
  const stored = core.settings.read().jobs.find((j) => j.id === job.id)!;
  for (let i = 0; i < 2; i++) {
    assert.equal((await core.runner.start(stored, 'manual').done).outcome, 'ok');
  }
  const both = await handlers['restore:points']({ jobId: job.id });
  assert.equal(both.points.length, 2);
  for (const p of both.points)
    assert.deepEqual(
      p.places.map((w) => w.label),
      ['Documents', 'Stick'],
    );
  assert.ok(both.points[0]!.time > both.points[1]!.time, 'newest first');
  assert.equal(both.points[0]!.summary.members, 200);
  assert.deepEqual(both.unreachable, []);

  // What changed since the backup before: nothing here, and the first one is the first.
  const changed = await handlers['restore:changes']({ jobId: job.id, snapshotId: null });
  assert.deepEqual(
    changed.changes.map((c) => [c.snapshotId, c.previousId]),
    [
      [both.points[0]!.id, both.points[1]!.id],
      [both.points[1]!.id, null],
    ],
  );
  assert.deepEqual(changed.changes[0]!.tables, []);

  fs.renameSync(here, `${here}-unplugged`);
  const fromStick = await handlers['restore:changes']({
    jobId: job.id,
    snapshotId: both.points[0]!.id,
  });
  assert.equal(fromStick.destinationId, stored.destinations[1]!.id);
  assert.equal(fromStick.changes.length, 1);
  fs.renameSync(`${here}-unplugged`, here);

  fs.renameSync(stick, `${stick}-unplugged`);
  const one = await handlers['restore:points']({ jobId: job.id });
  assert.deepEqual(
    one.points.map((p) => p.places.map((w) => w.label)),
    [['Documents'], ['Documents']],
  );
  assert.deepEqual(
    one.unreachable.map((u) => [u.label, u.code]),
    [['Stick', 'DEST_MISSING']],
  );
  await assert.rejects(handlers['restore:points']({ jobId: 'no-such-plan' }));
  fs.renameSync(here, `${here}-unplugged`);
  await assert.rejects(handlers['restore:changes']({ jobId: job.id, snapshotId: null }), {
    code: 'DEST_MISSING',
  });
});
