/**
 * `tillvault record`: a record's values in every backup (a member's balance in each), a deleted
 * member found in the older backups and not now, Chinook's customer, the mistakes a person makes
 * (exit 2 with a sentence), and finding records by text in the newest backup and the live one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { before, test } from 'node:test';
import {
  CLI,
  PASSPHRASE,
  chinook,
  cli,
  deleteDemoMemberSql,
  sqliteValue,
  tempDir,
} from '../helpers.js';

const dir = tempDir();
const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');
const balances = [1111, 2222, 3333];
let name9 = '';

interface History {
  table: string;
  key: string;
  columns: string[];
  backups: {
    snapshotId: string;
    trigger: string;
    rows: Record<string, string | number | null>[];
  }[];
  now?: { rows: Record<string, string | number | null>[] };
}

before(() => {
  assert.equal(cli(['demo', 'create', db, '--members', '200', '--days', '5']).code, 0);
  name9 = sqliteValue(db, 'SELECT name FROM members WHERE id = 9');
  for (const [i, cents] of balances.entries()) {
    sqliteValue(db, `UPDATE members SET stored_value_cents = ${cents} WHERE id = 7`);
    // Member 9 is deleted by mistake before the last backup.
    if (i === 2) sqliteValue(db, deleteDemoMemberSql(9));
    assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  }
  sqliteValue(db, 'UPDATE members SET stored_value_cents = 4444 WHERE id = 7');
});

test("a member's balance in each backup, newest first, and now", () => {
  const r = cli(['record', dest, '--table', 'members', '--key', '7', '--live', db]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const h = r.json as History;
  assert.equal(h.table, 'members');
  assert.equal(h.key, 'id');
  assert.ok(h.columns.includes('stored_value_cents'));
  assert.deepEqual(
    h.backups.map((b) => b.rows.map((row) => row['stored_value_cents'])),
    [[3333], [2222], [1111]],
  );
  assert.deepEqual(h.backups[0]?.rows[0]?.['id'], 7);
  assert.deepEqual(
    h.now?.rows.map((row) => row['stored_value_cents']),
    [4444],
  );
  // For a person: the column that changed, with its value in each backup.
  const human = spawnSync(
    process.execPath,
    [CLI, 'record', dest, '--table', 'members', '--key', '7', '--live', db],
    { encoding: 'utf8', env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE } },
  );
  assert.equal(human.status, 0, human.stderr);
  const lines = human.stdout.split('\n');
  const header = lines.find((l) => l.includes('stored_value_cents'));
  assert.ok(header, human.stdout);
  assert.ok(!header.includes('card_no'), 'only what changed is a column');
  for (const cents of [4444, ...balances]) assert.match(human.stdout, new RegExp(`\\b${cents}\\b`));
  assert.match(human.stdout, /the same in each: card_no/);
});

test('a deleted member is in the older backups and not now', () => {
  const r = cli(['record', dest, '--table', 'members', '--key', '9', '--key', '7', '--live', db]);
  assert.equal(r.code, 0, r.stdout);
  const h = r.json as History;
  const has9 = (rows: History['backups'][number]['rows']): boolean =>
    rows.some((row) => row['id'] === 9);
  assert.deepEqual(
    h.backups.map((b) => has9(b.rows)),
    [false, true, true],
  );
  assert.equal(h.backups[1]?.rows.find((row) => row['id'] === 9)?.['name'], name9);
  assert.equal(has9(h.now!.rows), false);
  // The keys come in the order asked.
  assert.deepEqual(
    h.backups[1]?.rows.map((row) => row['id']),
    [9, 7],
  );
});

test('Chinook: customer 5 in its backup', () => {
  const cdir = tempDir();
  const file = chinook(cdir);
  const cdest = path.join(cdir, 'backups');
  assert.equal(cli(['backup', file, '--to', cdest]).code, 0);
  const r = cli(['record', cdest, '--table', 'Customer', '--key', '5']);
  assert.equal(r.code, 0, r.stdout);
  const h = r.json as History;
  assert.equal(h.key, 'CustomerId');
  assert.equal(h.backups[0]?.rows[0]?.['FirstName'], 'František');
  assert.equal(h.backups[0]?.rows[0]?.['Phone'], '+420 2 4172 5555');
  const composite = cli(['record', cdest, '--table', 'PlaylistTrack', '--key', '1']);
  assert.equal(composite.code, 2, composite.stdout);
  assert.match(composite.stdout, /several columns/);
});

test('an unknown table, a key without a table and neither --key nor --find are exit 2', () => {
  const unknown = cli(['record', dest, '--table', 'nosuch', '--key', '1']);
  assert.equal(unknown.code, 2, unknown.stdout);
  assert.match(unknown.stdout, /has a table nosuch/);
  const noTable = cli(['record', dest, '--key', '1']);
  assert.equal(noTable.code, 2);
  assert.match(noTable.stdout, /--table/);
  assert.equal(cli(['record', dest]).code, 2);
  assert.equal(cli(['record', dest, '--find', 'x', '--type', 'nonsense']).code, 2);
});

test('--find: a member by name in the newest backup and in the live database', () => {
  const name7 = sqliteValue(db, 'SELECT name FROM members WHERE id = 7');
  const r = cli(['record', dest, '--find', name7, '--type', 'members', '--live', db]);
  assert.equal(r.code, 0, r.stdout);
  const found = r.json as {
    snapshotId: string;
    matches: { table: string; key: number; label: string; matched: string }[];
    live: { matches: { key: number }[] };
  };
  assert.ok(found.matches.some((m) => m.key === 7 && m.label === name7 && m.matched === 'name'));
  assert.ok(found.live.matches.some((m) => m.key === 7));
  // Deleted since the older backups and before the newest: found in neither.
  const gone = cli(['record', dest, '--find', name9, '--table', 'members', '--live', db]);
  assert.equal(gone.code, 0);
  const g = gone.json as { matches: { key: number }[]; live: { matches: { key: number }[] } };
  assert.ok(!g.matches.some((m) => m.key === 9));
  assert.ok(!g.live.matches.some((m) => m.key === 9));
});
