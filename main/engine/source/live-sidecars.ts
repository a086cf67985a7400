/**
 * The -wal and -shm files SQLite keeps beside a WAL-mode database. A restore opens the live
 * database several times (the safety backup reads it read-only, which cannot remove them); it
 * must not leave behind files that were not there before, or the POS finds a stale -shm.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { toTillvaultError } from '../errors.js';

export interface Sidecars {
  readonly wal: boolean;
  readonly shm: boolean;
}

export function sidecarsOf(file: string): Sidecars {
  return { wal: fs.existsSync(`${file}-wal`), shm: fs.existsSync(`${file}-shm`) };
}

/**
 * Removes -wal/-shm files that appeared since `before`, the way SQLite does: the last
 * connection to close checkpoints the WAL into the database and deletes both. Never by hand,
 * so committed data in a WAL is never lost; if another program has the database open by now,
 * the files are its own and stay.
 */
export function closeNewSidecars(file: string, before: Sidecars): void {
  const now = sidecarsOf(file);
  if ((!now.wal || before.wal) && (!now.shm || before.shm)) return;
  let db: Database.Database | null = null;
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 200');
    // The WAL is opened at the first read; only a connection that opened it removes it.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch {
    // Busy or gone: someone else owns the database now, and its files.
  } finally {
    db?.close();
  }
}

/**
 * Reads a database and leaves nothing beside it: read-only, with `attach` (when given) as
 * `snap`, the connection closed and any -wal/-shm that appeared meanwhile removed again.
 */
export function readingDatabase<T>(
  file: string,
  read: (db: Database.Database) => T,
  attach?: string,
): T {
  const before = [file, ...(attach ? [attach] : [])].map((f) => ({ f, sidecars: sidecarsOf(f) }));
  try {
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw toTillvaultError(err, file);
    }
    try {
      // A till committing meanwhile holds the lock for a moment; the read waits for it.
      db.pragma('busy_timeout = 5000');
      if (attach) db.prepare('ATTACH DATABASE ? AS snap').run(attach);
      return read(db);
    } finally {
      db.close();
    }
  } finally {
    for (const { f, sidecars } of before) closeNewSidecars(f, sidecars);
  }
}
