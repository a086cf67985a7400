/**
 * Repository locks: one small file per holder with host, process id and time. Writers
 * (backup, prune, repair) are exclusive; readers (verify, restore, diff) are shared, and go on
 * without one where the place cannot be written (see `readWithoutLock`). A lock is stale
 * when its process is gone on this host, when this host has restarted since (a power cut
 * mid-backup), or when it was not refreshed for STALE_MS (power loss on another machine), so a
 * crash never blocks later backups.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import crypto from 'node:crypto';
import { z } from 'zod';
import path from 'node:path';
import { TEMP_MARK, tempWriterOnThisHost, writeOnce } from '../fs/atomic-file.js';
import { TillvaultError, toTillvaultError } from '../errors.js';
import { makePlaceFolder, readPlaceFile } from '../fs/place-files.js';
import { isLockId, type RepoLayout } from './layout.js';
import { isRunning, removeOnInterrupt } from '../fs/work-dirs.js';

export const STALE_MS = 30 * 60 * 1000;
const REFRESH_MS = 5 * 60 * 1000;
const MAX_CLOCK_AHEAD_MS = 24 * 60 * 60 * 1000;

const lockSchema = z.object({
  host: z.string(),
  pid: z.number().int(),
  time: z.string(),
  exclusive: z.boolean(),
  operation: z.string(),
  /** Names this process's note that it still holds the lock (see `heldNote`). */
  holder: z.string().optional(),
  /** Which start of its host it was taken in (see `thisBoot`). */
  boot: z.string().optional(),
});
type LockInfo = z.infer<typeof lockSchema>;

/**
 * A note outside the repository, per lock this process holds. A place that vanished mid-run
 * (unplugged, renamed) takes its lock file along, and release cannot delete it; when the place
 * comes back, the note being gone says the lock is over although its process is still alive.
 * A file rather than memory so every worker thread of the process sees it.
 */
const heldNote = (pid: number, holder: string): string =>
  path.join(os.tmpdir(), `tillvault-lock-${pid}-${holder}`);

/**
 * This start of the computer. After a restart every process of the last one is gone, though
 * their ids may have been given to other programs since. Linux names each start; elsewhere it
 * is the start time, computed from the uptime (it moves with clock corrections: see otherBoot).
 */
export function thisBoot(): string {
  try {
    return `id:${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}`;
  } catch {
    return `at:${Math.round(Date.now() / 1000 - os.uptime())}`;
  }
}

/** Start times closer than this may be one start seen through a corrected clock. */
const BOOT_SLACK_S = 120;

function otherBoot(a: string | undefined, b: string): boolean {
  if (a === undefined || a === b) return false;
  if (a.startsWith('at:') && b.startsWith('at:')) {
    return Math.abs(Number(a.slice(3)) - Number(b.slice(3))) > BOOT_SLACK_S;
  }
  return true;
}

export function isStale(
  lock: LockInfo,
  now: number,
  host = os.hostname(),
  boot = thisBoot(),
): boolean {
  // A time that is not one, or one more than a day ahead (beyond any time-zone mistake of a
  // computer's clock), cannot say the lock is fresh: it would hold the place for ever.
  const time = Date.parse(lock.time);
  if (!Number.isFinite(time) || time - now > MAX_CLOCK_AHEAD_MS) return true;
  if (now - time > STALE_MS) return true;
  if (lock.host !== host) return false;
  if (otherBoot(lock.boot, boot)) return true;
  if (lock.pid === process.pid && lock.holder) return !existsSync(heldNote(lock.pid, lock.holder));
  return !isRunning(lock.pid);
}

export interface Lock {
  release(): Promise<void>;
}

function parseLock(text: string): LockInfo | null {
  try {
    return lockSchema.parse(JSON.parse(text));
  } catch {
    return null;
  }
}

async function readLocks(layout: RepoLayout): Promise<{ id: string; info: LockInfo | null }[]> {
  const names = await fs.readdir(layout.dir('locks')).catch(() => [] as string[]);
  const out: { id: string; info: LockInfo | null }[] = [];
  for (const name of names) {
    const id = name.replace(/\.json$/, '');
    if (!isLockId(id) || !name.endsWith('.json')) continue;
    const text = await readPlaceFile(layout.lock(id), 'lock').then(
      (b) => b.toString('utf8'),
      () => null,
    );
    if (text === null) continue;
    out.push({ id, info: parseLock(text) });
  }
  return out;
}

/**
 * Half-written lock files of runs that died while taking a lock: removed when their process is
 * gone (named in the temp name on this host, or in the content) or when they are clearly old.
 */
async function removeDeadTempLocks(layout: RepoLayout, now: number): Promise<void> {
  const dir = layout.dir('locks');
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!name.includes(TEMP_MARK)) continue;
    const file = path.join(dir, name);
    const [text, st] = await Promise.all([
      readPlaceFile(file, 'lock').then(
        (b) => b.toString('utf8'),
        () => null,
      ),
      fs.lstat(file).catch(() => null),
    ]);
    if (!st) continue;
    const writer = tempWriterOnThisHost(name);
    const info = text === null ? null : parseLock(text);
    const dead =
      writer !== null ? !isRunning(writer) : info ? isStale(info, now) : now - st.mtimeMs > 60_000;
    if (dead) await fs.rm(file, { force: true });
  }
}

