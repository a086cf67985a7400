/**
 * Which tables a table points at: its declared foreign keys, and the columns named after another
 * table (member_id, cardId, goods_sn), since most shop databases converted from MySQL or written
 * by hand declare none.
 */
import { fold, latinTokens, singular } from './words.js';

export interface LinkShape {
  name: string;
  columns: readonly { name: string }[];
  references: readonly { column: string; table: string }[];
}

export interface Link {
  column: string;
  /** The table pointed at, as the schema spells it. */
  table: string;
}

/** Column endings that mark a reference to another table's row. */
const REFERENCE_ENDINGS = new Set(['id', 'ids', 'fk', 'no', 'sn', 'code', 'key']);

/**
 * What a table is called in other tables' columns: "ospos_customers" is "customer" and
 * "tb_newbee_mall_user" is "user" (a leading word most tables share is the application's
 * prefix); and, less surely, its first or last word ("vip" for "vip_info").
 */
function stemsOf(name: string, prefixes: ReadonlySet<string>): { whole: string; parts: string[] } {
  let tokens = latinTokens(name);
  while (tokens.length > 1 && prefixes.has(tokens[0]!)) tokens = tokens.slice(1);
  const whole = singular(tokens.join(''));
  const parts = tokens.length > 1 ? [singular(tokens[0]!), singular(tokens.at(-1)!)] : [];
  return { whole, parts };
}

/** Leading words shared by at least a third of the tables (and three of them): app prefixes. */
function commonPrefixes(names: readonly string[]): Set<string> {
  const counts = new Map<string, number>();
  for (const name of names) {
    const tokens = latinTokens(name);
    for (let i = 0; i < Math.min(tokens.length - 1, 3); i++) {
      const t = tokens[i]!;
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
  }
  const floor = Math.max(3, names.length / 3);
  return new Set([...counts].filter(([, n]) => n >= floor).map(([t]) => t));
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key) ?? [];
  if (!list.includes(value)) map.set(key, [...list, value]);
}

/**
 * The words a column names another table by: "member_id" → member, "merchant_response_invoice_id"
 * → invoice (InvoicePlane prefixes columns with their table), "cardId" → card, "customer" →
 * customer.
 */
function namedIn(column: string): { words: string[]; surely: boolean } {
  const tokens = latinTokens(column);
  const glued = fold(column).replace(/[^a-z]/g, '');
  if (tokens.length > 1 && REFERENCE_ENDINGS.has(tokens.at(-1)!)) {
    const words = tokens.slice(0, -1);
    return { words: words.map((_, i) => singular(words.slice(i).join(''))), surely: true };
  }
  if (tokens.length === 1 && /^[a-z]{2,}id$/.test(glued)) {
    return { words: [glued.slice(0, -2)], surely: true };
  }
  // A bare "customer" column names the customers table only if that is its whole name:
  // "status" is not a link to "room_status".
  return { words: tokens.length === 1 ? [singular(glued)] : [], surely: false };
}

/** Every table's links to the others, declared or read from column names. */
export function linksOf(tables: readonly LinkShape[]): Map<string, Link[]> {
  const prefixes = commonPrefixes(tables.map((t) => t.name));
  const exact = new Map<string, string[]>();
  const loose = new Map<string, string[]>();
  for (const t of tables) {
    const { whole, parts } = stemsOf(t.name, prefixes);
    push(exact, whole, t.name);
    for (const part of parts) push(loose, part, t.name);
  }
  // A word several tables are called by (item: order_item, sales_item) points nowhere sure.
  const resolve = (word: string, surely: boolean): string | undefined => {
    const hit = exact.get(word) ?? (surely ? loose.get(word) : undefined);
    return hit?.length === 1 ? hit[0] : undefined;
  };
  const byLowerName = new Map(tables.map((t) => [t.name.toLowerCase(), t.name]));
  const links = new Map<string, Link[]>();
  for (const t of tables) {
    const found: Link[] = [];
    const add = (column: string, table: string | undefined): void => {
      if (table && table !== t.name && !found.some((l) => l.table === table)) {
        found.push({ column, table });
      }
    };
    for (const r of t.references) add(r.column, byLowerName.get(r.table.toLowerCase()));
    // A table's own key ("sale_id" in sales) resolves to itself and is not a link.
    t.columns.forEach((column) => {
      // A declared key says where the column points; its name may say otherwise.
      if (t.references.some((r) => r.column === column.name)) return;
      const { words, surely } = namedIn(column.name);
      for (const word of words) {
        const target = resolve(word, surely);
        if (target) return add(column.name, target);
      }
    });
    links.set(t.name, found);
  }
  return links;
}
