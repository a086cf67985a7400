/**
 * Reading and making what is inside a place. A place is written by others (every computer
 * that syncs the cloud folder, whoever had the stick), so a name there may be a FIFO (a read
 * waits for ever), a device or a link to one (/dev/zero never ends), a folder, a link out of
 * the place, or far larger than its kind ever is. Only regular files are opened, never through
 * a link, without blocking (a FIFO cannot hold the open), and never more than the format allows;
 * folders inside a place are used only when they are real folders, not links.
 */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import { TillvaultError } from '../errors.js';

// O_NOFOLLOW and O_NONBLOCK do not exist on Windows, where a place holds no FIFOs and links
// need privileges to make; there the type check after opening still applies.
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** The largest each kind of file in a place may be; anything larger was not written by us. */
export const PLACE_FILE_LIMITS = {
  config: 64 * 1024,
  lock: 64 * 1024,
  log: 1024 * 1024,
  snapshot: 64 * 1024 * 1024,
  index: 1024 * 1024 * 1024,
  pack: 256 * 1024 * 1024,
} as const;

export type PlaceFileKind = keyof typeof PLACE_FILE_LIMITS;

function notRegular(file: string, what: string): TillvaultError {
  return new TillvaultError(
    'DAMAGED',
    `${file} is not a plain file (a link, folder, pipe or device stands where Tillvault's ${what} should be); Tillvault does not read it.`,
  );
}

/** Opens a file of a place for reading; throws DAMAGED for anything but a regular file. */
export async function openPlaceFile(file: string, kind: PlaceFileKind): Promise<fs.FileHandle> {
  const handle = await fs.open(file, READ_FLAGS).catch((err: NodeJS.ErrnoException) => {
    // ELOOP: a link at the last step; EISDIR/ENXIO: a folder or a socket.
    if (err.code === 'ELOOP' || err.code === 'EISDIR' || err.code === 'ENXIO') {
      throw notRegular(file, kind);
    }
    throw err;
  });
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw notRegular(file, kind);
    if (st.size > PLACE_FILE_LIMITS[kind]) {
      throw new TillvaultError(
        'DAMAGED',
        `${file} is ${st.size} bytes, more than a Tillvault ${kind} file ever is; Tillvault does not read it.`,
      );
    }
    return handle;
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** A whole file of a place, read to the size it had when opened. */
export async function readPlaceFile(file: string, kind: PlaceFileKind): Promise<Buffer> {
  const handle = await openPlaceFile(file, kind);
  try {
    const { size } = await handle.stat();
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(buf, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return buf.subarray(0, at);
  } finally {
    await handle.close();
  }
}

/** Throws when `dir` is there but is a link or not a folder; fine when it is missing. */
export async function checkPlaceFolder(dir: string): Promise<void> {
  const st = await fs.lstat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (st && !st.isDirectory()) {
    throw new TillvaultError(
      'DAMAGED',
      `${dir} is ${st.isSymbolicLink() ? 'a link to somewhere else' : 'not a folder'}; Tillvault never follows links inside a place, so nothing was written there.`,
    );
  }
}

/** Makes one folder level inside a place (fine when it is there) and checks it is a real one. */
export async function makePlaceFolder(dir: string): Promise<void> {
  await fs.mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  await checkPlaceFolder(dir);
}
