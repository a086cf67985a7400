/**
 * Whether a backup looks like a mistake or an attack next to the one before it of the same
 * database: many members or products gone, a table emptied, a large share of prices changed at
 * once, most rows gone, or a database that newly could not be read whole. Pure: the run's result,
 * its notification and the prune guard ask the same question of two manifests.
 */
import type { DataType } from '../data-types.js';
import type { Manifest } from '../repository/manifest.js';
import { PRICE_SAMPLE } from '../source/schema.js';

export interface ChangeThresholds {
  /** Members or products fewer by at least this percent of the backup before. */
  readonly dropPercent: number;
  /** At least this percent of the product prices changed. */
  readonly pricePercent: number;
}

/**
 * A shop tidying up a few inactive members or seasonal products stays well under a fifth; a
 * price update of every product in a category stays under a quarter of the list.
 */
/**
 * How long an anomalous backup holds the ones around it. Retention keeps everything from the
 * oldest anomaly on: without an end, one deliberate price update would stop pruning for good.
 * Three months is long enough to notice a mistake; monthly and yearly backups stay beyond it.
 */
export const ANOMALY_HOLD_DAYS = 90;

export const DEFAULT_THRESHOLDS: ChangeThresholds = Object.freeze({
  dropPercent: 20,
  pricePercent: 25,
});

export type ChangeFinding =
  | { readonly kind: 'unreadable' }
  | { readonly kind: 'members'; readonly before: number; readonly now: number }
  | { readonly kind: 'products'; readonly before: number; readonly now: number }
  /** `exact` false: `changed` is estimated from the price sample (2 significant digits). */
  | {
      readonly kind: 'prices';
      readonly changed: number;
      readonly of: number;
      readonly exact: boolean;
    }
  | { readonly kind: 'emptied'; readonly table: string; readonly rowsBefore: number }
  | { readonly kind: 'rows'; readonly before: number; readonly now: number };

/** What the comparison reads of a backup; a manifest has it all. */
export type Compared = Pick<Manifest, 'trigger' | 'tables' | 'summary' | 'sourceCheck'>;

/** Fewer gone than this is never a large drop: a small shop merging a few duplicate members. */
const MIN_DROP = 5;
/** Fewer prices changed than this is someone at work, not a bulk change. */
const MIN_PRICES_CHANGED = 10;
/** Products both samples must share before their share of changed prices means anything. */
const MIN_SAMPLED = 20;
/** A table this small that empties is a cart or a queue being cleared. */
const EMPTIED_MIN_ROWS = 50;
/** Logs are rotated and "other" holds queues and caches: their rows come and go on their own. */
const WATCHED_TYPES: readonly DataType[] = ['members', 'sales', 'products', 'staff'];
/** Reported emptied tables at most; more says nothing new. */
const MAX_EMPTIED = 3;
/** Total rows below this share of the backup before: the database lost most of its rows. */
const ROWS_SHARE = 0.5;

function dropped(before: number, now: number, percent: number): boolean {
  const drop = before - now;
  return drop >= MIN_DROP && drop >= (before * percent) / 100;
}

function decodeSample(b64: string): Map<number, number> {
  const raw = Buffer.from(b64, 'base64');
  const out = new Map<number, number>();
  for (let at = 0; at + 8 <= raw.length; at += 8)
    out.set(raw.readUInt32BE(at), raw.readUInt32BE(at + 4));
  return out;
}

/** Rounded as an estimate should be said: 3,503 → 3,500. */
function twoDigits(n: number): number {
  if (n < 100) return Math.round(n);
  const unit = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / unit) * unit;
}

/**
 * Changed prices among the products in both samples. Both samples hold every product while the
 * list is at most PRICE_SAMPLE long, and then the count is exact; beyond, the share of the
 * sampled products is that of all.
 */
