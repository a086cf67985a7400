/**
 * `tillvault adopt`: on a new computer, backups opened with the printed recovery key become a
 * plan of the app again with a new passphrase in every copy, and the next run adds to the same
 * chain (only new pages stored); the recovery key keeps working, the old passphrase does not.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cli, sqliteValue, tempDir } from '../helpers.js';

test('adopt with the recovery key: a new passphrase everywhere, the same chain goes on', () => {
  const dir = tempDir();
  const db = path.join(dir, 'shop.db');
  const stick = path.join(dir, 'stick');
  const cloud = path.join(dir, 'cloud');
  assert.equal(cli(['demo', 'create', db, '--members', '150', '--days', '3']).code, 0);
  const first = cli(['backup', db, '--to', stick, '--to', cloud]);
  assert.equal(first.code, 0, first.stdout + first.stderr);
  const recoveryKey = (first.json as { recoveryKey: string }).recoveryKey;
  assert.match(recoveryKey, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/);

  // The new computer: no passphrase, the key typed from paper, the database put back first.
  const keyFile = path.join(dir, 'key.txt');
  fs.writeFileSync(keyFile, recoveryKey.toLowerCase().replace(/-/g, ' '));
  const newPassFile = path.join(dir, 'new-pass.txt');
  fs.writeFileSync(newPassFile, 'the passphrase of the new computer');
  const config = path.join(dir, 'config');
  const restored = path.join(dir, 'restored.db');
  const noPass = { TILLVAULT_PASSPHRASE: undefined };
  const back = cli(['restore', stick, '--to', restored, '--recovery-key-file', keyFile], noPass);
  assert.equal(back.code, 0, back.stdout + back.stderr);

  const without = cli(
    ['adopt', stick, '--database', restored, '--recovery-key-file', keyFile, '--config', config],
    noPass,
  );
  assert.equal(without.code, 2, 'a new passphrase is needed with the recovery key');
  assert.match(JSON.stringify(without.json), /new passphrase/);

  const adopted = cli(
    [
      'adopt',
      stick,
      '--database',
      restored,
      '--also',
      cloud,
      '--name',
      'Shop again',
      '--nightly',
      '22:30',
      '--recovery-key-file',
      keyFile,
      '--new-passphrase-file',
      newPassFile,
      '--config',
      config,
    ],
    noPass,
  );
  assert.equal(adopted.code, 0, adopted.stdout + adopted.stderr);
  const job = (adopted.json as { job: { id: string; destinations: { path: string }[] } }).job;
  assert.deepEqual(job.destinations.map((d) => d.path).sort(), [cloud, stick].sort());

  const run = cli(['run', job.id, '--config', config, '--passphrase-file', newPassFile], noPass);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const record = run.json as { destinations: { ok: boolean; newBytes: number }[] };
  assert.ok(record.destinations.every((d) => d.ok));
  assert.ok(
    record.destinations.every((d) => d.newBytes < 64 * 1024),
    `only new pages: ${record.destinations.map((d) => d.newBytes).join(', ')}`,
  );
  for (const place of [stick, cloud]) {
    const listed = cli(['snapshots', place, '--passphrase-file', newPassFile], noPass);
    assert.equal(listed.code, 0);
    assert.equal((listed.json as { snapshots: unknown[] }).snapshots.length, 2);
    const old = cli(['snapshots', place]);
    assert.equal(old.code, 2);
    assert.match(JSON.stringify(old.json), /WRONG_PASSPHRASE/, 'the old passphrase opens nothing');
    assert.equal(
      cli(['snapshots', place, '--recovery-key-file', keyFile], noPass).code,
      0,
      'the printed recovery key still opens them',
    );
  }
  assert.equal(sqliteValue(restored, 'PRAGMA integrity_check'), 'ok');
  fs.rmSync(dir, { recursive: true, force: true });
});
