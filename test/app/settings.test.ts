/** Settings survive upgrades and damage; passphrases are stored only when the OS protects them. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import Conf from 'conf';
import { ProtectedSecretStore, type Protector } from '../../main/app/secrets.js';
import {
  DEFAULT_SETTINGS,
  DEFAULT_CHECK_SCHEDULE,
  SETTINGS_VERSION,
  SettingsStore,
  migrateSettings,
} from '../../main/app/settings.js';
import { tempDir } from '../helpers.js';

const job = {
  id: 'j1',
  name: 'Shop',
  source: '/pos/shop.db',
  types: ['members', 'sales'],
  typeOverrides: {},
  destinations: [{ id: 'd1', kind: 'folder', label: 'Backups', path: '/backups' }],
  schedule: { preset: 'nightly', time: '23:00' },
  createdAt: '2026-11-01T10:00:00.000Z',
};

test('version 1 settings are migrated, jobs kept', () => {
  const { typeOverrides: _, ...oldJob } = job;
  const s = migrateSettings({ version: 1, lang: 'sv', startAtLogin: true, jobs: [oldJob] });
  assert.equal(s.version, SETTINGS_VERSION);
  assert.equal(s.language, 'sv');
  assert.equal(s.notifications, true);
  assert.equal(s.startAtLogin, true);
  assert.deepEqual(s.jobs, [{ ...job, checkSchedule: DEFAULT_CHECK_SCHEDULE }]);
});

test('empty or damaged settings fall back without losing good jobs', () => {
  assert.deepEqual(migrateSettings(undefined), DEFAULT_SETTINGS);
  assert.deepEqual(migrateSettings('garbage'), DEFAULT_SETTINGS);
  const s = migrateSettings({
    version: 2,
    language: 'xx',
    jobs: [job, { id: 'broken', schedule: { preset: 'sometimes' } }],
  });
  assert.equal(s.language, 'system');
  assert.deepEqual(s.jobs, [{ ...job, checkSchedule: DEFAULT_CHECK_SCHEDULE }]);
});

test('a conf file round-trips through the store, as the CLI and test host use it', () => {
  const dir = tempDir('tillvault-settings-');
  try {
    const file = new Conf<Record<string, unknown>>({
      projectName: 'tillvault',
      cwd: dir,
      configName: 'settings',
    });
    const store = new SettingsStore(file);
    store.update((s) => ({ ...s, language: 'nb', jobs: [job as never] }));
    const again = new SettingsStore(
      new Conf<Record<string, unknown>>({
        projectName: 'tillvault',
        cwd: dir,
        configName: 'settings',
      }),
    );
    assert.equal(again.read().language, 'nb');
    assert.equal(again.read().jobs[0]?.id, 'j1');
    assert.throws(() => store.update((s) => ({ ...s, language: 'xx' as never })));
    assert.equal(again.read().language, 'nb');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('passphrases reach the disk only sealed by the OS, and never in plain text', () => {
  const doc = { store: {} as Record<string, unknown> };
  const xor = (b: Buffer): Buffer => Buffer.from(b.map((x) => x ^ 0x5a));
  const protector: Protector = {
    available: () => true,
    protect: (plain) => xor(Buffer.from(plain)),
    unprotect: (sealed) => xor(sealed).toString(),
  };
  const sealed = new ProtectedSecretStore(doc, protector);
  sealed.set('j1', 'correct horse battery staple');
  assert.ok(!JSON.stringify(doc.store).includes('correct horse'));
  assert.equal(new ProtectedSecretStore(doc, protector).get('j1'), 'correct horse battery staple');

  const plainDoc = { store: {} as Record<string, unknown> };
  const memoryOnly = new ProtectedSecretStore(plainDoc, null);
  memoryOnly.set('j1', 'correct horse battery staple');
  assert.equal(memoryOnly.get('j1'), 'correct horse battery staple');
  assert.deepEqual(plainDoc.store, {});
  assert.equal(new ProtectedSecretStore(plainDoc, null).get('j1'), null);

  sealed.delete('j1');
  assert.deepEqual(doc.store, {});
});
