/**
 * Reads what a shop database contains, in the terms people recognise a backup by: tables with
 * their sizes, and "how many members, how many sales, when was the last sale". Works on any
 * SQLite schema the POS vendor chose, so every guess here falls back to null instead of throwing.
 */
import type Database from 'better-sqlite3';
import type { DataType } from '../data-types.js';
import { quoteIdent } from './sqlite-source.js';

/** A column as the classifier sees it: its name and declared type ("INTEGER", "decimal(10,2)"). */
export interface ColumnShape {
  name: string;
  type: string;
}

/** What a table is made of, without reading its rows: enough to guess what it holds. */
export interface TableShape {
  name: string;
  columns: ColumnShape[];
  /** Declared foreign keys: this table's column and the table it points at. */
  references: { column: string; table: string }[];
}

export interface TableInfo extends TableShape {
  rows: number;
  bytes: number | null;
}

export interface BusinessSummary {
  members: number | null;
  sales: number | null;
  lastSaleAt: string | null;
  /** Absent when no products table is recognised (and in backups made before products counted). */
  products?: ProductSummary;
}

/** The products and their prices, enough to notice a bulk price change in the next backup. */
export interface ProductSummary {
  count: number;
  /** The prices added up, in the POS's own unit (cents, kronor); null without a price column. */
  priceSum: number | null;
  /**
   * The same few products in every backup (those whose key hashes lowest), each as 4 bytes of
   * key hash and 4 of price hash, base64: a later backup tells from it what share of prices
   * changed without the old database. Null without a price column.
   */
  priceSample: string | null;
}

/** Products in the price sample: 2 KiB in the manifest, the share changed within a few percent. */
export const PRICE_SAMPLE = 256;

