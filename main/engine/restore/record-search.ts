/**
 * Finding a record to restore the way a shop owner knows it: a member or customer by name, card
 * number or phone, a product by name, SKU or barcode, and any table's row by its key. Which
 * columns hold those is read from their names with the classifier's column lexicon, so it works
 * on schemas in other languages (shouji, 卡号) as on the demo shop. Parameterised SQL only.
 */
import path from 'node:path';
import type Database from 'better-sqlite3';
import { readingDatabase } from '../source/live-sidecars.js';
import type { DataType } from '../data-types.js';
import { TillvaultError } from '../errors.js';
import type { Credential } from '../repository/config.js';
import { withLock } from '../repository/lock.js';
import { Repository } from '../repository/repository.js';
import { classifyTables } from '../source/classify/classify.js';
import { COLUMN_LEXICON } from '../source/classify/lexicon.js';
import { latinTokens, Matcher, type Lexicon } from '../source/classify/words.js';
import { quoteIdent, readSourceHeader } from '../source/sqlite-source.js';
import { shadowOwners, virtualTables } from '../source/virtual-tables.js';
import { makeWorkDir, removeWorkDir } from '../fs/work-dirs.js';
import { newestHolding } from './choice.js';
import { RebuiltSnapshots } from './rebuilt-cache.js';

/** A value as people are shown it: blobs as "<N bytes>", long text cut. */
export type Cell = string | number | null;
export type RecordValues = Record<string, Cell>;

export interface RecordQuery {
  readonly text: string;
  readonly type?: DataType;
  readonly table?: string;
  readonly limit?: number;
}

export interface RecordMatch {
  readonly table: string;
  readonly type: DataType;
  readonly key: string | number;
  readonly label: string;
  /** The column the text was found in. */
  readonly matched: string;
  readonly values: RecordValues;
}

const MAX_TEXT = 500;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 200;

export function shownValue(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'string') return v.length > MAX_TEXT ? `${v.slice(0, MAX_TEXT)}…` : v;
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  return String(v);
}

type Concept = 'name' | 'phone' | 'card' | 'code';

const pick = (lexicon: Lexicon, keep: RegExp): Lexicon => ({
  words: lexicon.words.filter((w) => keep.test(w)),
  pinyin: (lexicon.pinyin ?? []).filter((w) => keep.test(w)),
  han: (lexicon.han ?? []).filter((w) => keep.test(w)),
});

/**
 * The columns searched, from the classifier's words: a person's contact handles (not the
 * address: a street name would match half the town), card numbers, product codes, and names.
 * A bare "name" column says nothing about a table's type, so the lexicon does not have it.
 */
const SEARCHED: Record<Concept, Lexicon> = {
  name: {
    words: ['name', ...pick(COLUMN_LEXICON.identity, /name/).words, 'title'],
    pinyin: [...(pick(COLUMN_LEXICON.identity, /xingming/).pinyin ?? []), 'mingcheng', 'mingzi'],
    han: [...(pick(COLUMN_LEXICON.identity, /姓名/).han ?? []), '名称', '名字'],
  },
  phone: pick(COLUMN_LEXICON.contact, /^(?!.*(addr|dizhi|地址)).*$/),
  card: pick(COLUMN_LEXICON.member, /card|kahao|卡号/),
  code: pick(COLUMN_LEXICON.goods, /barcode|ean|upc|sku|isbn|tiaoma|条码/),
};

const matcher = new Matcher(SEARCHED);

/** What each data type is found by, besides every table's key. */
const FOUND_BY: Partial<Record<DataType, readonly Concept[]>> = {
  members: ['name', 'phone', 'card'],
  products: ['name', 'code'],
};

interface Column {
  name: string;
  type: string;
  pk: number;
  hidden: number;
}

interface SearchedTable {
  name: string;
  type: DataType;
  columns: string[];
  key: string | null;
  /** Columns searched by the text, with what they hold. */
  fields: { column: string; concept: Concept }[];
}

function columnsOf(db: Database.Database, schema: string, table: string): Column[] {
  return db.prepare(`PRAGMA ${schema}.table_xinfo(${quoteIdent(table)})`).all() as Column[];
}

function referencesOf(
  db: Database.Database,
  schema: string,
  table: string,
): { column: string; table: string }[] {
  const rows = db.prepare(`PRAGMA ${schema}.foreign_key_list(${quoteIdent(table)})`).all() as {
    from: string;
    table: string;
  }[];
  return rows.map((r) => ({ column: r.from, table: r.table }));
}

