/**
 * Removable drives, and finding a backup place on them by the repository's own id rather than
 * by drive letter or mount path: a USB stick that comes back as F: instead of E:, or under
 * another mount point, is found; an empty mount point left by an unplugged stick never is.
 */
import path from 'node:path';
import si from 'systeminformation';
import { repoConfigSchema } from '../repository/config.js';
import { CONFIG_FILE } from '../repository/layout.js';
import { readPlaceFile } from '../fs/place-files.js';

export interface Drive {
  readonly device: string;
  readonly label: string;
  readonly mount: string;
  readonly sizeBytes: number;
  readonly freeBytes: number | null;
  readonly removable: boolean;
  /** The partition's device node (/dev/sdb1) on Linux, for ejecting it. */
  readonly blockDevice?: string;
}

export type ListDrives = () => Promise<Drive[]>;

/** The computer's mounted drives, from systeminformation (lsblk, diskutil or WMI underneath). */
export const listSystemDrives: ListDrives = async () => {
  const [blocks, sizes] = await Promise.all([si.blockDevices(), si.fsSize()]);
  return blocks
    .filter((b) => b.mount)
    .map((b) => {
      const fsInfo = sizes.find((f) => f.mount === b.mount);
      return {
        device: b.uuid || b.device || b.name,
        label: b.label || path.basename(b.mount) || b.mount,
        mount: b.mount,
        sizeBytes: b.size,
        freeBytes: fsInfo ? fsInfo.available : null,
        removable: b.removable,
        ...(process.platform === 'linux' && b.name ? { blockDevice: `/dev/${b.name}` } : {}),
      };
    });
};

/** The id of the Tillvault repository in `dir`, or null when there is none (or it is unreadable). */
export async function repositoryIdAt(dir: string): Promise<string | null> {
  // A stick is anyone's: a pipe in the settings file's place must not hang the drive list.
  const text = await readPlaceFile(path.join(dir, CONFIG_FILE), 'config').then(
    (b) => b.toString('utf8'),
    () => null,
  );
  if (text === null) return null;
  try {
    const parsed = repoConfigSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.id : null;
  } catch {
    return null;
  }
}

/** The drive a path lives on: the mounted drive with the longest mount point above it. */
export function driveOf(drives: readonly Drive[], target: string): Drive | null {
  const resolved = path.resolve(target);
  let best: Drive | null = null;
  for (const d of drives) {
    const rel = path.relative(d.mount, resolved);
    const inside = rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
    if (inside && (!best || d.mount.length > best.mount.length)) best = d;
  }
  return best;
}

/**
 * Where a removable backup place is now: on any mounted drive, at the same folder inside the
 * drive, a repository with this id. Null when no connected drive holds it.
 */
export async function locateRepository(
  drives: readonly Drive[],
  repositoryId: string,
  within: string,
): Promise<{ path: string; drive: Drive } | null> {
  for (const drive of drives) {
    const candidate = path.join(drive.mount, within);
    if ((await repositoryIdAt(candidate)) === repositoryId) return { path: candidate, drive };
  }
  return null;
}
