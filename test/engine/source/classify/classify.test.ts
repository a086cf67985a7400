import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';

import { classifyTables } from '../../../../main/engine/source/classify/classify.js';
import { parseDataTypes, type DataType } from '../../../../main/engine/data-types.js';
import { TillvaultError } from '../../../../main/engine/errors.js';
import { describeWhy } from '../../../../main/engine/source/classify/why.js';
import { describeTables } from '../../../../main/engine/source/schema.js';
import { bindVirtualTables, virtualTables } from '../../../../main/engine/source/virtual-tables.js';
import { chinook, northwind, tempDir } from '../../../helpers.js';

/** Classifies tables known only by name and compares with the expected type of each. */
function expectByName(expected: Record<string, DataType>): void {
  const got = classifyTables(Object.keys(expected).map((name) => ({ name, columns: [] })));
  assert.deepEqual(Object.fromEntries(got.map((c) => [c.table, c.type])), expected);
}

function expectDatabase(file: string, expected: Record<string, DataType>): void {
  const db = new Database(file, { readonly: true });
  try {
    const got = bindVirtualTables(classifyTables(describeTables(db)), virtualTables(db));
    assert.deepEqual(Object.fromEntries(got.map((c) => [c.table, c.type])), expected);
    for (const c of got) assert.ok(describeWhy(c.why).length > 0, `${c.table} has a reason`);
  } finally {
    db.close();
  }
}

test('the demo shop tables', () => {
  expectByName({
    members: 'members',
    stored_value_ledger: 'members',
    points_ledger: 'members',
    coupons: 'products',
    products: 'products',
    stock: 'products',
    orders: 'sales',
    order_items: 'sales',
    payments: 'sales',
    shifts: 'sales',
    staff: 'staff',
    settings: 'staff',
    system_logs: 'logs',
  });
});

test('Chinook, a music store', () => {
  expectDatabase(chinook(tempDir()), {
    Album: 'products',
    Artist: 'products',
    Customer: 'members',
    Employee: 'staff',
    Genre: 'products',
    Invoice: 'sales',
    InvoiceLine: 'sales',
    MediaType: 'products',
    Playlist: 'products',
    PlaylistTrack: 'products',
    Track: 'products',
  });
});

test('Northwind, with "Order Details" and views', () => {
  expectDatabase(northwind(tempDir()), {
    Categories: 'products',
    CustomerCustomerDemo: 'members',
    CustomerDemographics: 'members',
    Customers: 'members',
    EmployeeTerritories: 'staff',
    Employees: 'staff',
    'Order Details': 'sales',
    Orders: 'sales',
    Products: 'products',
    // Geographic lists, as a city or a country is in the corpus (classify-corpus.test.ts).
    Regions: 'other',
    Shippers: 'sales',
    Suppliers: 'products',
    Territories: 'other',
  });
});

test('Chinese names: characters, pinyin and pinyin abbreviations', () => {
  expectByName({
    hy_info: 'members',
    会员表: 'members',
    t_hyxx: 'members',
    hyk: 'members',
    huiyuan: 'members',
    jf_mx: 'members',
    会员积分: 'members',
    储值记录: 'members',
    cz_jl: 'members',
    xs_dd_mx: 'sales',
    XSDDMX: 'sales',
    dingdan: 'sales',
    订单明细: 'sales',
    销售单: 'sales',
    会员订单: 'sales',
    收银记录: 'sales',
    sp_kc: 'products',
    spxx: 'products',
    shangpin_kucun: 'products',
    商品: 'products',
    库存: 'products',
    优惠券: 'products',
    yhq: 'products',
    yg: 'staff',
    yuangong: 'staff',
    员工: 'staff',
    收银员: 'staff',
    czy_info: 'staff',
    系统设置: 'staff',
    rz: 'logs',
    sys_rizhi: 'logs',
    操作日志: 'logs',
    员工日志: 'logs',
  });
});

test('short abbreviations only match whole tokens', () => {
  expectByName({
    spec: 'other',
    hyphen: 'other',
    addon: 'other',
    logo: 'other',
    logistics: 'other',
    catalog_spec: 'other',
  });
  // Split on _, -, space, digits and camelCase humps.
  expectByName({
    'sp-kc': 'products',
    'hy info': 'members',
    sp2kc: 'products',
    hyInfo: 'members',
    tblSpKc: 'products',
  });
});

test('Swedish names', () => {
  expectByName({
    medlemmar: 'members',
    kunder: 'members',
    stamkunder: 'members',
    kvitton: 'sales',
    kvittorader: 'sales',
    försäljning: 'sales',
    kundorder: 'sales',
    kassa: 'sales',
    artiklar: 'products',
    produkter: 'products',
    lagersaldo: 'products',
    leverantörer: 'products',
    personal: 'staff',
    anställda: 'staff',
    inställningar: 'staff',
    logg: 'logs',
    händelselogg: 'logs',
  });
});

test('Norwegian names', () => {
  expectByName({
    medlem: 'members',
    kunde: 'members',
    kvitteringer: 'sales',
    salg: 'sales',
    ordrelinjer: 'sales',
    kasse: 'sales',
    varer: 'products',
    varelager: 'products',
    leverandører: 'products',
    ansatte: 'staff',
    brukere: 'staff',
    innstillinger: 'staff',
    logg: 'logs',
    hendelser: 'logs',
  });
});

