/**
 * Folders the user names (destinations, the folder of a new database): making them, and saying
 * plainly why one cannot be used. Kept out of errors.ts, which the window's bundle shares and
 * which therefore cannot look at the disk.
 */
import { statSync, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TillvaultError, toTillvaultError, type ErrorCode } from '../errors.js';

/**
 * Makes one folder level and is fine when it is there. Not `recursive: true`: Node then reports
 * a read-only or forbidden place as ENOENT (nodejs/node#47098), which reads as "unplugged".
 */
export async function makeFolder(dir: string): Promise<void> {
  await fs.mkdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/** The file standing where `p`, or a folder above it, should be; null when there is none. */
export function fileInTheWay(p: string): string | null {
  for (let at = path.resolve(p); ; at = path.dirname(at)) {
    const st = statOrNull(at);
    if (st) return st.isDirectory() ? null : at;
    if (path.dirname(at) === at) return null;
  }
}

export function fileNotFolder(code: ErrorCode, file: string): TillvaultError {
  return new TillvaultError(code, `${file} is a file, not a folder.`);
}

/**
 * Why a new file the user named (a restored or demo database) could not be created. A missing
 * folder here is a typo, not an unplugged drive, so it is bad input naming that folder.
 */
export function newFileError(err: unknown, file: string): TillvaultError {
  const folder = path.dirname(path.resolve(file));
  const errno = (err as NodeJS.ErrnoException).code;
  if (errno === 'ENOENT' || errno === 'ENOTDIR') {
    const blocker = fileInTheWay(folder);
    if (blocker) return fileNotFolder('BAD_INPUT', blocker);
    return new TillvaultError(
      'BAD_INPUT',
      `The folder ${folder} does not exist; create it first or choose another place.`,
      { cause: err },
    );
  }
  return toTillvaultError(err, folder);
}
