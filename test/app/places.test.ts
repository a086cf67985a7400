/**
 * Places after setup: USB sticks in rotation (whichever is plugged in takes the backup, Home
 * says when each last did), "eject when done", a cloud folder whose client is not running,
 * one backup per database at a time, and the weekly check on demand and on its own schedule.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createAppCore } from '../../main/app/core.js';
import { headlessPlatform } from '../../main/app/platform.js';
import type { CloudFolder } from '../../main/engine/places/cloud-folders.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import type { Drive } from '../../main/engine/places/drives.js';
import type { EjectResult } from '../../main/engine/places/eject.js';
import { listSnapshots } from '../../main/engine/source/inspect.js';
import { tempDir } from '../helpers.js';

const PASS = 'rotation passphrase';
const ALL = ['members', 'sales', 'products', 'staff', 'logs', 'other'] as const;
let dir: string;
let db: string;

before(() => {
  dir = tempDir('tillvault-places-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 100, days: 10, seed: 3 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function stick(label: string): Drive {
  const mount = path.join(dir, 'mnt', label);
  fs.mkdirSync(mount, { recursive: true });
  return { device: `uuid-${label}`, label, mount, sizeBytes: 8e9, freeBytes: 7e9, removable: true };
}

function app(opts: {
  drives?: () => Drive[];
  eject?: (d: Drive) => Promise<EjectResult>;
  clouds?: CloudFolder[];
}) {
  return createAppCore({
    files: { settings: { store: {} }, state: { store: {} }, secrets: { store: {} } },
    protector: null,
    platform: headlessPlatform(path.join(dir, 'data'), path.join(dir, 'Documents')),
    events: { emit: () => undefined },
    drives: async () => opts.drives?.() ?? [],
    cloudFolders: async () => opts.clouds ?? [],
    ...(opts.eject ? { eject: opts.eject } : {}),
  });
}

const count = async (p: string): Promise<number> =>
  (await listSnapshots(p, { kind: 'passphrase', value: PASS })).snapshots.length;

test('Monday and Friday sticks take turns as one place; Home says when each last took a backup', async () => {
  const monday = stick('MONDAY');
  const friday = stick('FRIDAY');
  let connected = [monday];
  const ejected: string[] = [];
  const { core, handlers } = app({
    drives: () => connected,
    eject: async (d) => {
      ejected.push(d.label);
      return d.label === 'FRIDAY'
        ? { ok: true }
        : { ok: false, message: 'Could not eject MONDAY: it is still in use.' };
    },
  });
  const offered = (await handlers['setup:suggest-places']({})).places;
  core.grants.grant(db);
  const { job } = await handlers['jobs:create']({
    name: 'Shop',
    source: db,
    types: [...ALL],
    destinations: [
      { kind: 'folder', label: 'This computer', path: core.grants.grant(path.join(dir, 'local')) },
      { kind: 'removable', label: 'USB', path: offered.find((p) => p.label === 'MONDAY')!.path },
    ],
    passphrase: PASS,
  });
  const usb = job.destinations[1]!;
  assert.deepEqual(usb.sticks, [{ device: 'uuid-MONDAY', label: 'MONDAY' }]);
  const plan = () => core.settings.read().jobs[0]!;
  const first = await core.runner.start(plan(), 'manual').done;
  assert.deepEqual(first.destinations[1]?.stick, { device: 'uuid-MONDAY', label: 'MONDAY' });
  assert.equal(first.destinations[1]?.ejected, undefined);

  // Friday's stick is plugged in beside Monday's and joins the place.
  connected = [monday, friday];
  const fridayPath = (await handlers['setup:suggest-places']({})).places.find(
    (p) => p.label === 'FRIDAY',
  )!.path;
  const updated = await handlers['places:add-stick']({
    jobId: job.id,
    destinationId: usb.id,
    path: fridayPath,
  });
  assert.deepEqual(
    updated.destinations[1]?.sticks?.map((k) => k.label),
    ['MONDAY', 'FRIDAY'],
  );
  await assert.rejects(
    handlers['places:add-stick']({ jobId: job.id, destinationId: usb.id, path: fridayPath }),
    /already takes this plan's backups/,
  );

  // Friday: only Friday's stick is in, and it is ejected when done.
  await handlers['places:update']({ jobId: job.id, destinationId: usb.id, ejectWhenDone: true });
  connected = [friday];
  const second = await core.runner.start(plan(), 'manual').done;
  assert.equal(second.outcome, 'ok');
  assert.deepEqual(second.destinations[1]?.stick?.label, 'FRIDAY');
  assert.equal(second.destinations[1]?.ejected, true);
  assert.equal(await count(friday.mount), 1);
  assert.equal(await count(monday.mount), 1);

  const status = await handlers['status:get']({});
  const place = status.places.find((p) => p.destinationId === usb.id)!;
  assert.deepEqual(place.sticks, [
    { label: 'MONDAY', lastOkAt: first.finishedAt },
    { label: 'FRIDAY', lastOkAt: second.finishedAt },
  ]);

  // Monday's stick is busy and cannot be ejected: the backup is still good, the reason is shown.
  connected = [monday];
  const third = await core.runner.start(plan(), 'manual').done;
  assert.equal(third.destinations[1]?.ok, true);
  assert.equal(third.destinations[1]?.ejected, false);
  assert.equal(third.destinations[1]?.message, 'Could not eject MONDAY: it is still in use.');
  assert.deepEqual(ejected, ['FRIDAY', 'MONDAY']);

  // Neither stick: skipped, naming both.
  connected = [];
  const fourth = await core.runner.start(plan(), 'manual').done;
  assert.equal(fourth.outcome, 'partial');
  assert.equal(
    fourth.destinations[1]?.message,
    'None of the USB sticks of this place is connected (MONDAY, FRIDAY).',
  );
});

test('a cloud folder whose sync client is not running is reported as not uploading', async () => {
  const dropbox = path.join(dir, 'Dropbox');
  fs.mkdirSync(dropbox);
  const clouds: CloudFolder[] = [
    { provider: 'dropbox', name: 'Dropbox', path: dropbox, clientRunning: false },
  ];
  const { core, handlers } = app({ clouds });
  const offered = (await handlers['setup:suggest-places']({})).places.find(
    (p) => p.kind === 'cloud',
  );
  assert.equal(offered?.clientRunning, false);
  core.grants.grant(db);
  const { job } = await handlers['jobs:create']({
    name: 'Shop',
    source: db,
    types: [...ALL],
    destinations: [{ kind: 'cloud', label: 'Dropbox', path: offered!.path }],
    passphrase: PASS,
  });
  const plan = core.settings.read().jobs.find((j) => j.id === job.id)!;
  const run = await core.runner.start(plan, 'manual').done;
  assert.deepEqual([run.outcome, run.destinations[0]?.syncing], ['ok', false]);
  clouds[0] = { ...clouds[0]!, clientRunning: true };
  const again = await core.runner.start(plan, 'manual').done;
  assert.equal(again.destinations[0]?.syncing, true);
});

test('two plans of one database never run at once; the scheduled one follows', async () => {
  const { core, handlers } = app({});
  core.grants.grant(db);
  const make = async (name: string) =>
    (
      await handlers['jobs:create']({
        name,
        source: db,
        types: [...ALL],
        destinations: [
          { kind: 'folder', label: name, path: core.grants.grant(path.join(dir, name)) },
        ],
        passphrase: PASS,
      })
    ).job;
  const a = await make('plan-a');
  const b = await make('plan-b');
  const jobs = core.settings.read().jobs;
  const running = core.runner.start(
    jobs.find((j) => j.id === a.id)!,
    'manual',
  );
  await assert.rejects(handlers['backup:run']({ jobId: b.id }), /backing up this database/);
  let followed = false;
  const queued = core.runner.idle(db).then(() => {
    followed = true;
  });
  assert.equal(followed, false);
  await running.done;
  await queued;
  assert.equal(followed, true);
  assert.equal(
    (
      await core.runner.start(
        jobs.find((j) => j.id === b.id)!,
        'manual',
      ).done
    ).outcome,
    'ok',
  );
});

test('"Test restore now" checks every place; the weekly check can move to another day', async () => {
  const { core, handlers } = app({});
  core.grants.grant(db);
  const { job } = await handlers['jobs:create']({
    name: 'Shop',
    source: db,
    types: [...ALL],
    destinations: [
      { kind: 'folder', label: 'one', path: core.grants.grant(path.join(dir, 'check-1')) },
    ],
    passphrase: PASS,
  });
  assert.deepEqual(job.checkSchedule, { preset: 'custom', cron: '0 3 * * 0' });
  await handlers['backup:run']({ jobId: job.id });
  await core.runner.idle(db);
  // While the test reads the place, no backup locks it away: it waits or is refused.
  const checking = handlers['check:run']({ jobId: job.id });
  await assert.rejects(handlers['backup:run']({ jobId: job.id }), /being tested or repaired/);
  await assert.rejects(handlers['check:run']({ jobId: job.id }), /is busy/);
  const record = await checking;
  await handlers['backup:run']({ jobId: job.id });
  await core.runner.idle(db);
  assert.deepEqual(
    record.places.map((p) => [p.label, p.ok]),
    [['one', true]],
  );
  assert.ok((record.places[0]?.restoreMs ?? -1) >= 0);
  assert.equal((await handlers['status:get']({})).checks[0]?.at, record.at);

  const moved = await handlers['jobs:update']({
    jobId: job.id,
    checkSchedule: { preset: 'custom', cron: '30 22 * * 3' },
  });
  assert.deepEqual(moved.checkSchedule, { preset: 'custom', cron: '30 22 * * 3' });
  const next = core.scheduler.upcoming(20).find((u) => u.jobId === `${job.id}.check`);
  assert.deepEqual([next?.at.getDay(), next?.at.getHours()], [3, 22]);
  await assert.rejects(
    handlers['jobs:update']({ jobId: job.id, checkSchedule: { preset: 'custom', cron: 'soon' } }),
    /not a cron expression/,
  );
});
