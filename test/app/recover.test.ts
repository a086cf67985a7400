/**
 * "I already have backups" over the real engine, as the window calls it: another shop's
 * database (or an empty one) is refused before any passphrase changes; the shop's own database
 * already on this computer is taken; a retry after a failure does not change the passphrase
 * again; backups that are not encrypted open and go on without one; an opened recovery is
 * forgotten when idle (never under a running step) and when adopted, its secret written nowhere.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { createAppCore } from '../../main/app/core.js';
import { headlessPlatform } from '../../main/app/platform.js';
import { createRecoverHandlers, type RecoverHandlers } from '../../main/app/recover-handlers.js';
import type { DocumentFile } from '../../main/app/settings.js';
import { backup } from '../../main/engine/backup/backup.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import { TillvaultError } from '../../main/engine/errors.js';
import { readAudit } from '../../main/engine/repository/audit.js';
import type { Credential } from '../../main/engine/repository/config.js';
import { changePassphrase } from '../../main/engine/repository/passphrase.js';
import { Repository } from '../../main/engine/repository/repository.js';
import { FIXTURES, tempDir } from '../helpers.js';
import { inMemoryCore } from './in-memory-core.js';

const PASS = 'the shop passphrase of old';
const NEW_PASS = 'a new passphrase on the new computer';
const NIGHTLY = { preset: 'nightly', time: '23:00' } as const;
let dir: string;
let db: string;
let recoveryKey: string;
/** The plan's two places, made on the old computer. */
let places: string[];

