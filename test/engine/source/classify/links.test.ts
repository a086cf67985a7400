/** Links read from column names, for schemas that declare no foreign keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linksOf } from '../../../../main/engine/source/classify/links.js';

const table = (
  name: string,
  columns: string[],
  references: { column: string; table: string }[] = [],
) => ({
  name,
  columns: columns.map((c) => ({ name: c })),
  references,
});

const targets = (links: ReturnType<typeof linksOf>, name: string): string[] =>
  (links.get(name) ?? []).map((l) => `${l.column}->${l.table}`);

test('columns named after a table point at it, past the application prefix and plurals', () => {
  const links = linksOf([
    table('ospos_customers', ['person_id', 'company']),
    table('ospos_sales', ['sale_id', 'customer_id', 'employee_id']),
    table('ospos_employees', ['person_id', 'username']),
    table('ospos_sales_items', ['sale_id', 'item_id', 'line']),
    table('vip_info', ['id', 'name']),
    table('value_card', ['id', 'vipId', 'balance']),
    table('ip_invoices', ['invoice_id', 'client_id']),
    table('ip_merchant_responses', ['merchant_response_id', 'merchant_response_invoice_id']),
  ]);
  assert.deepEqual(targets(links, 'ospos_sales'), [
    'customer_id->ospos_customers',
    'employee_id->ospos_employees',
  ]);
  assert.deepEqual(targets(links, 'ospos_sales_items'), ['sale_id->ospos_sales']);
  assert.deepEqual(targets(links, 'value_card'), ['vipId->vip_info']);
  assert.deepEqual(targets(links, 'ip_merchant_responses'), [
    'merchant_response_invoice_id->ip_invoices',
  ]);
});

test('a declared key wins over the name; a bare word links only to a table of that whole name', () => {
  const links = linksOf([
    table(
      'customers',
      ['id', 'taxcategory'],
      [{ column: 'taxcategory', table: 'taxcustcategories' }],
    ),
    table('taxcategories', ['id', 'name']),
    table('taxcustcategories', ['id', 'name']),
    table('room_status', ['id', 'room']),
    table('bookings', ['id', 'status', 'customer']),
    table('order_item', ['id', 'name']),
    table('sales_item', ['id', 'name']),
    table('stock', ['id', 'item_id']),
  ]);
  assert.deepEqual(targets(links, 'customers'), ['taxcategory->taxcustcategories']);
  assert.deepEqual(targets(links, 'bookings'), ['customer->customers']);
  // "item" is the last word of two tables: pointing at either would be a guess.
  assert.deepEqual(targets(links, 'stock'), []);
});