/** The schema's tables a person would name: no virtual tables, their shadows or SQLite's own. */
function tablesOf(db: Database.Database, schema: 'main' | 'snap'): SearchedTable[] {
  const virtual = virtualTables(db, schema);
  const shadows = shadowOwners(virtual);
  const names = (
    db
      .prepare(
        `SELECT name FROM ${schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`,
      )
      .all() as { name: string }[]
  )
    .map((r) => r.name)
    .filter((n) => !shadows.has(n.toLowerCase()) && !virtual.some((v) => v.name === n));
  const shapes = names.map((name) => {
    const columns = columnsOf(db, schema, name);
    const references = referencesOf(db, schema, name);
    return { name, columns, references, refs: new Set(references.map((r) => r.column)) };
  });
  const types = new Map(
    classifyTables(
      shapes.map((s) => ({
        name: s.name,
        columns: s.columns.map((c) => ({ name: c.name, type: c.type })),
        references: s.references,
      })),
    ).map((c) => [c.table, c.type]),
  );
  return shapes.map((s) => {
    const type = types.get(s.name) ?? 'other';
    const shown = s.columns.filter((c) => c.hidden === 0);
    const pk = s.columns.filter((c) => c.pk > 0);
    const key = pk.length === 1 ? pk[0]!.name : null;
    const wanted = FOUND_BY[type] ?? [];
    const fields = shown.flatMap((c) => {
      // Keys and links are numbers of other rows, not what a person types.
      if (c.name === key || s.refs.has(c.name) || latinTokens(c.name).at(-1) === 'id') return [];
      const concept = matcher.hits(c.name).find((h) => wanted.includes(h.type))?.type;
      return concept ? [{ column: c.name, concept }] : [];
    });
    return { name: s.name, type, columns: shown.map((c) => c.name), key, fields };
  });
}

const likeEscaped = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A phone as digits only, whatever spaces, dashes and brackets it was typed with. */
const digitsOf = (sql: string): string =>
  [' ', '-', '(', ')', '+', '.'].reduce((e, c) => `replace(${e}, '${c}', '')`, sql);

function labelOf(t: SearchedTable, row: RecordValues, key: Cell): string {
  const names = t.fields.filter((f) => f.concept === 'name').map((f) => f.column);
  const first = names.find((n) => /first|given/i.test(n));
  const last = names.find((n) => /last|family|sur/i.test(n));
  if (first && last && row[first] !== null && row[last] !== null) {
    return `${String(row[first])} ${String(row[last])}`;
  }
  const named = names.find((n) => row[n] !== null && row[n] !== '');
  return named ? String(row[named]) : String(key);
}

/** 0: the key; 1: the whole value; 2: a word of it starts so; 3: it is inside. */
function rank(value: Cell, text: string, concept: Concept | 'key'): number {
  if (concept === 'key') return 0;
  const v = String(value).toLowerCase();
  const t = text.toLowerCase();
  if (v === t) return 1;
  return v.startsWith(t) || v.includes(` ${t}`) ? 2 : 3;
}

function found(value: Cell, text: string, concept: Concept): boolean {
  if (value === null) return false;
  const v = String(value).toLowerCase();
  if (v.includes(text.toLowerCase())) return true;
  const digits = text.replace(/\D/g, '');
  return concept === 'phone' && digits.length >= 4 && v.replace(/\D/g, '').includes(digits);
}

/**
 * Records of schema `schema` (the live database as `main`, a rebuilt backup as `snap`) that
 * match `query.text`: best first (the key, then the whole value, a word's start, anywhere).
 */