const shape = (name: string, columns: string[]) => ({
  name,
  columns: columns.map((c) => ({ name: c, type: '' })),
});

test('the name decides before the columns; columns decide unknown names', () => {
  const got = classifyTables([
    shape('t_001', ['id', 'sku', 'barcode', 'price_cents']),
    shape('kv', ['key', 'value']),
    shape('journal', ['id', 'at', 'level', 'message', 'action']),
    shape('t_002', ['id', 'card_no', 'phone', 'points', 'balance']),
    shape('t_003', ['id', 'receipt_no', 'total', 'created_at']),
    shape('links', ['id', 'member_id', 'product_id']),
    shape('members', ['sku', 'price']),
    shape('misc', []),
  ]);
  assert.deepEqual(
    got.map((c) => c.type),
    ['products', 'staff', 'logs', 'members', 'sales', 'members', 'members', 'other'],
  );
  assert.match(describeWhy(got[0]!.why), /"sku", "barcode", "price_cents"/);
  assert.match(describeWhy(got[6]!.why), /name/);
});

test('parseDataTypes accepts known types and names an unknown one', () => {
  assert.deepEqual(parseDataTypes('members,sales'), ['members', 'sales']);
  assert.deepEqual(parseDataTypes(' Products , logs,products '), ['products', 'logs']);
  assert.throws(
    () => parseDataTypes('members,customers'),
    (err: unknown) =>
      err instanceof TillvaultError && err.code === 'BAD_INPUT' && /"customers"/.test(err.message),
  );
  assert.throws(
    () => parseDataTypes(' , '),
    (err: unknown) => err instanceof TillvaultError && err.code === 'BAD_INPUT',
  );
});

test('shadow tables of a virtual table follow it', () => {
  const file = path.join(tempDir(), 'fts.db');
  const db = new Database(file);
  db.exec('CREATE VIRTUAL TABLE product_search USING fts5(name, description)');
  db.close();
  expectDatabase(file, {
    product_search: 'products',
    product_search_config: 'products',
    product_search_content: 'products',
    product_search_data: 'products',
    product_search_docsize: 'products',
    product_search_idx: 'products',
  });
});

test('a customer table named like a user table is members; a login table beside customers is staff', () => {
  const got = classifyTables([
    shape('shop_user', ['id', 'member_no', 'name', 'phone', 'balance', 'discount', 'password']),
    shape('sys_user', ['id', 'username', 'password', 'role']),
  ]);
  assert.deepEqual(
    got.map((c) => c.type),
    ['members', 'staff'],
  );
  assert.match(describeWhy(got[0]!.why), /"member_no".*"balance"|"balance".*"member_no"/);
  const beside = classifyTables([
    shape('customers', ['id', 'name', 'phone']),
    shape('users', ['id', 'name', 'email', 'mobile', 'password']),
  ]);
  assert.equal(beside[1]!.type, 'staff');
});

test('links decide: money about a member is a sale, lines of a sale are sales, a list follows its users', () => {
  const got = classifyTables([
    { ...shape('vip', ['id', 'name', 'phone', 'points']), references: [] },
    {
      ...shape('t_records', ['id', 'vip_id', 'amount', 'created_at']),
      references: [{ column: 'vip_id', table: 'vip' }],
    },
    shape('t_record_lines', ['id', 't_records_id', 'qty']),
    shape('grades', ['id', 'title']),
    shape('cards', ['id', 'grades_id', 'vip_id', 'balance']),
  ]);
  assert.deepEqual(Object.fromEntries(got.map((c) => [c.table, c.type])), {
    vip: 'members',
    t_records: 'sales',
    t_record_lines: 'sales',
    grades: 'members',
    cards: 'members',
  });
  assert.match(describeWhy(got[1]!.why), /"amount"/);
  assert.match(describeWhy(got[2]!.why), /part of the table "t_records"/);
  assert.match(describeWhy(got[3]!.why), /a list the table "cards" uses/);
});

test('shops that serve or rent, visits and bills, per-day figures, staff by their role', () => {
  expectByName({
    services: 'products',
    meirongxiangmu: 'products',
    taocan: 'products',
    room_status: 'products',
    rental: 'sales',
    consumption: 'sales',
    xiaofei_jl: 'sales',
    visits: 'sales',
    bills: 'sales',
    daily_report: 'sales',
    tongji: 'sales',
    technicians: 'staff',
    waiters: 'staff',
    jishi: 'staff',
    vets: 'staff',
    guest: 'members',
    patients: 'members',
  });
});

test('pinyin as schema authors type it: a slip in a long word, words and initials mixed', () => {
  expectByName({
    huiyaun: 'members',
    huiyuan_xx: 'members',
    shangpn_info: 'products',
    shangpinn: 'products',
    xiaoshuo_dd: 'sales',
    hy_chongzhi: 'members',
    member_jifen: 'members',
    spkucun: 'products',
    goods_kc: 'products',
  });
  // One slip is forgiven only in pinyin and from seven letters: English words stay exact.
  expectByName({ shopping_list: 'other', kehu: 'members', kehhu: 'other' });
});
