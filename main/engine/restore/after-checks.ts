/**
 * What the window checks once a restore is done, before it tells the owner "it worked": SQLite's
 * integrity check, the rows that point at nothing, and each table's row count against what the
 * preview said it would be. Read-only: the till may already be selling again.
 */
import type Database from 'better-sqlite3';
import { readingDatabase } from '../source/live-sidecars.js';
import { quoteIdent } from '../source/sqlite-source.js';

export interface AfterRestoreChecks {
  readonly integrity: boolean;
  /** Rows whose declared foreign key points at no row. */
  readonly foreignKeyProblems: number;
  /** The same before the restore (many shops' databases have some): null for a new file. */
  readonly foreignKeyProblemsBefore: number | null;
  readonly countMismatches: { table: string; expected: number; actual: number }[];
}

/** What the preview said of a table, as far as the count after the restore follows from it. */
export interface PlannedTable {
  readonly table: string;
  readonly rowsNow: number;
  readonly rowsAfter: number;
  /** Rows keep-new was to keep: counted in rowsAfter. */
  readonly kept: number;
  /** Whether the restore replaces the table's rows with the backup's (else it only adds). */
  readonly replaced: boolean;
}

/**
 * The row count each table must have after the restore. The preview may be minutes old and the
 * till may have sold meanwhile: a replaced table has the backup's rows plus the rows really kept,
 * any other table what the preview added plus what it holds just before the restore.
 */
export function expectedRows(
  planned: readonly PlannedTable[],
  rowsBefore: ReadonlyMap<string, number>,
  keptNow: ReadonlyMap<string, number>,
): { table: string; rows: number }[] {
  return planned.map((p) => ({
    table: p.table,
    rows: p.replaced
      ? p.rowsAfter - p.kept + (keptNow.get(p.table) ?? 0)
      : p.rowsAfter + (rowsBefore.get(p.table) ?? p.rowsNow) - p.rowsNow,
  }));
}

/** Each table's row count; a table not there counts as none. */
function countsIn(db: Database.Database, tables: readonly string[]): Map<string, number> {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  return new Map(
    tables.map((t) => [
      t,
      exists.get(t)
        ? (db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(t)}`).get() as { n: number }).n
        : 0,
    ]),
  );
}

/** Each table's row count now, in one read. */
export function rowCounts(file: string, tables: readonly string[]): Map<string, number> {
  return readingDatabase(file, (db) => db.transaction(() => countsIn(db, tables))());
}

/** Rows of the database whose declared foreign key points at no row. */
export function foreignKeyProblems(file: string): number {
  return readingDatabase(file, (db) => (db.pragma('foreign_key_check') as unknown[]).length);
}

export function checkAfterRestore(
  file: string,
  expected: readonly { table: string; rows: number }[],
  foreignKeyProblemsBefore: number | null = null,
): AfterRestoreChecks {
  return readingDatabase(file, (db) =>
    db.transaction(() => {
      const integrity = db.pragma('integrity_check', { simple: true }) === 'ok';
      const foreignKeyProblems = (db.pragma('foreign_key_check') as unknown[]).length;
      const counts = countsIn(
        db,
        expected.map((e) => e.table),
      );
      const countMismatches = expected.flatMap((e) => {
        const actual = counts.get(e.table) ?? 0;
        return actual === e.rows ? [] : [{ table: e.table, expected: e.rows, actual }];
      });
      return { integrity, foreignKeyProblems, foreignKeyProblemsBefore, countMismatches };
    })(),
  );
}
