import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { tempNameFor } from '../../../main/engine/fs/atomic-file.js';
import { TillvaultError } from '../../../main/engine/errors.js';
import { STALE_MS, acquireLock, isStale, thisBoot } from '../../../main/engine/repository/lock.js';
import { RepoLayout } from '../../../main/engine/repository/layout.js';
import { tempDir } from '../../helpers.js';

/** Lock files (and their temp files); the reserve kept for a prune on a full place is not one. */
const lockFiles = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n !== 'reserve');

function layout(): RepoLayout {
  return new RepoLayout(tempDir('tv-lock-'));
}

test('an exclusive lock excludes every other lock; shared locks coexist', async () => {
  const l = layout();
  const a = await acquireLock(l, 'verify', false);
  const b = await acquireLock(l, 'verify', false);
  await assert.rejects(
    acquireLock(l, 'backup', true),
    (e: unknown) =>
      e instanceof TillvaultError && e.code === 'REPO_LOCKED' && /verify/.test(e.message),
  );
  await a.release();
  await b.release();
  const c = await acquireLock(l, 'backup', true);
  await assert.rejects(acquireLock(l, 'verify', false), TillvaultError);
  await c.release();
  assert.deepEqual(lockFiles(l.dir('locks')), []);
});

test('a lock is stale when its process is gone on this host or it is too old anywhere', () => {
  const now = Date.now();
  const fresh = {
    host: os.hostname(),
    pid: process.pid,
    time: new Date(now).toISOString(),
    exclusive: true,
    operation: 'backup',
  };
  assert.equal(isStale(fresh, now), false);
  assert.equal(isStale({ ...fresh, pid: 2 ** 22 + 12345 }, now), true);
  assert.equal(isStale({ ...fresh, host: 'other-pc', pid: 2 ** 22 + 12345 }, now), false);
  assert.equal(
    isStale({ ...fresh, host: 'other-pc', time: new Date(now - STALE_MS - 1).toISOString() }, now),
    true,
  );
  // Another computer's clock may be hours ahead (a time-zone mistake), not years; a time that
  // is none cannot keep a lock fresh either.
  const ahead = (ms: number): string => new Date(now + ms).toISOString();
  assert.equal(isStale({ ...fresh, host: 'other-pc', time: ahead(14 * 3600_000) }, now), false);
  assert.equal(isStale({ ...fresh, host: 'other-pc', time: ahead(25 * 3600_000) }, now), true);
  assert.equal(isStale({ ...fresh, host: 'other-pc', time: 'soon' }, now), true);
});

test('a lock from before this computer restarted is stale, though its process id is taken', () => {
  const now = Date.now();
  // A power cut mid-backup; after the restart the id went to a program that is running now.
  const before = {
    host: os.hostname(),
    pid: process.pid,
    time: new Date(now - 60_000).toISOString(),
    exclusive: true,
    operation: 'backup',
  };
  const boot = thisBoot();
  assert.equal(isStale({ ...before, boot }, now, os.hostname(), boot), false);
  assert.equal(isStale({ ...before, boot: 'id:an-earlier-start' }, now, os.hostname(), boot), true);
  // Locks written before boots were recorded keep the older rules.
  assert.equal(isStale(before, now, os.hostname(), boot), false);
  // Start times computed from the uptime: a corrected clock is not a restart, an hour is.
  assert.equal(isStale({ ...before, boot: 'at:1000060' }, now, os.hostname(), 'at:1000000'), false);
  assert.equal(isStale({ ...before, boot: 'at:1003600' }, now, os.hostname(), 'at:1000000'), true);
  // Another computer's start says nothing about its processes.
  assert.equal(
    isStale({ ...before, host: 'other-pc', boot: 'id:x' }, now, os.hostname(), boot),
    false,
  );
});

test('a stale lock left by a dead process does not block the next backup', async () => {
  const l = layout();
  fs.mkdirSync(l.dir('locks'));
  fs.writeFileSync(
    l.lock('00112233445566ff'),
    JSON.stringify({
      host: os.hostname(),
      pid: 2 ** 22 + 999,
      time: new Date().toISOString(),
      exclusive: true,
      operation: 'backup',
    }),
  );
  // Killed between creating the file and writing it: empty, but its name names the process.
  fs.writeFileSync(l.lock('8899aabbccddeeff') + '.tmp-' + hostTag() + '-4194303-0a0b0c', '');
  const lock = await acquireLock(l, 'backup', true);
  await lock.release();
  assert.deepEqual(lockFiles(l.dir('locks')), []);
});

