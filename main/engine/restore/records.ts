/**
 * Putting back single records: a member deleted by mistake, one product's price. The record
 * gets its values from the backup (updated in place when it still exists, so triggers such as a
 * member search index see an update); the rows that belong to it by foreign key or by a column
 * named after its table (a customer's invoices and their lines, a member's cards and points) and
 * the rows it points at are put back only where they are missing. Nothing in the live database is deleted, so what was added since stays.
 * Runs inside the restore's transaction, with the rebuilt backup attached as `snap`.
 */
import type Database from 'better-sqlite3';
import { TillvaultError } from '../errors.js';
import { linksOf, type LinkShape } from '../source/classify/links.js';
import { readTableShapes } from '../source/schema.js';
import { quoteIdent } from '../source/sqlite-source.js';

export interface RecordRef {
  readonly table: string;
  readonly keys: readonly string[];
}

export interface PutBack {
  readonly table: string;
  /** Rows written: the records themselves, or the missing rows that go with them. */
  readonly rows: number;
  readonly role: 'record' | 'belongs' | 'needed';
}

/** A child table's columns that point at a parent's: a declared key or a classifier link. */
export interface TableLink {
  readonly child: string;
  readonly parent: string;
  readonly from: readonly string[];
  readonly to: readonly string[];
}

/** How far rows that belong to belonging rows are followed: a customer, invoices, lines. */
export const MAX_DEPTH = 3;

function columnsOf(db: Database.Database, schema: string, table: string) {
  return db.prepare(`PRAGMA ${schema}.table_xinfo(${quoteIdent(table)})`).all() as {
    name: string;
    pk: number;
    hidden: number;
  }[];
}

function keyColumns(db: Database.Database, schema: string, table: string): string[] {
  return columnsOf(db, schema, table)
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
}

