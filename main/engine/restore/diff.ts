/**
 * What differs between a snapshot and a database, per table: rows added (in the database, not
 * in the snapshot), removed (in the snapshot only) and changed (same key, other values). Rows
 * are matched by primary key; a table without one is compared by content, as a multiset (its
 * rowids are SQLite's own and VACUUM renumbers them). Shadow tables of full-text and R*Tree
 * indexes are not data a person would name: only their virtual table is compared.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { classifyTables } from '../source/classify/classify.js';
import { type DataType } from '../data-types.js';
import { TillvaultError, toTillvaultError } from '../errors.js';
import { withLock } from '../repository/lock.js';
import type { Manifest } from '../repository/manifest.js';
import type { Credential } from '../repository/config.js';
import { Repository } from '../repository/repository.js';
import { rebuildDatabase } from './rebuild.js';
import { chooseSnapshot } from './restore.js';
import { passedOverWarning } from './choice.js';
import { describeTables } from '../source/schema.js';
import { shadowOwners, virtualTables } from '../source/virtual-tables.js';
import { readSourceHeader } from '../source/sqlite-source.js';
import { countMatches, matchRows, rowCount, tableExists } from './row-match.js';
import { makeWorkDir, removeWorkDir } from '../fs/work-dirs.js';

export interface TableDiff {
  readonly table: string;
  readonly type: DataType;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly note: string | null;
}

export interface DiffResult {
  readonly snapshotId: string;
  readonly database: string;
  readonly tables: TableDiff[];
  /** Newer partial backups that `latest` passed over, as restore says it. */
  readonly warnings: string[];
}

export function diffTable(db: Database.Database, table: string, type: DataType): TableDiff {
  const inSnap = tableExists(db, 'snap', table);
  const inLive = tableExists(db, 'main', table);
  if (!inLive)
    return {
      table,
      type,
      added: 0,
      removed: rowCount(db, 'snap', table),
      changed: 0,
      note: 'table not in the database',
    };
  if (!inSnap)
    return {
      table,
      type,
      added: rowCount(db, 'main', table),
      removed: 0,
      changed: 0,
      note: 'table not in the backup',
    };
  const match = matchRows(db, table);
  const counts = countMatches(db, match);
  const note = match.columnsDiffer ? 'columns differ' : null;
  return {
    table,
    type,
    added: counts.inLiveOnly,
    removed: counts.inBackupOnly,
    changed: counts.changed,
    note: match.key.length === 0 ? (note ?? 'no key: rows matched by content') : note,
  };
}

/**
 * Tables of the database the backup does not have, sorted into data types the way a backup
 * would. A partial backup left out whole types on purpose: their tables are not news.
 */
function tablesOnlyInDatabase(
  db: Database.Database,
  m: Manifest,
): { table: string; type: DataType }[] {
  const inBackup = new Set(m.tables.map((t) => t.name));
  // Classified with the whole schema, so links to the backed-up tables count.
  return classifyTables(describeTables(db, { sizes: false })).filter(
    (t) => !inBackup.has(t.table) && (m.complete || m.types.includes(t.type)),
  );
}

export async function diff(
  dest: string,
  credential: Credential,
  ref: string,
  against: string,
  types: readonly DataType[] | null,
): Promise<DiffResult> {
  const database = path.resolve(against);
  await readSourceHeader(database);
  const repo = await Repository.open(path.resolve(dest), credential);
  const chosen = await chooseSnapshot(repo, ref, types);
  const m = chosen.manifest;
  const passedOver = passedOverWarning(chosen, types, 'Compared with');
  const work = await makeWorkDir('diff');
  try {
    const file = path.join(work, 'snapshot.db');
    await withLock(repo.layout, 'diff', false, () => rebuildDatabase(repo, m, file));
    let db: Database.Database;
    try {
      db = new Database(database, { readonly: true, fileMustExist: true });
    } catch (err) {
      throw toTillvaultError(err, database);
    }
    try {
      db.prepare('ATTACH DATABASE ? AS snap').run(file);
      const wanted = (type: DataType): boolean => !types || types.includes(type);
      const shadows = new Map([
        ...shadowOwners(virtualTables(db, 'main')),
        ...shadowOwners(virtualTables(db, 'snap')),
      ]);
      const compared = (name: string): boolean => !shadows.has(name.toLowerCase());
      const tables = m.tables.filter((t) => wanted(t.type) && compared(t.name));
      // One read transaction, so a till writing meanwhile cannot skew the counts.
      const result = db.transaction(() => ({
        snapshotId: m.id,
        database,
        warnings: passedOver ? [passedOver] : [],
        tables: [
          ...tables.map((t) => diffTable(db, t.name, t.type)),
          ...tablesOnlyInDatabase(db, m).flatMap((t) =>
            wanted(t.type) && compared(t.table) ? [diffTable(db, t.table, t.type)] : [],
          ),
        ],
      }))();
      if (result.tables.length === 0)
        throw new TillvaultError('BAD_INPUT', 'Neither side holds tables of those data types.');
      return result;
    } finally {
      db.close();
    }
  } finally {
    await removeWorkDir(work);
  }
}
