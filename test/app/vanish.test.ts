/**
 * A backup place that goes away in the middle of a run (a USB drive pulled out, a network share
 * dropped, a folder turned read-only): the run still completes to the other place, says which
 * place was skipped and why, leaves nothing half-made there, and once the place is back the
 * next run fills it with a complete backup that verifies. Real files, real SQLite, the real
 * engine on its worker thread, driven through the app core's handlers and events.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { createAppCore } from '../../main/app/core.js';
import { runNotification } from '../../main/app/messages.js';
import { headlessPlatform } from '../../main/app/platform.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import { listSnapshots } from '../../main/engine/source/inspect.js';
import type { Credential } from '../../main/engine/repository/config.js';
import { verify } from '../../main/engine/maintenance/verify.js';
import type { EventName, RunProgress, RunRecord } from '../../main/ipc/contract.js';
import { tempDir } from '../helpers.js';

const PASS = 'vanishing place passphrase';
const CREDENTIAL: Credential = { kind: 'passphrase', value: PASS };
const MEMBERS = 3000;
/** A run takes a few seconds here (about 16 MB of database), so a place can go away during it. */
const DAYS = 60;
/** Generous: other tests share this machine's two cores. */
const RUN_TIMEOUT_MS = 120_000;

let dir: string;
let db: string;
const escaped: unknown[] = [];
const onEscape = (err: unknown): void => void escaped.push(err);

before(() => {
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  dir = tempDir('tillvault-vanish-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: MEMBERS, days: DAYS, seed: 11 });
});

after(() => {
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
  // A read-only case may have been interrupted: make everything removable again.
  for (const p of walk(dir, { dirs: true })) fs.chmodSync(path.join(dir, p), 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every entry under `root` (relative paths); files only unless `dirs`; [] if it is not there. */
function walk(root: string, opts: { dirs?: boolean } = {}): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => opts.dirs || !e.isDirectory())
    .filter((e) => !opts.dirs || e.isDirectory())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
    .sort();
}

/** The app core as the window drives it, with a plan backing up `db` to two folders. */
async function plan(name: string, places: { a: string; b: string }) {
  const listeners = new Set<(name: EventName, payload: unknown) => void>();
  const app = createAppCore({
    files: { settings: { store: {} }, state: { store: {} }, secrets: { store: {} } },
    protector: null,
    platform: headlessPlatform(path.join(dir, `${name}-data`), path.join(dir, `${name}-Documents`)),
    events: { emit: (event, payload) => listeners.forEach((l) => l(event, payload)) },
    drives: async () => [],
  });
  const { core, handlers } = app;
  core.grants.grant(db);
  const created = await handlers['jobs:create']({
    name: 'Shop',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: [
      { kind: 'folder', label: 'Place A', path: core.grants.grant(places.a) },
      { kind: 'folder', label: 'Place B', path: core.grants.grant(places.b) },
    ],
    passphrase: PASS,
  });
  // Green needs an automatic schedule too.
  await handlers['jobs:update']({
    jobId: created.job.id,
    schedule: { preset: 'nightly', time: '23:00' },
  });
  const job = core.settings.read().jobs.find((j) => j.id === created.job.id)!;

  /**
   * Runs the plan as "Back up now" does and waits for `backup:finished`. `atStore` is called
   * once, from the event listener, when the engine first reports the 'store' phase.
   */
  async function run(atStore?: (p: RunProgress) => void) {
    const progress: RunProgress[] = [];
    let storeAt: RunProgress | null = null;
    let listener: ((event: EventName, payload: unknown) => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finished = new Promise<RunRecord>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('no backup:finished in time')), RUN_TIMEOUT_MS);
      listener = (event, payload) => {
        if (event === 'backup:progress') {
          const p = payload as RunProgress;
          progress.push(p);
          if (p.phase === 'store' && !storeAt) {
            storeAt = p;
            atStore?.(p);
          }
        } else if (event === 'backup:finished') resolve(payload as RunRecord);
      };
      listeners.add(listener);
    });
    try {
      const { runId } = await handlers['backup:run']({ jobId: job.id });
      const record = await finished;
      assert.equal(record.runId, runId);
      assert.ok(
        progress.every((p) => p.runId === runId),
        'progress of another run',
      );
      const fractions = progress.map((p) => p.fraction);
      assert.deepEqual(
        [...fractions].sort((x, y) => x - y),
        fractions,
        'progress went backwards',
      );
      return { record, progress, storeAt: storeAt as RunProgress | null };
    } finally {
      clearTimeout(timer);
      if (listener) listeners.delete(listener);
    }
  }
  return { core, handlers, job, run };
}

