/**
 * A first backup killed while it set a place up leaves our empty folders and maybe a
 * half-written settings file. The next backup takes that place as empty (and shows the
 * recovery key) instead of calling it someone else's files; real files of others still count.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { cli, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const db = path.join(dir, 'shop.db');

function halfMadePlace(name: string): string {
  const place = path.join(dir, name);
  for (const sub of ['data', 'index', 'snapshots', 'locks', 'log']) {
    fs.mkdirSync(path.join(place, sub), { recursive: true });
  }
  fs.writeFileSync(path.join(place, 'tillvault.json.tmp-vm-12345-abcdef'), '{"format":');
  return place;
}

before(() => {
  assert.equal(cli(['demo', 'create', db, '--members', '100', '--days', '5']).code, 0);
});

test('a place a killed first backup left half made is set up again', () => {
  const place = halfMadePlace('usb');
  const r = cli(['backup', db, '--to', place]);
  assert.equal(r.code, 0, r.stdout);
  assert.match((r.json as { recoveryKey: string | null }).recoveryKey ?? '', /\w{4}-\w{4}/);
  assert.equal(cli(['verify', place, '--level', 'drill']).code, 0);
});

test('a folder with anything else in it is still not ours to take', () => {
  const place = halfMadePlace('shared');
  fs.writeFileSync(path.join(place, 'data', 'holiday.jpg'), 'not ours');
  const r = cli(['backup', db, '--to', place]);
  assert.equal(r.code, 2, r.stdout);
  const d = (r.json as { destinations: { error: { code: string } | null }[] }).destinations[0];
  assert.equal(d?.error?.code, 'DEST_FOREIGN');
});
