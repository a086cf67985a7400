/**
 * Guesses what kind of shop data each table holds from the whole schema: the table's name, what
 * its columns say (a phone and a balance are a member; a price and a barcode are goods; an amount
 * and a time are a sale), and which tables it points at or is pointed at by. Every guess carries
 * its reason, so the owner can judge it and sort a table differently. Pure: the caller reads the
 * schema (see schema.ts).
 */
import type { DataType } from '../../data-types.js';
import {
  COLUMN_LEXICON,
  NAME_LEXICON,
  NAME_PRIORITY,
  PINYIN_FILLERS,
  type ColumnConcept,
  type NameClass,
} from './lexicon.js';
import { linksOf, type Link } from './links.js';
import { fold, latinTokens, Matcher, singular } from './words.js';
import type { Why } from './why.js';

export interface TableToClassify {
  name: string;
  columns: readonly { name: string; type?: string }[];
  /** Declared foreign keys; tables from older callers may have none. */
  references?: readonly { column: string; table: string }[];
}

export interface Classified {
  table: string;
  type: DataType;
  why: Why;
}

interface Guess {
  type: DataType;
  why: Why;
}

const names = new Matcher(NAME_LEXICON, PINYIN_FILLERS);
const columnWords = new Matcher(COLUMN_LEXICON);

const NAME_TYPE: Record<NameClass, DataType> = {
  settings: 'staff',
  sales: 'sales',
  products: 'products',
  members: 'members',
  logs: 'logs',
  staff: 'staff',
  storefront: 'staff',
  people: 'staff',
  accounts: 'staff',
  places: 'other',
  technical: 'other',
};

/** Members words that name what a customer holds (a top-up, points), never a price list. */
const HOLDINGS =
  /^(point|loyalty|storedvalue|giftcard|prepaid|wallet|topup|recharge|poang|bonus|jifen|chuzhi|chongzhi|jf|cz|积分|储值|充值|余额)$/;
/** Members words for the customers themselves. */
const CUSTOMERS =
  /^(member|customer|client|patron|guest|patient|vip|medlem|kund|stamkund|huiyuan|kehu|guke|keren|hy|kh|gk|会员|客户|顾客|客人)$/;
/** Member words that may be the plans or cards on sale ("membership_cards" with a price). */
const MEMBERSHIP = /^(member|vip|huiyuan|hy|hyk|会员)$/;
/** Sales words for a shift, which without money is a work shift (staff), not a cash-up. */
/** Sales words for a visit, which without money but with a phone is the visitor's record. */
const VISITS = /^(visit|checkin|booking|reservation|appointment|yuding|yuyue|预定|预约)$/;
const SHIFT = /^(shift|skift|banci|jiaoban|bc|jb|班次|交班)$/;

interface Reading {
  table: TableToClassify;
  nameHit: { kind: NameClass; word: string } | null;
  /** Columns by what they say, reference columns left out. */
  concepts: Map<ColumnConcept, string[]>;
  hasTime: boolean;
  keyValue: boolean;
  links: Link[];
  /** Columns other than its key and its links. */
  ownColumns: number;
}

/** What the rest of the schema says about a table. */
interface Context {
  /** Another table holds the customers by name: a "users" table is then the staff's logins. */
  customersElsewhere: boolean;
}

function isTimeColumn(col: { name: string; type?: string }): boolean {
  return (
    /(date|time|created|datum|dato|时间|日期)/i.test(col.name) ||
    /(^|_)(at|tid)$/i.test(col.name) ||
    /[a-z]At$/.test(col.name) ||
    /(sj|rq)$/i.test(col.name) ||
    /(date|time)/i.test(col.type ?? '')
  );
}

const KEY_NAMES = new Set(['key', 'name', 'setting', 'k', 'code']);
const VALUE_NAMES = new Set(['value', 'val', 'v']);

/** A few columns (and times), one the setting's name and one its value: key_name, key_value. */
function looksLikeKeyValue(columns: readonly { name: string }[]): boolean {
  const last = columns.map((c) => latinTokens(c.name).at(-1) ?? fold(c.name));
  return (
    columns.filter((c) => !isTimeColumn(c)).length <= 5 &&
    last.some((c) => KEY_NAMES.has(c)) &&
    last.some((c) => VALUE_NAMES.has(c))
  );
}

