/**
 * Guesses what kind of shop data each table holds, from its name and then its columns, so the
 * owner can back up or restore "members" or "products" without knowing table names. Pure: the
 * caller reads the schema (see schema.ts).
 */
import type { DataType } from '../data-types.js';

type KnownType = Exclude<DataType, 'other'>;

interface Lexicon {
  /** Latin-script words: English, Swedish, Norwegian (without diacritics) and full pinyin. */
  words: string[];
  /** Pinyin initials abbreviations (hy = 会员); these only ever match a whole token. */
  abbreviations: string[];
  /** Chinese characters, matched anywhere in the name. */
  han: string[];
}

/**
 * When a name hits several types, the first in this list wins: "member_orders" are sales,
 * "member_prices" are products, "stock_log" is products, "staff_logs" are logs. Staff words
 * (user, settings, region) are the most generic, so they lose to everything.
 */
const PRIORITY: readonly KnownType[] = ['sales', 'products', 'members', 'logs', 'staff'];

const NAME_LEXICON: Record<KnownType, Lexicon> = {
  members: {
    words: [
      'member',
      'customer',
      'client',
      'patron',
      'loyalty',
      'point',
      'vip',
      'storedvalue',
      'giftcard',
      'prepaid',
      'wallet',
      'topup',
      'recharge',
      'medlem',
      'kund',
      'stamkund',
      'poang',
      'bonus',
      'huiyuan',
      'kehu',
      'guke',
      'jifen',
      'chuzhi',
      'chongzhi',
    ],
    abbreviations: ['hy', 'hyk', 'kh', 'gk', 'jf', 'cz'],
    han: ['会员', '客户', '顾客', '积分', '储值', '充值', '余额'],
  },
  sales: {
    words: [
      'sale',
      'order',
      'invoice',
      'receipt',
      'transaction',
      'payment',
      'pay',
      'checkout',
      'refund',
      'shift',
      'shipper',
      'shipping',
      'shipment',
      'forsaljning',
      'salg',
      'kvitto',
      'kvittering',
      'ordre',
      'bestilling',
      'bestallning',
      'faktura',
      'betalning',
      'betaling',
      'kassa',
      'kasse',
      'transaktion',
      'transaksjon',
      'skift',
      'retur',
      'xiaoshou',
      'dingdan',
      'shouyin',
      'xiaopiao',
      'jiaoyi',
      'zhifu',
      'fukuan',
      'tuihuo',
      'banci',
      'jiaoban',
      'liushui',
      'zhangdan',
      'fapiao',
      'jiesuan',
    ],
    abbreviations: ['dd', 'xs', 'sy', 'xp', 'jy', 'zf', 'th', 'bc', 'jb', 'ls', 'fp', 'zd'],
    han: [
      '订单',
      '销售',
      '收银',
      '小票',
      '交易',
      '支付',
      '付款',
      '退货',
      '班次',
      '交班',
      '流水',
      '账单',
      '发票',
      '结算',
      '收款',
    ],
  },
  products: {
    words: [
      'product',
      'item',
      'article',
      'sku',
      'goods',
      'merchandise',
      'inventory',
      'stock',
      'categor',
      'supplier',
      'vendor',
      'brand',
      'price',
      'pricing',
      'coupon',
      'discount',
      'promo',
      'voucher',
      'barcode',
      'warehouse',
      'menu',
      'track',
      'album',
      'artist',
      'genre',
      'playlist',
      'media',
      'produkt',
      'artikel',
      'artikl',
      'vara',
      'varor',
      'vare',
      'lager',
      'kategori',
      'leverant',
      'leverand',
      'pris',
      'rabatt',
      'kupong',
      'kampanj',
      'sortiment',
      'shangpin',
      'chanpin',
      'huopin',
      'kucun',
      'gongyingshang',
      'jiage',
      'youhui',
      'zhekou',
      'cuxiao',
      'tiaoma',
      'cangku',
      'leibie',
      'fenlei',
    ],
    abbreviations: ['sp', 'cp', 'hp', 'kc', 'gys', 'jg', 'yhq', 'zk', 'cx', 'tm'],
    han: [
      '商品',
      '产品',
      '货品',
      '库存',
      '类别',
      '分类',
      '品类',
      '供应商',
      '价格',
      '优惠券',
      '优惠',
      '折扣',
      '促销',
      '条码',
      '仓库',
      '品牌',
      '菜品',
    ],
  },
  logs: {
    words: [
      'log',
      'logg',
      'syslog',
      'audit',
      'event',
      'history',
      'error',
      'debug',
      'trace',
      'historik',
      'handelse',
      'hendelse',
      'rizhi',
      'shenji',
    ],
    abbreviations: ['rz'],
    han: ['日志', '审计', '错误', '异常', '操作记录', '历史记录'],
  },
  staff: {
    words: [
      'staff',
      'employee',
      'personnel',
      'user',
      'cashier',
      'operator',
      'admin',
      'role',
      'permission',
      'setting',
      'config',
      'preference',
      'option',
      'param',
      'territor',
      'region',
      'terminal',
      'printer',
      'personal',
      'ansatt',
      'anstalld',
      'medarbetare',
      'medarbeider',
      'anvandare',
      'bruker',
      'installning',
      'innstilling',
      'konfig',
      'yuangong',
      'zhiyuan',
      'caozuoyuan',
      'shouyinyuan',
      'yonghu',
      'quanxian',
      'shezhi',
      'peizhi',
    ],
    abbreviations: ['yg', 'czy', 'syy', 'qx', 'sz', 'pz'],
    han: [
      '员工',
      '职员',
      '店员',
      '收银员',
      '操作员',
      '营业员',
      '用户',
      '权限',
      '角色',
      '设置',
      '配置',
      '参数',
      '区域',
      '门店',
    ],
  },
};