function pricesChanged(
  before: NonNullable<Compared['summary']['products']>,
  now: NonNullable<Compared['summary']['products']>,
  percent: number,
): ChangeFinding | null {
  if (before.priceSample === null || now.priceSample === null) return null;
  const then = decodeSample(before.priceSample);
  let matched = 0;
  let changed = 0;
  for (const [key, price] of decodeSample(now.priceSample)) {
    const old = then.get(key);
    if (old === undefined) continue;
    matched++;
    if (old !== price) changed++;
  }
  const exact = before.count <= PRICE_SAMPLE && now.count <= PRICE_SAMPLE;
  if (matched === 0 || (!exact && matched < MIN_SAMPLED)) return null;
  const share = changed / matched;
  const of = exact ? matched : Math.min(before.count, now.count);
  const count = exact ? changed : twoDigits(share * of);
  if (count < MIN_PRICES_CHANGED || share * 100 < percent) return null;
  return { kind: 'prices', changed: count, of, exact };
}

function emptiedTables(before: Compared, now: Compared): ChangeFinding[] {
  const rowsThen = new Map(before.tables.map((t) => [t.name, t.rows]));
  return now.tables
    .filter((t) => WATCHED_TYPES.includes(t.type) && t.rows === 0)
    .map((t) => ({ table: t.name, rowsBefore: rowsThen.get(t.name) ?? 0 }))
    .filter((t) => t.rowsBefore >= EMPTIED_MIN_ROWS)
    .sort((a, b) => b.rowsBefore - a.rowsBefore)
    .slice(0, MAX_EMPTIED)
    .map((t) => ({ kind: 'emptied', ...t }));
}

/**
 * Rows of the shop's data in the tables both backups hold: a backup of fewer data types has not
 * lost the others, and a rotated log can be most of a database's rows.
 */
function sharedRows(before: Compared, now: Compared): { before: number; now: number } {
  const names = new Set(now.tables.map((t) => t.name));
  const inBoth = new Set(
    before.tables
      .filter((t) => names.has(t.name) && WATCHED_TYPES.includes(t.type))
      .map((t) => t.name),
  );
  const sum = (c: Compared): number =>
    c.tables.filter((t) => inBoth.has(t.name)).reduce((n, t) => n + t.rows, 0);
  return { before: sum(before), now: sum(now) };
}

/**
 * What looks wrong in `now` next to `before`, most telling first; empty for a normal day. After a
 * restore's safety backup the differences are the restore's own, asked for by the owner.
 */
export function compareBackups(
  before: Compared,
  now: Compared,
  thresholds: ChangeThresholds = DEFAULT_THRESHOLDS,
): ChangeFinding[] {
  if (before.trigger === 'pre-restore') return [];
  // Counts read from a damaged database say nothing; the damage is the news.
  if (now.sourceCheck?.ok === false) {
    return before.sourceCheck?.ok === false ? [] : [{ kind: 'unreadable' }];
  }
  if (before.sourceCheck?.ok === false) return [];
  const out: ChangeFinding[] = [];
  const m = { before: before.summary.members, now: now.summary.members };
  if (m.before !== null && m.now !== null && dropped(m.before, m.now, thresholds.dropPercent)) {
    out.push({ kind: 'members', before: m.before, now: m.now });
  }
  const p = { before: before.summary.products, now: now.summary.products };
  if (p.before && p.now) {
    if (dropped(p.before.count, p.now.count, thresholds.dropPercent)) {
      out.push({ kind: 'products', before: p.before.count, now: p.now.count });
    }
    const prices = pricesChanged(p.before, p.now, thresholds.pricePercent);
    if (prices) out.push(prices);
  }
  out.push(...emptiedTables(before, now));
  const rows = sharedRows(before, now);
  if (rows.now < rows.before * ROWS_SHARE) out.push({ kind: 'rows', ...rows });
  return out;
}

/** A finding in English, for the audit log, the CLI and the prune guard's refusal. */
export function describeFinding(f: ChangeFinding): string {
  switch (f.kind) {
    case 'unreadable':
      return 'the database could not be read whole when it was copied';
    case 'members':
      return `it has ${f.before - f.now} fewer members than the one before (${f.now} against ${f.before})`;
    case 'products':
      return `it has ${f.before - f.now} fewer products than the one before (${f.now} against ${f.before})`;
    case 'prices':
      return `${f.exact ? '' : 'about '}${f.changed} of ${f.of} product prices changed since the one before`;
    case 'emptied':
      return `the table ${f.table} is empty; it had ${f.rowsBefore} rows`;
    case 'rows':
      return `it has far fewer rows than the one before (${f.now} against ${f.before})`;
  }
}