test('a lock a power cut left does not block the first backup after the restart', async (t) => {
  const l = layout();
  fs.mkdirSync(l.dir('locks'));
  // Its process id now belongs to another running program.
  const other = spawn('sleep', ['30']);
  t.after(() => other.kill());
  fs.writeFileSync(
    l.lock('00112233445566aa'),
    JSON.stringify({
      host: os.hostname(),
      pid: other.pid,
      time: new Date(Date.now() - 120_000).toISOString(),
      exclusive: true,
      operation: 'backup',
      boot: 'id:the-start-before-the-power-cut',
    }),
  );
  const lock = await acquireLock(l, 'backup', true);
  await lock.release();
  assert.deepEqual(lockFiles(l.dir('locks')), []);
});

/** The tag atomic-file puts in temp names on this host. */
function hostTag(): string {
  const probe = path.basename(tempNameFor('/x/f'));
  return probe.split('.tmp-')[1]!.split('-')[0]!;
}

test('a lock file half-written by a process that died is cleared by the next run', async () => {
  const l = layout();
  fs.mkdirSync(l.dir('locks'));
  const dead = { host: os.hostname(), pid: 2 ** 22 + 4242, time: new Date().toISOString() };
  fs.writeFileSync(
    path.join(l.dir('locks'), '0011223344556677.json.tmp-abcdef012345'),
    JSON.stringify({ ...dead, exclusive: true, operation: 'backup' }),
  );
  const lock = await acquireLock(l, 'backup', true);
  await lock.release();
  assert.deepEqual(lockFiles(l.dir('locks')), []);
});

test('a place that vanished while locked is not locked when it comes back', async () => {
  const root = tempDir('tv-lock-');
  const place = path.join(root, 'usb');
  fs.mkdirSync(place);
  const lock = await acquireLock(new RepoLayout(place), 'backup', true);
  // Unplugged mid-run: the lock file leaves with the folder, release cannot delete it.
  fs.renameSync(place, path.join(root, 'away'));
  await lock.release();
  fs.renameSync(path.join(root, 'away'), place);
  assert.equal(lockFiles(path.join(place, 'locks')).length, 1);
  // This process is still alive, yet the lock is over: the next backup may write.
  const again = await acquireLock(new RepoLayout(place), 'backup', true);
  // While held, it still excludes others in this same process.
  await assert.rejects(acquireLock(new RepoLayout(place), 'verify', false), TillvaultError);
  await again.release();
  assert.deepEqual(lockFiles(path.join(place, 'locks')), []);
});

/**
 * `src` as a place that cannot be written, until the test ends: a read-only bind mount as root
 * (root writes through permission bits), write bits removed otherwise. Null when root cannot
 * mount (a locked-down container); the test is then skipped.
 */
function readOnlyView(t: TestContext, src: string): string | null {
  if (process.getuid?.() !== 0) {
    execFileSync('chmod', ['-R', 'a-w', src]);
    t.after(() => execFileSync('chmod', ['-R', 'u+w', src]));
    return src;
  }
  const view = `${src}-ro`;
  fs.mkdirSync(view);
  try {
    execFileSync('mount', ['--bind', src, view], { stdio: 'pipe' });
  } catch (err) {
    fs.rmdirSync(view);
    t.skip(`root cannot bind-mount here, so no read-only place can be made: ${String(err)}`);
    return null;
  }
  t.after(() => {
    execFileSync('umount', [view]);
    fs.rmdirSync(view);
  });
  execFileSync('mount', ['-o', 'remount,bind,ro', view]);
  return view;
}

test('on a place that cannot be written, readers go on without a lock and writers are refused', async (t) => {
  const src = layout();
  fs.mkdirSync(src.dir('locks'));
  const view = readOnlyView(t, src.root);
  if (!view) return;
  const ro = new RepoLayout(view);
  const reader = await acquireLock(ro, 'verify', false);
  await reader.release();
  await assert.rejects(
    acquireLock(ro, 'backup', true),
    (e: unknown) =>
      e instanceof TillvaultError &&
      e.code === 'DEST_READONLY' &&
      e.message === `Cannot write here: permission denied (${view}).`,
  );
  assert.deepEqual(fs.readdirSync(ro.dir('locks')), []);
});

test('a live writer elsewhere still keeps readers out of a place this machine cannot write', async (t) => {
  const src = layout();
  fs.mkdirSync(src.dir('locks'));
  // The server behind a share that this machine mounts read-only, backing up right now.
  fs.writeFileSync(
    src.lock('0123456789abcdef'),
    JSON.stringify({
      host: 'shop-server',
      pid: 4242,
      time: new Date().toISOString(),
      exclusive: true,
      operation: 'backup',
    }),
  );
  const view = readOnlyView(t, src.root);
  if (!view) return;
  await assert.rejects(
    acquireLock(new RepoLayout(view), 'restore', false),
    (e: unknown) =>
      e instanceof TillvaultError && e.code === 'REPO_LOCKED' && /shop-server/.test(e.message),
  );
});