/** Words that only say something as a column (a "total" column, not a "total" table). */
const COLUMN_EXTRA: Record<KnownType, string[]> = {
  members: ['balance', 'birthday', 'joined', 'card'],
  sales: ['total', 'subtotal', 'paid', 'tender'],
  products: ['ean', 'upc', 'cost'],
  staff: ['password', 'pin', 'salary', 'hire'],
  logs: ['level', 'severity', 'message', 'msg', 'stack'],
};

/** Pinyin abbreviations that carry no type but glue others together: xs_dd_mx, hyxx. */
const PINYIN_FILLERS = ['xx', 'mx', 'jl', 'xq', 'lx', 'bm', 'gl'];

const TYPES = Object.keys(NAME_LEXICON) as KnownType[];

/** Longest first, so 收银员 (a cashier: staff) is taken before 收银 (the till: sales). */
const HAN_KEYWORDS: { word: string; type: KnownType }[] = TYPES.flatMap((type) =>
  NAME_LEXICON[type].han.map((word) => ({ word, type })),
).sort((a, b) => b.word.length - a.word.length);

const ABBREVIATION_TYPE = new Map<string, KnownType>(
  TYPES.flatMap((type) => NAME_LEXICON[type].abbreviations.map((a) => [a, type] as const)),
);
const PINYIN_PIECES = new Set([...ABBREVIATION_TYPE.keys(), ...PINYIN_FILLERS]);

interface Hit {
  type: KnownType;
  word: string;
}

