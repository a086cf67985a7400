/** The weekly check: a full read and a restore drill per place; damage turns Home red. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCheck } from '../../main/app/checks.js';
import { createAppCore } from '../../main/app/core.js';
import { headlessPlatform } from '../../main/app/platform.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import { tempDir } from '../helpers.js';

const PASS = 'weekly check passphrase';
let dir: string;
let db: string;

before(() => {
  dir = tempDir('tillvault-check-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 150, days: 10, seed: 9 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a good place passes with its restore time; a flipped byte is found and turns Home red', async () => {
  const platform = headlessPlatform(path.join(dir, 'data'), path.join(dir, 'Documents'));
  const { core, handlers } = createAppCore({
    files: { settings: { store: {} }, state: { store: {} }, secrets: { store: {} } },
    protector: null,
    platform,
    events: { emit: () => undefined },
    drives: async () => [],
  });
  core.grants.grant(db);
  const places = [path.join(dir, 'a'), path.join(dir, 'b')].map((p) => core.grants.grant(p));
  const { job } = await handlers['jobs:create']({
    name: 'Shop',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: places.map((p, i) => ({ kind: 'folder' as const, label: `place ${i}`, path: p })),
    passphrase: PASS,
  });
  // Green needs an automatic schedule too.
  await handlers['jobs:update']({ jobId: job.id, schedule: { preset: 'nightly', time: '23:00' } });
  const stored = core.settings.read().jobs.find((j) => j.id === job.id)!;
  assert.equal((await core.runner.start(stored, 'manual').done).outcome, 'ok');

  const good = await runCheck(stored, core, 'schedule');
  assert.deepEqual(
    good?.places.map((p) => p.ok),
    [true, true],
  );
  assert.ok(good!.places.every((p) => p.restoreMs !== null && p.restoreMs >= 0));
  const status = await handlers['status:get']({});
  assert.equal(status.level, 'ok');
  assert.equal(status.checks[0]?.ok, true);

  // One byte flipped in one pack of place b.
  const packs = fs.readdirSync(places[1]!, { recursive: true, withFileTypes: true });
  const pack = packs.find((e) => e.isFile() && e.parentPath.includes(`${path.sep}data${path.sep}`));
  assert.ok(pack, 'a pack file');
  const file = path.join(pack.parentPath, pack.name);
  const bytes = fs.readFileSync(file);
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  fs.writeFileSync(file, bytes);

  const bad = await runCheck(stored, core, 'schedule');
  assert.deepEqual(
    bad?.places.map((p) => p.ok),
    [true, false],
  );
  const after = await handlers['status:get']({});
  assert.equal(after.level, 'bad');
  assert.equal(after.checks[0]?.ok, false);
  assert.deepEqual(
    after.places.map((p) => p.damaged),
    [false, true],
  );

  // Repair: the good copies come from place 0, and place 1 reads clean again.
  const repaired = await handlers['places:repair']({
    jobId: job.id,
    destinationId: stored.destinations[1]!.id,
  });
  assert.equal(repaired.ok, true);
  assert.equal(repaired.from, 'place 0');
  assert.ok(repaired.chunksReplaced >= 1);
  const healed = await handlers['status:get']({});
  assert.equal(healed.level, 'ok');
  assert.deepEqual(
    healed.places.map((p) => p.damaged),
    [false, false],
  );
  const again = await runCheck(stored, core, 'schedule');
  assert.deepEqual(
    again?.places.map((p) => p.ok),
    [true, true],
  );
  // Repairing a whole place changes nothing.
  const noop = await handlers['places:repair']({
    jobId: job.id,
    destinationId: stored.destinations[0]!.id,
  });
  assert.deepEqual([noop.ok, noop.chunksReplaced], [true, 0]);
});
