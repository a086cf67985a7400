/**
 * Keeping today's sales through a restore (roll-forward): the rows of the kept data types that
 * the live database has and the backup lacks are held before the restore replaces the tables,
 * and inserted again after it, in the same transaction. A row whose key the backup has with
 * other values is not guessed at: it is a clash, listed (and saved as a CSV) and not written.
 * AUTOINCREMENT counters are moved past every kept row, so no receipt number is used twice.
 * Runs with the live database as `main` and the rebuilt backup attached as `snap`.
 */
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { DataType } from '../data-types.js';
import { writeOnce } from '../fs/atomic-file.js';
import { quoteIdent } from '../source/sqlite-source.js';
import { shadowOwners, virtualTables } from '../source/virtual-tables.js';
import { tableLinks } from './records.js';

/** A value as it is shown to the owner: a blob as its SQL hex literal. */
export type CellValue = string | number | null;
export type Row = Record<string, CellValue>;

export interface KeptRows {
  readonly table: string;
  readonly type: DataType;
  /** Rows added since the backup and put back after the restore. */
  readonly kept: number;
  readonly clashes: number;
  /** The largest row number (receipt number) before the restore and after it. */
  readonly lastNumberBefore: number | null;
  readonly lastNumberAfter: number | null;
}

export interface Clash {
  readonly table: string;
  readonly key: Row;
  /** The row the restored database has (the backup's), or null when none is in the way. */
  readonly backup: Row | null;
  /** The live database's row, not written; the safety backup holds it too. */
  readonly live: Row;
  readonly reason: string;
}

export interface KeptResult {
  readonly kept: KeptRows[];
  readonly clashes: Clash[];
  readonly warnings: string[];
}

/** The new rows of one table, in a TEMP table of this connection until they go back. */
interface Held {
  readonly table: string;
  readonly type: DataType;
  readonly temp: string;
  readonly columns: string[];
  readonly key: string[];
  readonly lastNumberBefore: number | null;
  readonly sequenceBefore: number | null;
  readonly changed: Clash[];
}

export interface HeldRows {
  readonly tables: readonly Held[];
}

interface Column {
  name: string;
  pk: number;
  hidden: number;
}

function columnsOf(db: Database.Database, schema: string, table: string): Column[] {
  return db.prepare(`PRAGMA ${schema}.table_xinfo(${quoteIdent(table)})`).all() as Column[];
}

function isPlainTable(db: Database.Database, schema: string, table: string): boolean {
  const row = db
    .prepare(`SELECT sql FROM ${schema}.sqlite_master WHERE type = 'table' AND name = ?`)
    .get(table) as { sql: string | null } | undefined;
  return !!row?.sql && !/^\s*CREATE\s+VIRTUAL/i.test(row.sql);
}

/** The largest rowid: the receipt number of a table keyed by one; null WITHOUT ROWID. */
function lastNumber(db: Database.Database, schema: string, table: string): number | null {
  try {
    const row = db.prepare(`SELECT max(rowid) AS n FROM ${schema}.${quoteIdent(table)}`).get() as {
      n: number | null;
    };
    return row.n;
  } catch {
    return null;
  }
}

