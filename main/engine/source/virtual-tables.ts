/**
 * Virtual tables and the shadow tables they keep their data in. A POS's member search box is
 * typically an FTS5 table over member names, stored in `<name>_config`, `_data`, `_idx`,
 * `_docsize` and `_content`; FTS3/4 and R*Tree have their own. A virtual table and its shadows
 * are one thing: they are dropped, classified and restored together, and only the virtual
 * table is ever written to (SQLite refuses writes to shadow tables in defensive mode).
 */
import type Database from 'better-sqlite3';
import type { DataType } from '../data-types.js';
import type { Why } from './classify/why.js';

/** The shadow tables each module makes, by suffix. */
const SHADOWS: Record<string, readonly string[]> = {
  fts5: ['config', 'data', 'idx', 'docsize', 'content'],
  fts4: ['content', 'segments', 'segdir', 'docsize', 'stat'],
  fts3: ['content', 'segments', 'segdir', 'docsize', 'stat'],
  rtree: ['node', 'parent', 'rowid'],
  rtree_i32: ['node', 'parent', 'rowid'],
};

export interface VirtualTable {
  readonly name: string;
  readonly module: string;
  readonly shadows: readonly string[];
  /** An external-content FTS table's content table: the rows it indexes live there. */
  readonly contentTable: string | null;
}

/** `USING fts5(` → fts5; null for a statement that is not a virtual table's. */
export function moduleOf(sql: string): string | null {
  return (
    /^\s*CREATE\s+VIRTUAL\s+TABLE\s+.+?\s+USING\s+(\w+)/is.exec(sql)?.[1]?.toLowerCase() ?? null
  );
}

/** `content='members'` (or "members", or bare) among an FTS table's options; '' is none. */
export function contentTableOf(sql: string): string | null {
  const m = /[(,]\s*content\s*=\s*(?:'((?:[^']|'')*)'|"((?:[^"]|"")*)"|([\w$]+))/i.exec(sql);
  const name = m ? (m[1]?.replace(/''/g, "'") ?? m[2]?.replace(/""/g, '"') ?? m[3] ?? '') : '';
  return name === '' ? null : name;
}

/** Every virtual table of a schema, with the shadow tables that exist for it. */
export function virtualTables(
  db: Database.Database,
  schema: 'main' | 'snap' = 'main',
): VirtualTable[] {
  const rows = db
    .prepare(
      `SELECT name, sql FROM ${schema}.sqlite_master WHERE type = 'table' AND sql IS NOT NULL`,
    )
    .all() as { name: string; sql: string }[];
  const names = new Set(rows.map((r) => r.name.toLowerCase()));
  return rows.flatMap(({ name, sql }) => {
    const module = moduleOf(sql);
    if (!module) return [];
    const shadows = (SHADOWS[module] ?? [])
      .map((suffix) => `${name}_${suffix}`)
      .filter((s) => names.has(s.toLowerCase()));
    const contentTable = module.startsWith('fts') ? contentTableOf(sql) : null;
    return [{ name, module, shadows, contentTable }];
  });
}

/** Shadow table name (lower case) → the virtual table it belongs to. */
export function shadowOwners(tables: readonly VirtualTable[]): Map<string, VirtualTable> {
  return new Map(tables.flatMap((t) => t.shadows.map((s) => [s.toLowerCase(), t] as const)));
}

/**
 * Gives each virtual table's shadows its type, and an external-content FTS table the type of
 * the table it indexes (a search box over members is members), unless the owner chose its type:
 * they must be kept or left out together.
 */
export function bindVirtualTables<T extends { table: string; type: DataType; why: Why }>(
  classified: readonly T[],
  tables: readonly VirtualTable[],
): T[] {
  const byName = new Map(classified.map((c) => [c.table.toLowerCase(), c]));
  const bound = new Map<string, { type: DataType; why: Why }>();
  for (const vt of tables) {
    const own = byName.get(vt.name.toLowerCase());
    if (!own) continue;
    const content = vt.contentTable ? byName.get(vt.contentTable.toLowerCase()) : undefined;
    const follows = content && own.why.by !== 'owner';
    const type = follows ? content.type : own.type;
    const why: Why = follows ? { by: 'searches', table: content.table } : own.why;
    bound.set(vt.name.toLowerCase(), { type, why });
    for (const s of vt.shadows) {
      bound.set(s.toLowerCase(), { type, why: { by: 'belongs', table: vt.name } });
    }
  }
  return classified.map((c) => ({ ...c, ...bound.get(c.table.toLowerCase()) }));
}