function userTableNames(db: Database.Database): string[] {
  return (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((r) => r.name);
}

/** Pages used by each table together with its indexes; null when dbstat is not compiled in. */
function bytesByTable(db: Database.Database): Map<string, number> | null {
  try {
    const rows = db
      .prepare(
        `SELECT m.tbl_name AS name, SUM(s.pgsize) AS bytes
         FROM dbstat AS s JOIN sqlite_master AS m ON m.name = s.name
         WHERE s.aggregate = TRUE GROUP BY m.tbl_name`,
      )
      .all() as { name: string; bytes: number }[];
    return new Map(rows.map((r) => [r.name, r.bytes]));
  } catch {
    return null;
  }
}

/**
 * Names, columns and foreign keys of every user table (not sqlite_sequence and friends), from the
 * schema alone: milliseconds even on a big till database, and no read lock on its rows. A virtual
 * table whose module this SQLite lacks is listed with no columns: its name still says something.
 */
export function readTableShapes(db: Database.Database): TableShape[] {
  const columns = db.prepare('SELECT name, type FROM pragma_table_info(?)');
  const keys = db.prepare(
    'SELECT "from" AS column, "table" AS target FROM pragma_foreign_key_list(?)',
  );
  return userTableNames(db).map((name) => {
    try {
      return {
        name,
        columns: columns.all(name) as ColumnShape[],
        references: (keys.all(name) as { column: string; target: string }[]).map((k) => ({
          column: k.column,
          table: k.target,
        })),
      };
    } catch {
      return { name, columns: [], references: [] };
    }
  });
}

/**
 * User tables with their rows and, unless `sizes: false`, the bytes they take. A table that
 * cannot be read (a virtual table whose module this SQLite lacks) has 0 rows, so that callers
 * deciding what to keep still see it. dbstat reads every page: a backup does not need the bytes.
 */
export function describeTables(db: Database.Database, opts: { sizes?: boolean } = {}): TableInfo[] {
  const sizes = opts.sizes === false ? null : bytesByTable(db);
  return readTableShapes(db).map((shape) => {
    const bytes = sizes ? (sizes.get(shape.name) ?? 0) : null;
    try {
      const { n } = db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(shape.name)}`).get() as {
        n: number;
      };
      return { ...shape, rows: n, bytes };
    } catch {
      return { ...shape, columns: [], rows: 0, bytes: null };
    }
  });
}

interface Candidate {
  table: string;
  columns: { name: string; declared: string }[];
  /** Lower-cased names of the other tables whose foreign keys point at this one. */
  referencedBy: string[];
}

/**
 * Each table's foreign-key targets, lower-cased (SQLite compares table names that way). A
 * table that cannot be inspected (unknown virtual table module) just has none.
 */
function foreignKeys(db: Database.Database, tables: string[]): Map<string, string[]> {
  const stmt = db.prepare('SELECT "table" AS target FROM pragma_foreign_key_list(?)');
  const targets = (t: string): string[] => {
    try {
      return (stmt.all(t) as { target: string }[]).map((r) => r.target.toLowerCase());
    } catch {
      return [];
    }
  };
  return new Map(tables.map((t) => [t.toLowerCase(), targets(t)]));
}

function candidate(db: Database.Database, table: string, fks: Map<string, string[]>): Candidate {
  const lower = table.toLowerCase();
  return {
    table,
    columns: (
      db.prepare('SELECT name, type FROM pragma_table_info(?)').all(table) as {
        name: string;
        type: string;
      }[]
    ).map((c) => ({ name: c.name, declared: c.type })),
    referencedBy: [...fks]
      .filter(([from, targets]) => from !== lower && targets.includes(lower))
      .map(([from]) => from),
  };
}

/** Words marking a table as lines, movements or history of something else. */
const DETAIL =
  /(item|line|detail|ledger|log|histor|payment|mx|rz|rader?$|linjer?$|明细|记录|日志|流水)/i;
/** Words marking the header of a sale. */
const SALE_HEADER =
  /(order|invoice|receipt|sale|transaction|kvitto|kvittering|ordre|faktura|salg|forsaljning|försäljning|dingdan|xiaoshou|(^|[^a-z])(dd|xs|xp|jy)([^a-z]|$)|订单|销售|小票|交易)/i;
/** Columns of the person record itself rather than of their points or cards. */
const PERSON_COLUMN = /(name|phone|mobile|mail|card|birth|namn|navn|telefon|姓名|电话|手机)/i;

function memberScore(c: Candidate): number {
  return (
    c.referencedBy.length * 3 +
    (c.columns.some((col) => PERSON_COLUMN.test(col.name)) ? 2 : 0) -
    (DETAIL.test(c.table) ? 4 : 0)
  );
}

/** Column names that hold a moment in time: OrderDate, created_at, createdAt, 下单时间, xdsj. */
function isTimeColumn(col: { name: string; declared: string }): boolean {
  return (
    /(date|time|created|datum|dato|时间|日期)/i.test(col.name) ||
    /(^|_)(at|tid|tidspunkt)$/i.test(col.name) ||
    /(sj|rq)$/i.test(col.name) ||
    /[a-z]At$/.test(col.name) ||
    /(date|time)/i.test(col.declared)
  );
}

/** Time columns that are not when the sale happened. */
const OTHER_TIME = /(update|modif|change|ship|required|due|delete|birth|expir|valid|close|end)/i;

function saleTimeColumn(c: Candidate): string | null {
  const times = c.columns.filter(isTimeColumn);
  return (times.find((col) => !OTHER_TIME.test(col.name)) ?? times[0])?.name ?? null;
}

function saleScore(c: Candidate, salesTables: Set<string>): number {
  return (
    (saleTimeColumn(c) ? 4 : 0) +
    c.referencedBy.filter((t) => salesTables.has(t)).length * 2 +
    (SALE_HEADER.test(c.table) ? 2 : 0) -
    (DETAIL.test(c.table) ? 4 : 0)
  );
}

function best(cands: Candidate[], score: (c: Candidate) => number): Candidate | null {
  let top: Candidate | null = null;
  let topScore = -Infinity;
  for (const c of cands) {
    const s = score(c);
    if (s > topScore) [top, topScore] = [c, s];
  }
  return top;
}

function countRows(db: Database.Database, table: string): number | null {
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(table)}`).get() as { n: number }).n;
  } catch {
    return null;
  }
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * Turns a stored time into ISO 8601. Epoch numbers and text with a zone become UTC ("…Z");
 * text without a zone is the POS's local wall-clock time and stays without one, because
 * guessing the zone would move the "last sale" by hours.
 */
export function toIsoTime(value: unknown): string | null {
  if (
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    /^\d+(\.\d+)?$/.test(String(value))
  ) {
    const n = Number(value);
    if (n > 2_000_000 && n < 3_000_000) return new Date((n - 2440587.5) * 86_400_000).toISOString();
    if (n >= 1e11 && n < 1e14) return new Date(n).toISOString();
    if (n >= 1e8 && n < 1e11) return new Date(n * 1000).toISOString();
    return null;
  }
  if (typeof value !== 'string') return null;
  const m =
    /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
      value.trim(),
    );
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  const local = `${y}-${pad(Number(mo))}-${pad(Number(d))}T${pad(Number(h))}:${mi.padStart(2, '0')}:${pad(Number(s))}${frac}`;
  if (Number.isNaN(Date.parse(`${local}Z`))) return null;
  if (!zone) return local;
  const date = new Date(
    `${local}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`,
  );
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function newestTime(db: Database.Database, table: string, column: string): string | null {
  try {
    const row = db
      .prepare(
        `SELECT ${quoteIdent(column)} AS t FROM ${quoteIdent(table)} WHERE ${quoteIdent(column)} IS NOT NULL ORDER BY ${quoteIdent(column)} DESC LIMIT 1`,
      )
      .get() as { t: unknown } | undefined;
    return row ? toIsoTime(row.t) : null;
  } catch {
    return null;
  }
}

/** Columns of a product's selling price: price_cents, UnitPrice, PRICESELL, retail_price, 售价. */
const PRICE = /(price|pris|售价|价格|单价|零售价)/i;
/** Prices that are not what the shop sells at. */
const NOT_SELLING_PRICE =
  /(cost|buy|purchase|inkop|inköp|innkjop|innkjøp|wholesale|floor|(^|_)(old|prev|min|max)|member|vip|进价|成本)/i;
const SELLING = /(sell|retail|sale|utpris|salg|售)/i;
/** Words marking a table as movements, lines or stock levels of the products, not the list itself. */
const PRODUCT_DETAIL =
  /(line|detail|ledger|log|histor|stock|inventor|lager|movement|mx|明细|记录|库存)/i;

function priceColumn(c: Candidate): string | null {
  const prices = c.columns.filter(
    (col) => PRICE.test(col.name) && !NOT_SELLING_PRICE.test(col.name),
  );
  return (prices.find((col) => SELLING.test(col.name)) ?? prices[0])?.name ?? null;
}

/** Words naming the list of things a shop sells. */
const PRODUCT_LIST =
  /(product|goods|item|article|artikel|vare|produkt|commodity|material|merchandise|商品|产品|货品)/i;

function productScore(c: Candidate): number {
  return (
    (priceColumn(c) ? 4 : 0) +
    c.referencedBy.length * 2 +
    (PRODUCT_LIST.test(c.table) ? 2 : 0) -
    (PRODUCT_DETAIL.test(c.table) ? 4 : 0)
  );
}

/** FNV-1a over UTF-16 code units: stable across runs and machines, and fast enough per row. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A price as text, so that 1990 stored once as a number and once as "1990" is the same price. */
function priceText(value: unknown): string {
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value))
    return String(Number(value));
  return value === null ? '\u2205' : String(value);
}

function priceNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : 0;
}

/** The declared primary key's columns, in key order; rowid when there is none. */
function keyColumns(db: Database.Database, table: string): string[] {
  const cols = db.prepare('SELECT name, pk FROM pragma_table_info(?)').all(table) as {
    name: string;
    pk: number;
  }[];
  const pk = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  return pk.length > 0 ? pk.map((c) => quoteIdent(c.name)) : ['rowid'];
}

/**
 * The PRICE_SAMPLE entries whose key hashes lowest, sorted by key hash: the same products are
 * picked in every backup for as long as they exist, whatever was added or removed around them.
 */
function sampleOf(keys: Uint32Array, prices: Uint32Array): string {
  const cut =
    keys.length > PRICE_SAMPLE ? Uint32Array.from(keys).sort()[PRICE_SAMPLE - 1]! : Infinity;
  const picked: number[] = [];
  for (let i = 0; i < keys.length; i++) if (keys[i]! <= cut) picked.push(i);
  picked.sort((a, b) => keys[a]! - keys[b]!);
  const out = Buffer.alloc(Math.min(picked.length, PRICE_SAMPLE) * 8);
  for (let k = 0; k < out.length / 8; k++) {
    out.writeUInt32BE(keys[picked[k]!]!, k * 8);
    out.writeUInt32BE(prices[picked[k]!]!, k * 8 + 4);
  }
  return out.toString('base64');
}

