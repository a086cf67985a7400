/**
 * Whether two spellings of a folder ("cc", "./cc/", a symlink to it, a bind mount of it, "CC" on
 * a disk that ignores case) name the same place, so that one folder is never opened twice by one
 * operation (it would be locked out by itself).
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** More links than this in a row is a loop; the path is then taken as it is. */
const MAX_LINKS = 40;

/**
 * The folder's identity on its disk (device and file number), which every view of it shares;
 * null where the disk gives no file numbers (some network shares say 0 for every folder).
 */
async function identity(dir: string): Promise<string | null> {
  const st = await fs.stat(dir, { bigint: true }).catch(() => null);
  return st?.isDirectory() && st.ino !== 0n ? `${st.dev}:${st.ino}` : null;
}

/**
 * A key equal for every spelling of the same folder: its identity on the disk, or its real
 * path. A folder not made yet has neither: then its parent's key plus its name, following a
 * symlink that points at it (a link made before the first backup).
 */
export async function placeKey(dir: string): Promise<string> {
  let full = path.resolve(dir);
  for (let links = 0; links < MAX_LINKS; links++) {
    const real = await fs.realpath(full).catch(() => null);
    if (real) return (await identity(real)) ?? real;
    const target = await fs.readlink(full).catch(() => null);
    if (target === null) break;
    full = path.resolve(path.dirname(full), target);
  }
  const parent = await fs.realpath(path.dirname(full)).catch(() => path.dirname(full));
  return path.join((await identity(parent)) ?? parent, path.basename(full));
}

export async function samePlace(a: string, b: string): Promise<boolean> {
  return (await placeKey(a)) === (await placeKey(b));
}
