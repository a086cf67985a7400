/**
 * The owner's PIN, enforced in main: the window's requests go through `dispatch` exactly as
 * Electron's and the test host's do, so a renderer that skips the PIN dialog and calls a
 * guarded channel directly is refused. Wrong PINs make the next try wait, also across a
 * restart and against many guesses at once; a forgotten PIN is reset with the passphrase or the
 * recovery key; the PIN is kept only as a slow hash.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { createAppCore } from '../../main/app/core.js';
import { OWNER_IDLE_MS } from '../../main/app/owner-lock.js';
import { headlessPlatform } from '../../main/app/platform.js';
import { readAudit } from '../../main/engine/repository/audit.js';
import { Repository } from '../../main/engine/repository/repository.js';
import { dispatch } from '../../main/ipc/dispatch.js';
import { chinook, tempDir } from '../helpers.js';

const PASS = 'owner test passphrase';
const dir = tempDir('tillvault-owner-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** An app core with a clock the test moves, and its settings document to look into. */
function app(store: Record<string, unknown> = {}) {
  let at = Date.parse('2026-12-07T10:00:00Z');
  const settings = { store };
  const { core, handlers } = createAppCore({
    files: { settings, state: { store: {} }, secrets: { store: {} } },
    protector: null,
    platform: headlessPlatform(path.join(dir, 'data'), path.join(dir, 'Documents')),
    events: { emit: () => undefined },
    drives: async () => [],
    now: () => new Date(at),
  });
  const ask = (channel: string, payload: unknown = {}) =>
    dispatch(handlers, core.owner, channel, payload);
  const later = (ms: number): void => {
    at += ms;
  };
  /** The settings document as it is on disk now. */
  const stored = (): Record<string, unknown> => settings.store;
  return { core, handlers, ask, later, stored };
}

const code = (r: { ok: boolean; error?: { code: string } }): string | null =>
  r.ok ? null : r.error!.code;

test('without a PIN everyone may do everything; with one, staff may look and back up, not restore or change plans', async () => {
  const { core, handlers, ask, stored } = app();
  core.grants.grant(path.join(dir, 'shop.db'));
  const source = chinook(dir);
  core.grants.grant(source);
  const here = core.grants.grant(path.join(dir, 'backups'));
  const made = await ask('jobs:create', {
    name: 'Shop',
    source,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: [{ kind: 'folder', label: 'Documents', path: here }],
    passphrase: PASS,
  });
  assert.equal(code(made), null, 'no PIN yet: setting up is open');
  const jobId = (await handlers['settings:get']({})).jobs[0]!.id;

  assert.deepEqual((await ask('owner:set-pin', { pin: '2580' })).ok, true);
  assert.ok(!JSON.stringify(stored()).includes('2580'), 'the PIN itself is never stored');
  assert.deepEqual(await handlers['owner:status']({}), {
    pinSet: true,
    unlocked: true,
    waitMs: 0,
  });
  await ask('owner:lock');

  for (const [channel, payload] of [
    ['restore:open', { jobId, snapshotId: 'x' }],
    ['restore:run', { sessionId: 'abcdef12', what: { kind: 'all' }, keepNew: null }],
    ['jobs:remove', { jobId }],
    ['jobs:update', { jobId, name: 'Other' }],
    ['settings:update', { notifications: false }],
    ['owner:set-pin', { pin: null }],
    ['plan:recovery-sheet', { jobId }],
    ['plan:recovery-pdf', { jobId }],
    // Refused before the payload is read: nothing is learnt from a locked channel.
    ['restore:to-copy', { nonsense: true }],
  ] as const) {
    assert.equal(code(await ask(channel, payload)), 'OWNER_LOCKED', channel);
  }
  assert.equal((await handlers['settings:get']({})).jobs.length, 1, 'the plan is still there');

  // Staff: status, history and "Back up now".
  assert.equal(code(await ask('status:get')), null);
  assert.equal(code(await ask('history:list', { jobId })), null);
  const run = await ask('backup:run', { jobId });
  assert.equal(code(run), null);
  await core.runner.idle(source);
  // The log says staff did it, and that the owner set the PIN.
  const log = await readAudit(await Repository.open(here, { kind: 'passphrase', value: PASS }));
  const actorOf = (operation: string) =>
    log.flatMap((e) => ('operation' in e && e.operation === operation ? [e.actor] : []));
  assert.deepEqual(actorOf('backup'), ['staff']);
  assert.ok(actorOf('pin').includes('owner'));
});

