/**
 * Free space: a place that cannot take the backup is skipped before anything is written, Home
 * and a notification say so, and "days left" follows the rate the backups grow at.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { spaceAlerts } from '../../main/app/alerts.js';
import { inMemoryCore } from './in-memory-core.js';
import { EMPTY_JOB_STATE, type JobState } from '../../main/app/run-state.js';
import { DEFAULT_CHECK_SCHEDULE, type Job } from '../../main/app/settings.js';
import {
  bytesPerDay,
  expectedBytes,
  nextSpace,
  spaceOutlook,
  type PlaceSpace,
} from '../../main/app/space.js';
import { computeStatus } from '../../main/app/status.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import { listSnapshots } from '../../main/engine/source/inspect.js';
import { tempDir } from '../helpers.js';

const MB = 1e6;
const DAY = 86_400_000;
const at = (day: number): string => new Date(Date.UTC(2026, 10, 1) + day * DAY).toISOString();

/** A place that got its first backup on day 0 and `perDay` bytes every night after. */
function nightly(days: number, perDay: number, freeBytes: number): PlaceSpace {
  let space: PlaceSpace | undefined;
  for (let day = 0; day <= days; day++) {
    space = nextSpace(space, freeBytes, at(day), day === 0 ? 400 * MB : perDay);
  }
  return space!;
}

test('the first backup needs most of the database; later ones what changes cost, twice', () => {
  assert.equal(expectedBytes(undefined, 1000 * MB), 600 * MB);
  assert.equal(expectedBytes(undefined, 1 * MB), 16 * 1024 * 1024);
  const space = nightly(10, 20 * MB, 5000 * MB);
  // The full first backup is not a sample of the daily rate.
  assert.equal(space.samples.length, 10);
  assert.equal(expectedBytes(space, 1000 * MB), 40 * MB);
});

test('days left follow the daily growth, and a burst within a day gives no rate', () => {
  assert.equal(bytesPerDay(nightly(10, 20 * MB, 0).samples), 20 * MB);
  const burst = [0, 1, 2].map((i) => ({ at: at(0.01 * i), newBytes: 5 * MB }));
  assert.equal(bytesPerDay(burst), null);
  assert.equal(bytesPerDay([]), null);

  assert.deepEqual(spaceOutlook(nightly(10, 20 * MB, 100_000 * MB), 0), {
    freeBytes: 100_000 * MB,
    daysLeft: 5000,
    level: 'ok',
  });
  // Ten days at 20 MB a day: under two weeks is "low"...
  assert.equal(spaceOutlook(nightly(10, 20 * MB, 200 * MB), 0).level, 'low');
  assert.equal(spaceOutlook(nightly(10, 20 * MB, 200 * MB), 0).daysLeft, 10);
  // ...and two days, or less than the next backup needs, is "full".
  assert.equal(spaceOutlook(nightly(10, 20 * MB, 50 * MB), 0).level, 'full');
  assert.equal(spaceOutlook(nightly(1, 20 * MB, 30 * MB), 0).level, 'full');
});

test('failed runs add no growth sample, and the record keeps a bounded history', () => {
  let space = nextSpace(undefined, 900 * MB, at(0), null);
  assert.equal(space.stored, false);
  space = nextSpace(space, 800 * MB, at(1), 100 * MB);
  assert.deepEqual([space.stored, space.samples.length], [true, 0]);
  space = nextSpace(space, 800 * MB, at(2), null);
  assert.equal(space.samples.length, 0);
  assert.equal(nightly(100, MB, 1e9).samples.length, 40);
});

const job = (id: string, destinations: string[]): Job => ({
  id,
  name: `Shop ${id}`,
  source: '/shop.db',
  types: ['members'],
  typeOverrides: {},
  destinations: destinations.map((d) => ({ id: d, kind: 'folder', label: d, path: `/${d}` })),
  schedule: { preset: 'nightly', time: '23:00' },
  checkSchedule: DEFAULT_CHECK_SCHEDULE,
  createdAt: at(0),
});

