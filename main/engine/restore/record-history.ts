/**
 * A record's values in every backup that holds its table ("balance in each backup"), newest
 * first, and optionally now. One working copy is rebuilt (or taken from the wizard's rebuilt
 * snapshots) and walked back in time: each older backup costs only the pages whose chunk ids
 * differ from the one before, every page checked as a rebuild checks it, and one query.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { tempNameFor } from '../fs/atomic-file.js';
import { makeWorkDir, removeDeadTemps, removeOnInterrupt, removeWorkDir } from '../fs/work-dirs.js';
import { TillvaultError } from '../errors.js';
import { ChunkPool } from '../repository/chunk-pool.js';
import type { Credential } from '../repository/config.js';
import { withLock } from '../repository/lock.js';
import type { Manifest, Trigger } from '../repository/manifest.js';
import { Repository } from '../repository/repository.js';
import { quoteIdent, readSourceHeader } from '../source/sqlite-source.js';
import { rebuildDatabase } from './rebuild.js';
import { changedPages, RebuiltSnapshots, writePagesAt } from './rebuilt-cache.js';
import { inDatabase, shownValue, type RecordValues } from './record-search.js';
import { keyOf } from './records.js';

export interface RecordHistoryOptions {
  readonly table: string;
  readonly keys: readonly string[];
  /** The wizard's folder of rebuilt snapshots; the newest backup is rebuilt into it once. */
  readonly cacheDir?: string;
  /** The live database, for the values now. */
  readonly liveDb?: string;
  readonly onProgress?: (p: { phase: 'history'; done: number; total: number }) => void;
}

export interface BackupRecords {
  readonly snapshotId: string;
  readonly time: string;
  readonly trigger: Trigger;
  readonly label: string | null;
  /** One per requested key the backup has, in the order asked, each with its key. */
  readonly rows: RecordValues[];
}

export interface RecordHistory {
  readonly table: string;
  /** The key column. */
  readonly key: string;
  readonly columns: string[];
  readonly backups: BackupRecords[];
  readonly now?: { readonly database: string; readonly rows: RecordValues[] };
  readonly durationMs: number;
}

interface Found {
  key: string;
  columns: string[];
  rows: RecordValues[];
}

/** The records `keys` of `table` in a database attached as `snap`; null without the table. */
function readRecords(db: Database.Database, table: string, keys: readonly string[]): Found | null {
  const t = db
    .prepare("SELECT name FROM snap.sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE")
    .get(table) as { name: string } | undefined;
  if (!t) return null;
  const key = keyOf(db, t.name);
  const columns = (
    db.prepare(`PRAGMA snap.table_xinfo(${quoteIdent(t.name)})`).all() as {
      name: string;
      hidden: number;
    }[]
  )
    .filter((c) => c.hidden === 0)
    .map((c) => c.name);
  const found = db
    .prepare(
      `SELECT ${columns.map(quoteIdent).join(', ')} FROM snap.${quoteIdent(t.name)} WHERE ${quoteIdent(key)} = ?`,
    )
    .safeIntegers(true);
  const rows = keys.flatMap((k) => {
    const row = found.get(k) as Record<string, unknown> | undefined;
    if (!row) return [];
    const values: RecordValues = {};
    for (const c of columns) values[c] = shownValue(row[c]);
    return [values];
  });
  return { key, columns, rows };
}

/** Newest first, the backups whose table list names `table` (as SQLite compares names). */
async function backupsHolding(repo: Repository, table: string): Promise<Manifest[]> {
  const { manifests } = await repo.readAllManifests();
  const wanted = table.toLowerCase();
  return manifests
    .filter((m) => m.tables.some((t) => t.name.toLowerCase() === wanted))
    .sort((a, b) => (a.id < b.id ? 1 : -1));
}

