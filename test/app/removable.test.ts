/**
 * A USB stick is its backups' id, not a drive letter: found again under another mount point,
 * skipped (never written into an empty mount point or another stick) when it is not there.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createAppCore } from '../../main/app/core.js';
import { headlessPlatform } from '../../main/app/platform.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import type { Drive } from '../../main/engine/places/drives.js';
import { listSnapshots } from '../../main/engine/source/inspect.js';
import { tempDir } from '../helpers.js';

const PASS = 'usb stick passphrase';
let dir: string;
let db: string;

before(() => {
  dir = tempDir('tillvault-usb-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 100, days: 10, seed: 5 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function stick(mount: string, label = 'SHOP-BACKUP'): Drive {
  return { device: `dev-${label}`, label, mount, sizeBytes: 8e9, freeBytes: 7e9, removable: true };
}

function app(drives: () => Drive[]) {
  const platform = headlessPlatform(path.join(dir, 'data'), path.join(dir, 'Documents'));
  return createAppCore({
    files: { settings: { store: {} }, state: { store: {} }, secrets: { store: {} } },
    protector: null,
    platform,
    events: { emit: () => undefined },
    drives: async () => drives(),
  });
}

const count = async (p: string): Promise<number> =>
  (await listSnapshots(p, { kind: 'passphrase', value: PASS })).snapshots.length;

test('the stick is found under another mount point, and skipped when it is not connected', async () => {
  const mnt = path.join(dir, 'mnt');
  const e = path.join(mnt, 'E');
  fs.mkdirSync(e, { recursive: true });
  fs.writeFileSync(path.join(e, 'holiday.jpg'), 'not ours');
  let connected: Drive[] = [stick(e)];
  const { core, handlers } = app(() => connected);

  const places = await handlers['setup:suggest-places']({});
  const offered = places.places.find((p) => p.kind === 'removable');
  assert.equal(offered?.label, 'SHOP-BACKUP');
  core.grants.grant(db);
  const local = core.grants.grant(path.join(dir, 'local'));
  const created = await handlers['jobs:create']({
    name: 'Shop',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: [
      { kind: 'folder', label: 'This computer', path: local },
      { kind: 'removable', label: 'SHOP-BACKUP', path: offered!.path },
    ],
    passphrase: PASS,
  });
  const job = core.settings.read().jobs.find((j) => j.id === created.job.id)!;
  const usb = job.destinations[1]!;
  // The stick held other files: the backups went into their own folder on it.
  assert.equal(usb.within, 'Tillvault Backups');
  assert.match(usb.repositoryId ?? '', /^[0-9a-f-]{36}$/);

  const first = await core.runner.start(job, 'manual').done;
  assert.equal(first.outcome, 'ok');
  assert.equal(await count(path.join(e, 'Tillvault Backups')), 1);

  // Next day the stick mounts as F.
  const f = path.join(mnt, 'F');
  fs.renameSync(e, f);
  connected = [stick(f)];
  const second = await core.runner.start(job, 'manual').done;
  assert.equal(second.outcome, 'ok');
  assert.equal(await count(path.join(f, 'Tillvault Backups')), 2);
  assert.equal(fs.existsSync(e), false);

  // Unplugged, leaving an empty mount point where it was: nothing is written there.
  fs.mkdirSync(e);
  connected = [];
  const third = await core.runner.start(job, 'manual').done;
  assert.equal(third.outcome, 'partial');
  assert.deepEqual(third.destinations[1], {
    destinationId: usb.id,
    label: 'SHOP-BACKUP',
    ok: false,
    newBytes: 0,
    code: 'DEST_MISSING',
    message: 'USB drive "SHOP-BACKUP" is not connected.',
    removed: 0,
    verified: null,
  });
  assert.deepEqual(fs.readdirSync(e), []);

  // Another stick with its own backups at the same folder is not ours: left untouched.
  const g = path.join(mnt, 'G');
  const other = app(() => [stick(g, 'OTHER')]);
  fs.mkdirSync(path.join(g, 'Tillvault Backups'), { recursive: true });
  other.core.grants.grant(db);
  await other.handlers['jobs:create']({
    name: 'Other shop',
    source: db,
    types: ['members'],
    destinations: [
      {
        kind: 'folder',
        label: 'x',
        path: other.core.grants.grant(path.join(g, 'Tillvault Backups')),
      },
    ],
    passphrase: PASS,
  });
  connected = [stick(g, 'OTHER')];
  const fourth = await core.runner.start(job, 'manual').done;
  assert.equal(fourth.destinations[1]?.code, 'DEST_MISSING');
  assert.equal(await count(path.join(g, 'Tillvault Backups')), 0);
  assert.equal(await count(local), 4);
});
