/**
 * What a restore would change, before anything is written: per table and data type the rows it
 * brings back, takes away and changes, with a few example rows in shop words, the row count each
 * table will have afterwards (the window checks the restore against it), and the warnings that
 * apply. Everything is from the owner's side, what happens to the live database: "added" are
 * rows the restore adds back, the opposite of a diff's "added". Warnings are data, not English:
 * the window says them in the owner's language.
 *
 * It follows what restore.ts and records.ts do: a whole restore replaces every table and the
 * AUTOINCREMENT counters with the backup's; a restore of data types replaces their tables and
 * keeps the counters ahead; a record restore only updates the record and inserts missing rows
 * that go with it. Rows kept by "keep today's sales" (keep-new) are the live rows the backup
 * lacks, in the tables of the kept types.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { DATA_TYPES, type DataType } from '../data-types.js';
import { TillvaultError } from '../errors.js';
import type { Manifest } from '../repository/manifest.js';
import { classifyTables } from '../source/classify/classify.js';
import { COLUMN_LEXICON, NAME_LEXICON } from '../source/classify/lexicon.js';
import { latinTokens, Matcher } from '../source/classify/words.js';
import { readingDatabase } from '../source/live-sidecars.js';
import { businessSummary, readTableShapes } from '../source/schema.js';
import { quoteIdent, readSourceHeader } from '../source/sqlite-source.js';
import { shadowOwners, virtualTables } from '../source/virtual-tables.js';
import { holdsNeeded } from './choice.js';
import { checkRecords, keyOf, MAX_DEPTH, tableLinks, type RecordRef } from './records.js';
import {
  absentFrom,
  changedRows,
  columns,
  countMatches,
  matchRows,
  rowCount,
  tableExists,
  type Column,
  type RowMatch,
  type Side,
} from './row-match.js';

export type Cell = string | number | null;

export interface PreviewExample {
  /** back: the restore adds it back; gone: it is there now and goes; changed: other values. */
  readonly kind: 'back' | 'gone' | 'changed';
  readonly key: string | number | null;
  readonly label: string;
  /** For `changed`: the fields that differ, as they are now and as the backup has them. */
  readonly fields?: { column: string; now: Cell; then: Cell }[];
}

export interface PreviewTable {
  readonly table: string;
  readonly type: DataType;
  readonly rowsNow: number;
  /** The row count the table has once the restore is done. */
  readonly rowsAfter: number;
  /** Rows the restore adds back (in the backup, not in the database now). */
  readonly added: number;
  /** Rows there now that the restore takes away. */
  readonly removed: number;
  readonly changed: number;
  /** Rows added since the backup that keep-new keeps: in rowsAfter, not in removed. */
  readonly kept: number;
  /** Key-less tables have none: their rows cannot be named. */
  readonly examples: PreviewExample[];
}