export function searchRecords(
  db: Database.Database,
  schema: 'main' | 'snap',
  query: RecordQuery,
): RecordMatch[] {
  const text = query.text.trim();
  const limit = Math.min(MAX_LIMIT, Math.max(1, query.limit ?? DEFAULT_LIMIT));
  let tables = tablesOf(db, schema);
  if (query.table !== undefined) {
    const wanted = query.table.toLowerCase();
    tables = tables.filter((t) => t.name.toLowerCase() === wanted);
    if (tables.length === 0)
      throw new TillvaultError('BAD_INPUT', `There is no table ${query.table}.`);
  }
  if (query.type) tables = tables.filter((t) => t.type === query.type);
  if (text.length === 0) return [];
  const like = `%${likeEscaped(text)}%`;
  const digits = text.replace(/\D/g, '');
  const asPhone = digits.length >= 4 && /^[\d\s()+.-]+$/.test(text);
  const hits: { match: RecordMatch; rank: number }[] = [];
  for (const t of tables) {
    if (!t.key) continue;
    const q = quoteIdent(t.name);
    const cols = t.columns.map(quoteIdent).join(', ');
    const keyCol = quoteIdent(t.key);
    const seen = new Set<string>();
    const add = (raw: Record<string, unknown>, matched: string, concept: Concept | 'key'): void => {
      const values: RecordValues = {};
      for (const c of t.columns) values[c] = shownValue(raw[c]);
      const key = values[t.key!] ?? null;
      const id = String(key);
      if (key === null || seen.has(id)) return;
      seen.add(id);
      const label = labelOf(t, values, key);
      hits.push({
        match: { table: t.name, type: t.type, key, label, matched, values },
        rank: rank(values[matched] ?? null, text, concept),
      });
    };
    const byKey = db
      .prepare(`SELECT ${cols} FROM ${schema}.${q} WHERE ${keyCol} = ?`)
      .safeIntegers(true)
      .all(text) as Record<string, unknown>[];
    for (const row of byKey) add(row, t.key, 'key');
    if (t.fields.length === 0) continue;
    const where = t.fields
      .map((f) => {
        const c = quoteIdent(f.column);
        const plain = `${c} LIKE @like ESCAPE '\\'`;
        return f.concept === 'phone' && asPhone ? `${plain} OR ${digitsOf(c)} LIKE @digits` : plain;
      })
      .join(' OR ');
    const rows = db
      .prepare(`SELECT ${cols} FROM ${schema}.${q} WHERE ${where} LIMIT ${limit}`)
      .safeIntegers(true)
      .all({ like, ...(asPhone ? { digits: `%${digits}%` } : {}) }) as Record<string, unknown>[];
    for (const row of rows) {
      const field = t.fields.find((f) => found(shownValue(row[f.column]), text, f.concept));
      if (field) add(row, field.column, field.concept);
    }
  }
  return hits
    .sort((a, b) => a.rank - b.rank)
    .slice(0, limit)
    .map((h) => h.match);
}

export interface BackupSearch {
  readonly snapshotId: string;
  readonly time: string;
  readonly matches: RecordMatch[];
  /** With `liveDb`: the same search in the live database. */
  readonly live?: { readonly database: string; readonly matches: RecordMatch[] };
}

function hasTable(db: Database.Database, table: string): boolean {
  return !!db
    .prepare("SELECT 1 FROM snap.sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE")
    .get(table);
}

/** Runs `search` on a database file attached read-only as `snap`. */
export function inDatabase<T>(file: string, search: (db: Database.Database) => T): T {
  return readingDatabase(file, search, file);
}

/**
 * Searches the newest backup that holds the data asked for (rebuilt once into `cacheDir`, or a
 * work folder of this call) and, with `liveDb`, the live database.
 */
export async function searchBackup(
  dest: string,
  credential: Credential,
  query: RecordQuery,
  opts: { liveDb?: string; cacheDir?: string } = {},
): Promise<BackupSearch> {
  const liveDb = opts.liveDb === undefined ? undefined : path.resolve(opts.liveDb);
  if (liveDb) await readSourceHeader(liveDb);
  const repo = await Repository.open(path.resolve(dest), credential);
  const m = (await newestHolding(repo, query.type ? [query.type] : null)).manifest;
  const folder = opts.cacheDir ?? (await makeWorkDir('record'));
  try {
    const file = await withLock(repo.layout, 'record', false, () =>
      new RebuiltSnapshots(folder).file(repo, m),
    );
    const matches = inDatabase(file, (db) => searchRecords(db, 'snap', query));
    // A table the live database no longer has simply has no matches there.
    const live = liveDb
      ? {
          database: liveDb,
          matches: inDatabase(liveDb, (db) =>
            query.table !== undefined && !hasTable(db, query.table)
              ? []
              : searchRecords(db, 'snap', query),
          ),
        }
      : undefined;
    return { snapshotId: m.id, time: m.time, matches, ...(live ? { live } : {}) };
  } finally {
    if (!opts.cacheDir) await removeWorkDir(folder);
  }
}
