/**
 * A consistent copy of a live database through SQLite's online backup API, which keeps the page
 * layout (so unchanged pages deduplicate) and always yields a state some committed transaction
 * left. In WAL mode we hold one read transaction for the whole copy: writers are never blocked
 * and the copy never restarts. In rollback-journal mode a held read lock would block the till,
 * so we copy in short steps and only hold the lock if writes keep restarting the copy.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  DATA_TYPES,
  classifyTables,
  withOverrides,
  type DataType,
  type TypeOverrides,
} from './classify.js';
import { sha256 } from './crypto.js';
import { TillvaultError, toTillvaultError } from './errors.js';
import { businessSummary, describeTables } from './schema.js';
import { openReadOnly, quoteIdent, readSourceHeader } from './sqlite-source.js';

const STEP_PAGES = 1024;
const MAX_RESTARTS = 3;

class Restarted extends Error {}

export interface CopyProgress {
  readonly copiedPages: number;
  readonly totalPages: number;
}

export async function copyConsistent(
  db: Database.Database,
  dest: string,
  wal: boolean,
  onProgress?: (p: CopyProgress) => void,
  signal?: AbortSignal,
): Promise<void> {
  let holdReadTxn = wal;
  for (let attempt = 0; ; attempt++) {
    let lastRemaining = Infinity;
    if (holdReadTxn) {
      db.exec('BEGIN');
      // The read transaction starts at the first read, not at BEGIN.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    }
    try {
      await db.backup(dest, {
        progress: ({ totalPages, remainingPages }) => {
          if (signal?.aborted) throw new TillvaultError('CANCELLED', 'The backup was cancelled.');
          // Another program committed between two steps: the copy started over.
          if (remainingPages > lastRemaining) throw new Restarted();
          lastRemaining = remainingPages;
          onProgress?.({ copiedPages: totalPages - remainingPages, totalPages });
          return STEP_PAGES;
        },
      });
      return;
    } catch (err) {
      if (!(err instanceof Restarted)) {
        if (err instanceof TillvaultError) throw err;
        // The copy goes to the temp folder: a full disk there is the likely failure.
        throw toTillvaultError(err, `copying the database to ${path.dirname(dest)}`);
      }
      await fs.rm(dest, { force: true });
      await fs.rm(`${dest}-journal`, { force: true });
    } finally {
      if (holdReadTxn) db.exec('COMMIT');
    }
    if (attempt + 1 >= MAX_RESTARTS) holdReadTxn = true;
  }
}

export interface SnapshotFile {
  readonly file: string;
  readonly pageSize: number;
  readonly pageCount: number;
  readonly bytes: number;
  readonly journalMode: string;
  readonly schemaFingerprint: string;
  readonly types: DataType[];
  readonly complete: boolean;
  readonly tables: { name: string; type: DataType; rows: number }[];
  readonly summary: { members: number | null; sales: number | null; lastSaleAt: string | null };
}

/**
 * Copies the live database into `dir`, then, when only some data types are wanted, drops the
 * other tables from the copy with secure_delete on, so their pages become zeros (which cost
 * one chunk) and nothing of them leaves the shop.
 */
export async function takeSnapshot(
  source: string,
  dir: string,
  wantTypes: readonly DataType[] | null,
  onProgress?: (p: CopyProgress) => void,
  signal?: AbortSignal,
  overrides?: TypeOverrides | null,
): Promise<SnapshotFile> {
  const header = await readSourceHeader(source);
  const file = path.join(dir, 'snapshot.db');
  const src = openReadOnly(source);
  try {
    await copyConsistent(src, file, header.wal, onProgress, signal);
  } finally {
    src.close();
  }
  const db = new Database(file);
  try {
    const described = describeTables(db, { sizes: false });
    const classified = withOverrides(classifyTables(described), overrides);
    const typeOf = new Map(classified.map((c) => [c.table, c.type]));
    const keep = (name: string): boolean => !wantTypes || wantTypes.includes(typeOf.get(name)!);
    const dropped = described.filter((t) => !keep(t.name));
    if (dropped.length > 0)
      dropTables(
        db,
        dropped.map((t) => t.name),
      );
    const kept = described.filter((t) => keep(t.name));
    const tables = kept.map((t) => ({ name: t.name, type: typeOf.get(t.name)!, rows: t.rows }));
    const summary = businessSummary(
      db,
      classified.filter((c) => keep(c.table)),
    );
    const schemaSql = db
      .prepare('SELECT type, name, sql FROM sqlite_master ORDER BY type, name')
      .all();
    const journalMode = String(db.pragma('journal_mode', { simple: true }));
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    const present = new Set(tables.map((t) => t.type));
    db.close();
    const st = await fs.stat(file);
    return {
      file,
      pageSize,
      pageCount: st.size / pageSize,
      bytes: st.size,
      journalMode,
      schemaFingerprint: sha256(Buffer.from(JSON.stringify(schemaSql))).toString('hex'),
      types: wantTypes ? [...wantTypes] : DATA_TYPES.filter((t) => present.has(t)),
      complete: dropped.length === 0,
      tables,
      summary,
    };
  } finally {
    if (db.open) db.close();
  }
}

function dropTables(db: Database.Database, names: readonly string[]): void {
  db.pragma('foreign_keys = OFF');
  db.pragma('secure_delete = ON');
  db.transaction(() => {
    for (const name of names) db.exec(`DROP TABLE ${quoteIdent(name)}`);
    // Views over a dropped table would fail when read; they go with it.
    const views = db.prepare("SELECT name FROM sqlite_master WHERE type = 'view'").all() as {
      name: string;
    }[];
    for (const { name } of views) {
      try {
        db.prepare(`SELECT * FROM ${quoteIdent(name)} LIMIT 0`).all();
      } catch {
        db.exec(`DROP VIEW ${quoteIdent(name)}`);
      }
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
}