function nameHitOf(name: string): Reading['nameHit'] {
  const hits = names.hits(name);
  for (const kind of NAME_PRIORITY) {
    const hit = hits.find((h) => h.type === kind);
    if (hit) return { kind, word: hit.word };
  }
  return null;
}

function read(table: TableToClassify, links: Link[]): Reading {
  const linkColumns = new Set(links.map((l) => l.column));
  const concepts = new Map<ColumnConcept, string[]>();
  let ownColumns = 0;
  for (const column of table.columns) {
    const last = latinTokens(column.name).at(-1);
    if (linkColumns.has(column.name) || last === 'id' || last === 'ids') continue;
    ownColumns++;
    for (const concept of new Set(columnWords.hits(column.name).map((h) => h.type))) {
      concepts.set(concept, [...(concepts.get(concept) ?? []), column.name]);
    }
  }
  return {
    table,
    nameHit: nameHitOf(table.name),
    concepts,
    hasTime: table.columns.some(isTimeColumn),
    keyValue: looksLikeKeyValue(table.columns),
    links,
    ownColumns,
  };
}

const count = (r: Reading, ...cs: ColumnConcept[]): number =>
  cs.reduce((n, c) => n + (r.concepts.get(c)?.length ?? 0), 0);
const columnNames = (r: Reading, ...cs: ColumnConcept[]): string[] =>
  cs.flatMap((c) => r.concepts.get(c) ?? []);
const columns = (r: Reading, ...cs: ColumnConcept[]): Why => ({
  by: 'columns',
  columns: columnNames(r, ...cs),
});

/**
 * A person of either side. A card, a balance or points make a customer; a role, a salary or a
 * department make staff; contact details alone are a customer, unless the customers have a table
 * of their own and this one has a password: then it is the staff's logins.
 */
function personType(r: Reading, ctx: Context): Guess | null {
  const member = count(r, 'member');
  const staffing = count(r, 'staffing');
  const person = count(r, 'contact', 'identity');
  if (staffing > member) return { type: 'staff', why: columns(r, 'staffing', 'login') };
  if (member > 0 && member + person >= 2) {
    return { type: 'members', why: columns(r, 'member', 'contact', 'identity') };
  }
  const login = count(r, 'login');
  if (count(r, 'contact') > 0 && person >= 2 && !(login > 0 && ctx.customersElsewhere)) {
    return { type: 'members', why: columns(r, 'contact', 'identity') };
  }
  if (login > 0) return { type: 'staff', why: columns(r, 'login', 'staffing') };
  return null;
}

/** What the columns alone say, when two or more agree and outnumber the rest. */
function byColumns(r: Reading, ctx: Context): Guess | null {
  if (r.keyValue) return { type: 'staff', why: { by: 'settings' } };
  if (count(r, 'screen') >= 2) return { type: 'staff', why: columns(r, 'screen') };
  const money = count(r, 'money');
  const person = personType(r, ctx);
  // A sale needs its moment: amounts without a time are prices or balances.
  const votes = [
    {
      type: 'sales' as DataType,
      weight: money > 0 && r.hasTime ? money + 1 : 0,
      why: columns(r, 'money'),
    },
    { type: 'products' as DataType, weight: count(r, 'goods'), why: columns(r, 'goods') },
    {
      type: 'logs' as DataType,
      weight: r.hasTime ? count(r, 'event') : 0,
      why: columns(r, 'event'),
    },
    ...(person ? [{ ...person, weight: 2 }] : []),
  ].sort((x, y) => y.weight - x.weight);
  const [top, next] = votes;
  if (!top || top.weight < 2 || top.weight === next?.weight) return null;
  return { type: top.type, why: top.why };
}

interface OwnGuess extends Guess {
  /** Links decide when they can. */
  weak?: boolean;
  /** A list of people, which is never a list of sales or goods. */
  person?: boolean;
}

/**
 * The table's own evidence: its name, checked against its columns where names mislead. `weak`
 * guesses are kept only when the links say nothing better.
 */
