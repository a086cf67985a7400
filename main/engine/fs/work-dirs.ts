/**
 * Work folders in the system's temp folder. They hold an unencrypted copy of the shop's
 * database while a backup, restore, diff or drill runs, so none may be readable by another user
 * or outlive its process:
 * - they are made inside a folder of our own (tillvault-<uid>: a directory, not a link, owned by
 *   us, mode 0700, checked with lstat, and removed again once empty); when another user took
 *   that name first, a new folder is made with mkdtemp instead. A temp folder that others could
 *   rename things in (world-writable without the sticky bit, or another user's) is refused;
 * - each is made with mkdtemp (mode 0700, a new name nobody can have made before) and named for
 *   its process: <kind>-<pid>-<start>-<random>, where <start> is, on Linux, the process's start
 *   time and pid namespace, so a dead process's folder is told from a live one even when its pid
 *   has been given to another program since (elsewhere only the pid is known);
 * - the CLI removes its own on Ctrl-C, and every engine process (each CLI command, each of the
 *   app's engine workers) sweeps those of processes that are gone (killed, power cut) when it
 *   starts, as the next restore to a file does with half-written copies beside it.
 */
import { readFileSync, readlinkSync, rmdirSync, rmSync, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TillvaultError } from '../errors.js';
import { TEMP_MARK, tempWriterOnThisHost } from './atomic-file.js';

/**
 * tillvault-<kind>-<pid>-<random> in the temp folder itself: the lock module's notes
 * (tillvault-lock-<pid>-<holder>) and the work folders of earlier versions.
 */
const LEGACY = /^tillvault-[a-z]+-(\d+)-[A-Za-z0-9]{6,}$/;
/** A work folder inside our own folder: kind, pid, start (or x when unknown), mkdtemp's six. */
const WORK = /^[a-z]+-(\d+)-(\d+n\d+|x)-[A-Za-z0-9]{6}$/;

const live = new Set<string>();
const swept = new Set<string>();

