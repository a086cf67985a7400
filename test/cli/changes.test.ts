/**
 * `tillvault changes`: what each backup changed since the one before it, in rows per data type
 * and in the summary, on a demo shop with a member search index: a deleted member, every price
 * multiplied by ten and a day's sales are what an owner looks for to find the backup before a
 * mistake.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { before, test } from 'node:test';
import { CLI, cli, deleteDemoMemberSql, PASSPHRASE, sqliteValue, tempDir } from '../helpers.js';

interface Changes {
  snapshotId: string;
  previousId: string | null;
  delta: { members: number | null; sales: number | null };
  types: { type: string; added: number; removed: number; changed: number }[];
  tables: { table: string; added: number; removed: number; changed: number }[];
}

const dir = tempDir();
const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');
const ids: string[] = [];
let products = 0;

const backup = (): void => {
  const r = cli(['backup', db, '--to', dest]);
  assert.equal(r.code, 0, r.stdout);
  ids.push((r.json as { snapshotId: string }).snapshotId);
};
const changesOf = (args: string[] = []): Changes[] => {
  const r = cli(['changes', dest, ...args]);
  assert.equal(r.code, 0, r.stdout);
  return (r.json as { changes: Changes[] }).changes;
};
const ofType = (c: Changes, type: string) => c.types.find((t) => t.type === type)!;

before(() => {
  const made = cli(['demo', 'create', db, '--members', '200', '--days', '5', '--search-indexes']);
  assert.equal(made.code, 0, made.stdout);
  products = Number(sqliteValue(db, 'SELECT count(*) FROM products'));
  backup();
  // The mistake: a member deleted (with their points and stored value) and every price × 10.
  sqliteValue(db, `${deleteDemoMemberSql(7)} UPDATE products SET price_cents = price_cents * 10;`);
  backup();
  // A day's selling: three new sales.
  sqliteValue(
    db,
    `INSERT INTO orders (receipt_no, member_id, staff_id, shift_id, created_at, total_cents)
     SELECT 'R-new-' || id, member_id, staff_id, shift_id, created_at, total_cents
     FROM orders ORDER BY id DESC LIMIT 3;`,
  );
  backup();
  backup();
});

test('each backup says what changed since the one before, newest first', () => {
  const [same, sales, mistake, first] = changesOf();
  assert.deepEqual(
    [same, sales, mistake, first].map((c) => c!.snapshotId),
    [...ids].reverse(),
  );
  assert.equal(first!.previousId, null);
  assert.deepEqual(first!.types, []);

  assert.equal(mistake!.previousId, ids[0]);
  assert.equal(mistake!.delta.members, -1);
  // One member, not two: the search index over members is not counted again.
  const ledgers = mistake!.tables.filter((t) => t.table.endsWith('_ledger'));
  assert.equal(ofType(mistake!, 'members').removed, 1 + ledgers.reduce((n, t) => n + t.removed, 0));
  assert.equal(mistake!.tables.find((t) => t.table === 'members')!.removed, 1);
  assert.ok(!mistake!.tables.some((t) => t.table.startsWith('member_search')));
  assert.equal(mistake!.tables.find((t) => t.table === 'products')!.changed, products);

  assert.equal(sales!.delta.sales, 3);
  assert.deepEqual(ofType(sales!, 'sales'), { type: 'sales', added: 3, removed: 0, changed: 0 });
  assert.deepEqual(ofType(sales!, 'products'), {
    type: 'products',
    added: 0,
    removed: 0,
    changed: 0,
  });

  // Two backups of the same file: nothing changed.
  assert.deepEqual(same!.tables, []);
  assert.ok(same!.types.every((t) => t.added + t.removed + t.changed === 0));
});

test('--snapshot gives one backup against the one before it; the human output says it in words', () => {
  const [only] = changesOf(['--snapshot', ids[1]!]);
  assert.equal(only!.snapshotId, ids[1]);
  assert.equal(only!.previousId, ids[0]);
  assert.equal(changesOf(['--snapshot', ids[0]!])[0]!.previousId, null);
  const human = spawnSync(process.execPath, [CLI, 'changes', dest, '--snapshot', ids[1]!], {
    encoding: 'utf8',
    env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE },
  });
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`products: ${products} changed`));
  assert.match(human.stdout, /members -1/);
});

test('a wrong passphrase is refused as such, and an unknown backup is named', () => {
  const wrong = cli(['changes', dest], { TILLVAULT_PASSPHRASE: 'not the passphrase at all' });
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stdout + wrong.stderr, /passphrase/i);
  const unknown = cli(['changes', dest, '--snapshot', '19990101']);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stdout + unknown.stderr, /no backup 19990101/);
});