before(async () => {
  dir = tempDir('tillvault-recover-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 200, days: 3, seed: 5 });
  const { core, handlers } = inMemoryCore(path.join(dir, 'old'));
  core.grants.grant(db);
  places = ['here', 'stick'].map((p) => core.grants.grant(path.join(dir, 'places', p)));
  fs.mkdirSync(path.join(dir, 'places'));
  const created = await handlers['jobs:create']({
    name: 'Shop',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: places.map((p) => ({
      kind: 'folder' as const,
      label: path.basename(p),
      path: p,
    })),
    passphrase: PASS,
  });
  recoveryKey = created.recoveryKey!;
  const job = core.settings.read().jobs.find((j) => j.id === created.job.id)!;
  assert.equal((await core.runner.start(job, 'manual').done).outcome, 'ok');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A folder of a new computer, with what is put there. */
function computer(name: string): string {
  const home = path.join(dir, name);
  fs.mkdirSync(home, { recursive: true });
  return home;
}

const opens = (place: string, credential: Credential): Promise<boolean> =>
  Repository.open(place, credential).then(
    () => true,
    (e: unknown) => {
      if (e instanceof TillvaultError && e.code === 'WRONG_PASSPHRASE') return false;
      throw e;
    },
  );

const passphraseChanges = async (place: string, credential: Credential): Promise<number> =>
  (await readAudit(await Repository.open(place, credential))).filter(
    (e) => 'operation' in e && e.operation === 'passphrase',
  ).length;

/** Every file under `root`, for a secret that must be in none of them. */
function filesUnder(root: string): string[] {
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((f) => path.join(root, f))
    .filter((f) => fs.statSync(f).isFile());
}

/** The found backups of the plan on the stick, opened as the window does. */
async function openStick(
  handlers: RecoverHandlers,
  secret: { kind: 'passphrase' | 'recovery-key'; value: string },
) {
  await handlers['recover:find']({ roots: [path.join(dir, 'places')] });
  return handlers['recover:unlock']({ path: places[1]!, secret });
}

test('another shop’s database, or an empty one, is refused before the passphrase changes; the shop’s own database here is taken', async () => {
  const home = computer('wrong-database');
  const { core, handlers } = inMemoryCore(home);
  core.grants.grant(path.join(dir, 'places'));
  const opened = await openStick(handlers, { kind: 'recovery-key', value: recoveryKey });

  const other = core.grants.grant(path.join(home, 'music.sqlite'));
  fs.copyFileSync(path.join(FIXTURES, 'chinook.sqlite'), other);
  const empty = core.grants.grant(path.join(home, 'new.db'));
  const blank = new Database(empty);
  blank.pragma('user_version = 1');
  blank.close();
  for (const database of [other, empty]) {
    await assert.rejects(
      handlers['recover:adopt']({
        recoveryId: opened.recoveryId,
        database,
        name: 'Shop again',
        passphrase: NEW_PASS,
        schedule: NIGHTLY,
      }),
      (e: unknown) =>
        e instanceof TillvaultError &&
        e.code === 'BAD_INPUT' &&
        e.message.includes(path.basename(database)) &&
        /nothing was changed/.test(e.message),
    );
  }
  for (const place of places) {
    assert.equal(await opens(place, { kind: 'passphrase', value: PASS }), true, place);
    assert.equal(await opens(place, { kind: 'passphrase', value: NEW_PASS }), false, place);
  }
  assert.deepEqual(core.settings.read().jobs, [], 'no plan was made');

  // The shop's own database, copied here by hand, sold from since the backup: the same shop.
  const own = core.grants.grant(path.join(home, 'shop.db'));
  fs.copyFileSync(db, own);
  const till = new Database(own);
  till.prepare("UPDATE members SET email = 'new@example.com' WHERE id = 1").run();
  till.close();
  const { job } = await handlers['recover:adopt']({
    recoveryId: opened.recoveryId,
    database: own,
    name: 'Shop again',
    passphrase: NEW_PASS,
    schedule: NIGHTLY,
  });
  assert.equal(job.source, own);
  assert.equal(core.secrets.get(job.id), NEW_PASS);
  for (const place of places) {
    assert.equal(await opens(place, { kind: 'passphrase', value: NEW_PASS }), true, place);
  }
  // Adopted: the recovery, and the recovery key it held, are gone.
  await assert.rejects(
    handlers['recover:restore']({
      recoveryId: opened.recoveryId,
      snapshotId: opened.points[0]!.id,
      to: core.grants.grant(path.join(home, 'again.db')),
    }),
    { code: 'NOT_FOUND' },
  );
  // The places keep working with the plan: put them back as they were for the other tests.
  await changePassphrase(places, { kind: 'recovery-key', value: recoveryKey }, PASS);
});

test('a failure after the passphrase changed: the retry opens with the new one and changes nothing again', async () => {
  const home = computer('retry');
  // The app's own settings file cannot be written once (a full disk), then can.
  let data: Record<string, unknown> = {};
  let failWrite = true;
  const settings: DocumentFile = {
    get store() {
      return data;
    },
    set store(next) {
      if (failWrite) {
        failWrite = false;
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }
      data = next;
    },
  };
  const { core, handlers } = createAppCore({
    files: { settings, state: { store: {} }, secrets: { store: {} } },
    protector: null,
    platform: headlessPlatform(path.join(home, 'data'), path.join(home, 'Documents')),
    events: { emit: () => undefined },
    drives: async () => [],
  });
  core.grants.grant(path.join(dir, 'places'));
  // Opened with the old passphrase; the owner sets a new one while at it.
  const opened = await openStick(handlers, { kind: 'passphrase', value: PASS });
  const to = core.grants.grant(path.join(home, 'shop.db'));
  await handlers['recover:restore']({
    recoveryId: opened.recoveryId,
    snapshotId: opened.points.at(-1)!.id,
    to,
  });
  const before = await passphraseChanges(places[0]!, { kind: 'passphrase', value: PASS });
  const adopt = () =>
    handlers['recover:adopt']({
      recoveryId: opened.recoveryId,
      database: to,
      name: 'Shop',
      passphrase: NEW_PASS,
      schedule: NIGHTLY,
    });
  await assert.rejects(adopt(), /no space/);
  assert.equal(
    Object.keys(data).length,
    0,
    'no plan stored while the settings could not be written',
  );
  // The old passphrase no longer opens them: a retry with it would fail. It uses the new one.
  const { job } = await adopt();
  assert.equal(core.secrets.get(job.id), NEW_PASS);
  const fresh: Credential = { kind: 'passphrase', value: NEW_PASS };
  for (const place of places) {
    assert.equal(await opens(place, fresh), true, place);
    assert.equal(await passphraseChanges(place, fresh), before + 1, 'changed once, not twice');
  }
  const stored = core.settings.read().jobs.find((j) => j.id === job.id)!;
  assert.equal((await core.runner.start(stored, 'manual').done).outcome, 'ok');
  await changePassphrase(places, fresh, PASS);
});

test('backups that are not encrypted open without a secret and go on without a passphrase', async () => {
  const stick = path.join(dir, 'plain-stick', 'Tillvault Backups');
  fs.mkdirSync(path.dirname(stick));
  await Repository.init(stick, null);
  const none: Credential = { kind: 'none' };
  assert.ok(
    (await backup({ source: db, destinations: [stick], credential: none })).destinations[0]!.ok,
  );

  const home = computer('plain');
  const { core, handlers } = inMemoryCore(home);
  const root = core.grants.grant(path.dirname(stick));
  core.grants.grant(path.join(dir, 'places'));
  const { found } = await handlers['recover:find']({ roots: [root, path.join(dir, 'places')] });
  assert.equal(found.find((f) => f.path === stick)?.encrypted, false);
  // Encrypted backups still need their secret; these need none, and a passphrase is refused.
  await assert.rejects(handlers['recover:unlock']({ path: places[1]!, secret: null }), {
    code: 'PASSPHRASE_REQUIRED',
  });
  await assert.rejects(
    handlers['recover:unlock']({ path: stick, secret: { kind: 'passphrase', value: PASS } }),
    { code: 'DAMAGED' },
  );
  const opened = await handlers['recover:unlock']({ path: stick, secret: null });
  assert.equal(opened.sourceName, 'shop.db');
  const to = core.grants.grant(path.join(home, 'shop.db'));
  const restored = await handlers['recover:restore']({
    recoveryId: opened.recoveryId,
    snapshotId: opened.points.at(-1)!.id,
    to,
  });
  assert.equal(restored.checks.integrity, true);
  const adopt = (passphrase: string | null) =>
    handlers['recover:adopt']({
      recoveryId: opened.recoveryId,
      database: to,
      name: 'Plain shop',
      passphrase,
      schedule: NIGHTLY,
    });
  await assert.rejects(adopt(NEW_PASS), { code: 'BAD_INPUT' });
  const { job } = await adopt(null);
  assert.deepEqual(
    job.destinations.map((d) => d.path),
    [stick],
  );
  assert.equal(core.secrets.get(job.id), null, 'no passphrase stored for unencrypted backups');
  const repo = await Repository.open(stick, none);
  assert.equal(repo.encrypted, false, 'they stay as they were');
  // The plan goes on backing up without a passphrase, into the same chain.
  const plan = core.settings.read().jobs.find((j) => j.id === job.id)!;
  const run = await core.runner.start(plan, 'manual').done;
  assert.equal(run.outcome, 'ok');
  const { points } = await handlers['restore:points']({ jobId: job.id });
  assert.equal(points[0]!.id, run.snapshotId, 'the new backup is on the stick');
  assert.ok(points.length >= 2, 'after the ones found there');
});

test('an opened recovery is forgotten when left idle, never while a step of it runs, and its secret is written nowhere', async () => {
  const home = computer('idle');
  const { core } = inMemoryCore(home);
  core.grants.grant(path.join(dir, 'places'));
  const timers: { fire: () => void; ms: number; live: boolean }[] = [];
  const handlers = createRecoverHandlers(core, 'Tillvault Backups', {
    idleMs: 1000,
    setTimer: (fire, ms) => {
      const t = {
        fire: () => {
          t.live = false;
          fire();
        },
        ms,
        live: true,
      };
      timers.push(t);
      return () => {
        t.live = false;
      };
    },
  });
  const live = () => timers.filter((t) => t.live);
  const key = { kind: 'recovery-key' as const, value: recoveryKey };

  const first = await openStick(handlers, key);
  assert.equal(live().length, 1);
  assert.equal(live()[0]!.ms, 1000);
  live()[0]!.fire();
  await assert.rejects(
    handlers['recover:restore']({
      recoveryId: first.recoveryId,
      snapshotId: first.points[0]!.id,
      to: core.grants.grant(path.join(home, 'first.db')),
    }),
    { code: 'NOT_FOUND' },
    'idle: forgotten',
  );

  const opened = await openStick(handlers, key);
  const idle = live()[0]!;
  const to = core.grants.grant(path.join(home, 'shop.db'));
  const restoring = handlers['recover:restore']({
    recoveryId: opened.recoveryId,
    snapshotId: opened.points.at(-1)!.id,
    to,
  });
  assert.equal(idle.live, false, 'no idle timer while a step runs');
  idle.fire(); // a timer that was already due when the step began
  await restoring;
  assert.equal(live().length, 1, 'idle again after the step');
  const { job } = await handlers['recover:adopt']({
    recoveryId: opened.recoveryId,
    database: to,
    name: 'Shop',
    passphrase: NEW_PASS,
    schedule: NIGHTLY,
  });
  assert.equal(live().length, 0, 'adopted: no timer left, the recovery is gone');
  await assert.rejects(
    handlers['recover:adopt']({
      recoveryId: opened.recoveryId,
      database: to,
      name: 'Shop',
      passphrase: NEW_PASS,
      schedule: NIGHTLY,
    }),
    { code: 'NOT_FOUND' },
  );
  assert.equal(core.secrets.get(job.id), NEW_PASS);

  // Neither the recovery key nor a passphrase is in any file here or in the places.
  const secrets = [recoveryKey, recoveryKey.replace(/-/g, ''), PASS, NEW_PASS];
  for (const file of [...filesUnder(home), ...filesUnder(path.join(dir, 'places'))]) {
    const text = fs.readFileSync(file).toString('latin1');
    for (const s of secrets) assert.ok(!text.includes(s), `${file} holds no secret`);
  }
  await changePassphrase(places, { kind: 'passphrase', value: NEW_PASS }, PASS);
});