/** Whether a process of this computer with this id runs now. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux: when the process started, in clock ticks since boot (field 22 of its stat). */
function startTicks(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from after it.
    const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** Linux: the pid namespace we see processes in; pids of another one are not ours to judge. */
function pidNamespace(): string | null {
  try {
    return /^pid:\[(\d+)\]$/.exec(readlinkSync('/proc/self/ns/pid'))?.[1] ?? null;
  } catch {
    return null;
  }
}

const NAMESPACE = pidNamespace();
const SELF_TICKS = startTicks(process.pid);
const SELF = SELF_TICKS && NAMESPACE ? `${SELF_TICKS}n${NAMESPACE}` : 'x';

/** Whether the process that made a work folder may still run: when in doubt, yes. */
function ownerMayLive(pid: number, start: string): boolean {
  if (start === 'x') return pid === process.pid || isRunning(pid);
  const [ticks, namespace] = start.split('n');
  if (namespace !== NAMESPACE) return true;
  return startTicks(pid) === ticks;
}

/** A real folder (not a link), ours and closed to everyone else; always true on Windows. */
function isPrivate(st: Stats, uid: number | undefined): boolean {
  if (!st.isDirectory()) return false;
  return uid === undefined || (st.uid === uid && (st.mode & 0o077) === 0);
}

async function lstatOrNull(file: string): Promise<Stats | null> {
  return fs.lstat(file).catch(() => null);
}

function ownFolderName(uid: number | undefined): string {
  // Windows has no uids, and its temp folder is the user's own (%LOCALAPPDATA%\Temp).
  return uid === undefined ? 'tillvault-work' : `tillvault-${uid}`;
}

/** Refuses a temp folder where another user could rename our folder away and put theirs there. */
async function checkTempFolder(parent: string, uid: number): Promise<void> {
  // stat, not lstat: the temp folder itself is often a link (/tmp on macOS).
  const st = await fs.stat(parent);
  const othersRename = (st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0;
  if ((st.uid !== uid && st.uid !== 0) || othersRename) {
    throw new TillvaultError(
      'BAD_INPUT',
      `The temp folder ${parent} can be changed by other users of this computer, so no copy of ` +
        `the shop's database is put there. Set TMPDIR to a folder only you can write to.`,
    );
  }
}

/** Our own folder in `parent` for work folders: made if need be, and checked. */
async function ownFolder(parent: string): Promise<string> {
  const uid = process.getuid?.();
  if (uid !== undefined) await checkTempFolder(parent, uid);
  const dir = path.join(parent, ownFolderName(uid));
  await fs.mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const st = await lstatOrNull(dir);
  if (st && isPrivate(st, uid)) return dir;
  // Ours but opened up (chmod): closed again; what is made in it has names nobody made before.
  if (st?.isDirectory() && st.uid === uid) {
    await fs.chmod(dir, 0o700);
    return dir;
  }
  // Another user made the name first, or put a link there: a folder nobody can have made.
  return fs.mkdtemp(`${dir}-`);
}

/**
 * Removes the work folders of processes that are gone, in `parent` and in our own folders there;
 * only folders of ours, by name and owner, and never one whose process may still run.
 */
export async function sweepDeadWorkDirs(parent = os.tmpdir()): Promise<void> {
  const uid = process.getuid?.();
  const own = ownFolderName(uid);
  for (const name of await fs.readdir(parent).catch(() => [] as string[])) {
    const file = path.join(parent, name);
    if (name === own || name.startsWith(`${own}-`)) {
      await sweepOwnFolder(file, uid);
      continue;
    }
    const pid = Number(LEGACY.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    const st = await lstatOrNull(file);
    if (!st || (uid !== undefined && st.uid !== uid)) continue;
    await fs.rm(file, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function sweepOwnFolder(dir: string, uid: number | undefined): Promise<void> {
  const st = await lstatOrNull(dir);
  if (!st || !isPrivate(st, uid)) return;
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const m = WORK.exec(name);
    if (!m || ownerMayLive(Number(m[1]), m[2]!)) continue;
    await fs.rm(path.join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
  await fs.rmdir(dir).catch(() => undefined);
}

/**
 * What an engine process does first (each CLI command, each engine worker of the app): a copy of
 * the shop's database that a killed run left must not wait for the next backup to be removed.
 */
export async function sweepAtStart(parent = os.tmpdir()): Promise<void> {
  if (swept.has(parent)) return;
  swept.add(parent);
  await sweepDeadWorkDirs(parent).catch(() => undefined);
}

/** A new work folder for `kind` (letters only: backup, restore, diff, drill). */
export async function makeWorkDir(kind: string, parent = os.tmpdir()): Promise<string> {
  await sweepAtStart(parent);
  const uid = process.getuid?.();
  // Between making our folder and using it, another run may remove it (it was empty) or, in a
  // shared temp folder, another user take its name: then our folder is made once more.
  for (let attempt = 1; ; attempt++) {
    const base = await ownFolder(parent);
    const dir = await fs
      .mkdtemp(path.join(base, `${kind}-${process.pid}-${SELF}-`))
      .catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT' && attempt < 3) return null;
        throw err;
      });
    if (dir === null) continue;
    removeOnInterrupt(dir);
    const [baseSt, dirSt] = await Promise.all([lstatOrNull(base), lstatOrNull(dir)]);
    if (baseSt && dirSt && isPrivate(baseSt, uid) && isPrivate(dirSt, uid)) return dir;
    await removeWorkDir(dir);
    if (attempt >= 3) {
      throw new TillvaultError(
        'INTERNAL',
        `Work folders in ${parent} keep being changed by someone else; nothing was copied there.`,
      );
    }
  }
}

/** Has `file` (or folder) removed if the process is interrupted; returns the undo. */
export function removeOnInterrupt(file: string): () => void {
  live.add(file);
  return () => void live.delete(file);
}

/** Our folder, or a spare one, that holds `dir`; null for anything else. */
function ownFolderOf(dir: string): string | null {
  const base = path.dirname(dir);
  const own = ownFolderName(process.getuid?.());
  const name = path.basename(base);
  return name === own || name.startsWith(`${own}-`) ? base : null;
}

export async function removeWorkDir(dir: string): Promise<void> {
  live.delete(dir);
  await fs.rm(dir, { recursive: true, force: true });
  // Our folder goes too once no other run uses it: nothing of ours stays in the temp folder.
  const base = ownFolderOf(dir);
  if (base) await fs.rmdir(base).catch(() => undefined);
}

/** For a signal handler: removes this thread's work folders and files, synchronously. */
export function removeWorkDirsNow(): void {
  for (const dir of live) {
    rmSync(dir, { recursive: true, force: true });
    const base = ownFolderOf(dir);
    try {
      if (base) rmdirSync(base);
    } catch {
      // Another run still works in it.
    }
  }
  live.clear();
}

/**
 * Half-written copies of `file` (see atomic-file.ts's temp names) that a killed process left
 * beside it: a restore stopped by a power cut must not leave a second copy of the shop's data.
 */
export async function removeDeadTemps(file: string): Promise<void> {
  const prefix = `${path.basename(file)}${TEMP_MARK}`;
  const dir = path.dirname(file);
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const pid = tempWriterOnThisHost(name);
    if (pid === null || pid === process.pid || isRunning(pid)) continue;
    await fs.rm(path.join(dir, name), { force: true }).catch(() => undefined);
  }
}