async function snapshotIds(place: string): Promise<string[]> {
  const listing = await listSnapshots(place, CREDENTIAL);
  assert.deepEqual(listing.damaged, [], `damaged snapshots in ${place}`);
  for (const s of listing.snapshots) {
    assert.equal(s.complete, true);
    assert.equal(s.summary.members, MEMBERS);
  }
  return listing.snapshots.map((s) => s.id);
}

/** Quick and full checks of a place both pass. */
async function verifiesClean(place: string): Promise<void> {
  for (const level of ['quick', 'full'] as const) {
    const r = await verify(place, CREDENTIAL, { level });
    assert.equal(r.ok, true, `${level} check of ${place}: ${JSON.stringify(r.problems)}`);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.damagedSnapshots, []);
  }
}

/** No snapshot can be listed at `place`: nothing there, or no repository, or none in it. */
async function noSnapshotAt(place: string): Promise<void> {
  const listing = await listSnapshots(place, CREDENTIAL).catch((err: { code?: string }) => {
    assert.equal(err.code, 'NOT_A_REPOSITORY');
    return null;
  });
  assert.deepEqual(listing?.snapshots ?? [], []);
  assert.deepEqual(listing?.damaged ?? [], []);
}

function assertNothingEscaped(): void {
  assert.deepEqual(escaped, [], 'an exception escaped the run');
}

test('a place unplugged mid-run is skipped and reported, then catches up once it is back', async (t) => {
  const a = path.join(dir, 'A');
  const b = path.join(dir, 'B');
  const unplugged = path.join(dir, 'B-unplugged');
  const shop = await plan('vanish', { a, b });
  const [placeA, placeB] = shop.job.destinations;

  // 1. B goes away (its folder renamed: a pulled drive, a dropped share) once pages are stored.
  let before: string[] = [];
  let renamed: unknown = null;
  const first = await shop.run(() => {
    try {
      before = walk(b);
      fs.renameSync(b, unplugged);
    } catch (err) {
      renamed = err;
    }
  });
  assertNothingEscaped();
  assert.equal(renamed, null, 'B could not be taken away');
  assert.ok(first.storeAt, 'the run never reported storing pages');
  assert.ok(first.storeAt.fraction < 0.97, `B went only after storing: ${first.storeAt.fraction}`);
  // B existed as a new repository when it went: the run had set it up before storing.
  assert.ok(before.includes('tillvault.json'), `B before it went: ${before.join(', ')}`);
  // Storing went on after B went away, so B's failure happened within this run.
  assert.ok(first.progress.some((p) => p.phase === 'finish'));

  const record = first.record;
  t.diagnostic(
    `B was reported as: ${record.destinations[1]?.code}: ${record.destinations[1]?.message}`,
  );
  assert.equal(record.outcome, 'partial');
  assert.equal(record.error, null);
  assert.match(record.snapshotId ?? '', /^\d{8}T\d{9}Z-[0-9a-f]{8}$/);
  assert.equal(record.summary?.members, MEMBERS);
  assert.deepEqual(record.destinations[0], {
    destinationId: placeA!.id,
    label: 'Place A',
    ok: true,
    newBytes: record.destinations[0]!.newBytes,
    code: null,
    message: null,
    removed: 0,
    verified: true,
  });
  assert.ok(record.destinations[0]!.newBytes > 0);
  const skipped = record.destinations[1]!;
  assert.equal(skipped.destinationId, placeB!.id);
  assert.equal(skipped.label, 'Place B');
  assert.equal(skipped.ok, false);
  assert.equal(skipped.newBytes, 0);
  assert.equal(skipped.verified, null);
  assert.equal(skipped.code, 'DEST_MISSING');
  // The message says what happened and where, not a Node error string.
  assert.equal(skipped.message, `The folder is missing or was disconnected (${b}).`);

  // A: one complete snapshot that lists and verifies.
  assert.deepEqual(await snapshotIds(a), [record.snapshotId]);
  await verifiesClean(a);

  // B: no snapshot on the drive that went (it holds only the repository set up by this run) ...
  await noSnapshotAt(unplugged);
  // ... and nothing was written at B's old path after it went: no file, no snapshot.
  assert.deepEqual(walk(b), [], 'files written at the path B vanished from');
  await noSnapshotAt(b);

  // Home: the last run was partial and names B as the place that was skipped.
  const status = await shop.handlers['status:get']({});
  assert.equal(status.running, null);
  assert.equal(status.level, 'warn');
  assert.deepEqual(status.lastRun, record);
  assert.equal(status.lastRun?.outcome, 'partial');
  assert.deepEqual(
    status.lastRun?.destinations.filter((d) => !d.ok).map((d) => [d.label, d.code]),
    [['Place B', 'DEST_MISSING']],
  );
  assert.equal(status.placesOk, 1);
  assert.equal(status.placesTotal, 2);
  const lastOk = new Map(status.places.map((p) => [p.label, p.lastOkAt]));
  assert.equal(lastOk.get('Place A'), record.finishedAt);
  assert.equal(lastOk.get('Place B'), null);
  // The desktop notification at the end of the run names B and why.
  assert.equal(
    runNotification('en', shop.job, record)?.body,
    'Shop: not saved to Place B (The backup place is not available. If it is a USB drive, is it connected?).',
  );

  // The run must not make a folder at the path B vanished from: if that path is an empty mount
  // point or a dropped share, the next run would find "other files" there, or fill the wrong disk.
  assert.equal(fs.existsSync(b), false, 'nothing is made at the path B vanished from');

  // 2. B comes back.
  fs.renameSync(unplugged, b);

  const second = await shop.run();
  assertNothingEscaped();
  const again = second.record;
  const b2 = again.destinations[1]!;
  t.diagnostic(`run after B came back: ${again.outcome}; B: ${b2.code}: ${b2.message}`);
  assert.equal(again.error, null);
  assert.deepEqual(again.destinations.map((d) => [d.label, d.ok, d.code, d.verified]).slice(0, 1), [
    ['Place A', true, null, true],
  ]);
  // A: both runs, complete and clean.
  assert.deepEqual(await snapshotIds(a), [record.snapshotId, again.snapshotId]);
  await verifiesClean(a);
  // B lists only complete snapshots: this run's if it got there, none of the run it missed.
  assert.deepEqual(await snapshotIds(b), b2.ok ? [again.snapshotId] : []);

  await t.test('B back: the next run reaches it and it verifies clean', async () => {
    assert.deepEqual([b2.label, b2.ok, b2.code, b2.verified], ['Place B', true, null, true]);
    assert.equal(again.outcome, 'ok');
    await verifiesClean(b);
    const status = await shop.handlers['status:get']({});
    assert.equal(status.level, 'ok');
    assert.equal(status.lastRun?.outcome, 'ok');
    assert.equal(status.placesOk, 2);
  });
  assertNothingEscaped();
});