export interface PreviewTypeTotals {
  readonly type: DataType;
  readonly rowsNow: number;
  readonly rowsAfter: number;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

export type PreviewWarning =
  /** Rows of sales tables that the restore removes and keep-new does not keep. */
  | { kind: 'sales-lost'; rows: number; since: string; lastSaleNow: string | null }
  /** A whole restore puts the backup's AUTOINCREMENT counter (sqlite_sequence) back. */
  | { kind: 'counter-back'; table: string; then: number; now: number }
  /** The largest receipt, order or shift number goes back to what it was. */
  | { kind: 'receipt-back'; table: string; column: string; then: number; now: number }
  /**
   * A partial backup lacks data types the database has. Restoring its types leaves those as
   * they are; a whole restore from it is refused (as restoreInto refuses it).
   */
  | { kind: 'fewer-types'; missing: DataType[] }
  /** Tables a whole restore drops: the database has them, the backup does not. */
  | { kind: 'tables-gone'; tables: string[] }
  /** Tables the restore creates again: the backup has them, the database not any more. */
  | { kind: 'tables-back'; tables: string[] };

export interface RestorePreview {
  readonly snapshotId: string;
  readonly time: string;
  readonly tables: PreviewTable[];
  readonly types: PreviewTypeTotals[];
  readonly warnings: PreviewWarning[];
}

export interface PreviewWhat {
  /** The data types restored, or null for the whole database (when `records` is null). */
  readonly types: readonly DataType[] | null;
  readonly records: readonly RecordRef[] | null;
  /** Data types whose rows added since the backup are kept (keep today's sales). */
  readonly keepNew: readonly DataType[] | null;
}

export interface PreviewOptions {
  /** Example rows per kind and table; 3 unless given. */
  readonly examples?: number;
}

const TEXT_SHOWN = 80;

/** A value as the window shows it: blobs by their size, long text cut. */
function shown(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return `<${v.length} bytes>`;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const s = String(v);
  return s.length > TEXT_SHOWN ? `${s.slice(0, TEXT_SHOWN)}…` : s;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}

/** Name columns as the classifier's lexicon knows them, and the plain words for a name. */
const identity = COLUMN_LEXICON.identity;
const nameWords = new Matcher({
  name: {
    words: ['name', 'title', 'namn', 'navn', ...identity.words.filter((w) => w.endsWith('name'))],
    pinyin: ['mingcheng', 'mingzi', ...(identity.pinyin ?? []).filter((w) => w === 'xingming')],
    han: ['名称', '名字', '品名', ...(identity.han ?? []).filter((w) => w === '姓名')],
  },
});

/** Words of a sale (receipt, order, ticket, shift, 小票…) that a number column is named by. */
const saleWords = new Matcher({
  sales: {
    words: NAME_LEXICON.sales.words,
    pinyin: NAME_LEXICON.sales.pinyin,
    han: NAME_LEXICON.sales.han,
  },
});
const NUMBER_WORDS = new Set([
  'no',
  'nr',
  'nummer',
  'numero',
  'hao',
  ...COLUMN_LEXICON.count.words.filter((w) => w.startsWith('num')),
]);

/** receipt_no, ticketNumber, order_num, 单号: the number a sale is known by. */
function isReceiptColumn(name: string): boolean {
  return (
    saleWords.hits(name).length > 0 &&
    (latinTokens(name).some((t) => NUMBER_WORDS.has(t)) || name.includes('号'))
  );
}

/** How rows of a table are named: name-like columns, else its receipt number, else its key. */
function labelColumns(cols: readonly Column[]): string[] {
  const visible = cols.filter((c) => c.hidden === 0 && !/blob/i.test(c.type));
  const names = visible.filter((c) => nameWords.hits(c.name).length > 0).slice(0, 2);
  if (names.length > 0) return names.map((c) => c.name);
  return visible
    .filter((c) => isReceiptColumn(c.name))
    .map((c) => c.name)
    .slice(0, 1);
}

/** Reads example rows selected by `from`, a FROM…WHERE over alias `r`, as keys and labels. */
function exampleRows(
  db: Database.Database,
  kind: 'back' | 'gone',
  from: string,
  key: readonly string[],
  labels: readonly string[],
  limit: number,
  params: readonly unknown[] = [],
): PreviewExample[] {
  if (limit <= 0 || key.length === 0) return [];
  const pick = [
    ...key.map((k, i) => `r.${quoteIdent(k)} AS "k${i}"`),
    ...labels.map((c, i) => `r.${quoteIdent(c)} AS "l${i}"`),
  ];
  const order = key.map((k) => `r.${quoteIdent(k)} DESC`).join(', ');
  // Newest first: rows made since are at the end of the key order, and a scan stops early.
  const rows = db
    .prepare(`SELECT ${pick.join(', ')} ${from} ORDER BY ${order} LIMIT ${limit}`)
    .all(...params) as Record<string, unknown>[];
  return rows.map((row) => named(kind, row, key.length, labels.length));
}

function named(
  kind: PreviewExample['kind'],
  row: Record<string, unknown>,
  keys: number,
  labels: number,
): PreviewExample {
  const keyCells = Array.from({ length: keys }, (_, i) => shown(row[`k${i}`]));
  const key = keyCells.length === 1 ? keyCells[0]! : keyCells.map(String).join(' / ');
  const label = Array.from({ length: labels }, (_, i) => shown(row[`l${i}`]))
    .filter((v) => v !== null && v !== '')
    .join(' ');
  return { kind, key, label: label || String(key) };
}

/**
 * Rows whose values differ, with the fields that do. `from` is changedRows() (aliases s and m),
 * perhaps narrowed further with `params`.
 */
function changedExamples(
  db: Database.Database,
  match: RowMatch,
  labels: readonly string[],
  limit: number,
  from: string,
  params: readonly unknown[] = [],
): PreviewExample[] {
  if (limit <= 0) return [];
  const pick = [
    ...match.key.map((k, i) => `m.${quoteIdent(k)} AS "k${i}"`),
    ...labels.map((c, i) => `m.${quoteIdent(c)} AS "l${i}"`),
    ...match.values.flatMap((c, i) => [
      `m.${quoteIdent(c)} AS "n${i}"`,
      `s.${quoteIdent(c)} AS "t${i}"`,
    ]),
  ];
  const rows = db
    .prepare(`SELECT ${pick.join(', ')} ${from} LIMIT ${limit}`)
    .all(...params) as Record<string, unknown>[];
  return rows.map((row) => ({
    ...named('changed', row, match.key.length, labels.length),
    fields: match.values.flatMap((column, i) =>
      sameValue(row[`n${i}`], row[`t${i}`])
        ? []
        : [{ column, now: shown(row[`n${i}`]), then: shown(row[`t${i}`]) }],
    ),
  }));
}

interface Scope {
  readonly db: Database.Database;
  readonly m: Manifest;
  readonly keep: ReadonlySet<DataType>;
  readonly examples: number;
  readonly whole: boolean;
  /** Virtual tables (lower case): keep-new holds rows of plain tables only. */
  readonly virtual: ReadonlySet<string>;
}

interface TablePlan extends PreviewTable {
  readonly match: RowMatch | null;
}

function keyColumns(db: Database.Database, side: Side, table: string): string[] {
  return columns(db, side, table)
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
}

/** A table only one side has: the whole table comes back, or goes. */
function oneSided(s: Scope, table: string, type: DataType, side: Side): TablePlan {
  const rows = rowCount(s.db, side, table);
  const key = keyColumns(s.db, side, table);
  const kind = side === 'snap' ? 'back' : 'gone';
  const examples =
    key.length > 0
      ? exampleRows(
          s.db,
          kind,
          `FROM ${side}.${quoteIdent(table)} r`,
          key,
          labelColumns(columns(s.db, side, table)),
          s.examples,
        )
      : [];
  return {
    table,
    type,
    rowsNow: side === 'main' ? rows : 0,
    rowsAfter: side === 'snap' ? rows : 0,
    added: side === 'snap' ? rows : 0,
    removed: side === 'main' ? rows : 0,
    changed: 0,
    examples,
    kept: 0,
    match: null,
  };
}

/**
 * The rows keep-new holds that the restored table refuses, as a condition on alias r: a
 * backed-up row has the same values in a unique index (a receipt number the till used again).
 * They are clashes, not written. Null when no unique index can refuse one.
 */
function refusedWhere(s: Scope, match: RowMatch): string | null {
  const t = quoteIdent(match.table);
  const shared = new Set(match.common.filter((c) => c.hidden === 0).map((c) => c.name));
  // The restored table has the backup's schema after a whole restore, its own after one by types.
  const sets = clashes(s.db, s.whole ? 'snap' : 'main', match.table, shared).filter(
    (cols) => cols.join('\0') !== match.key.join('\0'),
  );
  if (sets.length === 0) return null;
  const same = (cols: readonly string[]): string =>
    cols.map((c) => `b.${quoteIdent(c)} = r.${quoteIdent(c)}`).join(' AND ');
  return `(${sets.map((cols) => `EXISTS (SELECT 1 FROM snap.${t} b WHERE ${same(cols)})`).join(' OR ')})`;
}

function replacedTable(s: Scope, table: string, type: DataType): TablePlan {
  const inLive = tableExists(s.db, 'main', table);
  const inSnap = tableExists(s.db, 'snap', table);
  if (!inLive) return oneSided(s, table, type, 'snap');
  if (!inSnap) return oneSided(s, table, type, 'main');
  const match = matchRows(s.db, table);
  const counts = countMatches(s.db, match);
  const rowsNow = rowCount(s.db, 'main', table);
  const rowsThen = rowCount(s.db, 'snap', table);
  const held = s.keep.has(type) && !s.virtual.has(table.toLowerCase()) ? counts.inLiveOnly : 0;
  const liveOnly = absentFrom(match, 'main', 'snap', 'r');
  const refused = held > 0 ? refusedWhere(s, match) : null;
  // With keep-new, the rows that go are only those refused; without, every row the backup lacks.
  const gone = held > 0 ? (refused ? `${liveOnly} AND ${refused}` : null) : liveOnly;
  const refusedRows = refused
    ? (s.db.prepare(`SELECT count(*) AS n ${liveOnly} AND ${refused}`).get() as { n: number }).n
    : 0;
  const kept = held - refusedRows;
  const removed = counts.inLiveOnly - kept;
  const examples: PreviewExample[] = [];
  if (match.key.length > 0) {
    const labels = labelColumns(match.common);
    if (counts.inBackupOnly > 0)
      examples.push(
        ...exampleRows(
          s.db,
          'back',
          absentFrom(match, 'snap', 'main', 'r'),
          match.key,
          labels,
          s.examples,
        ),
      );
    if (removed > 0 && gone)
      examples.push(...exampleRows(s.db, 'gone', gone, match.key, labels, s.examples));
    const changed = changedRows(match);
    if (counts.changed > 0 && changed)
      examples.push(...changedExamples(s.db, match, labels, s.examples, changed));
  }
  return {
    table,
    type,
    rowsNow,
    rowsAfter: rowsThen + kept,
    added: counts.inBackupOnly,
    removed,
    changed: counts.changed,
    examples,
    kept,
    match,
  };
}

/**
 * The largest number in a column among the rows `from` picks (a FROM … WHERE over alias r):
 * integers, and text made only of digits ("00001234"), which POS software pads to one width, so
 * the largest text is the largest number. Both reads walk an index on the column from its top
 * where there is one, instead of reading the table.
 */
function largestIn(db: Database.Database, from: string, column: string): number | null {
  const c = `r.${quoteIdent(column)}`;
  const top = (where: string): unknown =>
    (
      db.prepare(`SELECT ${c} AS v ${from} AND ${where} ORDER BY ${c} DESC LIMIT 1`).get() as
        { v: unknown } | undefined
    )?.v;
  const found = [
    top(`${c} < ''`),
    top(`${c} >= '' AND ${c} < X'' AND ${c} <> '' AND ${c} NOT GLOB '*[^0-9]*'`),
  ]
    .map((v) => (v === undefined || v === null ? NaN : Math.trunc(Number(v))))
    .filter((n) => Number.isFinite(n));
  return found.length > 0 ? Math.max(...found) : null;
}

/** Rows added since that keep-new keeps: the live rows the backup lacks. */
const keptRows = (plan: TablePlan): string | null =>
  plan.kept > 0 && plan.match ? absentFrom(plan.match, 'main', 'snap', 'r', false) : null;

/** The largest number in a column now, and once the restore is done (kept rows included). */
function largest(
  s: Scope,
  plan: TablePlan,
  column: string,
): { now: number | null; then: number | null } {
  const t = quoteIdent(plan.table);
  const now = largestIn(s.db, `FROM main.${t} r WHERE 1`, column);
  const backup = largestIn(s.db, `FROM snap.${t} r WHERE 1`, column);
  const kept = keptRows(plan);
  if (now === null || (backup !== null && backup >= now) || !kept) return { now, then: backup };
  const keptTop = largestIn(s.db, kept, column);
  return { now, then: keptTop === null ? backup : Math.max(backup ?? keptTop, keptTop) };
}

/** The number a sale is known by: a receipt/order/shift number column, else its integer key. */
function receiptColumn(db: Database.Database, table: string): string | null {
  const cols = columns(db, 'main', table);
  const named = cols.find((c) => c.hidden === 0 && isReceiptColumn(c.name));
  if (named) return named.name;
  const key = cols.filter((c) => c.pk > 0);
  return key.length === 1 && /^integer$/i.test(key[0]!.type) ? key[0]!.name : null;
}

function receiptWarnings(s: Scope, plans: readonly TablePlan[]): PreviewWarning[] {
  return plans.flatMap((plan): PreviewWarning[] => {
    // Every row there now stays as it is, so no number can go back.
    if (plan.type !== 'sales' || !plan.match || plan.removed + plan.changed === 0) return [];
    const column = receiptColumn(s.db, plan.table);
    if (!column || !plan.match.common.some((c) => c.name === column)) return [];
    const { now, then } = largest(s, plan, column);
    return now !== null && (then ?? 0) < now
      ? [{ kind: 'receipt-back', table: plan.table, column, then: then ?? 0, now }]
      : [];
  });
}

function sequences(db: Database.Database, side: Side): Map<string, number> {
  const has = db
    .prepare(
      `SELECT 1 FROM ${side}.sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`,
    )
    .get();
  if (!has) return new Map();
  const rows = db.prepare(`SELECT name, seq FROM ${side}.sqlite_sequence`).all() as {
    name: string;
    seq: number;
  }[];
  return new Map(rows.map((r) => [r.name, Number(r.seq)]));
}

/**
 * A whole restore writes the backup's sqlite_sequence over the live one (a restore of data types
 * keeps the live counters, so they never go back). Kept rows move a counter past themselves.
 */
function counterWarnings(s: Scope, plans: readonly TablePlan[]): PreviewWarning[] {
  if (!s.whole) return [];
  const now = sequences(s.db, 'main');
  const then = sequences(s.db, 'snap');
  return plans.flatMap((plan): PreviewWarning[] => {
    const live = now.get(plan.table);
    if (live === undefined || !plan.match) return [];
    let after = then.get(plan.table) ?? 0;
    const key = plan.match.key;
    const kept = keptRows(plan);
    if (after < live && kept && key.length === 1) {
      after = Math.max(after, largestIn(s.db, kept, key[0]!) ?? 0);
    }
    return after < live
      ? [{ kind: 'counter-back', table: plan.table, then: after, now: live }]
      : [];
  });
}

function salesLost(
  s: Scope,
  plans: readonly TablePlan[],
  classified: Classified[],
): PreviewWarning[] {
  const rows = plans.filter((p) => p.type === 'sales').reduce((n, p) => n + p.removed, 0);
  if (rows === 0) return [];
  return [
    {
      kind: 'sales-lost',
      rows,
      since: s.m.time,
      lastSaleNow: businessSummary(s.db, classified).lastSaleAt,
    },
  ];
}

interface Classified {
  table: string;
  type: DataType;
}

/** Every table of the live database with its type: the backup's where it has the table. */
function liveTables(db: Database.Database, m: Manifest): Classified[] {
  const backedUp = new Map(m.tables.map((t) => [t.name, t.type]));
  return classifyTables(readTableShapes(db)).map((c) => ({
    table: c.table,
    type: backedUp.get(c.table) ?? c.type,
  }));
}

function totals(plans: readonly PreviewTable[], mirrors: ReadonlySet<string>): PreviewTypeTotals[] {
  // A search index over another table changes with it: counting both says a member twice.
  const counted = plans.filter((p) => !mirrors.has(p.table.toLowerCase()));
  return DATA_TYPES.flatMap((type) => {
    const of = counted.filter((p) => p.type === type);
    if (of.length === 0) return [];
    const sum = (k: 'rowsNow' | 'rowsAfter' | 'added' | 'removed' | 'changed'): number =>
      of.reduce((n, p) => n + p[k], 0);
    return [
      {
        type,
        rowsNow: sum('rowsNow'),
        rowsAfter: sum('rowsAfter'),
        added: sum('added'),
        removed: sum('removed'),
        changed: sum('changed'),
      },
    ];
  });
}

function publicTable(plan: TablePlan): PreviewTable {
  const { table, type, rowsNow, rowsAfter, added, removed, changed, kept, examples } = plan;
  return { table, type, rowsNow, rowsAfter, added, removed, changed, kept, examples };
}

/** The same refusals restoreInto makes, so a preview never shows a restore that cannot run. */
function checkWhat(m: Manifest, what: PreviewWhat): void {
  if (what.records && what.types) {
    throw new TillvaultError('BAD_INPUT', 'Restore either data types or records, not both.');
  }
  if (what.records && what.keepNew) {
    throw new TillvaultError(
      'BAD_INPUT',
      'A record restore deletes nothing, so there is nothing to keep: leave out keep-new.',
    );
  }
  const notRestored = (what.keepNew ?? []).filter((t) => what.types && !what.types.includes(t));
  if (notRestored.length > 0) {
    throw new TillvaultError(
      'BAD_INPUT',
      `${notRestored.join(', ')} ${notRestored.length === 1 ? 'is' : 'are'} not being restored, so ${notRestored.length === 1 ? 'it stays' : 'they stay'} as ${notRestored.length === 1 ? 'it is' : 'they are'} anyway.`,
    );
  }
  if (!what.records && !holdsNeeded(m, what.types)) {
    const missing = what.types ? what.types.filter((t) => !m.types.includes(t)) : [];
    throw new TillvaultError(
      'BAD_INPUT',
      `Backup ${m.id} holds only ${m.types.join(', ') || 'no data'}; choose those types to restore.${missing.length > 0 ? ` It has no ${missing.join(', ')}.` : ''}`,
    );
  }
}

function previewTables(s: Scope, what: PreviewWhat): RestorePreview {
  const { db, m } = s;
  const virtual = [...virtualTables(db, 'main'), ...virtualTables(db, 'snap')];
  const shadows = shadowOwners(virtual);
  const mirrors = new Set(virtual.filter((v) => v.contentTable).map((v) => v.name.toLowerCase()));
  const named = (t: string): boolean => !shadows.has(t.toLowerCase());
  const live = liveTables(db, m);
  const inBackup = new Set(m.tables.map((t) => t.name));
  const wanted = m.tables.filter(
    (t) => named(t.name) && (what.types === null || what.types.includes(t.type)),
  );
  const plans = wanted.map((t) => replacedTable(s, t.name, t.type));
  // Only a whole restore drops what the backup lacks; a restore of types leaves other tables be.
  const gone = s.whole
    ? live
        .filter((t) => named(t.table) && !inBackup.has(t.table))
        .map((t) => replacedTable(s, t.table, t.type))
    : [];
  const all = [...plans, ...gone];
  const warnings: PreviewWarning[] = [
    ...salesLost(s, all, live),
    ...counterWarnings(s, all),
    ...receiptWarnings(s, all),
  ];
  const missing = DATA_TYPES.filter(
    (t) => !m.types.includes(t) && live.some((c) => c.type === t && named(c.table)),
  );
  if (!m.complete && missing.length > 0) warnings.push({ kind: 'fewer-types', missing });
  if (gone.length > 0) warnings.push({ kind: 'tables-gone', tables: gone.map((p) => p.table) });
  const back = wanted.filter((t) => !tableExists(db, 'main', t.name)).map((t) => t.name);
  if (back.length > 0) warnings.push({ kind: 'tables-back', tables: back });
  return {
    snapshotId: m.id,
    time: m.time,
    tables: all.map(publicTable),
    types: totals(all, mirrors),
    warnings,
  };
}

/** Rows of `snap.T` picked by a condition, as putBackRecords walks them. */
interface Selection {
  readonly table: string;
  readonly where: string;
  readonly params: readonly unknown[];
}

const tuple = (cols: readonly string[]): string =>
  cols.length === 1 ? quoteIdent(cols[0]!) : `(${cols.map(quoteIdent).join(', ')})`;

/**
 * The rows a record restore reads from the backup, table by table, in putBackRecords' order:
 * the records, what belongs to them a few levels down (each table once per record table), and
 * the rows those point at.
 */
function recordSelections(db: Database.Database, refs: readonly RecordRef[]): Selection[] {
  const links = tableLinks(db, 'snap');
  const out: Selection[] = [];
  for (const ref of refs) {
    const key = quoteIdent(keyOf(db, ref.table));
    const root: Selection = {
      table: ref.table,
      where: `${key} IN (${ref.keys.map(() => '?').join(', ')})`,
      params: [...ref.keys],
    };
    const picked: Selection[] = [root];
    let level = [root];
    const seen = new Set([ref.table]);
    for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
      const next: Selection[] = [];
      for (const s of level) {
        for (const fk of links.filter((f) => f.parent === s.table && !seen.has(f.child))) {
          seen.add(fk.child);
          next.push({
            table: fk.child,
            where: `${tuple(fk.from)} IN (SELECT ${fk.to.map(quoteIdent).join(', ')} FROM snap.${quoteIdent(s.table)} WHERE ${s.where})`,
            params: s.params,
          });
        }
      }
      picked.push(...next);
      level = next;
    }
    const parents = picked.flatMap((s) =>
      links
        .filter((f) => f.child === s.table && f.parent !== s.table)
        .map((fk) => ({
          table: fk.parent,
          where: `${tuple(fk.to)} IN (SELECT ${fk.from.map(quoteIdent).join(', ')} FROM snap.${quoteIdent(s.table)} WHERE ${s.where})`,
          params: s.params,
        })),
    );
    out.push(...picked, ...parents);
  }
  return out;
}