export async function recordHistory(
  dest: string,
  credential: Credential,
  opts: RecordHistoryOptions,
): Promise<RecordHistory> {
  const started = Date.now();
  if (opts.keys.length === 0) throw new TillvaultError('BAD_INPUT', 'Give the key of a record.');
  const liveDb = opts.liveDb === undefined ? undefined : path.resolve(opts.liveDb);
  if (liveDb) await readSourceHeader(liveDb);
  const repo = await Repository.open(path.resolve(dest), credential);
  const holding = await backupsHolding(repo, opts.table);
  if (holding.length === 0) {
    throw new TillvaultError('BAD_INPUT', `No backup in ${repo.root} has a table ${opts.table}.`);
  }
  const folder = opts.cacheDir ?? (await makeWorkDir('record'));
  try {
    const backups = await withLock(repo.layout, 'record', false, () =>
      walkBack(repo, holding, folder, opts),
    );
    const now = liveDb ? inDatabase(liveDb, (db) => readRecords(db, opts.table, opts.keys)) : null;
    const first = backups.find((b) => b.found)?.found;
    if (!first) throw new TillvaultError('BAD_INPUT', `No backup can show ${opts.table}.`);
    const columns = [...first.columns];
    for (const extra of [...backups.map((b) => b.found), now]) {
      for (const c of extra?.columns ?? []) if (!columns.includes(c)) columns.push(c);
    }
    return {
      table: holding[0]!.tables.find((t) => t.name.toLowerCase() === opts.table.toLowerCase())!
        .name,
      key: first.key,
      columns,
      backups: backups.map(({ m, found }) => ({
        snapshotId: m.id,
        time: m.time,
        trigger: m.trigger,
        label: m.label,
        rows: found?.rows ?? [],
      })),
      ...(liveDb ? { now: { database: liveDb, rows: now?.rows ?? [] } } : {}),
      durationMs: Date.now() - started,
    };
  } finally {
    if (!opts.cacheDir) await removeWorkDir(folder);
  }
}

/**
 * Reads the records in each backup, newest first, on one working copy that is patched from
 * each backup to the next older one.
 */
async function walkBack(
  repo: Repository,
  holding: readonly Manifest[],
  folder: string,
  opts: RecordHistoryOptions,
): Promise<{ m: Manifest; found: Found | null }[]> {
  const pool = new ChunkPool(repo.masterKeys);
  const working = path.join(folder, `${repo.id}--working.db`);
  await removeDeadTemps(working);
  const work = tempNameFor(working);
  const forget = removeOnInterrupt(work);
  try {
    // The wizard's folder keeps the newest backup for its other steps; alone, the working copy
    // is all there is, and its pages are checked one by one as they are written.
    if (opts.cacheDir) {
      const newest = await new RebuiltSnapshots(folder).file(repo, holding[0]!, { pool });
      await fs.copyFile(newest, work, fs.constants.COPYFILE_FICLONE | fs.constants.COPYFILE_EXCL);
    } else {
      await rebuildDatabase(repo, holding[0]!, work, { pool });
    }
    const out: { m: Manifest; found: Found | null }[] = [];
    let ids = await repo.pageIdBytes(holding[0]!);
    for (const [i, m] of holding.entries()) {
      if (i > 0) {
        const next = await repo.pageIdBytes(m);
        const handle = await fs.open(work, 'r+');
        try {
          await writePagesAt(repo, m, next, changedPages(ids, next), handle, pool);
          await handle.truncate(m.database.bytes);
        } finally {
          await handle.close();
        }
        ids = next;
      }
      // Opened afresh for each backup: nothing SQLite cached of the one before is used.
      const found = inDatabase(work, (db) => readRecords(db, opts.table, opts.keys));
      out.push({ m, found });
      opts.onProgress?.({ phase: 'history', done: i + 1, total: holding.length });
    }
    return out;
  } finally {
    await fs.rm(work, { force: true });
    forget();
    await pool.close();
    await repo.closeHandles();
  }
}
