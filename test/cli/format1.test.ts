/**
 * Repositories made before frames (format 1: every chunk sealed alone) keep working: backed up
 * into, verified, restored, pruned and repaired, and they stay format 1, so an older Tillvault
 * that shares the folder can still read what this one adds.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Repository } from '../../main/engine/repository/repository.js';
import { PASSPHRASE, chinook, cli, dump, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const a = path.join(dir, 'usb');
const b = path.join(dir, 'cloud');
const fresh = path.join(dir, 'new');
let db = '';

/** The format and the index layout versions a destination holds. */
async function formats(dest: string): Promise<{ format: number; indexes: number[] }> {
  const repo = await Repository.open(dest, { kind: 'passphrase', value: PASSPHRASE });
  const indexes: number[] = [];
  for (const name of await repo.listNames('index')) {
    indexes.push((await repo.readIndexFile(name))[4]!);
  }
  return { format: repo.format, indexes };
}

function biggestPack(dest: string): string {
  const data = path.join(dest, 'data');
  return fs
    .readdirSync(data)
    .flatMap((sub) => fs.readdirSync(path.join(data, sub)).map((f) => path.join(data, sub, f)))
    .sort((x, y) => fs.statSync(y).size - fs.statSync(x).size)[0]!;
}

before(async () => {
  db = chinook(dir);
  const { repo } = await Repository.init(a, PASSPHRASE, 1);
  await repo.cloneInto(b);
});

test('backups into format 1 places stay format 1, and a new place beside them joins as format 1', async () => {
  assert.equal(cli(['backup', db, '--to', a, '--to', b, '--to', fresh]).code, 0);
  sqliteValue(db, "UPDATE Customer SET Company = 'Tillvault AB' WHERE CustomerId = 1");
  const r = cli(['backup', db, '--to', a, '--to', b, '--label', 'second']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  for (const dest of [a, b, fresh]) {
    const f = await formats(dest);
    assert.equal(f.format, 1);
    assert.ok(f.indexes.length > 0 && f.indexes.every((v) => v === 1), `${dest}: ${f.indexes}`);
  }
  // A place made from nothing gets frames (format 2).
  const lone = path.join(dir, 'lone');
  assert.equal(cli(['backup', db, '--to', lone]).code, 0);
  assert.deepEqual(await formats(lone), { format: 2, indexes: [2] });
});

test('chunks listed twice at the same place (a crash between two index writes) are not damage', async () => {
  for (const dest of [a, path.join(dir, 'lone')]) {
    const repo = await Repository.open(dest, { kind: 'passphrase', value: PASSPHRASE });
    const [name] = await repo.listNames('index');
    // The same entries sealed again: a second index file that lists them all once more.
    await repo.writeEncodedIndex(await repo.readIndexFile(name!), false);
    assert.equal((await repo.listNames('index')).length >= 2, true);
    const v = cli(['verify', dest, '--level', 'full']);
    assert.equal(v.code, 0, v.stdout);
  }
});

test('format 1 backups verify, restore, prune and repair as before', () => {
  assert.equal(cli(['verify', a, '--level', 'drill']).code, 0);
  const out = path.join(dir, 'restored.db');
  assert.equal(cli(['restore', a, '--to', out]).code, 0);
  assert.equal(dump(out), dump(db));

  const pruned = cli(['prune', a, '--keep-last', '1']);
  assert.equal(pruned.code, 0, pruned.stdout + pruned.stderr);
  assert.equal(cli(['verify', a, '--level', 'full']).code, 0);

  const victim = biggestPack(a);
  const bytes = fs.readFileSync(victim);
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  fs.writeFileSync(victim, bytes);
  assert.equal(cli(['verify', a, '--level', 'full']).code, 3);
  const rep = cli(['repair', a, '--from', b]);
  assert.equal(rep.code, 0, rep.stdout + rep.stderr);
  assert.ok((rep.json as { chunksReplaced: number }).chunksReplaced >= 1);
  assert.equal(cli(['verify', a, '--level', 'drill']).code, 0);
});
