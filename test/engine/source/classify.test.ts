import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';

import { classifyTables } from '../../../main/engine/source/classify.js';
import { parseDataTypes, type DataType } from '../../../main/engine/data-types.js';
import { TillvaultError } from '../../../main/engine/errors.js';
import { describeTables } from '../../../main/engine/source/schema.js';
import { chinook, northwind, tempDir } from '../../helpers.js';

/** Classifies tables known only by name and compares with the expected type of each. */
function expectByName(expected: Record<string, DataType>): void {
  const got = classifyTables(Object.keys(expected).map((name) => ({ name, columns: [] })));
  assert.deepEqual(Object.fromEntries(got.map((c) => [c.table, c.type])), expected);
}

function expectDatabase(file: string, expected: Record<string, DataType>): void {
  const db = new Database(file, { readonly: true });
  try {
    const got = classifyTables(describeTables(db));
    assert.deepEqual(Object.fromEntries(got.map((c) => [c.table, c.type])), expected);
    for (const c of got) assert.ok(c.reason.length > 0, `${c.table} has a reason`);
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
    Regions: 'staff',
    Shippers: 'sales',
    Suppliers: 'products',
    Territories: 'staff',
  });
  expectByName({ Region: 'staff' });
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
    address: 'other',
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

test('the name decides before the columns; columns decide unknown names', () => {
  const got = classifyTables([
    { name: 't_001', columns: ['id', 'sku', 'barcode', 'price_cents'] },
    { name: 'kv', columns: ['key', 'value'] },
    { name: 'journal', columns: ['id', 'at', 'level', 'message'] },
    { name: 't_002', columns: ['id', 'card_no', 'phone', 'points', 'balance'] },
    { name: 't_003', columns: ['id', 'receipt_no', 'total', 'created_at'] },
    { name: 'links', columns: ['id', 'member_id', 'product_id'] },
    { name: 'members', columns: ['sku', 'price'] },
    { name: 'misc', columns: [] },
  ]);
  assert.deepEqual(
    got.map((c) => c.type),
    ['products', 'staff', 'logs', 'members', 'sales', 'other', 'members', 'other'],
  );
  assert.match(got[0]!.reason, /sku/);
  assert.match(got[6]!.reason, /name/);
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