function ownType(r: Reading, ctx: Context): OwnGuess | null {
  const hit = r.nameHit;
  if (r.keyValue && (!hit || hit.kind === 'settings' || hit.kind === 'staff')) {
    return { type: 'staff', why: { by: 'settings' } };
  }
  if (!hit) return byColumns(r, ctx);
  const byName: Guess = { type: NAME_TYPE[hit.kind], why: { by: 'name', word: hit.word } };
  const money = count(r, 'money');
  switch (hit.kind) {
    case 'people':
      // "users", "owner": the columns say whose, or what else it is.
      return personType(r, ctx) ?? byColumns(r, ctx) ?? { ...byName, weak: true, person: true };
    case 'accounts':
      // A customer's account, a login, or the till's cash and bank accounts.
      return personType(r, ctx) ?? byColumns(r, ctx) ?? { ...byName, weak: true };
    case 'members':
      if (
        MEMBERSHIP.test(hit.word) &&
        !MEMBERSHIP.test(singular(fold(r.table.name))) &&
        count(r, 'goods') > 0 &&
        count(r, 'member', 'contact', 'identity') === 0
      ) {
        return { type: 'products', why: columns(r, 'goods') };
      }
      return byName;
    case 'staff':
    case 'storefront': {
      // Customers filed under a staff-sounding name: card number and balance in "shop_users".
      const person = personType(r, ctx);
      if (person?.type === 'members' && count(r, 'member') >= 2) return person;
      return byName;
    }
    case 'products':
      if (hit.word === 'menu') {
        // An application's menu (url, icon, parent) for permissions, or the restaurant's.
        return count(r, 'screen') > 0
          ? { type: 'staff', why: byName.why }
          : { ...byName, weak: true };
      }
      if (money >= 2 && money > count(r, 'goods') && r.hasTime) {
        // A document with amounts and its time, filed under the goods it moves: a sale.
        return { type: 'sales', why: columns(r, 'money') };
      }
      return byName;
    case 'sales':
      if (SHIFT.test(hit.word) && money === 0 && r.ownColumns > 0) {
        return { type: 'staff', why: byName.why };
      }
      if (VISITS.test(hit.word) && money === 0 && count(r, 'contact') > 0) {
        // Visits or bookings without money but with someone's phone: that someone's record.
        return { type: 'members', why: columns(r, 'contact', 'identity') };
      }
      return byName;
    case 'logs':
      if (count(r, 'goods') >= 2 && count(r, 'event') === 0) {
        return { type: 'products', why: columns(r, 'goods') };
      }
      // The history of something is that thing's, when it says whose.
      return hit.word === 'history' ? { ...byName, weak: true } : byName;
    default:
      return byName;
  }
}

/** Products words for what a customer may hold: a coupon, a voucher, an item in their cart. */
const HELD = /^(coupon|voucher|kupong|item|youhui|yhq|优惠券|优惠)$/;

/** Products words for a list of kinds, which is the kinds of whatever uses it. */
const KINDS = /^(categor|kategori|leibie|fenlei|类别|分类)$/;

/**
 * A name says products (a coupon, a voucher, a category) or members, but the row is someone's
 * or the list is of something else.
 */
function linksOverrule(
  r: Reading,
  own: Guess,
  typeOf: ReadonlyMap<string, DataType>,
  usedBy: ReadonlyMap<string, string[]>,
): Guess | null {
  if (own.why.by !== 'name') return null;
  if (own.type === 'products' && KINDS.test(own.why.word)) {
    const users = usedBy.get(r.table.name) ?? [];
    // Customer groups are the customers' even where tax rates use them too.
    const customers = users.find((u) => typeOf.get(u) === 'members');
    if (customers) return { type: 'members', why: { by: 'list-of', table: customers } };
    if (users.length > 0 && users.every((u) => typeOf.get(u) === 'staff')) {
      return { type: 'staff', why: { by: 'list-of', table: users[0]! } };
    }
  }
  return overruled(r, own, typeOf) ? byLinks(r, typeOf, usedBy, false) : null;
}

function overruled(r: Reading, own: Guess, typeOf: ReadonlyMap<string, DataType>): boolean {
  if (own.why.by !== 'name') return false;
  const pointsAt = (t: DataType): boolean => r.links.some((l) => typeOf.get(l.table) === t);
  if (own.type === 'members' && !HOLDINGS.test(own.why.word)) {
    // "memberships": what a member bought, with what they paid and when.
    return pointsAt('members') && count(r, 'money') >= 2 && r.hasTime;
  }
  if (own.type === 'products') {
    // A coupon held by a customer; the lines of a sale named after the goods in them.
    return (
      (HELD.test(own.why.word) &&
        pointsAt('members') &&
        count(r, 'goods') === 0 &&
        r.ownColumns > 0) ||
      (pointsAt('sales') && count(r, 'count') > 0)
    );
  }
  return false;
}