test('Home turns amber for a place running out of room, and each alert comes once per level', () => {
  const state = (space: Record<string, PlaceSpace>): JobState => ({
    ...EMPTY_JOB_STATE,
    lastSuccessAt: at(10),
    placesOkAt: { usb: at(10), cloud: at(10) },
    space,
  });
  const now = new Date(at(10.1));
  const plan = job('a', ['usb', 'cloud']);
  const roomy = state({ usb: nightly(10, 20 * MB, 1e12), cloud: nightly(10, 20 * MB, 1e12) });
  assert.equal(computeStatus([plan], new Map([['a', roomy]]), null, now).level, 'ok');

  const tight = state({ usb: nightly(10, 20 * MB, 200 * MB), cloud: nightly(10, 20 * MB, 1e12) });
  const status = computeStatus([plan], new Map([['a', tight]]), null, now);
  assert.equal(status.level, 'warn');
  const usb = status.places.find((p) => p.destinationId === 'usb');
  assert.deepEqual([usb?.freeBytes, usb?.daysLeft, usb?.space], [200 * MB, 10, 'low']);
  assert.deepEqual(
    spaceAlerts([plan], new Map([['a', tight]])).map((a) => a.key),
    ['space:a:usb:low'],
  );
});

let dir: string;
let db: string;
before(() => {
  dir = tempDir('tillvault-space-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 2000, days: 120, seed: 11 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A real 8 MB disk (tmpfs) when this machine lets us mount one: root on Linux. */
function smallDisk(): string | null {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const mount = path.join(dir, 'small-disk');
  fs.mkdirSync(mount);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mount], { stdio: 'ignore' });
    return mount;
  } catch {
    return null;
  }
}

test('a place too small for the backup is skipped before anything is written there', async (t) => {
  const disk = smallDisk();
  if (!disk) {
    t.skip('needs root on Linux to mount an 8 MB tmpfs as a nearly full disk');
    return;
  }
  t.after(() => execFileSync('umount', [disk]));
  const { core, handlers, notified } = inMemoryCore(dir);
  core.grants.grant(db);
  const local = core.grants.grant(path.join(dir, 'local'));
  const small = core.grants.grant(path.join(disk, 'backups'));
  const created = await handlers['jobs:create']({
    name: 'Shop',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: [
      { kind: 'folder', label: 'This computer', path: local },
      { kind: 'removable', label: 'TINY', path: small },
    ],
    passphrase: 'small disk passphrase',
  });
  const plan = core.settings.read().jobs.find((j) => j.id === created.job.id)!;
  const before = fs.readdirSync(path.join(disk, 'backups', 'data'), { recursive: true });

  const run = await core.runner.start(plan, 'manual').done;
  assert.equal(run.outcome, 'partial');
  const tiny = run.destinations[1]!;
  assert.equal(tiny.code, 'DEST_FULL');
  assert.match(tiny.message ?? '', /^"TINY" has \d+ MB free; this backup needs about \d+ MB\.$/);
  // Nothing was written to the small disk; the other place has a whole backup.
  assert.deepEqual(fs.readdirSync(path.join(disk, 'backups', 'data'), { recursive: true }), before);
  const credential = { kind: 'passphrase', value: 'small disk passphrase' } as const;
  assert.equal((await listSnapshots(local, credential)).snapshots.length, 1);

  const status = await handlers['status:get']({});
  assert.equal(status.level, 'warn');
  const place = status.places.find((p) => p.label === 'TINY');
  assert.equal(place?.space, 'full');
  assert.ok(place?.freeBytes !== null && place!.freeBytes! < 8.5 * MB);
  assert.deepEqual(
    notified.map((n) => n.title),
    ['Backup finished, but a place was skipped', '"TINY" is almost full'],
  );
});
