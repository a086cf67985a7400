/** Settings survive upgrades and damage; passphrases are stored only when the OS protects them. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Conf from 'conf';
import { createAppCore } from '../../main/app/core.js';
import { headlessPlatform } from '../../main/app/platform.js';
import { ProtectedSecretStore, type Protection, type Protector } from '../../main/app/secrets.js';
import {
  DEFAULT_SETTINGS,
  DEFAULT_CHECK_SCHEDULE,
  SETTINGS_VERSION,
  SettingsStore,
  migrateSettings,
} from '../../main/app/settings.js';
import { ROOT, tempDir } from '../helpers.js';

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

/**
 * A stand-in for the OS's keychain (which cannot exist here), reporting `kind`. Its seal starts
 * with the kind, so one backend cannot open another's, as Chromium's cannot (v10 and v11).
 */
function fakeProtector(kind: Protection, reseal = false): Protector {
  const xor = (b: Buffer): Buffer => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    protection: async () => kind,
    protect: async (plain) => Buffer.concat([Buffer.from(`${kind}:`), xor(Buffer.from(plain))]),
    unprotect: async (sealed) => {
      const tag = Buffer.from(`${kind}:`);
      if (!sealed.subarray(0, tag.length).equals(tag)) throw new Error('not sealed here');
      return { plain: xor(sealed.subarray(tag.length)).toString(), reseal };
    },
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

test('under basic_text a passphrase the keychain sealed stays on disk, for when the keychain is back', async () => {
  const dir = tempDir();
  const doc = new Conf<Record<string, unknown>>({
    projectName: 'tv',
    cwd: dir,
    configName: 'secrets',
  });
  const keychain = new ProtectedSecretStore(doc, fakeProtector('os'));
  await keychain.load();
  keychain.set('j1', SECRET);
  await keychain.flushed();
  const stored = doc.store['j1'];
  // A session where the keyring did not start: Chromium falls back to basic_text.
  const fallback = new ProtectedSecretStore(doc, fakeProtector('basic_text'));
  await fallback.load();
  assert.equal(fallback.get('j1'), null);
  assert.equal(doc.store['j1'], stored);
  const back = new ProtectedSecretStore(doc, fakeProtector('os'));
  await back.load();
  assert.equal(back.get('j1'), SECRET);
});

test('a passphrase the OS asks to seal again (a newer key) is sealed again', async () => {
  const doc = { store: {} as Record<string, unknown> };
  const first = new ProtectedSecretStore(doc, fakeProtector('os'));
  await first.load();
  first.set('j1', SECRET);
  await first.flushed();
  let sealedAgain = 0;
  const rotating = fakeProtector('os', true);
  const protector: Protector = {
    ...rotating,
    protect: async (plain) => {
      sealedAgain += 1;
      return rotating.protect(plain);
    },
  };
  const store = new ProtectedSecretStore(doc, protector);
  await store.load();
  await store.flushed();
  assert.equal(store.get('j1'), SECRET);
  assert.equal(sealedAgain, 1);
});

test("Home's status says how passphrases are kept: basic_text is told, so the owner knows", async () => {
  for (const kind of ['os', 'basic_text', 'none'] as const) {
    const { core, handlers } = createAppCore({
      files: { settings: { store: {} }, state: { store: {} }, secrets: { store: {} } },
      protector: fakeProtector(kind),
      platform: headlessPlatform(tempDir(), tempDir()),
      events: { emit: () => undefined },
      drives: async () => [],
    });
    await core.secrets.load();
    assert.equal((await handlers['status:get']({})).passphrases, kind);
  }
  const en = JSON.parse(fs.readFileSync(path.join(ROOT, 'locales', 'en.json'), 'utf8')) as {
    home: Record<string, string>;
  };
  assert.match(en.home['passphrasesInMemory']!, /no keychain Tillvault can use/);
  assert.match(en.home['passphrasesInMemory']!, /after a restart/);
});
