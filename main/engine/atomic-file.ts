/**
 * Write-once files: temp name, fsync, rename, fsync of the folder. Cloud sync clients and
 * ransomware-aware storage see each file appear whole and never change afterwards.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';

export const TEMP_MARK = '.tmp-';

export function tempNameFor(finalPath: string): string {
  return `${finalPath}${TEMP_MARK}${crypto.randomBytes(6).toString('hex')}`;
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
  try {
    await fs.link(temp, finalPath).catch(async (err: NodeJS.ErrnoException) => {
      // Some file systems (FAT32 USB sticks, some network shares) have no hard links.
      if (err.code === 'EEXIST') throw err;
      await fs.rename(temp, finalPath);
    });
  } finally {
    await fs.rm(temp, { force: true }).catch(() => undefined);
  }
  await fsyncDir(path.dirname(finalPath));
}
