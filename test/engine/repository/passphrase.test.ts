/**
 * A new passphrase for every place of a plan, or for none: a place that cannot take the new
 * settings stops the change before any place has it; a place that vanishes half-way has the
 * places already changed put back, each on its own; the recovery key opens every place always.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { backup } from '../../../main/engine/backup/backup.js';
import { createDemoShop } from '../../../main/engine/demo/demo-shop.js';
import { TEMP_MARK } from '../../../main/engine/fs/atomic-file.js';
import { TillvaultError } from '../../../main/engine/errors.js';
import { readAudit } from '../../../main/engine/repository/audit.js';
import type { Credential } from '../../../main/engine/repository/config.js';
import {
  PassphraseSplitError,
  changePassphrase,
} from '../../../main/engine/repository/passphrase.js';
import { newRecoveryKey } from '../../../main/engine/repository/recovery-key.js';
import { Repository } from '../../../main/engine/repository/repository.js';
import { listSnapshots } from '../../../main/engine/source/inspect.js';
import { tempDir } from '../../helpers.js';

const OLD = 'the old passphrase of the shop';
const NEW = 'a brand new passphrase for all';
const old: Credential = { kind: 'passphrase', value: OLD };
const fresh: Credential = { kind: 'passphrase', value: NEW };
const asRoot = process.getuid?.() === 0;

let dir: string;
let db: string;
before(() => {
  dir = tempDir('tv-passphrase-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 40, days: 1, seed: 3 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One plan's three places (a folder, a stick, a cloud folder) holding one backup. */
async function places(name: string): Promise<{ places: string[]; recoveryKey: string }> {
  const places = ['here', 'stick', 'cloud'].map((p) => path.join(dir, name, p));
  fs.mkdirSync(path.join(dir, name));
  const { repo, recoveryKey } = await Repository.init(places[0]!, OLD);
  for (const p of places.slice(1)) await repo.cloneInto(p);
  const r = await backup({ source: db, destinations: places, credential: old });
  assert.ok(r.destinations.every((d) => d.ok));
  return { places, recoveryKey: recoveryKey! };
}

const opens = (place: string, credential: Credential): Promise<boolean> =>
  Repository.open(place, credential).then(
    () => true,
    (e: unknown) => {
      if (e instanceof TillvaultError && e.code === 'WRONG_PASSPHRASE') return false;
      throw e;
    },
  );

/** Nothing but the settings file and the usual folders: no temp file is left. */
function assertNoTemps(place: string): void {
  assert.deepEqual(
    fs.readdirSync(place).filter((n) => n.includes(TEMP_MARK)),
    [],
    `no temp file left in ${place}`,
  );
}

const settingsOf = (place: string): string =>
  fs.readFileSync(path.join(place, 'tillvault.json'), 'utf8');

test('every place gets the new passphrase; the old one is refused, the recovery key and the backups stay', async () => {
  const { places: all, recoveryKey } = await places('ok');
  await changePassphrase(all, old, NEW);
  const key: Credential = { kind: 'recovery-key', value: recoveryKey };
  for (const place of all) {
    assert.equal(await opens(place, old), false, `old passphrase refused in ${place}`);
    assert.equal(await opens(place, fresh), true, `new passphrase opens ${place}`);
    assert.equal(await opens(place, key), true, `recovery key opens ${place}`);
    assert.equal((await listSnapshots(place, fresh)).snapshots.length, 1);
    const audit = await readAudit(await Repository.open(place, fresh));
    assert.ok(
      audit.some((e) => 'operation' in e && e.operation === 'passphrase' && e.actor === 'cli'),
      'the change is logged, by the command line when not said',
    );
    assertNoTemps(place);
    assert.deepEqual(
      fs.readdirSync(path.join(place, 'locks')).filter((n) => n !== 'reserve'),
      [],
      'the locks are released',
    );
  }
  assert.equal(new Set(all.map(settingsOf)).size, 1, 'one settings file in every place');
});

test(
  'a read-only place stops the change before any place has it',
  { skip: asRoot && 'root writes into read-only folders' },
  async () => {
    const { places: all } = await places('read-only');
    const before = all.map(settingsOf);
    // The place itself read-only; its lock folder stays writable, so only the settings fail.
    fs.chmodSync(all[1]!, 0o555);
    try {
      await assert.rejects(
        changePassphrase(all, old, NEW),
        (e: unknown) =>
          e instanceof TillvaultError &&
          e.code === 'DEST_READONLY' &&
          e.message.includes(all[1]!) &&
          /not changed/.test(e.message),
      );
    } finally {
      fs.chmodSync(all[1]!, 0o755);
    }
    assert.deepEqual(all.map(settingsOf), before, 'no place was changed');
    for (const place of all) {
      assert.equal(await opens(place, old), true);
      assertNoTemps(place);
    }
  },
);

