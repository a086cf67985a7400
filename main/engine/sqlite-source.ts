/**
 * Opening the shop's database safely: it must exist and really be SQLite, and we only ever
 * read it (the POS owns it).
 */
import fs from 'node:fs/promises';
import Database from 'better-sqlite3';
import { TillvaultError, toTillvaultError } from './errors.js';

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export interface SourceHeader {
  readonly pageSize: number;
  /** Header bytes 18/19 are 2 in WAL mode and 1 in rollback-journal mode. */
  readonly wal: boolean;
}

function folderNotDatabase(file: string): TillvaultError {
  return new TillvaultError('NOT_SQLITE', `${file} is a folder, not a database file.`);
}

export async function readSourceHeader(file: string): Promise<SourceHeader> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new TillvaultError('SOURCE_MISSING', `The database ${file} does not exist.`);
    }
    if (code === 'EISDIR') throw folderNotDatabase(file);
    throw new TillvaultError('SOURCE_UNREADABLE', `Cannot read ${file}: ${String(code)}.`, {
      cause: err,
    });
  }
  try {
    // Windows refuses to open a folder (EISDIR above); Linux and macOS open it and refuse reads.
    if ((await handle.stat()).isDirectory()) throw folderNotDatabase(file);
    const head = Buffer.alloc(100);
    const { bytesRead } = await handle.read(head, 0, 100, 0);
    if (bytesRead < 100 || !head.subarray(0, 16).equals(MAGIC)) {
      throw new TillvaultError(
        'NOT_SQLITE',
        bytesRead === 0
          ? `${file} is empty, not a SQLite database.`
          : `${file} is not a SQLite database.`,
      );
    }
    const raw = head.readUInt16BE(16);
    return { pageSize: raw === 1 ? 65536 : raw, wal: head[18] === 2 };
  } finally {
    await handle.close();
  }
}

/** Opens read-only; a busy POS gets a few seconds before our read gives up. */
export function openReadOnly(file: string): Database.Database {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    throw toTillvaultError(err, file);
  }
}

/** Identifiers may hold spaces and quotes ("Order Details"); double the quotes inside. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