/**
 * What the links say: a row about a member without money is part of the member's record, the
 * lines of a sale are sales, a row about a member with money is a sale, a movement of goods is
 * products, and a list that only one type's tables use is that type.
 */
function byLinks(
  r: Reading,
  typeOf: ReadonlyMap<string, DataType>,
  usedBy: ReadonlyMap<string, string[]>,
  /** Only a table its own name and columns say nothing about is taken for a list. */
  listable: boolean,
): Guess | null {
  const target = (type: DataType): string | undefined =>
    r.links.find((l) => typeOf.get(l.table) === type)?.table;
  const sale = target('sales');
  const member = target('members');
  const product = target('products');
  const money = count(r, 'money') > 0;
  if (member && !money && count(r, 'count') === 0 && r.ownColumns > 0) {
    return { type: 'members', why: { by: 'part-of', table: member } };
  }
  if (sale) return { type: 'sales', why: { by: 'part-of', table: sale } };
  // Money about a member with its moment is a purchase; without one it is what they hold.
  if (member && r.hasTime && (money || product)) {
    const paid = columnNames(r, 'money');
    return {
      type: 'sales',
      why:
        paid.length > 0
          ? { by: 'links', table: member, columns: paid }
          : { by: 'part-of', table: member },
    };
  }
  if (member) return { type: 'members', why: { by: 'part-of', table: member } };
  if (product) return { type: 'products', why: { by: 'part-of', table: product } };
  const staff = target('staff');
  if (staff && r.links.every((l) => typeOf.get(l.table) === 'staff')) {
    return { type: 'staff', why: { by: 'part-of', table: staff } };
  }
  if (!listable) return null;
  const users = usedBy.get(r.table.name) ?? [];
  const types = new Set(users.map((u) => typeOf.get(u)));
  const [only] = types;
  if (
    users.length > 0 &&
    types.size === 1 &&
    only &&
    only !== 'other' &&
    r.table.columns.length <= 8
  ) {
    return { type: only, why: { by: 'list-of', table: users[0]! } };
  }
  return null;
}

export function classifyTables(tables: readonly TableToClassify[]): Classified[] {
  const links = linksOf(tables.map((t) => ({ references: [], ...t })));
  const readings = tables.map((t) => read(t, links.get(t.name) ?? []));
  const usedBy = new Map<string, string[]>();
  for (const r of readings) {
    for (const l of r.links) usedBy.set(l.table, [...(usedBy.get(l.table) ?? []), r.table.name]);
  }
  const ctx: Context = {
    customersElsewhere: readings.some(
      (r) => r.nameHit?.kind === 'members' && CUSTOMERS.test(r.nameHit.word),
    ),
  };
  const own = new Map(readings.map((r) => [r.table.name, ownType(r, ctx)]));
  const decided = new Map<string, Guess>();
  for (const [table, guess] of own) if (guess && !guess.weak) decided.set(table, guess);
  // Links settle the tables their name and columns left open, and a few they misread. Each
  // round starts from the tables' own evidence, so a guess from links never feeds itself.
  for (let round = 0; round < 3; round++) {
    const typeOf = new Map([...decided].map(([t, d]) => [t, d.type]));
    for (const r of readings) {
      const mine = own.get(r.table.name);
      if (mine && !mine.weak) {
        const better = linksOverrule(r, mine, typeOf, usedBy);
        if (better) decided.set(r.table.name, better);
        continue;
      }
      const linked = byLinks(r, typeOf, usedBy, !mine?.person);
      if (linked) decided.set(r.table.name, linked);
      else if (mine) decided.set(r.table.name, mine);
    }
  }
  return tables.map((t) => {
    const d = decided.get(t.name);
    return d ? { table: t.name, ...d } : { table: t.name, type: 'other', why: { by: 'nothing' } };
  });
}

/** The owner's own sorting of tables, which wins over the guess. */
export type TypeOverrides = Readonly<Record<string, DataType>>;

export function withOverrides<T extends { table: string; type: DataType; why: Why }>(
  classified: readonly T[],
  overrides: TypeOverrides | null | undefined,
): T[] {
  if (!overrides) return [...classified];
  return classified.map((c) =>
    Object.hasOwn(overrides, c.table)
      ? { ...c, type: overrides[c.table]!, why: { by: 'owner' } }
      : c,
  );
}
