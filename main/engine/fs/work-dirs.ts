/**
 * Work folders in the system's temp folder. They hold an unencrypted copy of the shop's
 * database while a backup, restore, diff or drill runs, so none may outlive its process: each is
 * named for its process and removed when the work ends, the CLI removes them on Ctrl-C (with the
 * half-written files it was told of), and the next run sweeps those of processes that died
 * (killed, power cut), as the next restore to a file does with half-written copies beside it.
 */
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TEMP_MARK, tempWriterOnThisHost } from './atomic-file.js';

const PREFIX = 'tillvault-';
/**
 * tillvault-<kind>-<pid>-<random>: the pid tells a dead owner's folder from a live one's. The
 * lock module's notes (tillvault-lock-<pid>-<holder>) follow the same pattern and are swept too.
 */
const OWNED = /^tillvault-[a-z]+-(\d+)-[A-Za-z0-9]{6,}$/;

const live = new Set<string>();
let swept = false;

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

/** Removes the work folders of processes that are gone; only ever ours, by their names. */
export async function sweepDeadWorkDirs(parent = os.tmpdir()): Promise<void> {
  const names = await fs.readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const pid = Number(OWNED.exec(name)?.[1] ?? NaN);
    if (!Number.isInteger(pid) || pid === process.pid || isRunning(pid)) continue;
    await fs.rm(path.join(parent, name), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A new work folder for `kind` (letters only: backup, restore, diff, drill). */
export async function makeWorkDir(kind: string, parent = os.tmpdir()): Promise<string> {
  if (!swept) {
    swept = true;
    await sweepDeadWorkDirs(parent);
  }
  const dir = await fs.mkdtemp(path.join(parent, `${PREFIX}${kind}-${process.pid}-`));
  removeOnInterrupt(dir);
  return dir;
}

/** Has `file` (or folder) removed if the process is interrupted; returns the undo. */
export function removeOnInterrupt(file: string): () => void {
  live.add(file);
  return () => void live.delete(file);
}

export async function removeWorkDir(dir: string): Promise<void> {
  live.delete(dir);
  await fs.rm(dir, { recursive: true, force: true });
}

/** For a signal handler: removes this thread's work folders and files, synchronously. */
export function removeWorkDirsNow(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
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
