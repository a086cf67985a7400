/**
 * What the window checks once a restore is done, before it tells the owner "it worked": SQLite's
 * integrity check, the rows that point at nothing, and each table's row count against what the
 * preview said it would be. Read-only: the till may already be selling again.
 */
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
      const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
      const countMismatches = expected.flatMap((e) => {
        const actual = exists.get(e.table)
          ? (db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(e.table)}`).get() as { n: number })
              .n
          : 0;
        return actual === e.rows ? [] : [{ table: e.table, expected: e.rows, actual }];
      });
      return { integrity, foreignKeyProblems, foreignKeyProblemsBefore, countMismatches };
    })(),
  );
}
