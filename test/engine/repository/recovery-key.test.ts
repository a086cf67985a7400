/**
 * A new recovery key for every place of a plan, or for none: after it the old key opens no
 * place and the new one and the passphrase open all, with every backup readable; a place that
 * vanishes half-way has the places already changed put back; one that cannot be put back is
 * named, the passphrase opens every place, and a renewal with it brings them in line.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { backup } from '../../../main/engine/backup/backup.js';
import { createDemoShop } from '../../../main/engine/demo/demo-shop.js';
import { TEMP_MARK } from '../../../main/engine/fs/atomic-file.js';
import { TillvaultError } from '../../../main/engine/errors.js';
import { readAudit, type AuditEntry } from '../../../main/engine/repository/audit.js';
import type { Credential } from '../../../main/engine/repository/config.js';
import { changePassphrase } from '../../../main/engine/repository/passphrase.js';
import {
  RecoveryKeySplitError,
  newRecoveryKey,
} from '../../../main/engine/repository/recovery-key.js';
import { Repository } from '../../../main/engine/repository/repository.js';
import { restoreToFile } from '../../../main/engine/restore/restore.js';
import { listSnapshots } from '../../../main/engine/source/inspect.js';
import { sqliteValue, tempDir } from '../../helpers.js';

const PASS = 'the passphrase of the shop';
const pass: Credential = { kind: 'passphrase', value: PASS };
const keyOf = (value: string): Credential => ({ kind: 'recovery-key', value });

let dir: string;
let db: string;
before(() => {
  dir = tempDir('tv-recovery-key-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 40, days: 1, seed: 5 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One plan's places (a folder, a stick, a cloud folder, …) holding one backup. */
async function places(name: string, count = 3): Promise<{ places: string[]; oldKey: string }> {
  const places = ['here', 'stick', 'cloud'].slice(0, count).map((p) => path.join(dir, name, p));
  fs.mkdirSync(path.join(dir, name));
  const { repo, recoveryKey } = await Repository.init(places[0]!, PASS);
  for (const p of places.slice(1)) await repo.cloneInto(p);
  const r = await backup({ source: db, destinations: places, credential: pass });
  assert.ok(r.destinations.every((d) => d.ok));
  return { places, oldKey: recoveryKey! };
}

const opens = (place: string, credential: Credential): Promise<boolean> =>
  Repository.open(place, credential).then(
    () => true,
    (e: unknown) => {
      if (e instanceof TillvaultError && e.code === 'WRONG_PASSPHRASE') return false;
      throw e;
    },
  );

function assertNoTemps(place: string): void {
  assert.deepEqual(
    fs.readdirSync(place).filter((n) => n.includes(TEMP_MARK)),
    [],
    `no temp file left in ${place}`,
  );
}

const settingsOf = (place: string): string =>
  fs.readFileSync(path.join(place, 'tillvault.json'), 'utf8');

async function renewals(place: string): Promise<AuditEntry[]> {
  const log = await readAudit(await Repository.open(place, pass));
  return log.filter(
    (e): e is AuditEntry => 'operation' in e && e.details['change'] === 'recovery-key',
  );
}

for (const count of [2, 3]) {
  test(`${count} places: the new key opens every one, the old one none; the passphrase and the backups stay`, async () => {
    const { places: all, oldKey } = await places(`ok-${count}`, count);
    const newKey = await newRecoveryKey(all, pass, { actor: 'owner' });
    assert.match(newKey, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/);
    assert.notEqual(newKey, oldKey);
    for (const place of all) {
      assert.equal(await opens(place, keyOf(oldKey)), false, `old key refused in ${place}`);
      assert.equal(await opens(place, keyOf(newKey)), true, `new key opens ${place}`);
      assert.equal(await opens(place, pass), true, `the passphrase opens ${place}`);
      assert.equal((await listSnapshots(place, keyOf(newKey))).snapshots.length, 1);
      assertNoTemps(place);
      assert.deepEqual(
        fs.readdirSync(path.join(place, 'locks')).filter((n) => n !== 'reserve'),
        [],
        'the locks are released',
      );
    }
    assert.equal(new Set(all.map(settingsOf)).size, 1, 'one settings file in every place');

    // A backup restores with the new key alone, from the last place as from the first.
    const restored = path.join(dir, `restored-${count}.db`);
    await restoreToFile(all.at(-1)!, keyOf(newKey), 'latest', restored);
    assert.equal(sqliteValue(restored, 'PRAGMA integrity_check'), 'ok');
    assert.equal(
      sqliteValue(restored, 'SELECT count(*) FROM members'),
      sqliteValue(db, 'SELECT count(*) FROM members'),
    );
  });
}

test('the audit entry says who and where, one event in every place, and holds no key', async () => {
  const { places: all, oldKey } = await places('audit', 2);
  const first = await newRecoveryKey(all, pass, { actor: 'owner' });
  const second = await newRecoveryKey(all, keyOf(first));
  const events = new Set<string | undefined>();
  for (const place of all) {
    const [byOwner, byCli] = await renewals(place);
    assert.equal(byOwner?.actor, 'owner');
    assert.equal(byCli?.actor, 'cli', 'the command line when not said');
    assert.equal(byOwner?.operation, 'passphrase');
    assert.deepEqual(byOwner?.details, { change: 'recovery-key', places: 2 });
    assert.equal(byOwner?.result, 'ok');
    events.add(byOwner?.event);
    const text = JSON.stringify(await readAudit(await Repository.open(place, pass)));
    for (const key of [oldKey, first, second]) {
      for (const form of [key, key.replace(/-/g, '')]) {
        assert.ok(!text.includes(form), 'no recovery key in the log');
      }
    }
  }
  assert.equal(events.size, 1, 'the same event in both places');
  assert.ok([...events][0]);
});

