/**
 * Generates the demo shop: a membership-cashier POS database with members, stored value,
 * points, products, stock and months of sales, so the app has something real to back up on
 * first start, and benchmarks have a database of any size (up to GiBs) to work on.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { TillvaultError, toTillvaultError } from '../errors.js';
import { newFileError } from '../fs/folders.js';

export interface DemoShopOptions {
  members?: number;
  days?: number;
  seed?: number;
  /** The history ends at the start of this day (UTC); defaults to today. */
  endDate?: Date;
  /**
   * Search indexes as real POS software keeps them (see SEARCH): the SQLite features that
   * data types, restore and diff must handle as a unit with their shadow tables.
   */
  searchIndexes?: boolean;
  onProgress?: (fraction: number) => void;
}

export interface DemoShopSummary {
  members: number;
  orders: number;
  products: number;
  bytes: number;
}

/** mulberry32: tiny, fast and good enough to make the same shop from the same seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A member search box (FTS5 over the members table, external content, kept in step by
 * triggers, so the till's own writes update it), an FTS4 product search with its own copy of
 * the text, and an R*Tree of delivery zones.
 */
const SEARCH = `
CREATE VIRTUAL TABLE member_search USING fts5(name, phone, card_no, content='members', content_rowid='id');
INSERT INTO member_search(member_search) VALUES ('rebuild');
CREATE TRIGGER members_search_ai AFTER INSERT ON members BEGIN
  INSERT INTO member_search(rowid, name, phone, card_no) VALUES (new.id, new.name, new.phone, new.card_no);
END;
CREATE TRIGGER members_search_ad AFTER DELETE ON members BEGIN
  INSERT INTO member_search(member_search, rowid, name, phone, card_no)
  VALUES ('delete', old.id, old.name, old.phone, old.card_no);
END;
CREATE TRIGGER members_search_au AFTER UPDATE ON members BEGIN
  INSERT INTO member_search(member_search, rowid, name, phone, card_no)
  VALUES ('delete', old.id, old.name, old.phone, old.card_no);
  INSERT INTO member_search(rowid, name, phone, card_no) VALUES (new.id, new.name, new.phone, new.card_no);
END;
CREATE VIRTUAL TABLE product_search USING fts4(name, category);
INSERT INTO product_search(docid, name, category) SELECT id, name, category FROM products;
CREATE VIRTUAL TABLE delivery_zones USING rtree(id, min_lat, max_lat, min_lon, max_lon);
INSERT INTO delivery_zones VALUES (1, 59.30, 59.36, 18.00, 18.12), (2, 59.36, 59.42, 17.90, 18.10);
`;