async function writeLock(layout: RepoLayout, id: string, info: LockInfo): Promise<void> {
  await writeOnce(layout.lock(id), JSON.stringify(info));
}

function lockedBy(other: LockInfo): TillvaultError {
  return new TillvaultError(
    'REPO_LOCKED',
    `Another ${other.operation} is using these backups (on ${other.host}, process ${other.pid}, since ${other.time}). Try again when it has finished.`,
  );
}

/**
 * A reader on a place it cannot write (a write-protected USB stick, a share mounted read-only)
 * cannot leave a lock file, and needs none against our writers: they cannot change that place
 * either. A writer elsewhere that can (the server behind a read-only share) still leaves its
 * lock file there, so a live one is still honoured.
 */
async function readWithoutLock(layout: RepoLayout, now: number): Promise<Lock> {
  for (const other of await readLocks(layout)) {
    if (other.info?.exclusive && !isStale(other.info, now)) throw lockedBy(other.info);
  }
  return { release: () => Promise.resolve() };
}

/**
 * A full place can only get its room back by pruning, and a prune must first write its lock
 * file. So every place keeps a small file of spare room, given up by a prune that finds no room
 * for its lock and put back by the next exclusive run that has room.
 */
const RESERVE_BYTES = 256 * 1024;

async function useReserve(layout: RepoLayout, operation: string, err: unknown): Promise<boolean> {
  if (operation !== 'prune' || toTillvaultError(err).code !== 'DEST_FULL') return false;
  const had = await fs.stat(layout.reserve()).catch(() => null);
  await fs.rm(layout.reserve(), { force: true });
  return had !== null;
}

async function keepReserve(layout: RepoLayout): Promise<void> {
  if (await fs.stat(layout.reserve()).catch(() => null)) return;
  await writeOnce(layout.reserve(), Buffer.alloc(RESERVE_BYTES)).catch(() => undefined);
}

export async function acquireLock(
  layout: RepoLayout,
  operation: string,
  exclusive: boolean,
): Promise<Lock> {
  const id = crypto.randomBytes(8).toString('hex');
  const holder = crypto.randomBytes(8).toString('hex');
  const info: LockInfo = {
    host: os.hostname(),
    pid: process.pid,
    time: new Date().toISOString(),
    exclusive,
    operation,
    holder,
    boot: thisBoot(),
  };
  const note = heldNote(process.pid, holder);
  writeFileSync(note, '');
  const unregister = removeOnInterrupt(note);
  const forget = (): void => {
    unregister();
    rmSync(note, { force: true });
  };
  try {
    await makePlaceFolder(layout.dir('locks'));
    await writeLock(layout, id, info).catch(async (err: unknown) => {
      if (!(await useReserve(layout, operation, err))) throw err;
      await writeLock(layout, id, info);
    });
  } catch (err) {
    forget();
    const e = toTillvaultError(err, layout.root);
    // Reading needs no lock file where none can be written (a write-protected or full stick);
    // a live exclusive lock is still honoured.
    const cannotWrite = e.code === 'DEST_READONLY' || e.code === 'DEST_FULL';
    if (!exclusive && cannotWrite) return readWithoutLock(layout, Date.now());
    throw e;
  }
  const now = Date.now();
  for (const other of await readLocks(layout)) {
    if (other.id === id) continue;
    // An unreadable lock file is a half-written one from a crash; it only counts while young.
    if (!other.info) {
      const st = await fs.stat(layout.lock(other.id)).catch(() => null);
      if (st && now - st.mtimeMs < STALE_MS) continue;
      await fs.rm(layout.lock(other.id), { force: true });
      continue;
    }
    if (isStale(other.info, now)) {
      await fs.rm(layout.lock(other.id), { force: true });
      continue;
    }
    if (exclusive || other.info.exclusive) {
      await fs.rm(layout.lock(id), { force: true });
      forget();
      throw lockedBy(other.info);
    }
  }
  await removeDeadTempLocks(layout, now);
  if (exclusive) await keepReserve(layout);
  // Long runs replace their lock file with a fresh time so other machines do not think it stale.
  let current = id;
  const timer = setInterval(() => {
    const next = crypto.randomBytes(8).toString('hex');
    writeLock(layout, next, { ...info, time: new Date().toISOString() })
      .then(() => fs.rm(layout.lock(current), { force: true }))
      .then(() => {
        current = next;
      })
      .catch(() => undefined);
  }, REFRESH_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await fs.rm(layout.lock(current), { force: true }).catch(() => undefined);
      forget();
    },
  };
}

export async function withLock<T>(
  layout: RepoLayout,
  operation: string,
  exclusive: boolean,
  fn: () => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(layout, operation, exclusive);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