test('a place that turns read-only mid-run is skipped and reported, then catches up', async (t: TestContext) => {
  if (process.getuid?.() === 0) {
    t.skip('running as root: root writes through read-only permissions, so nothing to test');
    return;
  }
  const a = path.join(dir, 'ro-A');
  const b = path.join(dir, 'ro-B');
  const shop = await plan('readonly', { a, b });
  const dataFolders = ['data', 'index', 'snapshots'];
  const setMode = (mode: number): void => {
    for (const top of dataFolders) {
      const root = path.join(b, top);
      for (const sub of walk(root, { dirs: true })) fs.chmodSync(path.join(root, sub), mode);
      fs.chmodSync(root, mode);
    }
  };

  let locked: unknown = null;
  const first = await shop.run(() => {
    try {
      setMode(0o555);
    } catch (err) {
      locked = err;
    }
  });
  assertNothingEscaped();
  assert.equal(locked, null, 'B could not be made read-only');
  const record = first.record;
  const skipped = record.destinations[1]!;
  t.diagnostic(`B was reported as: ${skipped.code}: ${skipped.message}`);
  assert.equal(record.outcome, 'partial');
  assert.equal(record.error, null);
  assert.deepEqual(
    record.destinations.map((d) => [d.label, d.ok, d.verified]),
    [
      ['Place A', true, true],
      ['Place B', false, null],
    ],
  );
  assert.equal(skipped.code, 'DEST_READONLY');
  assert.equal(skipped.message, `Cannot write here: permission denied (${b}).`);
  assert.deepEqual(await snapshotIds(a), [record.snapshotId]);
  await noSnapshotAt(b);
  // Nothing half-made was left in B: only the repository's own config.
  setMode(0o755);
  assert.deepEqual(walk(b), ['tillvault.json']);

  const status = await shop.handlers['status:get']({});
  assert.equal(status.lastRun?.outcome, 'partial');
  assert.deepEqual(
    status.lastRun?.destinations.filter((d) => !d.ok).map((d) => [d.label, d.code]),
    [['Place B', 'DEST_READONLY']],
  );

  // Writable again: the next run reaches both.
  const second = await shop.run();
  assertNothingEscaped();
  const again = second.record;
  assert.equal(again.outcome, 'ok');
  assert.deepEqual(
    again.destinations.map((d) => [d.label, d.ok, d.verified]),
    [
      ['Place A', true, true],
      ['Place B', true, true],
    ],
  );
  assert.deepEqual(await snapshotIds(a), [record.snapshotId, again.snapshotId]);
  assert.deepEqual(await snapshotIds(b), [again.snapshotId]);
  await verifiesClean(b);
});
