/**
 * The app's backup runs, under Node as in Electron's main process: the engine on a worker
 * thread, progress that only moves forward, the result kept for Home, the computer kept awake
 * only while it runs, and a cancel that leaves nothing half-made.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { RunState } from '../../main/app/run-state.js';
import { Runner } from '../../main/app/runner.js';
import { ProtectedSecretStore } from '../../main/app/secrets.js';
import { DEFAULT_CHECK_SCHEDULE, type Job } from '../../main/app/settings.js';
import type { Platform } from '../../main/app/platform.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import { listSnapshots } from '../../main/engine/source/inspect.js';
import type { EventName, RunProgress, RunRecord } from '../../main/ipc/contract.js';
import { tempDir } from '../helpers.js';

let dir: string;
let db: string;

before(() => {
  dir = tempDir('tillvault-runner-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 3000, days: 200, seed: 7 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function harness(places: string[]) {
  const events: { name: EventName; payload: unknown }[] = [];
  const notified: RunRecord[] = [];
  let awake = 0;
  let maxAwake = 0;
  const platform: Platform = {
    pickDatabase: async () => null,
    pickFolder: async () => null,
    pickSaveFile: async () => null,
    showInFolder: () => undefined,
    keepAwake: () => {
      maxAwake = Math.max(maxAwake, ++awake);
      return () => void (awake -= 1);
    },
    notify: () => undefined,
    setStartAtLogin: () => undefined,
    preferredLanguages: () => ['en'],
    dataDir: dir,
    documentsDir: dir,
  };
  const state = new RunState({ store: {} });
  const secrets = new ProtectedSecretStore({ store: {} }, null);
  const runner = new Runner({
    state,
    secrets,
    platform,
    notifier: { run: (_job, run) => void notified.push(run) },
    events: { emit: (name, payload) => void events.push({ name, payload }) },
  });
  const job: Job = {
    id: 'job1',
    name: 'Shop',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    // The owner decided shifts are staff data, not sales.
    typeOverrides: { shifts: 'staff' },
    destinations: places.map((p, i) => ({
      id: `d${i}`,
      kind: 'folder',
      label: `place ${i}`,
      path: p,
    })),
    schedule: { preset: 'manual' },
    checkSchedule: DEFAULT_CHECK_SCHEDULE,
    createdAt: new Date().toISOString(),
  };
  secrets.set(job.id, 'runner test passphrase');
  return { runner, job, state, events, notified, awake: () => awake, maxAwake: () => maxAwake };
}

test('a run reports forward-only progress and ends with what was saved where', async () => {
  const places = [path.join(dir, 'a'), path.join(dir, 'b')];
  const h = harness(places);
  const { runId, done } = h.runner.start(h.job, 'manual');
  assert.equal(h.runner.isRunning('job1'), true);
  assert.throws(() => h.runner.start(h.job, 'manual'), { code: 'BUSY' });
  const record = await done;
  assert.equal(record.runId, runId);
  assert.equal(record.outcome, 'ok');
  assert.equal(record.summary?.members, 3000);
  assert.deepEqual(
    record.destinations.map((d) => d.ok),
    [true, true],
  );
  // After the run: retention (nothing old to remove yet) and a quick check that passed.
  assert.deepEqual(
    record.destinations.map((d) => [d.removed, d.verified]),
    [
      [0, true],
      [0, true],
    ],
  );
  const progress = h.events
    .filter((e) => e.name === 'backup:progress')
    .map((e) => e.payload as RunProgress);
  assert.ok(progress.length > 3, `only ${progress.length} progress events`);
  const fractions = progress.map((p) => p.fraction);
  assert.deepEqual(
    [...fractions].sort((a, b) => a - b),
    fractions,
  );
  assert.ok(fractions.at(-1)! > 0.95);
  assert.equal(progress.at(-1)!.bytesTotal, fs.statSync(db).size);
  assert.deepEqual(
    h.events.slice(-2).map((e) => e.name),
    ['backup:finished', 'status:changed'],
  );
  assert.equal(h.state.get('job1').lastSuccessAt, record.finishedAt);
  assert.deepEqual(Object.keys(h.state.get('job1').placesOkAt).sort(), ['d0', 'd1']);
  assert.equal(h.awake(), 0);
  assert.equal(h.maxAwake(), 1);
  assert.equal(h.notified.length, 1);
  for (const p of places) {
    const listing = await listSnapshots(p, { kind: 'passphrase', value: 'runner test passphrase' });
    assert.deepEqual(
      listing.snapshots.map((s) => s.id),
      [record.snapshotId],
    );
    const tables = listing.snapshots[0]!.tables;
    assert.equal(tables.find((t) => t.name === 'shifts')?.type, 'staff');
    assert.equal(tables.find((t) => t.name === 'orders')?.type, 'sales');
  }
});

test('a place listed twice, by another spelling, is backed up once and both entries say so', async () => {
  const place = path.join(dir, 'twice');
  const h = harness([place, `${place}/./`]);
  const record = await h.runner.start(h.job, 'manual').done;
  assert.equal(record.outcome, 'ok', JSON.stringify(record.destinations));
  assert.deepEqual(
    record.destinations.map((d) => [d.ok, d.code]),
    [
      [true, null],
      [true, null],
    ],
  );
});

test('cancel stops the run: nothing recorded as a backup, no snapshot written', async () => {
  const place = path.join(dir, 'cancelled');
  const h = harness([place]);
  const { runId, done } = h.runner.start(h.job, 'manual');
  // Cancel as soon as the engine reports it is storing pages.
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (
        h.events.some(
          (e) => e.name === 'backup:progress' && (e.payload as RunProgress).phase !== 'starting',
        )
      ) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  assert.equal(h.runner.cancel(runId), true);
  const record = await done;
  assert.equal(record.outcome, 'cancelled');
  assert.equal(record.error?.code, 'CANCELLED');
  assert.equal(h.state.get('job1').lastRun, null);
  assert.equal(h.runner.cancel(runId), false);
  assert.equal(h.awake(), 0);
  const listing = await listSnapshots(place, {
    kind: 'passphrase',
    value: 'runner test passphrase',
  }).catch(() => null);
  assert.deepEqual(listing?.snapshots ?? [], []);
});

test('without the passphrase on this computer the run does not start', () => {
  const h = harness([path.join(dir, 'nopass')]);
  const job = { ...h.job, id: 'other' };
  assert.throws(() => h.runner.start(job, 'manual'), { code: 'PASSPHRASE_REQUIRED' });
  assert.equal(h.awake(), 0);
});
