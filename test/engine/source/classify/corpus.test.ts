/**
 * The classifier on real shop schemas nobody here wrote (test/fixtures/schemas: sources,
 * licences and the type a shop owner gives every table). Every table is a case; the few where
 * the classifier and the owner disagree are listed with why, so a change that fixes or breaks
 * one shows here. The README reports the share.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT } from '../../../helpers.js';
import { classifyCorpus } from './corpus.js';

const CORPUS = path.join(ROOT, 'test', 'fixtures', 'schemas');

/** schema/table → the type the classifier gives, where the owner gives another. */
const DISAGREEMENTS: Record<string, string> = {
  // A providers-to-services link table: the name has "service" before "provider".
  'easyappointments.sql/ea_services_providers': 'products',
  // Invoice numbering settings, named after invoices.
  'invoiceplane.sql/ip_invoice_groups': 'sales',
  // Which staff login may see which client: a link between the two.
  'invoiceplane.sql/ip_user_clients': 'members',
  // One table for suppliers, customers and members, told apart by a type column.
  'jsherp.sql/jsh_supplier': 'products',
  // A group buy has the same columns as a coupon a customer holds: only the name differs.
  'litemall.sql/litemall_groupon': 'members',
  // Traits per pet species: reference data named like a product attribute.
  'spring-petclinic.sql/pet_attribute': 'products',
};

const outcomes = classifyCorpus(CORPUS);

for (const schema of new Set(outcomes.map((o) => o.schema))) {
  test(`${schema}: every table as its owner sorts it`, () => {
    for (const o of outcomes.filter((x) => x.schema === schema)) {
      const known = DISAGREEMENTS[`${schema}/${o.table}`];
      assert.equal(
        o.got,
        known ?? o.expected,
        `${o.table}: owner says ${o.expected}, classifier says ${o.got} (${o.reason})`,
      );
    }
  });
}

test('the corpus: at least ten schemas, 95% of tables and all but one member table right', () => {
  const schemas = new Set(outcomes.map((o) => o.schema));
  const right = outcomes.filter((o) => o.got === o.expected).length;
  const members = outcomes.filter((o) => o.expected === 'members');
  const membersRight = members.filter((o) => o.got === 'members').length;
  assert.ok(schemas.size >= 10, `${schemas.size} schemas`);
  assert.ok(right / outcomes.length >= 0.95, `${right} of ${outcomes.length} tables right`);
  assert.ok(membersRight >= members.length - 1, `${membersRight} of ${members.length} members`);
  // Nothing the owner calls members or staff goes to other, where a type choice would lose it.
  assert.deepEqual(
    outcomes.filter((o) => o.got === 'other' && o.expected !== 'other').map((o) => o.table),
    [],
  );
});
