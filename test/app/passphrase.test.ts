/**
 * The passphrase typed again on Home: after a restart on a computer with no keychain (the plan
 * is red and no backup runs until it is typed), and every 90 days as "do you still know it?",
 * which checks it against a place and stores nothing new. Through `dispatch`, as the window
 * calls it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { createAppCore } from '../../main/app/core.js';
import { headlessPlatform } from '../../main/app/platform.js';
import { dispatch } from '../../main/ipc/dispatch.js';
import { chinook, tempDir } from '../helpers.js';

const PASS = 'passphrase typed again';
const DAY = 86_400_000;
const dir = tempDir('tillvault-passphrase-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The app with documents that outlive a "restart" (a new core on the same documents). */
function computer() {
  let at = Date.parse('2026-12-07T10:00:00Z');
  const files = { settings: { store: {} }, state: { store: {} }, secrets: { store: {} } };
  const start = () => {
    const { core, handlers } = createAppCore({
      files,
      // No keychain: passphrases live in memory, so a restart forgets them.
      protector: null,
      platform: headlessPlatform(path.join(dir, 'data'), path.join(dir, 'Documents')),
      events: { emit: () => undefined },
      drives: async () => [],
      now: () => new Date(at),
    });
    const ask = (channel: string, payload: unknown = {}) =>
      dispatch(handlers, core.owner, channel, payload);
    return { core, handlers, ask };
  };
  return {
    files,
    start,
    later: (ms: number) => {
      at += ms;
    },
  };
}

const code = (r: { ok: boolean; error?: { code: string } }): string | null =>
  r.ok ? null : r.error!.code;

/** A plan of its own copy of the Chinook shop into one folder, made as setup makes it. */
async function newPlan(app: ReturnType<ReturnType<typeof computer>['start']>, sub: string) {
  const source = chinook(fs.mkdirSync(path.join(dir, sub), { recursive: true })!);
  app.core.grants.grant(source);
  const here = app.core.grants.grant(path.join(dir, sub, 'backups'));
  const made = await app.ask('jobs:create', {
    name: 'Shop',
    source,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: [{ kind: 'folder', label: 'Documents', path: here }],
    passphrase: PASS,
  });
  assert.equal(code(made), null);
  return { source, here, job: app.core.settings.read().jobs[0]! };
}

test('after a restart without a keychain the plan is red until the passphrase is typed; a wrong one is refused and kept nowhere', async () => {
  const pc = computer();
  const first = pc.start();
  const { source, job } = await newPlan(first, 'first');
  assert.equal((await first.core.runner.start(job, 'manual').done).outcome, 'ok');
  assert.equal((await first.handlers['status:get']({})).plans[0]!.passphraseMissing, false);

  const again = pc.start();
  const status = await again.handlers['status:get']({});
  assert.equal(status.level, 'bad');
  assert.deepEqual(status.reason, { kind: 'no-passphrase' });
  assert.equal(status.plans[0]!.passphraseMissing, true);
  assert.equal(status.plans[0]!.passphraseCheckDue, false, 'a missing one is asked for anyway');
  assert.equal(code(await again.ask('backup:run', { jobId: job.id })), 'PASSPHRASE_REQUIRED');

  const wrong = await again.ask('passphrase:check', { jobId: job.id, passphrase: 'not it' });
  assert.equal(code(wrong), 'WRONG_PASSPHRASE');
  assert.equal(again.core.secrets.get(job.id), null, 'a wrong passphrase is never kept');
  assert.equal((await again.handlers['status:get']({})).plans[0]!.passphraseMissing, true);

  const right = await again.ask('passphrase:check', { jobId: job.id, passphrase: PASS });
  assert.deepEqual(right, { ok: true, value: { kept: true } });
  const now = await again.handlers['status:get']({});
  assert.notEqual(now.reason?.kind, 'no-passphrase');
  assert.equal(now.plans[0]!.passphraseMissing, false);
  const run = await again.ask('backup:run', { jobId: job.id });
  assert.equal(code(run), null);
  await again.core.runner.idle(source);
  assert.equal(again.core.state.get(job.id).lastRun?.outcome, 'ok');
  for (const doc of Object.values(pc.files)) {
    assert.ok(!JSON.stringify(doc.store).includes(PASS), 'the passphrase is in no document');
  }
});

test('every 90 days: the passphrase is checked against a place, nothing new is stored, and the question goes away', async () => {
  const pc = computer();
  const app = pc.start();
  const { here, job } = await newPlan(app, 'second');
  await app.core.runner.start(job, 'manual').done;
  assert.equal((await app.handlers['status:get']({})).plans[0]!.passphraseCheckDue, false);

  pc.later(91 * DAY);
  assert.equal((await app.handlers['status:get']({})).plans[0]!.passphraseCheckDue, true);
  assert.equal(
    code(await app.ask('passphrase:check', { jobId: job.id, passphrase: 'forgot it' })),
    'WRONG_PASSPHRASE',
  );
  assert.equal((await app.handlers['status:get']({})).plans[0]!.passphraseCheckDue, true);
  const secretsBefore = JSON.stringify(pc.files.secrets.store);
  assert.deepEqual(await app.ask('passphrase:check', { jobId: job.id, passphrase: PASS }), {
    ok: true,
    value: { kept: false },
  });
  assert.equal(JSON.stringify(pc.files.secrets.store), secretsBefore, 'nothing stored again');
  assert.equal((await app.handlers['status:get']({})).plans[0]!.passphraseCheckDue, false);
  assert.equal(
    app.core.settings.read().jobs[0]!.passphraseCheckedAt,
    new Date(Date.parse('2026-12-07T10:00:00Z') + 91 * DAY).toISOString(),
  );

  // A place that went missing cannot prove it: said so, not called wrong.
  fs.rmSync(here, { recursive: true, force: true });
  assert.equal(
    code(await app.ask('passphrase:check', { jobId: job.id, passphrase: PASS })),
    'DEST_MISSING',
  );
});

test('the warning about a changed backup is dismissed by the owner only', async () => {
  const pc = computer();
  const app = pc.start();
  const { job } = await newPlan(app, 'third');
  const done = await app.core.runner.start(job, 'manual').done;
  app.core.state.record({
    ...done,
    runId: 'later',
    change: {
      before: { snapshotId: done.snapshotId!, time: done.finishedAt },
      findings: [{ kind: 'members', before: 59, now: 20 }],
    },
  });
  assert.equal((await app.handlers['status:get']({})).plans[0]!.reason?.kind, 'changed');
  assert.equal(code(await app.ask('owner:set-pin', { pin: '2580' })), null);
  await app.ask('owner:lock');
  assert.equal(code(await app.ask('status:dismiss-change', { jobId: job.id })), 'OWNER_LOCKED');
  assert.equal((await app.handlers['status:get']({})).plans[0]!.reason?.kind, 'changed');
  await app.ask('owner:unlock', { pin: '2580' });
  assert.equal(code(await app.ask('status:dismiss-change', { jobId: job.id })), null);
  assert.notEqual((await app.handlers['status:get']({})).plans[0]!.reason?.kind, 'changed');
});