test('a place that cannot take the new settings (a file where its folder was) stops the change before any place has it', async () => {
  const { places: all } = await places('prepare');
  const before = all.map(settingsOf);
  const last = all[2]!;
  const away = `${last}-away`;
  await assert.rejects(
    changePassphrase(all, old, NEW, {
      beforeStep: async (root, step) => {
        if (step !== 'prepare' || root !== last) return;
        fs.renameSync(last, away);
        fs.writeFileSync(last, 'not a folder');
      },
    }),
    (e: unknown) => e instanceof TillvaultError && e.message.includes(last),
  );
  fs.rmSync(last);
  fs.renameSync(away, last);
  assert.deepEqual(all.map(settingsOf), before, 'no place was changed');
  for (const place of all) {
    assert.equal(await opens(place, old), true);
    assertNoTemps(place);
  }
});

test('a place that vanishes after the others took the new passphrase: they are put back, every place keeps the old one', async () => {
  const { places: all } = await places('vanish');
  const before = all.map(settingsOf);
  const last = all[2]!;
  const away = `${last}-unplugged`;
  await assert.rejects(
    changePassphrase(all, old, NEW, {
      beforeStep: async (root, step) => {
        if (step === 'commit' && root === last) fs.renameSync(last, away);
      },
    }),
    (e: unknown) =>
      e instanceof TillvaultError &&
      !(e instanceof PassphraseSplitError) &&
      e.code === 'DEST_MISSING' &&
      e.message.includes(last),
  );
  fs.renameSync(away, last);
  assert.deepEqual(all.map(settingsOf), before, 'every place has its old settings again');
  for (const place of all) {
    assert.equal(await opens(place, old), true);
    assert.equal(await opens(place, fresh), false);
  }
  assertNoTemps(all[0]!);
  assertNoTemps(all[1]!);
});

test('a place that cannot be put back does not keep the others new, and is named', async () => {
  const { places: all, recoveryKey } = await places('split');
  const [first, second, last] = all as [string, string, string];
  const away = `${first}-unplugged`;
  let split: PassphraseSplitError | null = null;
  await changePassphrase(all, old, NEW, {
    beforeStep: async (root, step) => {
      // The last place is gone when its turn comes; the first one is pulled out before its
      // old settings go back, the second is put back all the same.
      if (step === 'commit' && root === last) fs.renameSync(last, `${last}-gone`);
      if (step === 'rollback' && root === first) fs.renameSync(first, away);
    },
  }).catch((e: unknown) => {
    if (e instanceof PassphraseSplitError) split = e;
    else throw e;
  });
  assert.ok(split, 'the change failed and says which place still has the new passphrase');
  const e = split as PassphraseSplitError;
  assert.deepEqual(e.stillNew, [first]);
  assert.ok(e.message.includes(first) && e.message.includes(last));
  fs.renameSync(`${last}-gone`, last);
  assert.equal(await opens(away, fresh), true, 'the pulled stick opens with the new passphrase');
  assert.equal(await opens(second, old), true, 'the second place was put back');
  assert.equal(await opens(last, old), true, 'the vanished place never changed');
  const key: Credential = { kind: 'recovery-key', value: recoveryKey };
  for (const place of [away, second, last]) assert.equal(await opens(place, key), true);

  // With the stick back, the recovery key brings every place to one passphrase again; a new
  // recovery key first would give every place the first one's passphrase, whichever that is.
  fs.renameSync(away, first);
  await assert.rejects(
    newRecoveryKey(all, key),
    (err: unknown) =>
      err instanceof TillvaultError &&
      err.code === 'BAD_INPUT' &&
      /different passphrases/.test(err.message),
  );
  await changePassphrase(all, key, NEW, { actor: 'owner' });
  for (const place of all) assert.equal(await opens(place, fresh), true);
  assert.equal(new Set(all.map(settingsOf)).size, 1);
  const audit = await readAudit(await Repository.open(first, fresh));
  assert.ok(audit.some((e) => 'operation' in e && e.actor === 'owner'));
});