test('a place that vanishes after the others took the new key: they are put back, every place keeps the old one', async () => {
  const { places: all, oldKey } = await places('vanish');
  const before = all.map(settingsOf);
  const last = all[2]!;
  const away = `${last}-unplugged`;
  await assert.rejects(
    newRecoveryKey(all, pass, {
      beforeStep: async (root, step) => {
        if (step === 'commit' && root === last) fs.renameSync(last, away);
      },
    }),
    (e: unknown) =>
      e instanceof TillvaultError &&
      !(e instanceof RecoveryKeySplitError) &&
      e.code === 'DEST_MISSING' &&
      e.message.includes(last) &&
      /No new recovery key was made/.test(e.message),
  );
  fs.renameSync(away, last);
  assert.deepEqual(all.map(settingsOf), before, 'every place has its old settings again');
  for (const place of all) {
    assert.equal(await opens(place, keyOf(oldKey)), true, `the old key still opens ${place}`);
  }
  // The vanished place was away when the temp files went; the others have none left.
  assertNoTemps(all[0]!);
  assertNoTemps(all[1]!);
  assert.equal((await renewals(all[0]!)).length, 0, 'nothing was renewed, nothing logged');
});

test('a place that cannot be put back is named; the passphrase opens every place and a renewal with it brings them in line', async () => {
  const { places: all, oldKey } = await places('split');
  const [first, second, last] = all as [string, string, string];
  const away = `${first}-unplugged`;
  let split: RecoveryKeySplitError | null = null;
  await newRecoveryKey(all, pass, {
    beforeStep: async (root, step) => {
      // The last place is gone when its turn comes; the first one is pulled out before its
      // old settings go back, the second is put back all the same.
      if (step === 'commit' && root === last) fs.renameSync(last, `${last}-gone`);
      if (step === 'rollback' && root === first) fs.renameSync(first, away);
    },
  }).catch((e: unknown) => {
    if (e instanceof RecoveryKeySplitError) split = e;
    else throw e;
  });
  assert.ok(split, 'the renewal failed and says which place has the new key');
  const e = split as RecoveryKeySplitError;
  assert.deepEqual(e.stillNew, [first]);
  assert.equal(e.code, 'DEST_MISSING');
  assert.ok(e.message.includes(first) && e.message.includes(last));
  assert.match(e.message, /new recovery key/);
  assert.match(e.message, /The passphrase opens all of them/);
  fs.renameSync(`${last}-gone`, last);
  assert.equal(await opens(away, keyOf(oldKey)), false, 'the pulled stick has the new key');
  assert.equal(await opens(second, keyOf(oldKey)), true, 'the second place was put back');
  assert.equal(await opens(last, keyOf(oldKey)), true, 'the vanished place never changed');
  for (const place of [away, second, last]) assert.equal(await opens(place, pass), true);

  fs.renameSync(away, first);
  // The first place's wrapping would go everywhere: a key nobody was shown. Refused.
  await assert.rejects(
    changePassphrase(all, pass, 'a passphrase for later'),
    (err: unknown) =>
      err instanceof TillvaultError &&
      err.code === 'BAD_INPUT' &&
      /different recovery keys/.test(err.message),
  );
  const newKey = await newRecoveryKey(all, pass);
  for (const place of all) {
    assert.equal(await opens(place, keyOf(newKey)), true);
    assert.equal(await opens(place, keyOf(oldKey)), false);
    assert.equal(await opens(place, pass), true);
  }
  assert.equal(new Set(all.map(settingsOf)).size, 1);
});

test('a place of another plan is refused before any place changes', async () => {
  const { places: mine, oldKey } = await places('mine', 2);
  const other = path.join(dir, 'other-plan');
  await Repository.init(other, PASS);
  const before = mine.map(settingsOf);
  await assert.rejects(
    newRecoveryKey([...mine, other], pass),
    (e: unknown) =>
      e instanceof TillvaultError && e.code === 'BAD_INPUT' && e.message.includes(other),
  );
  assert.deepEqual(mine.map(settingsOf), before);
  for (const place of mine) assert.equal(await opens(place, keyOf(oldKey)), true);
});

test('unencrypted backups have no recovery key to renew', async () => {
  const all = ['a', 'b'].map((p) => path.join(dir, 'plain', p));
  fs.mkdirSync(path.join(dir, 'plain'));
  const { repo } = await Repository.init(all[0]!, null);
  await repo.cloneInto(all[1]!);
  const before = all.map(settingsOf);
  await assert.rejects(
    newRecoveryKey(all, { kind: 'none' }),
    (e: unknown) =>
      e instanceof TillvaultError && e.code === 'BAD_INPUT' && /not encrypted/.test(e.message),
  );
  assert.deepEqual(all.map(settingsOf), before);
});
