/**
 * Write-once files: temp name, fsync, rename, fsync of the folder. Cloud sync clients and
 * ransomware-aware storage see each file appear whole and never change afterwards.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';

export const TEMP_MARK = '.tmp-';

// Temp names say which host and process write them, so a later run can tell a half-written
// file of a dead process from one another process is writing right now.
const HOST_TAG = crypto.createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);
const TEMP_NAME = /\.tmp-([0-9a-f]{8})-(\d+)-[0-9a-f]+$/;

export function tempNameFor(finalPath: string): string {
  return `${finalPath}${TEMP_MARK}${HOST_TAG}-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
}

/** The process id that writes this temp file, when it is on this host; otherwise null. */
export function tempWriterOnThisHost(name: string): number | null {
  const m = TEMP_NAME.exec(name);
  return m && m[1] === HOST_TAG ? Number(m[2]) : null;
}

export async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open a folder for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `finalPath` atomically; never overwrites an existing file. */
export async function writeOnce(finalPath: string, data: Buffer | string): Promise<void> {
  const temp = tempNameFor(finalPath);
  const handle = await fs.open(temp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await placeUnderNewName(temp, finalPath);
}

/**
 * Gives a finished temp file its final name, which must not exist: a hard link fails with
 * EEXIST where a rename would silently replace a file created meanwhile. The temp is gone
 * afterwards, also on failure.
 */
export async function placeUnderNewName(temp: string, finalPath: string): Promise<void> {
  try {
    await fs.link(temp, finalPath).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') throw err;
      // Some file systems (FAT32 USB sticks, some network shares) have no hard links: the
      // name is looked at once more, and only the moment between that and the rename is open.
      if (await fs.lstat(finalPath).catch(() => null)) {
        throw Object.assign(new Error(`${finalPath} already exists.`), { code: 'EEXIST' });
      }
      await fs.rename(temp, finalPath);
    });
  } finally {
    await fs.rm(temp, { force: true }).catch(() => undefined);
  }
  await fsyncDir(path.dirname(finalPath));
}

/**
 * Gives `file` new contents whole: `fill` writes a temp file beside it, which is synced and
 * renamed over it (or to it, for a new file). Never half a file under the name.
 */
export async function renameIntoPlace(
  file: string,
  fill: (temp: string) => Promise<void>,
): Promise<void> {
  const temp = tempNameFor(file);
  try {
    await fill(temp);
    const handle = await fs.open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(path.dirname(file));
}
