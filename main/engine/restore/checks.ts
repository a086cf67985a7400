/**
 * Checks around a restore into the live database: that the live database is the one the
 * backups are of, and what a selective restore did to the links between tables.
 */
import path from 'node:path';
import type Database from 'better-sqlite3';
import { TillvaultError } from '../errors.js';
import type { DataType } from '../data-types.js';
import type { Manifest } from '../repository/manifest.js';

/** Table names the live database holds (SQLite compares them case-insensitively). */
function liveTableNames(db: Database.Database): string[] {
  const rows = db
    .prepare(
      "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .all() as { name: string }[];
  return rows.map((r) => r.name);
}

function describeTables(names: readonly string[]): string {
  if (names.length === 0) return 'no tables';
  const shown = names.slice(0, 5).join(', ');
  return `tables ${names.length > 5 ? `${shown} and ${names.length - 5} more` : shown}`;
}

/**
 * Refuses a live database that shares fewer than half of its tables with the backup (counted
 * against the smaller of the two). A POS that added tables or columns since the backup, or a
 * partial backup of a few tables, still shares all of them; another program's database (a
 * music shop's Chinook, Northwind) shares none or a stray "orders". An empty live database
 * passes; a backup of an empty one never replaces a live database that has tables.
 */
export function checkSameDatabase(
  db: Database.Database,
  m: Manifest,
  liveDb: string,
  dest: string,
): void {
  const live = liveTableNames(db);
  const backedUp = m.tables.map((t) => t.name);
  if (live.length === 0) return;
  const liveLower = new Set(live.map((n) => n.toLowerCase()));
  const shared = backedUp.filter((n) => liveLower.has(n.toLowerCase())).length;
  if (shared > 0 && shared * 2 >= Math.min(live.length, backedUp.length)) return;
  const liveName = path.basename(liveDb);
  throw new TillvaultError(
    'BAD_INPUT',
    `${liveName} does not look like the database this backup is of, so nothing was changed. ` +
      `Backup ${m.id} in ${dest} is of ${m.source.name} (${describeTables(backedUp)}); ` +
      `${liveName} has ${describeTables(live)} instead. ` +
      `To look at this backup without touching ${liveName}, restore it to a new file: --to NEWFILE.`,
  );
}

/** Rows whose foreign key points at a row that is not there, per child and parent table. */
export interface DanglingReferences {
  readonly table: string;
  readonly parent: string;
  readonly rows: number;
}

/** The restored tables and every table that refers to one of them: where links can break. */
function tablesLinkedTo(db: Database.Database, restored: readonly string[]): string[] {
  const wanted = new Set(restored.map((n) => n.toLowerCase()));
  const parentsOf = db.prepare(
    'SELECT "table" AS parent FROM pragma_foreign_key_list(?, \'main\')',
  );
  return liveTableNames(db).filter((table) => {
    if (wanted.has(table.toLowerCase())) return true;
    const parents = parentsOf.all(table) as { parent: string }[];
    return parents.some((p) => wanted.has(p.parent.toLowerCase()));
  });
}

/** Broken links in the restored tables and in the tables that refer to them. */
export function danglingReferences(
  db: Database.Database,
  restored: readonly string[],
): DanglingReferences[] {
  const count = db.prepare(
    `SELECT "table", parent, count(*) AS rows
       FROM pragma_foreign_key_check(?, 'main') GROUP BY parent`,
  );
  return tablesLinkedTo(db, restored).flatMap((table) => {
    try {
      return count.all(table) as DanglingReferences[];
    } catch {
      // "foreign key mismatch": the POS's own schema points at a column that is not a key, so
      // SQLite cannot check this table; that must not stop the restore.
      return [];
    }
  });
}

/**
 * A warning in plain words when the restore left more broken links than there were before, or
 * null; it names the data types that would put the tables back in step. Not a refusal: the
 * owner chose to restore only some data types.
 */
export function brokenLinksWarning(
  before: readonly DanglingReferences[],
  after: readonly DanglingReferences[],
  m: Manifest,
  restoredTypes: readonly DataType[],
): string | null {
  const key = (d: DanglingReferences): string => `${d.table}\0${d.parent}`;
  const had = new Map(before.map((d) => [key(d), d.rows]));
  const grown = after
    .map((d) => ({ ...d, rows: d.rows - (had.get(key(d)) ?? 0) }))
    .filter((d) => d.rows > 0);
  if (grown.length === 0) return null;
  const parts = grown.map((d) => {
    const rows =
      d.rows === 1 ? `1 row in ${d.table} now refers` : `${d.rows} rows in ${d.table} now refer`;
    return `${rows} to ${d.parent} that are not in the database`;
  });
  const typeOf = new Map(m.tables.map((t) => [t.name.toLowerCase(), t.type]));
  const involved = grown.flatMap((d) => [d.table, d.parent]);
  const also = [...new Set(involved.map((t) => typeOf.get(t.toLowerCase())))].filter(
    (t): t is DataType => t !== undefined && !restoredTypes.includes(t),
  );
  const fix =
    also.length > 0
      ? `Restoring ${also.join(', ')} from the same backup as well (--types ${[...restoredTypes, ...also].join(',')}) puts them back in step`
      : 'Restoring the data types of those tables from the same backup as well puts them back in step';
  return `After restoring only ${restoredTypes.join(', ')}, ${parts.join('; ')}. ${fix}; the safety backup undoes this restore.`;
}