const SCHEMA = `
CREATE TABLE staff (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'cashier')),
  pin_hash TEXT NOT NULL,
  hired_at TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE shifts (
  id INTEGER PRIMARY KEY,
  staff_id INTEGER NOT NULL REFERENCES staff(id),
  opened_at TEXT NOT NULL,
  closed_at TEXT,
  opening_cash_cents INTEGER NOT NULL,
  closing_cash_cents INTEGER
);
CREATE TABLE members (
  id INTEGER PRIMARY KEY,
  card_no TEXT NOT NULL,
  name TEXT NOT NULL,
  phone TEXT,
  email TEXT,
  joined_at TEXT NOT NULL,
  points INTEGER NOT NULL DEFAULT 0,
  stored_value_cents INTEGER NOT NULL DEFAULT 0 CHECK (stored_value_cents >= 0)
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL,
  barcode TEXT NOT NULL,
  name TEXT NOT NULL,
  category TEXT NOT NULL,
  price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
  active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE stock (
  product_id INTEGER PRIMARY KEY REFERENCES products(id),
  quantity INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE coupons (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('percent', 'amount')),
  value INTEGER NOT NULL, -- percent off, or cents off
  valid_from TEXT NOT NULL,
  valid_to TEXT NOT NULL,
  used_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  receipt_no TEXT NOT NULL,
  member_id INTEGER REFERENCES members(id),
  staff_id INTEGER NOT NULL REFERENCES staff(id),
  shift_id INTEGER NOT NULL REFERENCES shifts(id),
  coupon_id INTEGER REFERENCES coupons(id),
  created_at TEXT NOT NULL,
  discount_cents INTEGER NOT NULL DEFAULT 0,
  total_cents INTEGER NOT NULL
);
CREATE TABLE order_items (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_cents INTEGER NOT NULL
);
CREATE TABLE payments (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  method TEXT NOT NULL CHECK (method IN ('cash', 'card', 'stored_value')),
  amount_cents INTEGER NOT NULL
);
CREATE TABLE stored_value_ledger (
  id INTEGER PRIMARY KEY,
  member_id INTEGER NOT NULL REFERENCES members(id),
  amount_cents INTEGER NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('top_up', 'purchase', 'refund', 'adjustment')),
  order_id INTEGER REFERENCES orders(id),
  at TEXT NOT NULL
);
CREATE TABLE points_ledger (
  id INTEGER PRIMARY KEY,
  member_id INTEGER NOT NULL REFERENCES members(id),
  points INTEGER NOT NULL,
  reason TEXT NOT NULL,
  order_id INTEGER REFERENCES orders(id),
  at TEXT NOT NULL
);
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE system_logs (
  id INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
  message TEXT NOT NULL
);
`;

/** Built after the bulk load: sorting once is much faster than growing indexes row by row. */
const INDEXES = `
CREATE UNIQUE INDEX members_card_no ON members(card_no);
CREATE INDEX members_phone ON members(phone);
CREATE UNIQUE INDEX products_sku ON products(sku);
CREATE INDEX products_category ON products(category);
CREATE UNIQUE INDEX coupons_code ON coupons(code);
CREATE INDEX shifts_staff ON shifts(staff_id);
CREATE UNIQUE INDEX orders_receipt_no ON orders(receipt_no);
CREATE INDEX orders_created_at ON orders(created_at);
CREATE INDEX orders_member ON orders(member_id);
CREATE INDEX orders_shift ON orders(shift_id);
CREATE INDEX order_items_order ON order_items(order_id);
CREATE INDEX order_items_product ON order_items(product_id);
CREATE INDEX payments_order ON payments(order_id);
CREATE INDEX stored_value_ledger_member ON stored_value_ledger(member_id);
CREATE INDEX points_ledger_member ON points_ledger(member_id);
CREATE INDEX system_logs_at ON system_logs(at);
`;

const FIRST_NAMES = `
  Anna Erik Maria Lars Ingrid Ola Kari Nils Sofia Johan Elin Sigrid Magnus Astrid Henrik
  Linnea Emma Oliver Noah Olivia Liam Aisha Omar Fatima Yusuf Wei Mei Jun Lin Hui
`
  .trim()
  .split(/\s+/);
const LAST_NAMES = `
  Andersson Johansson Karlsson Nilsson Eriksson Lindqvist Berg Hansen Johansen Olsen Larsen
  Haugen Dahl Bakken Smith Brown Nguyen Ali Haddad Wang Zhang Liu Chen
`
  .trim()
  .split(/\s+/);
const HAN_SURNAMES = '王 李 张 刘 陈 杨 赵 黄'.split(' ');
const HAN_GIVEN = '芳 伟 娜 敏 静 丽 强 磊 洋 艳 秀英 建国'.split(' ');

