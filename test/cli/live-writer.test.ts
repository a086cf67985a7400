/**
 * The till keeps selling while we back up: every snapshot must be a state some committed
 * transaction left (the stored-value ledger always sums to the balances), in WAL and in
 * rollback-journal mode, and the till's sales must all succeed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { cli, spawnCli, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const LEDGER_MISMATCHES = `SELECT count(*) FROM members m WHERE m.stored_value_cents <>
  (SELECT coalesce(sum(l.amount_cents), 0) FROM stored_value_ledger l WHERE l.member_id = m.id)`;

for (const mode of ['wal', 'delete'] as const) {
  test(`backups during sales are consistent (${mode} journal)`, async () => {
    const db = path.join(dir, `shop-${mode}.db`);
    assert.equal(
      cli(['demo', 'create', db, '--members', '2000', '--days', '60', '--seed', '3']).code,
      0,
    );
    if (mode === 'delete') sqliteValue(db, 'PRAGMA journal_mode=DELETE');
    const dest = path.join(dir, `backups-${mode}`);
    const till = spawnCli(['demo', 'sell', db, '--seconds', '12', '--rate', '40']);
    let tillOut = '';
    till.stdout!.on('data', (d: Buffer) => (tillOut += d.toString()));
    const tillDone = new Promise<number>((resolve) =>
      till.on('exit', (code) => resolve(code ?? -1)),
    );
    await new Promise((r) => setTimeout(r, 800));

    const salesSeen: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = cli(['backup', db, '--to', dest]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      salesSeen.push((r.json as { summary: { sales: number } }).summary.sales);
    }
    assert.equal(await tillDone, 0, tillOut);
    const stats = JSON.parse(tillOut) as { sales: number; errors: number };
    assert.ok(stats.sales > 100, `the till sold only ${stats.sales} times`);
    assert.equal(stats.errors, 0);
    // The snapshots saw the shop moving on.
    assert.ok(salesSeen[3]! > salesSeen[0]!, `sales seen: ${salesSeen.join(', ')}`);

    const list = cli(['snapshots', dest]).json as { snapshots: { id: string }[] };
    for (const s of list.snapshots) {
      const out = path.join(dir, `${mode}-${s.id}.db`);
      assert.equal(cli(['restore', dest, '--snapshot', s.id, '--to', out]).code, 0);
      assert.equal(sqliteValue(out, 'PRAGMA integrity_check'), 'ok');
      assert.equal(
        sqliteValue(out, LEDGER_MISMATCHES),
        '0',
        `snapshot ${s.id} is not a committed state`,
      );
      assert.equal(sqliteValue(out, 'PRAGMA foreign_key_check'), '');
    }
  });
}
