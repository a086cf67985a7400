/**
 * Whether two spellings of a folder ("cc", "./cc/", a symlink to it) name the same place, so
 * that one folder is never opened twice by one operation (it would be locked out by itself).
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** More links than this in a row is a loop; the path is then taken as it is. */
const MAX_LINKS = 40;

/**
 * The real path of `dir`. A folder not made yet has none: then its parent's real path plus its
 * name, following a symlink that points at it (a link made before the first backup).
 */
export async function placeKey(dir: string): Promise<string> {
  let full = path.resolve(dir);
  for (let links = 0; links < MAX_LINKS; links++) {
    const real = await fs.realpath(full).catch(() => null);
    if (real) return real;
    const target = await fs.readlink(full).catch(() => null);
    if (target === null) break;
    full = path.resolve(path.dirname(full), target);
  }
  const parent = await fs.realpath(path.dirname(full)).catch(() => path.dirname(full));
  return path.join(parent, path.basename(full));
}

export async function samePlace(a: string, b: string): Promise<boolean> {
  return (await placeKey(a)) === (await placeKey(b));
}