const CATEGORIES: { name: string; nouns: string[]; minCents: number; maxCents: number }[] = [
  {
    name: 'Coffee & tea',
    nouns: ['coffee beans', 'filter coffee', 'green tea', 'chai', 'oolong'],
    minCents: 3900,
    maxCents: 14900,
  },
  {
    name: 'Bakery',
    nouns: ['sourdough', 'cinnamon bun', 'rye bread', 'croissant', 'muffin'],
    minCents: 1500,
    maxCents: 6900,
  },
  {
    name: 'Snacks',
    nouns: ['crisps', 'chocolate bar', 'nut mix', 'liquorice', 'rice crackers'],
    minCents: 1200,
    maxCents: 4900,
  },
  {
    name: 'Drinks',
    nouns: ['sparkling water', 'apple juice', 'cola', 'lingonberry drink', 'soy milk'],
    minCents: 900,
    maxCents: 3900,
  },
  {
    name: 'Dairy',
    nouns: ['milk', 'yoghurt', 'brown cheese', 'butter', 'skyr'],
    minCents: 1500,
    maxCents: 8900,
  },
  {
    name: 'Household',
    nouns: ['dish soap', 'paper towels', 'candles', 'batteries', 'bin bags'],
    minCents: 2500,
    maxCents: 12900,
  },
  {
    name: 'Gifts',
    nouns: ['mug', 'tote bag', 'gift box', 'notebook', 'scented candle'],
    minCents: 4900,
    maxCents: 39900,
  },
];
const ADJECTIVES = [
  'Classic',
  'Organic',
  'Premium',
  'Everyday',
  'Nordic',
  'Mild',
  'Family',
  'Mini',
];
const SIZES = ['', ' 250 g', ' 500 g', ' 1 kg', ' 330 ml', ' 1 l', ' 6-pack'];

/** Sunday first, as Date#getUTCDay counts: weekends sell more. */
const WEEKDAY_FACTOR = [0.7, 0.9, 0.9, 1.0, 1.1, 1.3, 1.4];
const SALES_PER_MEMBER_PER_DAY = 0.3;
const OPEN_HOUR = 8;
const SHIFT_CHANGE_HOUR = 14.5;
const CLOSE_HOUR = 21;
const OPENING_CASH = 150_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Bytes the generator writes per member and per member-day of sales, fitted on seed 1 (asking
 * for 20 MB, 100 MB and 1 GiB gave 19.8 MB, 101 MB and 1048 MB).
 */
const BYTES_PER_MEMBER = 140;
const BYTES_PER_MEMBER_DAY = 94;

/** Members and days that make a database of roughly `bytes` (±30 %). */
/** The passphrase of the demo shop's backups; a demo has no secrets worth keeping. */
export const DEMO_PASSPHRASE = 'tillvault-demo';