/**
 * What makes an insert into table T fail (or INSERT OR IGNORE skip the row) under the schema of
 * `side`: a row with the same primary key or the same values in a unique index (NULLs never
 * clash). Columns the inserted rows lack cannot clash.
 */
function clashes(
  db: Database.Database,
  side: Side,
  table: string,
  shared: ReadonlySet<string>,
): string[][] {
  const sets: string[][] = [];
  const pk = keyColumns(db, side, table);
  if (pk.length > 0) sets.push(pk);
  const indexes = db.prepare(`PRAGMA ${side}.index_list(${quoteIdent(table)})`).all() as {
    name: string;
    unique: number;
    partial: number;
  }[];
  for (const idx of indexes.filter((i) => i.unique === 1 && i.partial === 0)) {
    const cols = (
      db.prepare(`PRAGMA ${side}.index_info(${quoteIdent(idx.name)})`).all() as {
        name: string | null;
      }[]
    ).map((c) => c.name);
    if (cols.every((c): c is string => c !== null)) sets.push(cols);
  }
  return sets.filter((cols) => cols.every((c) => shared.has(c)));
}

function recordTable(
  s: Scope,
  table: string,
  type: DataType,
  selections: readonly Selection[],
  records: readonly RecordRef[],
): PreviewTable {
  const { db } = s;
  const t = quoteIdent(table);
  const liveCols = new Set(
    columns(db, 'main', table)
      .filter((c) => c.hidden === 0)
      .map((c) => c.name),
  );
  const snapCols = columns(db, 'snap', table);
  const shared = snapCols.filter((c) => c.hidden === 0 && liveCols.has(c.name)).map((c) => c.name);
  const refusing = clashes(db, 'main', table, new Set(shared));
  // A table without a key or unique index gets only rows it does not hold (records.ts).
  const byContent = refusing.length === 0 && shared.length > 0;
  const op = byContent ? 'IS' : '=';
  const notThere = (byContent ? [shared] : refusing)
    .map(
      (cols) =>
        `NOT EXISTS (SELECT 1 FROM main.${t} y WHERE ${cols.map((c) => `y.${quoteIdent(c)} ${op} r.${quoteIdent(c)}`).join(' AND ')})`,
    )
    .join(' AND ');
  const from = `FROM snap.${t} r WHERE (${selections.map((x) => `(${x.where})`).join(' OR ')})${notThere ? ` AND ${notThere}` : ''}`;
  const params = selections.flatMap((x) => x.params);
  const added = (db.prepare(`SELECT count(*) AS n ${from}`).get(...params) as { n: number }).n;
  const rowsNow = rowCount(db, 'main', table);
  const key = keyColumns(db, 'snap', table);
  const labels = labelColumns(snapCols.filter((c) => liveCols.has(c.name)));
  const examples: PreviewExample[] = [];
  if (added > 0) examples.push(...exampleRows(db, 'back', from, key, labels, s.examples, params));
  // The records themselves are updated in place where they still exist: those whose values differ.
  const keys = records.filter((r) => r.table === table).flatMap((r) => r.keys);
  let changed = 0;
  if (keys.length > 0) {
    const match: RowMatch = {
      ...matchRows(db, table),
      values: shared.filter((c) => !key.includes(c)),
    };
    const differ = changedRows(match);
    if (differ) {
      const only = `${differ} AND s.${quoteIdent(key[0]!)} IN (${keys.map(() => '?').join(', ')})`;
      changed = (db.prepare(`SELECT count(*) AS n ${only}`).get(...keys) as { n: number }).n;
      if (changed > 0) examples.push(...changedExamples(db, match, labels, s.examples, only, keys));
    }
  }
  return {
    table,
    type,
    rowsNow,
    rowsAfter: rowsNow + added,
    added,
    removed: 0,
    changed,
    kept: 0,
    examples,
  };
}