test('wrong PINs: three tries, then a wait that doubles, survives a restart and holds against many guesses at once', async () => {
  const first = app();
  await first.core.owner.setPin('1357');
  first.core.owner.lock();
  const guesses = await Promise.all(
    Array.from({ length: 12 }, () => first.ask('owner:unlock', { pin: '0000' })),
  );
  assert.ok(guesses.every((g) => g.ok && !(g.value as { unlocked: boolean }).unlocked));
  const owner = first.stored()['owner'] as { failures: number };
  assert.equal(owner.failures, 3, 'the guesses after the third waited instead of being tried');
  assert.equal(first.core.owner.status().waitMs, 30_000);

  // The right PIN while waiting does not open; nor does restarting the app.
  assert.equal((await first.core.owner.unlock('1357')).unlocked, false);
  const restarted = app(first.stored());
  assert.equal(restarted.core.owner.status().waitMs, 30_000);
  restarted.later(30_000);
  assert.equal((await restarted.core.owner.unlock('9999')).waitMs, 60_000, 'then 60 s');
  restarted.later(60_000);
  assert.equal((await restarted.core.owner.unlock('1357')).unlocked, true);
  assert.equal((restarted.stored()['owner'] as { failures: number }).failures, 0);
});

test('the window locks itself after a few idle minutes; each owner action keeps it open', async () => {
  const { core, ask, later } = app();
  await core.owner.setPin('4444');
  later(OWNER_IDLE_MS - 1000);
  assert.equal(code(await ask('settings:update', { notifications: true })), null);
  later(OWNER_IDLE_MS - 1000);
  assert.equal(core.owner.status().unlocked, true, 'the action kept it open');
  later(2000);
  assert.equal(core.owner.status().unlocked, false);
  assert.equal(core.owner.actor(), 'staff');
  assert.equal(code(await ask('settings:update', { notifications: true })), 'OWNER_LOCKED');
  assert.equal((await core.owner.unlock('4444')).unlocked, true);
  assert.equal(core.owner.actor(), 'owner');
});

test('a forgotten PIN is reset with the backup passphrase or the recovery key, not with a guess', async () => {
  const { core, handlers, ask } = app();
  fs.mkdirSync(path.join(dir, 'reset'));
  const source = chinook(path.join(dir, 'reset'));
  core.grants.grant(source);
  const here = core.grants.grant(path.join(dir, 'reset', 'backups'));
  const made = await handlers['jobs:create']({
    name: 'Shop',
    source,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: [{ kind: 'folder', label: 'Documents', path: here }],
    passphrase: PASS,
  });
  const jobId = made.job.id;
  await core.runner.start(core.settings.read().jobs[0]!, 'manual').done;
  await core.owner.setPin('1111');
  core.owner.lock();

  const wrong = await ask('owner:reset-pin', {
    jobId,
    secret: { kind: 'passphrase', value: 'not the passphrase at all' },
    pin: '2222',
  });
  assert.equal(code(wrong), 'WRONG_PASSPHRASE');
  assert.equal(core.owner.status().unlocked, false);

  const byPass = await ask('owner:reset-pin', {
    jobId,
    secret: { kind: 'passphrase', value: PASS },
    pin: '2222',
  });
  assert.equal(code(byPass), null);
  core.owner.lock();
  assert.equal((await core.owner.unlock('1111')).unlocked, false, 'the old PIN is gone');
  assert.equal((await core.owner.unlock('2222')).unlocked, true);
  core.owner.lock();

  const byKey = await ask('owner:reset-pin', {
    jobId,
    secret: { kind: 'recovery-key', value: made.recoveryKey!.toLowerCase() },
    pin: '3333',
  });
  assert.equal(code(byKey), null);
  assert.equal(core.owner.status().unlocked, true);
  // Removing the PIN is the owner's choice, made while unlocked.
  assert.equal(code(await ask('owner:set-pin', { pin: null })), null);
  assert.deepEqual(core.owner.status(), { pinSet: false, unlocked: true, waitMs: 0 });
});

test('a PIN is 4 to 8 digits, checked in main', async () => {
  const { ask } = app();
  for (const pin of ['123', '123456789', '12a4', ' 1234', '']) {
    assert.equal(code(await ask('owner:set-pin', { pin })), 'INVALID_REQUEST', pin);
  }
});
