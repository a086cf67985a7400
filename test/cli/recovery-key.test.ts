/**
 * `tillvault recovery-key`: a new printed recovery key for every place named, shown once (in
 * the JSON document with --json); after it the old key opens none of them, the new one and the
 * passphrase open all, and the backups restore. Secrets only from the environment or a file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { CLI, PASSPHRASE, cli, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const db = path.join(dir, 'shop.db');
const noPass = { TILLVAULT_PASSPHRASE: undefined };
const KEY = /^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/;

before(() => {
  const r = cli(['demo', 'create', db, '--members', '60', '--days', '2']);
  assert.equal(r.code, 0, r.stderr);
});

/** Two places of one plan with one backup, and the recovery key the first backup showed. */
function plan(name: string): { places: [string, string]; oldKey: string } {
  const places: [string, string] = [path.join(dir, name, 'stick'), path.join(dir, name, 'cloud')];
  fs.mkdirSync(path.join(dir, name));
  const r = cli(['backup', db, '--to', places[0], '--to', places[1]]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return { places, oldKey: (r.json as { recoveryKey: string }).recoveryKey };
}

function keyFile(name: string, key: string): string {
  const file = path.join(dir, `${name}.txt`);
  fs.writeFileSync(file, `${key}\n`);
  return file;
}

const errorCode = (json: unknown): string | undefined =>
  (json as { error?: { code: string } } | null)?.error?.code;

test('a new key for every place: the old one refused, the new one and the passphrase open them, the backup restores', () => {
  const { places, oldKey } = plan('json');
  const r = cli(['recovery-key', ...places]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const doc = r.json as { destinations: string[]; recoveryKey: string };
  assert.deepEqual(Object.keys(doc).sort(), ['destinations', 'recoveryKey']);
  assert.deepEqual(doc.destinations, places);
  assert.match(doc.recoveryKey, KEY);
  assert.notEqual(doc.recoveryKey, oldKey);

  const oldFile = keyFile('old-key', oldKey);
  // Typed from paper: lower case, spaces for dashes.
  const newFile = keyFile('new-key', doc.recoveryKey.toLowerCase().replace(/-/g, ' '));
  for (const place of places) {
    const old = cli(['snapshots', place, '--recovery-key-file', oldFile], noPass);
    assert.equal(old.code, 2, `the old key is refused in ${place}`);
    assert.equal(errorCode(old.json), 'WRONG_PASSPHRASE');
    assert.equal(cli(['snapshots', place, '--recovery-key-file', newFile], noPass).code, 0);
    assert.equal(cli(['snapshots', place]).code, 0, 'the passphrase opens it');
    const log = cli(['log', place]);
    assert.equal(log.code, 0);
    assert.ok(!log.stdout.includes(doc.recoveryKey), 'the log never holds the key');
    const entries = (log.json as { entries: { actor?: string; details: unknown }[] }).entries;
    const entry = entries.find((e) => JSON.stringify(e.details).includes('recovery-key'));
    assert.equal(entry?.actor, 'cli');
  }
  const restored = path.join(dir, 'restored.db');
  const back = cli(
    ['restore', places[1], '--to', restored, '--recovery-key-file', newFile],
    noPass,
  );
  assert.equal(back.code, 0, back.stdout + back.stderr);
  assert.equal(sqliteValue(restored, 'PRAGMA integrity_check'), 'ok');
});

test('at a terminal the key is shown once, framed to be written down; the old key can make it', () => {
  const { places, oldKey } = plan('human');
  const r = spawnSync(
    process.execPath,
    [CLI, 'recovery-key', ...places, '--recovery-key-file', keyFile('human-old', oldKey)],
    { encoding: 'utf8', env: { ...process.env, ...noPass }, timeout: 300_000 },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const key = /^ {2}([0-9A-Z]{4}(?:-[0-9A-Z]{4}){7})$/m.exec(r.stdout)?.[1];
  assert.ok(key, r.stdout);
  assert.equal(r.stdout.split(key).length, 2, 'the key appears once');
  assert.match(r.stdout, /shown only now — print it or write it down/);
  for (const place of places) assert.ok(r.stdout.includes(place));
  assert.ok(!r.stderr.includes(key));
  const opened = cli(['snapshots', places[0], '--recovery-key-file', keyFile('human-new', key)]);
  assert.equal(opened.code, 0);
});

test('without a passphrase, without a place, or of unencrypted backups: refused, nothing changed', () => {
  const { places } = plan('refused');
  const settings = (): string[] =>
    places.map((p) => fs.readFileSync(path.join(p, 'tillvault.json'), 'utf8'));
  const before = settings();

  const none = cli(['recovery-key', ...places], noPass);
  assert.equal(none.code, 2);
  assert.equal(errorCode(none.json), 'PASSPHRASE_REQUIRED');

  const wrong = cli(['recovery-key', ...places], { TILLVAULT_PASSPHRASE: `${PASSPHRASE}!` });
  assert.equal(wrong.code, 2);
  assert.equal(errorCode(wrong.json), 'WRONG_PASSPHRASE');

  const missing = cli(['recovery-key', places[0], path.join(dir, 'refused', 'unplugged')]);
  assert.equal(missing.code, 2, missing.stdout);
  assert.equal(errorCode(missing.json), 'NOT_A_REPOSITORY');

  const usage = cli(['recovery-key']);
  assert.equal(usage.code, 2);
  assert.equal(errorCode(usage.json), 'BAD_USAGE');
  assert.deepEqual(settings(), before);

  const plain = path.join(dir, 'plain');
  assert.equal(cli(['backup', db, '--to', plain, '--no-encryption'], noPass).code, 0);
  const unencrypted = cli(['recovery-key', plain], noPass);
  assert.equal(unencrypted.code, 2);
  assert.equal(errorCode(unencrypted.json), 'BAD_INPUT');
  assert.match(JSON.stringify(unencrypted.json), /not encrypted/);
});