/** A record restore: only the rows it would write; it never removes any. */
function previewRecords(s: Scope, records: readonly RecordRef[]): RestorePreview {
  const { db, m } = s;
  const typeOf = new Map(m.tables.map((t) => [t.name, t.type]));
  for (const r of records) {
    if (!typeOf.has(r.table))
      throw new TillvaultError('BAD_INPUT', `Backup ${m.id} has no table ${r.table}.`);
  }
  checkRecords(db, records);
  const selections = recordSelections(db, records);
  const tables = [...new Set(selections.map((x) => x.table))];
  const plans = tables
    .map((table) =>
      recordTable(
        s,
        table,
        typeOf.get(table) ?? 'other',
        selections.filter((x) => x.table === table),
        records,
      ),
    )
    .filter((p) => p.added + p.changed > 0 || records.some((r) => r.table === p.table));
  return {
    snapshotId: m.id,
    time: m.time,
    tables: plans,
    types: totals(plans, new Set()),
    warnings: [],
  };
}

/**
 * The preview on a connection with the live database as `main` and the rebuilt backup attached
 * as `snap`, opened by the caller; read in one transaction, so a till writing meanwhile cannot
 * skew the counts.
 */
export function previewRestore(
  db: Database.Database,
  m: Manifest,
  what: PreviewWhat,
  opts: PreviewOptions = {},
): RestorePreview {
  checkWhat(m, what);
  const s: Scope = {
    db,
    m,
    keep: new Set(what.keepNew ?? []),
    examples: Math.max(0, Math.floor(opts.examples ?? 3)),
    whole: !what.types && !what.records,
    virtual: new Set(
      [...virtualTables(db, 'main'), ...virtualTables(db, 'snap')].map((v) => v.name.toLowerCase()),
    ),
  };
  const run = (): RestorePreview =>
    what.records ? previewRecords(s, what.records) : previewTables(s, what);
  return db.inTransaction ? run() : db.transaction(run)();
}

/**
 * Opens the live database read-only (the POS may be writing), attaches the rebuilt backup,
 * previews, and closes everything, leaving no -wal/-shm beside either file that was not there.
 */
export async function previewRestoreFiles(
  liveDb: string,
  rebuilt: string,
  m: Manifest,
  what: PreviewWhat,
  opts: PreviewOptions = {},
): Promise<RestorePreview> {
  const file = path.resolve(liveDb);
  const backupFile = path.resolve(rebuilt);
  await readSourceHeader(file);
  return readingDatabase(file, (db) => previewRestore(db, m, what, opts), backupFile);
}
