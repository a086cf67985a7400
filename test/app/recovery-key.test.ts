/**
 * "Make a new recovery key" through `dispatch`, as the window calls it: owner only; every place
 * gets the new key and the old one opens none; a place that is not there changes nothing; the
 * audit screen says it once, by the owner; the key is in no document.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { createAppCore } from '../../main/app/core.js';
import { headlessPlatform } from '../../main/app/platform.js';
import { Repository } from '../../main/engine/repository/repository.js';
import { dispatch } from '../../main/ipc/dispatch.js';
import { chinook, tempDir } from '../helpers.js';

const PASS = 'recovery key test passphrase';
const dir = tempDir('tillvault-recovery-key-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const code = (r: { ok: boolean; error?: { code: string } }): string | null =>
  r.ok ? null : r.error!.code;

const opens = (place: string, key: string): Promise<boolean> =>
  Repository.open(place, { kind: 'recovery-key', value: key }).then(
    () => true,
    () => false,
  );

test('a new recovery key: owner only, every place or none, the old key opens nothing', async () => {
  const files = { settings: { store: {} }, state: { store: {} }, secrets: { store: {} } };
  const { core, handlers } = createAppCore({
    files,
    protector: null,
    platform: headlessPlatform(path.join(dir, 'data'), path.join(dir, 'Documents')),
    events: { emit: () => undefined },
    drives: async () => [],
  });
  const ask = (channel: string, payload: unknown = {}) =>
    dispatch(handlers, core.owner, channel, payload);
  const source = chinook(dir);
  core.grants.grant(source);
  const places = ['a', 'b'].map((n) => core.grants.grant(path.join(dir, n)));
  const made = await ask('jobs:create', {
    name: 'Shop',
    source,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: places.map((p, i) => ({ kind: 'folder', label: `Place ${i}`, path: p })),
    passphrase: PASS,
  });
  assert.ok(made.ok);
  const oldKey = (made.value as { recoveryKey: string }).recoveryKey;
  const jobId = core.settings.read().jobs[0]!.id;
  assert.equal(
    (await core.runner.start(core.settings.read().jobs[0]!, 'manual').done).outcome,
    'ok',
  );

  assert.equal(code(await ask('owner:set-pin', { pin: '2580' })), null);
  await ask('owner:lock');
  assert.equal(code(await ask('plan:new-recovery-key', { jobId })), 'OWNER_LOCKED');
  for (const p of places) assert.ok(await opens(p, oldKey), 'staff changed nothing');
  await ask('owner:unlock', { pin: '2580' });

  // A place not there: nothing changes anywhere, the old key keeps opening both.
  fs.renameSync(places[1]!, `${places[1]}.away`);
  const refused = await ask('plan:new-recovery-key', { jobId });
  assert.notEqual(code(refused), null);
  fs.renameSync(`${places[1]}.away`, places[1]!);
  for (const p of places) assert.ok(await opens(p, oldKey), `${p} keeps the old key`);

  const renewed = await ask('plan:new-recovery-key', { jobId });
  assert.ok(renewed.ok, JSON.stringify(renewed));
  const newKey = (renewed.value as { recoveryKey: string }).recoveryKey;
  assert.notEqual(newKey, oldKey);
  for (const p of places) {
    assert.ok(await opens(p, newKey), `${p} opens with the new key`);
    assert.equal(await opens(p, oldKey), false, `${p} refuses the old key`);
    await Repository.open(p, { kind: 'passphrase', value: PASS });
  }
  for (const doc of Object.values(files)) {
    assert.ok(!JSON.stringify(doc.store).includes(newKey), 'the key is in no document');
  }

  const audit = await handlers['audit:list']({});
  const rows = audit.entries.filter((e) => e.what.message === 'recoveryKey');
  assert.equal(rows.length, 1, 'one event for both places');
  assert.equal(rows[0]!.actor, 'owner');
  assert.equal(rows[0]!.places.length, 2);
});

test('unencrypted backups have no recovery key to renew', async () => {
  const { core, handlers } = createAppCore({
    files: { settings: { store: {} }, state: { store: {} }, secrets: { store: {} } },
    protector: null,
    platform: headlessPlatform(path.join(dir, 'data2'), path.join(dir, 'Documents2')),
    events: { emit: () => undefined },
    drives: async () => [],
  });
  core.settings.update((s) => ({
    ...s,
    jobs: [
      {
        id: 'plainjob',
        name: 'Plain',
        source: path.join(dir, 'plain.db'),
        types: ['members'],
        typeOverrides: {},
        destinations: [{ id: 'd1', kind: 'folder', label: 'Here', path: path.join(dir, 'plain') }],
        encrypted: false,
        schedule: { preset: 'manual' },
        checkSchedule: { preset: 'manual' },
        createdAt: new Date().toISOString(),
      },
    ],
  }));
  const r = await dispatch(handlers, core.owner, 'plan:new-recovery-key', { jobId: 'plainjob' });
  assert.equal(code(r), 'BAD_INPUT');
});