function sequenceOf(db: Database.Database, schema: string, table: string): number | null {
  const has = db
    .prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE name = 'sqlite_sequence'`)
    .get();
  if (!has) return null;
  const row = db.prepare(`SELECT seq FROM ${schema}.sqlite_sequence WHERE name = ?`).get(table) as
    { seq: number } | undefined;
  return row?.seq ?? null;
}

function shown(value: unknown): CellValue {
  if (value === null || typeof value === 'string' || typeof value === 'number') return value;
  if (Buffer.isBuffer(value)) return `x'${value.toString('hex').toUpperCase()}'`;
  return String(value);
}

function rowOf(columns: readonly string[], values: readonly unknown[]): Row {
  return Object.fromEntries(columns.map((c, i) => [c, shown(values[i])]));
}

const same = (a: string, b: string, cols: readonly string[]): string =>
  cols.map((c) => `${a}.${quoteIdent(c)} IS ${b}.${quoteIdent(c)}`).join(' AND ');

/**
 * Live rows whose key the backup has with other values: changed on both sides, or a key the
 * till used again. Which one is right is the owner's call; the backup's stays.
 */
function changedRows(db: Database.Database, h: Omit<Held, 'changed'>): Clash[] {
  if (h.key.length === 0) return [];
  const values = h.columns.filter((c) => !h.key.includes(c));
  if (values.length === 0) return [];
  const t = quoteIdent(h.table);
  const list = (alias: string): string =>
    h.columns.map((c) => `${alias}.${quoteIdent(c)}`).join(', ');
  const rows = db
    .prepare(
      `SELECT ${list('m')}, ${list('s')} FROM main.${t} m JOIN snap.${t} s ON ${same('m', 's', h.key)} WHERE NOT (${same('m', 's', values)})`,
    )
    .raw()
    .all() as unknown[][];
  const n = h.columns.length;
  return rows.map((r) => {
    const live = rowOf(h.columns, r.slice(0, n));
    return {
      table: h.table,
      key: Object.fromEntries(h.key.map((k) => [k, live[k]!])),
      backup: rowOf(h.columns, r.slice(n)),
      live,
      reason: 'changed since the backup',
    };
  });
}

/** Copies the live rows the backup lacks (by key; without one, the surplus copies) to `temp`. */
function holdTable(
  db: Database.Database,
  table: string,
  type: DataType,
  index: number,
): Held | null {
  if (!isPlainTable(db, 'main', table) || !isPlainTable(db, 'snap', table)) return null;
  const snapCols = columnsOf(db, 'snap', table);
  const live = new Set(
    columnsOf(db, 'main', table)
      .filter((c) => c.hidden === 0)
      .map((c) => c.name),
  );
  const columns = snapCols.filter((c) => c.hidden === 0 && live.has(c.name)).map((c) => c.name);
  if (columns.length === 0) return null;
  const pk = snapCols
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  const key = pk.every((c) => columns.includes(c)) ? pk : [];
  const temp = `tillvault_kept_${index}`;
  const q = quoteIdent(temp);
  const t = quoteIdent(table);
  const list = columns.map(quoteIdent).join(', ');
  db.exec(`DROP TABLE IF EXISTS temp.${q}`);
  // No declared types: values go back exactly as they were read.
  db.exec(`CREATE TEMP TABLE ${q} (${list})`);
  if (key.length > 0) {
    db.exec(
      `INSERT INTO temp.${q} (${list}) SELECT ${list} FROM main.${t} x WHERE NOT EXISTS (SELECT 1 FROM snap.${t} y WHERE ${same('x', 'y', key)})`,
    );
  } else {
    db.exec(
      `WITH b AS (SELECT ${list}, count(*) AS n FROM snap.${t} GROUP BY ${list})
       INSERT INTO temp.${q} (${list})
       SELECT ${list} FROM (SELECT ${list}, row_number() OVER (PARTITION BY ${list}) AS n FROM main.${t}) x
       WHERE x.n > coalesce((SELECT b.n FROM b WHERE ${same('x', 'b', columns)}), 0)`,
    );
  }
  const base = {
    table,
    type,
    temp,
    columns,
    key,
    lastNumberBefore: lastNumber(db, 'main', table),
    sequenceBefore: sequenceOf(db, 'main', table),
  };
  return { ...base, changed: changedRows(db, base) };
}

/**
 * Before the restore changes anything: holds the new rows of `tables`. A search index's shadow
 * tables are not rows of their own: an index over a kept table is rebuilt afterwards.
 */
export function holdNewRows(
  db: Database.Database,
  tables: readonly { name: string; type: DataType }[],
): HeldRows {
  const shadows = shadowOwners(virtualTables(db, 'main'));
  return {
    tables: tables.flatMap((t, i) => {
      if (shadows.has(t.name.toLowerCase())) return [];
      const held = holdTable(db, t.name, t.type, i);
      return held ? [held] : [];
    }),
  };
}

/** The restored row that a new row ran into: by its key or by one of the table's UNIQUE indexes. */
function rowInTheWay(db: Database.Database, h: Held, row: Row): Row | null {
  const t = quoteIdent(h.table);
  const indexes = (
    db.prepare(`PRAGMA main.index_list(${t})`).all() as { name: string; unique: number }[]
  ).filter((i) => i.unique === 1);
  const keys = [
    h.key,
    ...indexes.map((i) =>
      (
        db.prepare(`PRAGMA main.index_info(${quoteIdent(i.name)})`).all() as {
          name: string | null;
        }[]
      ).map((c) => c.name ?? ''),
    ),
  ].filter((cols) => cols.length > 0 && cols.every((c) => h.columns.includes(c)));
  const list = h.columns.map(quoteIdent).join(', ');
  for (const cols of keys) {
    const found = db
      .prepare(
        `SELECT ${list} FROM main.${t} WHERE ${cols.map((c) => `${quoteIdent(c)} IS ?`).join(' AND ')} LIMIT 1`,
      )
      .raw()
      .get(...cols.map((c) => row[c] ?? null)) as unknown[] | undefined;
    if (found) return rowOf(h.columns, found);
  }
  return null;
}

/** Inserts the held rows of one table; the ones the restored table refuses are clashes. */
function putTableBack(db: Database.Database, h: Held): Clash[] {
  const t = quoteIdent(h.table);
  const q = quoteIdent(h.temp);
  const list = h.columns.map(quoteIdent).join(', ');
  // The shop's triggers are set aside, as for the restore's own copy: these rows were written
  // once already, with whatever the triggers did then.
  const triggers = db
    .prepare("SELECT name, sql FROM main.sqlite_master WHERE type = 'trigger' AND tbl_name = ?")
    .all(h.table) as { name: string; sql: string | null }[];
  for (const tr of triggers) db.exec(`DROP TRIGGER main.${quoteIdent(tr.name)}`);
  const insert = db.prepare(
    `INSERT INTO main.${t} (${list}) VALUES (${h.columns.map(() => '?').join(', ')})`,
  );
  const page = db
    .prepare(`SELECT rowid, ${list} FROM temp.${q} WHERE rowid > ? ORDER BY rowid LIMIT 1000`)
    .raw();
  const clashes: Clash[] = [];
  const refused: number[] = [];
  let after = 0;
  for (;;) {
    const rows = page.all(after) as unknown[][];
    if (rows.length === 0) break;
    for (const [rowid, ...values] of rows) {
      after = rowid as number;
      try {
        insert.run(...values);
      } catch (err) {
        if (!String((err as { code?: string }).code ?? '').startsWith('SQLITE_CONSTRAINT')) {
          throw err;
        }
        const live = rowOf(h.columns, values);
        const key = h.key.length > 0 ? h.key : h.columns;
        clashes.push({
          table: h.table,
          key: Object.fromEntries(key.map((k) => [k, live[k]!])),
          backup: rowInTheWay(db, h, live),
          live,
          reason: `the restored table refuses it: ${(err as Error).message}`,
        });
        refused.push(after);
      }
    }
  }
  for (const tr of triggers) if (tr.sql) db.exec(tr.sql);
  const drop = db.prepare(`DELETE FROM temp.${q} WHERE rowid = ?`);
  for (const rowid of refused) drop.run(rowid);
  return clashes;
}

/** Moves an AUTOINCREMENT counter past every row it has handed out, kept rows included. */
function moveSequence(db: Database.Database, h: Held): void {
  const sql = db
    .prepare("SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?")
    .get(h.table) as { sql: string };
  if (!/\bAUTOINCREMENT\b/i.test(sql.sql)) return;
  const floor = Math.max(
    h.sequenceBefore ?? 0,
    sequenceOf(db, 'main', h.table) ?? 0,
    lastNumber(db, 'main', h.table) ?? 0,
  );
  const updated = db
    .prepare('UPDATE main.sqlite_sequence SET seq = ? WHERE name = ? AND seq < ?')
    .run(floor, h.table, floor).changes;
  if (updated === 0 && sequenceOf(db, 'main', h.table) === null) {
    db.prepare('INSERT INTO main.sqlite_sequence (name, seq) VALUES (?, ?)').run(h.table, floor);
  }
}

/**
 * Kept rows that point at a row the restored database does not have (a sale of a member who
 * joined after the backup): they stay, and the owner is told in plain words.
 */
function orphanWarnings(
  db: Database.Database,
  held: readonly Held[],
  typeOf: (table: string) => DataType | undefined,
  keptTypes: readonly DataType[],
): string[] {
  const links = tableLinks(db, 'main');
  const warnings: string[] = [];
  for (const h of held) {
    for (const link of links.filter((l) => l.child === h.table)) {
      if (!link.from.every((c) => h.columns.includes(c))) continue;
      const p = quoteIdent(link.parent);
      const set = link.from.map((c) => `h.${quoteIdent(c)} IS NOT NULL`).join(' AND ');
      const match = link.from
        .map((c, i) => `p.${quoteIdent(link.to[i]!)} = h.${quoteIdent(c)}`)
        .join(' AND ');
      const { n } = db
        .prepare(
          `SELECT count(*) AS n FROM temp.${quoteIdent(h.temp)} h WHERE ${set} AND NOT EXISTS (SELECT 1 FROM main.${p} p WHERE ${match})`,
        )
        .get() as { n: number };
      if (n === 0) continue;
      const parentType = typeOf(link.parent);
      const hint =
        parentType && !keptTypes.includes(parentType)
          ? ` Keeping ${parentType} as well (--keep-new ${[...keptTypes, parentType].join(',')}) keeps them.`
          : '';
      const by = `(by ${link.from.join(', ')})`;
      warnings.push(
        n === 1
          ? `1 kept row in ${h.table} refers to a row of ${link.parent} that is not in the restored database ${by}; it is kept as it was.${hint}`
          : `${n} kept rows in ${h.table} refer to rows of ${link.parent} that are not in the restored database ${by}; they are kept as they were.${hint}`,
      );
    }
  }
  return warnings;
}

/**
 * After the restore replaced the tables: puts the held rows back, moves the counters and says
 * what was kept. The TEMP tables are dropped.
 */
export function putNewRowsBack(
  db: Database.Database,
  held: HeldRows,
  typeOf: (table: string) => DataType | undefined,
  keptTypes: readonly DataType[],
): KeptResult {
  const kept: KeptRows[] = [];
  const clashes: Clash[] = [];
  for (const h of held.tables) {
    const refused = putTableBack(db, h);
    moveSequence(db, h);
    const { n } = db.prepare(`SELECT count(*) AS n FROM temp.${quoteIdent(h.temp)}`).get() as {
      n: number;
    };
    clashes.push(...h.changed, ...refused);
    kept.push({
      table: h.table,
      type: h.type,
      kept: n,
      clashes: h.changed.length + refused.length,
      lastNumberBefore: h.lastNumberBefore,
      lastNumberAfter: lastNumber(db, 'main', h.table),
    });
  }
  const written = new Set(held.tables.map((h) => h.table.toLowerCase()));
  for (const vt of virtualTables(db, 'main')) {
    if (!vt.contentTable || !written.has(vt.contentTable.toLowerCase())) continue;
    const q = quoteIdent(vt.name);
    db.prepare(`INSERT INTO main.${q}(${q}) VALUES ('rebuild')`).run();
  }
  const warnings = orphanWarnings(db, held.tables, typeOf, keptTypes);
  for (const h of held.tables) db.exec(`DROP TABLE temp.${quoteIdent(h.temp)}`);
  return { kept, clashes, warnings };
}

/** Where the CLI saves the clashes by default: beside the live database. */
export function clashesCsvPath(liveDb: string, snapshotId: string): string {
  return path.join(path.dirname(liveDb), `${path.basename(liveDb)}.clashes-${snapshotId}.csv`);
}

/** One CSV cell (RFC 4180); text that a spreadsheet would run as a formula is defused. */
function cell(value: CellValue): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The clashes as a spreadsheet: one line per column of each clashing row, with the restored
 * (backup) value beside the live one that was not written.
 */
export function clashesCsv(clashes: readonly Clash[]): string {
  const lines: CellValue[][] = [
    ['table', 'key', 'column', 'restored (backup)', 'not kept (live)', 'differs', 'why'],
  ];
  for (const c of clashes) {
    const key = Object.entries(c.key)
      .map(([k, v]) => `${k}=${v === null ? 'NULL' : String(v)}`)
      .join(', ');
    for (const [column, live] of Object.entries(c.live)) {
      const restored = c.backup ? (c.backup[column] ?? null) : null;
      lines.push([
        c.table,
        key,
        column,
        restored,
        live,
        c.backup && restored !== live ? 'yes' : '',
        c.reason,
      ]);
    }
  }
  // A byte order mark, so Excel reads the names (Chinese, Swedish) as UTF-8.
  return `\uFEFF${lines.map((l) => l.map(cell).join(',')).join('\r\n')}\r\n`;
}

/**
 * Writes the clashes atomically to `file`, or beside it with a number when a file of that name
 * is there already (an earlier restore's list is never overwritten). Returns the path written.
 */
export async function writeClashesCsv(file: string, clashes: readonly Clash[]): Promise<string> {
  const text = clashesCsv(clashes);
  const ext = path.extname(file);
  for (let n = 1; ; n++) {
    const target = n === 1 ? file : `${file.slice(0, file.length - ext.length)}-${n}${ext}`;
    try {
      await writeOnce(target, text);
      return target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw err;
    }
  }
}