function tablesOf(db: Database.Database, schema: string): string[] {
  return (
    db
      .prepare(
        `SELECT name FROM ${schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%'`,
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
}

/** Declared foreign keys of the tables, with the parent's key filled in where implied. */
function declaredKeys(
  db: Database.Database,
  schema: string,
  tables: readonly string[],
): TableLink[] {
  const known = new Map(tables.map((t) => [t.toLowerCase(), t]));
  const out: TableLink[] = [];
  for (const child of tables) {
    const rows = db.prepare(`PRAGMA ${schema}.foreign_key_list(${quoteIdent(child)})`).all() as {
      id: number;
      table: string;
      from: string;
      to: string | null;
    }[];
    const byId = new Map<number, typeof rows>();
    for (const r of rows) byId.set(r.id, [...(byId.get(r.id) ?? []), r]);
    for (const group of byId.values()) {
      const parent = known.get(group[0]!.table.toLowerCase());
      if (!parent) continue;
      const pk = keyColumns(db, schema, parent);
      const to = group.map((g, i) => g.to ?? pk[i]!);
      if (to.some((c) => c === undefined)) continue;
      out.push({ child, parent, from: group.map((g) => g.from), to });
    }
  }
  return out;
}

/**
 * readTableShapes for an attached schema, on this connection: the restore's connection holds
 * the exclusive lock on the rebuilt backup too, so no other connection may read it.
 */
function shapesOf(db: Database.Database, schema: 'main' | 'snap'): LinkShape[] {
  if (schema === 'main') return readTableShapes(db);
  const columns = db.prepare(`SELECT name FROM pragma_table_info(?, '${schema}')`);
  const keys = db.prepare(
    `SELECT "from" AS column, "table" FROM pragma_foreign_key_list(?, '${schema}')`,
  );
  return tablesOf(db, schema).map((name) => ({
    name,
    columns: columns.all(name) as { name: string }[],
    references: keys.all(name) as { column: string; table: string }[],
  }));
}

/**
 * How the tables of `schema` point at each other: declared foreign keys, and the links the
 * classifier reads from column names (member_id with no FOREIGN KEY), followed only to a
 * parent's single key. A declared key wins over a name.
 */
export function tableLinks(db: Database.Database, schema: 'main' | 'snap'): TableLink[] {
  const tables = tablesOf(db, schema);
  const declared = declaredKeys(db, schema, tables);
  const plain = new Set(tables);
  const named: TableLink[] = [];
  for (const [child, links] of linksOf(shapesOf(db, schema))) {
    if (!plain.has(child)) continue;
    for (const link of links) {
      if (!plain.has(link.table)) continue;
      if (declared.some((d) => d.child === child && d.from.includes(link.column))) continue;
      const pk = keyColumns(db, schema, link.table);
      if (pk.length === 1) named.push({ child, parent: link.table, from: [link.column], to: pk });
    }
  }
  return [...declared, ...named];
}

/** Rows of a table picked by a condition on the backup's copy: `snap.T WHERE …`. */
interface Selection {
  table: string;
  where: string;
  params: unknown[];
}

const tuple = (cols: readonly string[]): string =>
  cols.length === 1 ? quoteIdent(cols[0]!) : `(${cols.map(quoteIdent).join(', ')})`;

function shared(db: Database.Database, table: string): string[] {
  const live = new Set(
    columnsOf(db, 'main', table)
      .filter((c) => c.hidden === 0)
      .map((c) => c.name),
  );
  return columnsOf(db, 'snap', table)
    .filter((c) => c.hidden === 0 && live.has(c.name))
    .map((c) => c.name);
}

/** Inserts the selected rows the live table lacks; returns how many. */
/** Whether the live table refuses a second copy of a row itself (a key or a unique index). */
function refusesDuplicates(db: Database.Database, table: string): boolean {
  if (columnsOf(db, 'main', table).some((c) => c.pk > 0)) return true;
  const indexes = db.prepare(`PRAGMA main.index_list(${quoteIdent(table)})`).all() as {
    unique: number;
    partial: number;
  }[];
  return indexes.some((i) => i.unique === 1 && i.partial === 0);
}

function insertMissing(db: Database.Database, s: Selection): number {
  const names = shared(db, s.table);
  const cols = names.map(quoteIdent).join(', ');
  const t = quoteIdent(s.table);
  // Without a key, "missing" is by content: a row still there is not written a second time.
  const absent = refusesDuplicates(db, s.table)
    ? ''
    : ` AND NOT EXISTS (SELECT 1 FROM main.${t} AS l WHERE ${names.map((c) => `l.${quoteIdent(c)} IS r.${quoteIdent(c)}`).join(' AND ')})`;
  return db
    .prepare(
      `INSERT OR IGNORE INTO main.${t} (${cols}) SELECT ${cols} FROM snap.${t} AS r WHERE (${s.where})${absent}`,
    )
    .run(...s.params).changes;
}

export function keyOf(db: Database.Database, table: string): string {
  const pk = columnsOf(db, 'snap', table).filter((c) => c.pk > 0);
  if (pk.length !== 1) {
    throw new TillvaultError(
      'BAD_INPUT',
      pk.length === 0
        ? `${table} has no key to pick a record by; restore its data type instead.`
        : `${table} is keyed by several columns (${pk.map((c) => c.name).join(', ')}); restore its data type instead.`,
    );
  }
  return pk[0]!.name;
}

/**
 * Refuses, before anything is written or a safety backup taken, records the backup (attached as
 * `snap`) does not have or cannot pick by one key.
 */
export function checkRecords(db: Database.Database, refs: readonly RecordRef[]): void {
  for (const ref of refs) {
    const exists = db
      .prepare("SELECT 1 FROM snap.sqlite_master WHERE type = 'table' AND name = ?")
      .get(ref.table);
    if (!exists) throw new TillvaultError('BAD_INPUT', `The backup has no table ${ref.table}.`);
    const key = quoteIdent(keyOf(db, ref.table));
    const t = quoteIdent(ref.table);
    const missing = ref.keys.filter(
      (k) => !db.prepare(`SELECT 1 FROM snap.${t} WHERE ${key} = ?`).get(k),
    );
    if (missing.length > 0) {
      throw new TillvaultError(
        'BAD_INPUT',
        `The backup has no ${ref.table} record ${missing.join(', ')}, so nothing was changed.`,
      );
    }
  }
}

/** The records themselves: updated in place where they still exist, inserted where not. */
function putBackRecord(db: Database.Database, ref: RecordRef): number {
  const key = quoteIdent(keyOf(db, ref.table));
  const t = quoteIdent(ref.table);
  const marks = ref.keys.map(() => '?').join(', ');
  const cols = shared(db, ref.table).filter((c) => quoteIdent(c) !== key);
  let rows = 0;
  if (cols.length > 0) {
    const set = cols.map(quoteIdent).join(', ');
    rows += db
      .prepare(
        `UPDATE main.${t} SET (${set}) = (SELECT ${set} FROM snap.${t} AS s WHERE s.${key} = main.${t}.${key}) WHERE ${key} IN (${marks})`,
      )
      .run(...ref.keys).changes;
  }
  return (
    rows +
    insertMissing(db, { table: ref.table, where: `${key} IN (${marks})`, params: [...ref.keys] })
  );
}

export function putBackRecords(db: Database.Database, refs: readonly RecordRef[]): PutBack[] {
  const fks = tableLinks(db, 'snap');
  const out: PutBack[] = [];
  const add = (table: string, rows: number, role: PutBack['role']): void => {
    if (rows > 0) out.push({ table, rows, role });
  };
  checkRecords(db, refs);
  for (const ref of refs) {
    add(ref.table, putBackRecord(db, ref), 'record');
    const key = quoteIdent(keyOf(db, ref.table));
    const root: Selection = {
      table: ref.table,
      where: `${key} IN (${ref.keys.map(() => '?').join(', ')})`,
      params: [...ref.keys],
    };
    // What belongs to the record, then to those rows, a few levels down; each table once.
    const picked: Selection[] = [root];
    let level = [root];
    const seen = new Set([ref.table]);
    for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
      const next: Selection[] = [];
      for (const s of level) {
        for (const fk of fks.filter((f) => f.parent === s.table && !seen.has(f.child))) {
          seen.add(fk.child);
          const child: Selection = {
            table: fk.child,
            where: `${tuple(fk.from)} IN (SELECT ${fk.to.map(quoteIdent).join(', ')} FROM snap.${quoteIdent(s.table)} WHERE ${s.where})`,
            params: s.params,
          };
          add(fk.child, insertMissing(db, child), 'belongs');
          next.push(child);
        }
      }
      picked.push(...next);
      level = next;
    }
    // What those rows point at and the live database no longer has (an invoice's track).
    for (const s of picked) {
      for (const fk of fks.filter((f) => f.child === s.table && f.parent !== s.table)) {
        const parent: Selection = {
          table: fk.parent,
          where: `${tuple(fk.to)} IN (SELECT ${fk.from.map(quoteIdent).join(', ')} FROM snap.${quoteIdent(s.table)} WHERE ${s.where})`,
          params: s.params,
        };
        add(fk.parent, insertMissing(db, parent), 'needed');
      }
    }
  }
  return out;
}
