/** Settings survive upgrades and damage; passphrases are stored only when the OS protects them. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import Conf from 'conf';
import { ProtectedSecretStore, type Protection, type Protector } from '../../main/app/secrets.js';
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

/** A stand-in for the OS's keychain (which cannot exist here), reporting `kind`. */
function fakeProtector(kind: Protection): Protector {
  const xor = (b: Buffer): Buffer => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    protection: async () => kind,
    protect: async (plain) => xor(Buffer.from(plain)),
    unprotect: async (sealed) => xor(sealed).toString(),
  };
}

const SECRET = 'correct horse battery staple';

/** Whether the passphrase, or its base64, is anywhere in the file's bytes. */
function leaks(file: string): boolean {
  const bytes = fs.readFileSync(file, 'utf8');
  return bytes.includes(SECRET) || bytes.includes(Buffer.from(SECRET).toString('base64'));
}

test('passphrases reach the disk only sealed by the OS keychain, and never in plain text', async () => {
  const dir = tempDir();
  const doc = new Conf<Record<string, unknown>>({
    projectName: 'tv',
    cwd: dir,
    configName: 'secrets',
  });
  const sealed = new ProtectedSecretStore(doc, fakeProtector('os'));
  await sealed.load();
  assert.equal(sealed.protection, 'os');
  sealed.set('j1', SECRET);
  await sealed.flushed();
  assert.equal(typeof doc.store['j1'], 'string');
  assert.ok(!leaks(doc.path));
  const reopened = new ProtectedSecretStore(doc, fakeProtector('os'));
  await reopened.load();
  assert.equal(reopened.get('j1'), SECRET);

  const plainDoc = { store: {} as Record<string, unknown> };
  const memoryOnly = new ProtectedSecretStore(plainDoc, null);
  await memoryOnly.load();
  memoryOnly.set('j1', SECRET);
  await memoryOnly.flushed();
  assert.equal(memoryOnly.get('j1'), SECRET);
  assert.deepEqual(plainDoc.store, {});
  assert.equal(memoryOnly.protection, 'none');

  sealed.delete('j1');
  await sealed.flushed();
  assert.deepEqual(Object.keys(doc.store), []);
});

test("Linux's basic_text fallback (a fixed password) is not protection: the passphrase stays in memory, and one stored under it leaves the file", async () => {
  const dir = tempDir();
  const doc = new Conf<Record<string, unknown>>({
    projectName: 'tv',
    cwd: dir,
    configName: 'secrets',
  });
  // Stored by an earlier version, which took basic_text for protection.
  doc.store = { j0: (await fakeProtector('basic_text').protect(SECRET)).toString('base64') };
  const store = new ProtectedSecretStore(doc, fakeProtector('basic_text'));
  await store.load();
  assert.equal(store.protection, 'basic_text');
  assert.equal(store.get('j0'), SECRET, 'still usable in this session');
  store.set('j1', SECRET);
  await store.flushed();
  assert.equal(store.get('j1'), SECRET);
  assert.deepEqual(Object.keys(doc.store), []);
  assert.ok(!leaks(doc.path));
  const restarted = new ProtectedSecretStore(doc, fakeProtector('basic_text'));
  await restarted.load();
  assert.equal(restarted.get('j1'), null, 'asked again after a restart');
});