/**
 * One pass over the products table (a shop has thousands of rows, not millions). A table that
 * cannot be read gives no summary rather than a wrong one.
 */
function productSummary(db: Database.Database, c: Candidate): ProductSummary | undefined {
  try {
    const price = priceColumn(c);
    if (!price) {
      const count = countRows(db, c.table);
      return count === null ? undefined : { count, priceSum: null, priceSample: null };
    }
    const keys = keyColumns(db, c.table);
    const rows = db
      .prepare(`SELECT ${quoteIdent(price)}, ${keys.join(', ')} FROM ${quoteIdent(c.table)}`)
      .raw()
      .iterate() as Iterable<unknown[]>;
    const keyHashes: number[] = [];
    const priceHashes: number[] = [];
    let sum = 0;
    for (const [value, ...key] of rows) {
      keyHashes.push(hash32(JSON.stringify(key)));
      priceHashes.push(hash32(priceText(value)));
      sum += priceNumber(value);
    }
    return {
      count: keyHashes.length,
      // Twelve digits: a sum of 0.99s carries float noise in the last ones.
      priceSum: Number(sum.toPrecision(12)),
      priceSample: sampleOf(Uint32Array.from(keyHashes), Uint32Array.from(priceHashes)),
    };
  } catch {
    return undefined;
  }
}

/**
 * How many members and sales the database holds and when the last sale was, from the most
 * plausible members table (the one other tables point at, with names and phones) and sales
 * header table (with a time, pointed at by its lines, not itself a line); and the products
 * (the list the sale lines point at, with a selling price) with their prices.
 */
export function businessSummary(
  db: Database.Database,
  classified: readonly { table: string; type: DataType }[],
): BusinessSummary {
  const none: BusinessSummary = { members: null, sales: null, lastSaleAt: null };
  try {
    const all = userTableNames(db);
    const present = new Set(all);
    const fks = foreignKeys(db, all);
    const of = (type: DataType): Candidate[] =>
      classified
        .filter((c) => c.type === type && present.has(c.table))
        .map((c) => candidate(db, c.table, fks));
    const salesTables = new Set(
      classified.filter((c) => c.type === 'sales').map((c) => c.table.toLowerCase()),
    );
    const members = best(of('members'), memberScore);
    const sales = best(of('sales'), (c) => saleScore(c, salesTables));
    const productList = best(of('products'), productScore);
    const products = productList ? productSummary(db, productList) : undefined;
    const timeColumn = sales ? saleTimeColumn(sales) : null;
    return {
      members: members ? countRows(db, members.table) : null,
      sales: sales ? countRows(db, sales.table) : null,
      lastSaleAt: sales && timeColumn ? newestTime(db, sales.table, timeColumn) : null,
      ...(products ? { products } : {}),
    };
  } catch {
    return none;
  }
}