export function demoOptionsForSize(bytes: number): { members: number; days: number } {
  const days = bytes <= 64 * 2 ** 20 ? 90 : 730;
  const members = Math.round(bytes / (BYTES_PER_MEMBER + BYTES_PER_MEMBER_DAY * days));
  return { members: Math.max(10, members), days };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Creates `file` exclusively so an existing database (or its leftover WAL) is never touched. */
function createEmptyFile(file: string): void {
  if (fs.existsSync(`${file}-wal`) || fs.existsSync(`${file}-journal`)) {
    throw new TillvaultError('BAD_INPUT', `A database journal already exists beside ${file}.`);
  }
  try {
    fs.closeSync(fs.openSync(file, 'wx'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new TillvaultError(
        'BAD_INPUT',
        `${file} already exists; the demo shop never overwrites a file.`,
      );
    }
    throw newFileError(err, file);
  }
}

function removeDatabase(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`])
    fs.rmSync(f, { force: true });
}

export function createDemoShop(file: string, opts: DemoShopOptions = {}): DemoShopSummary {
  const memberCount = opts.members ?? 500;
  const days = opts.days ?? 90;
  if (!Number.isInteger(memberCount) || memberCount < 1 || !Number.isInteger(days) || days < 1) {
    throw new TillvaultError('BAD_INPUT', 'Members and days must be whole numbers of at least 1.');
  }
  createEmptyFile(file);
  const db = new Database(file);
  try {
    const summary = generate(db, memberCount, days, opts);
    db.close();
    return { ...summary, bytes: fs.statSync(file).size };
  } catch (err) {
    db.close();
    removeDatabase(file);
    throw toTillvaultError(err, file);
  }
}

function generate(
  db: Database.Database,
  memberCount: number,
  days: number,
  opts: DemoShopOptions,
): Omit<DemoShopSummary, 'bytes'> {
  const rand = seededRandom(opts.seed ?? 1);
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const endDate = opts.endDate ?? new Date();
  const end = Date.UTC(endDate.getUTCFullYear(), endDate.getUTCMonth(), endDate.getUTCDate());
  const start = end - days * DAY;

  // WAL like a real till; no fsync while generating: a crash just means generating again.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -65536');
  db.exec(SCHEMA);

  const staffIds = [1, 2, 3, 4].concat(
    Array.from({ length: Math.min(26, Math.floor(memberCount / 2000)) }, (_, i) => 5 + i),
  );
  const insertStaff = db.prepare('INSERT INTO staff VALUES (?, ?, ?, ?, ?, 1)');
  const products: { id: number; price: number }[] = [];
  const productCount = Math.min(5000, 120 + Math.floor(memberCount / 10));
  const insertProduct = db.prepare('INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, 1)');
  const insertStock = db.prepare('INSERT INTO stock VALUES (?, ?, ?)');
  const coupons: {
    id: number;
    kind: 'percent' | 'amount';
    value: number;
    from: number;
    to: number;
  }[] = [];
  const insertCoupon = db.prepare('INSERT INTO coupons VALUES (?, ?, ?, ?, ?, ?, ?)');
  const joined: number[] = [];
  const insertMember = db.prepare('INSERT INTO members VALUES (?, ?, ?, ?, ?, ?, 0, 0)');
  const insertLedger = db.prepare('INSERT INTO stored_value_ledger VALUES (NULL, ?, ?, ?, ?, ?)');
  const insertPoints = db.prepare('INSERT INTO points_ledger VALUES (NULL, ?, ?, ?, ?, ?)');
  const storedValue = new Array<number>(memberCount + 1).fill(0);
  const points = new Array<number>(memberCount + 1).fill(0);

  db.transaction(() => {
    for (const id of staffIds) {
      const name = `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`;
      const role = id === 1 ? 'owner' : 'cashier';
      insertStaff.run(
        id,
        name,
        role,
        `demo-pin-${int(1000, 9999)}`,
        iso(start - int(30, 900) * DAY),
      );
    }
    for (let id = 1; id <= productCount; id++) {
      const cat = pick(CATEGORIES);
      const price = Math.round(int(cat.minCents, cat.maxCents) / 100) * 100 - 10;
      const sku = `${cat.name.slice(0, 3).toUpperCase()}-${String(id).padStart(5, '0')}`;
      const barcode = `73${String(int(0, 99_999_999_999)).padStart(11, '0')}`;
      insertProduct.run(
        id,
        sku,
        barcode,
        `${pick(ADJECTIVES)} ${pick(cat.nouns)}${pick(SIZES)}`,
        cat.name,
        price,
      );
      insertStock.run(id, int(0, 400), iso(end - int(1, 72) * HOUR));
      products.push({ id, price });
    }
    for (let id = 1; id <= 40; id++) {
      const kind = rand() < 0.6 ? 'percent' : 'amount';
      const from = start + int(-30, days) * DAY;
      const coupon = {
        id,
        kind,
        value: kind === 'percent' ? pick([5, 10, 15, 20]) : pick([1000, 2000, 5000]),
        from,
        to: from + int(7, 60) * DAY,
      } as const;
      insertCoupon.run(
        id,
        `${pick(['SPRING', 'MEMBER', 'WELCOME', 'VIP', 'SUMMER', 'FIKA'])}${id}${int(10, 99)}`,
        kind,
        coupon.value,
        iso(from),
        iso(coupon.to),
        0,
      );
      coupons.push(coupon);
    }
    // Most members joined before the history starts; ids follow joining order like a real shop.
    const joinTimes = Array.from({ length: memberCount }, () =>
      rand() < 0.7 ? start - int(1, 1000) * DAY - int(0, DAY) : start + int(0, days * DAY),
    ).sort((a, b) => a - b);
    joinTimes.forEach((at, i) => {
      const id = i + 1;
      const name =
        rand() < 0.12
          ? `${pick(HAN_SURNAMES)}${pick(HAN_GIVEN)}`
          : `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`;
      const email =
        rand() < 0.5 && /^[A-Za-z ]+$/.test(name)
          ? `${name.toLowerCase().replace(' ', '.')}${id}@example.com`
          : null;
      insertMember.run(
        id,
        `8800${String(id).padStart(8, '0')}`,
        name,
        `07${int(0, 99_999_999).toString().padStart(8, '0')}`,
        email,
        iso(at),
      );
      joined.push(at);
      if (rand() < 0.3) {
        const amount = pick([10_000, 20_000, 50_000]);
        insertLedger.run(id, amount, 'top_up', null, iso(at));
        storedValue[id]! += amount;
      }
    });
  })();

  const insertShift = db.prepare('INSERT INTO shifts VALUES (?, ?, ?, ?, ?, ?)');
  const insertOrder = db.prepare('INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insertItem = db.prepare('INSERT INTO order_items VALUES (NULL, ?, ?, ?, ?)');
  const insertPayment = db.prepare('INSERT INTO payments VALUES (NULL, ?, ?, ?)');
  const insertLog = db.prepare('INSERT INTO system_logs VALUES (NULL, ?, ?, ?)');
  const couponUses = new Array<number>(coupons.length + 1).fill(0);
  /** How many members had joined by `at` (members are sorted by joining time). */
  const joinedBy = (at: number): number => {
    let lo = 0;
    let hi = joined.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (joined[mid]! <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let orderId = 0;
  let shiftId = 0;

  const sellDay = (day: number): void => {
    const dayStart = start + day * DAY;
    const weekday = new Date(dayStart).getUTCDay();
    const sales = Math.max(
      3,
      Math.round(
        memberCount * SALES_PER_MEMBER_PER_DAY * WEEKDAY_FACTOR[weekday]! * (0.85 + 0.3 * rand()),
      ),
    );
    const shifts = [
      { open: OPEN_HOUR, close: SHIFT_CHANGE_HOUR },
      { open: SHIFT_CHANGE_HOUR, close: CLOSE_HOUR },
    ].map((hours) => ({ ...hours, id: ++shiftId, staff: pick(staffIds.slice(1)), cash: 0 }));
    const times = Array.from(
      { length: sales },
      () => dayStart + OPEN_HOUR * HOUR + Math.floor(rand() * (CLOSE_HOUR - OPEN_HOUR) * HOUR),
    ).sort((a, b) => a - b);
    let dayTotal = 0;
    for (const at of times) {
      const shift = shifts[at < dayStart + SHIFT_CHANGE_HOUR * HOUR ? 0 : 1]!;
      const known = joinedBy(at);
      const member = known > 0 && rand() < 0.6 ? 1 + Math.floor(rand() * known) : null;
      const id = ++orderId;
      const lines = Array.from({ length: 1 + Math.floor(rand() ** 1.6 * 5) }, () => {
        // A few products sell far more than the rest.
        const product = products[Math.floor(rand() ** 2 * products.length)]!;
        return { product, quantity: rand() < 0.15 ? int(2, 4) : 1 };
      });
      const subtotal = lines.reduce((sum, l) => sum + l.product.price * l.quantity, 0);
      const coupon = rand() < 0.04 ? coupons.find((c) => c.from <= at && at <= c.to) : undefined;
      const discount = !coupon
        ? 0
        : coupon.kind === 'percent'
          ? Math.round((subtotal * coupon.value) / 100)
          : Math.min(coupon.value, subtotal);
      const total = subtotal - discount;
      const stamp = iso(at);
      insertOrder.run(
        id,
        String(id).padStart(8, '0'),
        member,
        shift.staff,
        shift.id,
        coupon?.id ?? null,
        stamp,
        discount,
        total,
      );
      if (coupon) couponUses[coupon.id]! += 1;
      for (const l of lines) insertItem.run(id, l.product.id, l.quantity, l.product.price);
      let method = rand() < 0.65 ? 'card' : 'cash';
      if (member && storedValue[member]! >= total && rand() < 0.35) {
        method = 'stored_value';
        insertLedger.run(member, -total, 'purchase', id, stamp);
        storedValue[member]! -= total;
      }
      insertPayment.run(id, method, total);
      if (method === 'cash') shift.cash += total;
      if (member) {
        const earned = Math.floor(total / 100);
        insertPoints.run(member, earned, 'purchase', id, stamp);
        points[member]! += earned;
        if (rand() < 0.03) {
          const amount = pick([10_000, 20_000, 50_000]);
          insertLedger.run(member, amount, 'top_up', null, iso(at + 30_000));
          storedValue[member]! += amount;
        }
      }
      if (rand() < 0.004) insertLog.run(stamp, 'warning', 'Receipt printer: paper low');
      if (rand() < 0.001)
        insertLog.run(stamp, 'error', 'Card terminal did not answer; payment retried');
      dayTotal += total;
    }
    // Shifts are written once closed, when their cash count is known.
    for (const shift of shifts) {
      const opened = iso(dayStart + shift.open * HOUR);
      insertShift.run(
        shift.id,
        shift.staff,
        opened,
        iso(dayStart + shift.close * HOUR),
        OPENING_CASH,
        OPENING_CASH + shift.cash,
      );
      insertLog.run(opened, 'info', `Shift ${shift.id} opened by staff ${shift.staff}`);
    }
    insertLog.run(
      iso(dayStart + CLOSE_HOUR * HOUR),
      'info',
      `Z report: ${sales} sales, ${(dayTotal / 100).toFixed(2)} total`,
    );
  };

  const sellDays = db.transaction((from: number, to: number) => {
    for (let day = from; day < to; day++) sellDay(day);
  });
  // One transaction per ~20 000 sales keeps the WAL and memory bounded for GiB databases.
  const daysPerBatch = Math.max(1, Math.floor(20_000 / (memberCount * SALES_PER_MEMBER_PER_DAY)));
  for (let day = 0; day < days; day += daysPerBatch) {
    sellDays(day, Math.min(days, day + daysPerBatch));
    opts.onProgress?.((0.9 * Math.min(days, day + daysPerBatch)) / days);
  }

  const setMember = db.prepare(
    'UPDATE members SET points = ?, stored_value_cents = ? WHERE id = ?',
  );
  const setCoupon = db.prepare('UPDATE coupons SET used_count = ? WHERE id = ?');
  const insertSetting = db.prepare('INSERT INTO settings VALUES (?, ?)');
  db.transaction(() => {
    for (let id = 1; id <= memberCount; id++) setMember.run(points[id], storedValue[id], id);
    couponUses.forEach((n, id) => id > 0 && setCoupon.run(n, id));
    const settings: [string, string][] = [
      ['shop_name', 'Demo Corner Shop'],
      ['currency', 'SEK'],
      ['vat_percent', '25'],
      ['points_per_currency_unit', '1'],
      ['receipt_footer', 'Thank you! Tack! Takk! 谢谢!'],
      ['next_receipt_no', String(orderId + 1)],
      ['opening_hours', '08:00-21:00'],
    ];
    for (const [key, value] of settings) insertSetting.run(key, value);
  })();
  db.exec(INDEXES);
  if (opts.searchIndexes) db.exec(SEARCH);
  opts.onProgress?.(1);

  // Leave it as a shop would run it, with everything in the main file.
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_checkpoint(TRUNCATE)');
  return { members: memberCount, orders: orderId, products: productCount };
}