/** Lower case without diacritics, so "Försäljning" and "forsaljning" are the same word. */
function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Splits on anything that is not a letter, on script changes and on camelCase humps. */
function latinTokens(name: string): string[] {
  const runs = name.match(/[^\p{Script=Han}\P{L}]+/gu) ?? [];
  return runs
    .flatMap((run) => run.split(/(?<=\p{Ll})(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u))
    .map(fold);
}

/**
 * Short words must be the whole token (plural allowed) so "log" is not "logo"; longer ones may
 * start it ("medlemmar", "employees") and, from five letters, end it ("kundorder", "varelager").
 */
function wordMatches(token: string, word: string): boolean {
  if (word.length <= 3) return token === word || token === `${word}s` || token === `${word}es`;
  return token.startsWith(word) || (word.length >= 5 && token.endsWith(word));
}

/** Splits "xsddmx" into xs+dd+mx when the whole token is made of known pinyin pieces. */
function pinyinPieces(token: string): string[] | null {
  if (token.length === 0) return [];
  for (const size of [3, 2]) {
    const head = token.slice(0, size);
    if (head.length === size && PINYIN_PIECES.has(head)) {
      const rest = pinyinPieces(token.slice(size));
      if (rest) return [head, ...rest];
    }
  }
  return null;
}

function hitsIn(text: string, extra?: Record<KnownType, string[]>): Hit[] {
  const hits: Hit[] = [];
  let han = text;
  for (const { word, type } of HAN_KEYWORDS) {
    if (han.includes(word)) {
      hits.push({ type, word });
      han = han.replaceAll(word, ' ');
    }
  }
  const tokens = latinTokens(text);
  const candidates = [...tokens, ...tokens.slice(1).map((t, i) => tokens[i] + t)];
  for (const token of candidates) {
    for (const type of TYPES) {
      const words = extra
        ? [...NAME_LEXICON[type].words, ...extra[type]]
        : NAME_LEXICON[type].words;
      const word = words.find((w) => wordMatches(token, w));
      if (word) hits.push({ type, word });
    }
  }
  for (const token of tokens) {
    for (const piece of pinyinPieces(token) ?? []) {
      const type = ABBREVIATION_TYPE.get(piece);
      if (type) hits.push({ type, word: piece });
    }
  }
  return hits;
}

/** Reference columns (member_id in an orders table) describe another table, not this one. */
function isReference(column: string, index: number): boolean {
  const last = latinTokens(column).at(-1);
  return index > 0 && (last === 'id' || last === 'ids' || last === 'fk');
}

const KEY_NAMES = new Set(['key', 'name', 'setting', 'k']);
const VALUE_NAMES = new Set(['value', 'val', 'v']);

function looksLikeKeyValue(columns: string[]): boolean {
  const folded = columns.map(fold);
  return (
    columns.length <= 4 &&
    folded.some((c) => KEY_NAMES.has(c)) &&
    folded.some((c) => VALUE_NAMES.has(c))
  );
}

function byName(table: string): { type: KnownType; reason: string } | null {
  const hits = hitsIn(table);
  for (const type of PRIORITY) {
    const hit = hits.find((h) => h.type === type);
    if (hit) return { type, reason: `table name matches "${hit.word}"` };
  }
  return null;
}

/** Needs two columns agreeing, and more of them than for any other type, to be confident. */
function byColumns(columns: string[]): { type: KnownType; reason: string } | null {
  if (looksLikeKeyValue(columns)) return { type: 'staff', reason: 'key/value settings columns' };
  const matched = new Map<KnownType, string[]>();
  columns.forEach((column, i) => {
    if (isReference(column, i)) return;
    const types = new Set(hitsIn(column, COLUMN_EXTRA).map((h) => h.type));
    for (const type of types) matched.set(type, [...(matched.get(type) ?? []), column]);
  });
  const ranked = PRIORITY.map((type) => ({ type, columns: matched.get(type) ?? [] })).sort(
    (a, b) => b.columns.length - a.columns.length,
  );
  const [best, second] = ranked;
  if (!best || best.columns.length < 2 || best.columns.length === second?.columns.length) {
    return null;
  }
  return {
    type: best.type,
    reason: `columns suggest it: ${best.columns.map((c) => `"${c}"`).join(', ')}`,
  };
}

/** Suffixes of the tables FTS and R*Tree virtual tables keep their data in. */
const SHADOW_SUFFIX = /_(content|data|idx|docsize|config|segments|segdir|stat|node|parent|rowid)$/;

export function classifyTables(
  tables: { name: string; columns: string[] }[],
): { table: string; type: DataType; reason: string }[] {
  const own = tables.map(({ name, columns }) => {
    const found = byName(name) ?? byColumns(columns);
    return found
      ? { table: name, ...found }
      : { table: name, type: 'other' as DataType, reason: 'no known words in its name or columns' };
  });
  // A virtual table's shadow tables (docs_content of docs) must travel with it.
  const byTable = new Map(own.map((c) => [c.table, c]));
  return own.map((c) => {
    const owner = byTable.get(c.table.replace(SHADOW_SUFFIX, ''));
    return owner && owner !== c
      ? { table: c.table, type: owner.type, reason: `belongs to the table "${owner.table}"` }
      : c;
  });
}

/** The reason given for a table whose type the owner chose. */
export const CHOSEN_BY_OWNER = 'chosen by the owner';

/** The owner's own sorting of tables, which wins over the names-based guess. */
export type TypeOverrides = Readonly<Record<string, DataType>>;

export function withOverrides<T extends { table: string; type: DataType; reason: string }>(
  classified: readonly T[],
  overrides: TypeOverrides | null | undefined,
): T[] {
  if (!overrides) return [...classified];
  return classified.map((c) =>
    Object.hasOwn(overrides, c.table)
      ? { ...c, type: overrides[c.table]!, reason: CHOSEN_BY_OWNER }
      : c,
  );
}
