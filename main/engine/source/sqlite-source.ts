/**
 * Opening the shop's database safely: it must exist and really be SQLite, and we only ever
 * read it (the POS owns it), apart from rolling back a write the POS left cut off.
 */
import { constants, existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import Database from 'better-sqlite3';
import { NOT_SQLITE, TillvaultError, toTillvaultError } from '../errors.js';

const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export interface SourceHeader {
  readonly pageSize: number;
  /** Header bytes 18/19 are 2 in WAL mode and 1 in rollback-journal mode. */
  readonly wal: boolean;
  /** Header bytes 28-31; SQLite trusts them only when the version-valid-for number (92) equals
   * the change counter (24), which an old writer may not have kept up to date. */
  readonly pageCount: number | null;
}

function folderNotDatabase(file: string): TillvaultError {
  return new TillvaultError('NOT_SQLITE', `${file} is a folder, not a database file.`);
}

export async function readSourceHeader(file: string): Promise<SourceHeader> {
  let handle: fs.FileHandle;
  try {
    // Non-blocking: a pipe given as the database must not hold the open (and the run) for ever.
    handle = await fs.open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
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
    const st = await handle.stat();
    if (st.isDirectory()) throw folderNotDatabase(file);
    if (!st.isFile()) {
      throw new TillvaultError(
        'NOT_SQLITE',
        `${file} is not a database file (it is a pipe, socket or device).`,
      );
    }
    const head = Buffer.alloc(100);
    const { bytesRead } = await handle.read(head, 0, 100, 0);
    if (bytesRead < 100 || !head.subarray(0, 16).equals(MAGIC)) {
      throw new TillvaultError(
        'NOT_SQLITE',
        bytesRead === 0 ? `${file} is empty, not a SQLite database.` : `${file}: ${NOT_SQLITE}.`,
      );
    }
    const raw = head.readUInt16BE(16);
    const pageCount = head.readUInt32BE(28);
    const current = head.readUInt32BE(92) === head.readUInt32BE(24);
    return {
      pageSize: raw === 1 ? 65536 : raw,
      wal: head[18] === 2,
      pageCount: current && pageCount > 0 ? pageCount : null,
    };
  } finally {
    await handle.close();
  }
}

/**
 * Opens read-only; a busy POS gets a few seconds before our read gives up. A hot rollback journal
 * is rolled back first (see rollBackHotJournal), since a read-only connection cannot read past it.
 */
export function openReadOnly(file: string): Database.Database {
  let db = openReadOnlyOnce(file);
  db.pragma('busy_timeout = 0');
  if (probeSource(db) === 'hot-journal') {
    db.close();
    rollBackHotJournal(file);
    db = openReadOnlyOnce(file);
  }
  db.pragma('busy_timeout = 5000');
  return db;
}

function openReadOnlyOnce(file: string): Database.Database {
  try {
    return new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    // Found a moment ago (the header was read), gone now: moved or deleted during the run.
    if (sqliteCode(err) === 'SQLITE_CANTOPEN' && !existsSync(file)) {
      throw new TillvaultError(
        'SOURCE_MISSING',
        `The database ${file} was moved or deleted while Tillvault was reading it; nothing was stored.`,
        { cause: err },
      );
    }
    throw toTillvaultError(err, file);
  }
}

/**
 * What a read of the source runs into: nothing, another program's write lock (the reads that
 * follow wait for it), or a hot journal, which SQLite only notices when it reads.
 */
export function probeSource(db: Database.Database): 'ok' | 'busy' | 'hot-journal' {
  try {
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return 'ok';
  } catch (err) {
    if (sqliteCode(err) === 'SQLITE_READONLY_ROLLBACK') return 'hot-journal';
    if (isBusyError(err)) return 'busy';
    throw toTillvaultError(err, db.name);
  }
}

/** better-sqlite3 reports the extended code, except for the backup API (primary code only). */
export function sqliteCode(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : '';
  return typeof code === 'string' ? code : '';
}

/** Another connection holds a lock we need: worth waiting for, not a failure of the file. */
export function isBusyError(err: unknown): boolean {
  const code = sqliteCode(err);
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

/**
 * A hot journal is what a program leaves when it stops in the middle of a write (a till that
 * crashed or lost power in rollback-journal mode): the file holds half a transaction until the
 * journal is played back. We do what any SQLite client, the POS included, does on its next read:
 * open once with write access so SQLite rolls the journal back, then close and carry on read-only.
 * It is safe because SQLite calls a journal hot only when no live program holds the write lock,
 * so no transaction in progress is touched; the result is the last committed state. This is
 * the only write Tillvault ever makes to the shop's database.
 */
export function rollBackHotJournal(file: string): void {
  try {
    const db = new Database(file, { fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } finally {
      db.close();
    }
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new TillvaultError(
      'SOURCE_UNREADABLE',
      `${file}-journal holds a write that was cut off (the till program stopped in the middle of ` +
        `it), and Tillvault could not roll it back (${detail}). Start the till program once, or ` +
        `open the database with write access, then back up again.`,
      { cause: err },
    );
  }
}

/** Identifiers may hold spaces and quotes ("Order Details"); double the quotes inside. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
