/** Backup → restore of real databases nobody on this team wrote, compared logically and bytewise. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chinook, cli, dump, fileSha256, northwind, sqliteValue, tempDir } from '../helpers.js';

interface BackupJson {
  snapshotId: string;
  recoveryKey: string | null;
  types: string[];
  tables: { name: string; type: string; rows: number }[];
  summary: { members: number | null; sales: number | null; lastSaleAt: string | null };
  destinations: {
    path: string;
    ok: boolean;
    snapshotId: string;
    newBytes: number;
    error: unknown;
  }[];
}

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function roundTrip(name: string, makeDb: () => string): void {
  describe(name, () => {
    let db = '';
    let dest = '';
    let first: BackupJson;
    before(() => {
      db = makeDb();
      dest = path.join(dir, `${name}-backups`);
      const r = cli(['backup', db, '--to', dest]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      first = r.json as BackupJson;
    });

    test('the first backup initialises the destination and prints a recovery key once', () => {
      assert.match(first.recoveryKey ?? '', /^([0-9A-Z]{4}-){7}[0-9A-Z]{4}$/);
      assert.equal(first.destinations.length, 1);
      assert.ok(first.destinations[0]!.ok);
      assert.ok(first.destinations[0]!.newBytes > 0);
      assert.ok(fs.existsSync(path.join(dest, 'tillvault.json')));
    });

    test('restore --to rebuilds the identical file', () => {
      const out = path.join(dir, `${name}-restored.db`);
      const r = cli(['restore', dest, '--snapshot', 'latest', '--to', out]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const listed = cli(['snapshots', dest]).json as { snapshots: { sha256: string }[] };
      assert.equal(fileSha256(out), listed.snapshots[0]!.sha256);
      // The backup API keeps the page layout: past the file header (whose change counters
      // SQLite rewrites on every copy) the restored file is the original byte for byte.
      const original = fs.readFileSync(db);
      if (!fs.existsSync(`${db}-wal`))
        assert.ok(fs.readFileSync(out).subarray(100).equals(original.subarray(100)));
      assert.equal(dump(out), dump(db));
      assert.equal(sqliteValue(out, 'PRAGMA integrity_check'), 'ok');
    });

    test('an unchanged database stores almost nothing the second time', () => {
      const r = cli(['backup', db, '--to', dest]);
      assert.equal(r.code, 0, r.stderr);
      const second = r.json as BackupJson;
      assert.equal(second.recoveryKey, null);
      // Only the new index file and nothing else: every page chunk is already there.
      assert.ok(
        second.destinations[0]!.newBytes < 4096,
        `stored ${second.destinations[0]!.newBytes} bytes`,
      );
    });

    test('the recovery key alone opens the backups', () => {
      const keyFile = path.join(dir, `${name}-key.txt`);
      fs.writeFileSync(keyFile, first.recoveryKey!.toLowerCase().replace(/-/g, ' '));
      const out = path.join(dir, `${name}-by-key.db`);
      const r = cli(['restore', dest, '--to', out, '--recovery-key-file', keyFile], {
        TILLVAULT_PASSPHRASE: '',
      });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.equal(dump(out), dump(db));
    });

    test('verify drill rebuilds it and the row counts match', () => {
      const r = cli(['verify', dest, '--level', 'drill']);
      assert.equal(r.code, 0, r.stdout);
      const v = r.json as {
        ok: boolean;
        drill: { integrity: string; rowCountsMatch: boolean; restoreMs: number };
      };
      assert.ok(v.ok);
      assert.equal(v.drill.integrity, 'ok');
      assert.ok(v.drill.rowCountsMatch);
      assert.ok(v.drill.restoreMs >= 0);
    });
  });
}

roundTrip('chinook', () => chinook(dir));
roundTrip('northwind', () => northwind(dir));
roundTrip('demo', () => {
  const db = path.join(dir, 'demo.db');
  const r = cli(['demo', 'create', db, '--members', '300', '--days', '30', '--seed', '7']);
  assert.equal(r.code, 0, r.stderr);
  return db;
});

test('Northwind: choosing data types keeps only those tables, and views over dropped tables go', () => {
  const db = northwind(dir);
  const dest = path.join(dir, 'nw-members');
  const r = cli(['backup', db, '--to', dest, '--types', 'members']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const b = r.json as BackupJson;
  assert.deepEqual(b.types, ['members']);
  assert.ok(b.tables.every((t) => t.type === 'members'));
  assert.ok(b.tables.some((t) => t.name === 'Customers'));
  const out = path.join(dir, 'nw-members.db');
  // A partial backup is never "latest" for a whole restore; by id it restores, with a warning.
  const restored = cli(['restore', dest, '--snapshot', b.snapshotId, '--to', out]);
  assert.equal(restored.code, 0, restored.stdout + restored.stderr);
  assert.match((restored.json as { warnings: string[] }).warnings.join(' '), /only members/);
  const names = sqliteValue(
    out,
    "SELECT group_concat(name) FROM sqlite_master WHERE type IN ('table','view')",
  ).split(',');
  assert.ok(names.includes('Customers'));
  assert.ok(!names.includes('Order Details'));
  assert.equal(
    sqliteValue(out, 'SELECT count(*) FROM Customers'),
    sqliteValue(db, 'SELECT count(*) FROM Customers'),
  );
  // Dropped tables were zeroed (secure_delete), so no other data left the shop.
  const staffNote = sqliteValue(
    db,
    'SELECT substr(Notes, 1, 60) FROM Employees WHERE Notes IS NOT NULL LIMIT 1',
  );
  assert.ok(staffNote.length > 20);
  assert.ok(fs.readFileSync(db).includes(Buffer.from(staffNote)));
  assert.ok(!fs.readFileSync(out).includes(Buffer.from(staffNote)), 'staff data leaked');
  assert.equal(cli(['verify', dest, '--level', 'drill']).code, 0);
});

test('snapshots lists what each backup holds', () => {
  const dest = path.join(dir, 'chinook-backups');
  const r = cli(['snapshots', dest]);
  assert.equal(r.code, 0, r.stderr);
  const l = r.json as {
    snapshots: {
      id: string;
      trigger: string;
      tables: { name: string; rows: number }[];
      summary: { members: number; sales: number };
    }[];
  };
  assert.equal(l.snapshots.length, 2);
  const s = l.snapshots[0]!;
  assert.equal(s.trigger, 'manual');
  assert.equal(s.summary.members, 59);
  assert.equal(s.summary.sales, 412);
  assert.equal(s.tables.find((t) => t.name === 'InvoiceLine')?.rows, 2240);
});
