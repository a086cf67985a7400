/** Flipped bytes, deleted parts and truncated records: verify names them, repair fixes them. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chinook, cli, dump, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const a = path.join(dir, 'usb');
const b = path.join(dir, 'cloud');
let db = '';
let ids: string[] = [];

/** The first backup's pack: every chunk in it is needed by the first snapshot. */
function biggestPack(dest: string): string {
  return packs(dest).sort((x, y) => fs.statSync(y).size - fs.statSync(x).size)[0]!;
}

function packs(dest: string): string[] {
  const data = path.join(dest, 'data');
  return fs
    .readdirSync(data)
    .flatMap((sub) => fs.readdirSync(path.join(data, sub)).map((f) => path.join(data, sub, f)));
}

interface VerifyJson {
  ok: boolean;
  damagedSnapshots: string[];
  problems: { kind: string; id: string; problem: string }[];
}

before(() => {
  db = chinook(dir);
  assert.equal(cli(['backup', db, '--to', a, '--to', b]).code, 0);
  // A second snapshot after a change, so damage can hit one snapshot and not the other.
  sqliteValue(db, "UPDATE Customer SET Company = 'Tillvault AB' WHERE CustomerId = 1");
  const r = cli(['backup', db, '--to', a, '--to', b, '--label', 'second']);
  assert.equal(r.code, 0);
  ids = (cli(['snapshots', a]).json as { snapshots: { id: string }[] }).snapshots.map((s) => s.id);
  assert.equal(ids.length, 2);
});

test('both destinations hold the same repository', () => {
  assert.equal(
    fs.readFileSync(path.join(a, 'tillvault.json'), 'utf8'),
    fs.readFileSync(path.join(b, 'tillvault.json'), 'utf8'),
  );
});

test('a flipped byte in a pack: quick misses nothing it claims, full names every snapshot, repair fixes it', () => {
  const victim = biggestPack(a);
  const bytes = fs.readFileSync(victim);
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  fs.writeFileSync(victim, bytes);

  const full = cli(['verify', a, '--level', 'full']);
  assert.equal(full.code, 3, full.stdout);
  const v = full.json as VerifyJson;
  assert.equal(v.ok, false);
  assert.ok(v.damagedSnapshots.includes(ids[0]!));
  assert.ok(v.damagedSnapshots.every((id) => ids.includes(id)));
  assert.ok(v.problems.some((p) => p.kind === 'pack' && victim.endsWith(p.id)));
  assert.ok(v.problems.some((p) => p.kind === 'chunk' && p.problem === 'damaged'));

  // Restoring from damaged backups fails loudly instead of producing a wrong database.
  const out = path.join(dir, 'from-damaged.db');
  const r = cli(['restore', a, '--to', out]);
  assert.equal(r.code, 3);
  assert.ok(!fs.existsSync(out));

  const rep = cli(['repair', a, '--from', b]);
  assert.equal(rep.code, 0, rep.stdout + rep.stderr);
  assert.ok((rep.json as { chunksReplaced: number }).chunksReplaced >= 1);
  assert.equal(cli(['verify', a, '--level', 'full']).code, 0);
  assert.equal(cli(['restore', a, '--to', out]).code, 0);
  assert.equal(dump(out), dump(db));
});

test('a deleted pack: quick verify reports it missing, repair brings it back', () => {
  const victim = biggestPack(a);
  fs.rmSync(victim);
  const quick = cli(['verify', a]);
  assert.equal(quick.code, 3);
  const v = quick.json as VerifyJson;
  assert.ok(v.problems.some((p) => p.kind === 'pack' && p.problem === 'missing'));
  // A chunk whose only pack is gone is missing, in the snapshot lines as in the chunk lines.
  assert.ok(!v.problems.some((p) => /damaged/.test(p.problem)), JSON.stringify(v.problems));
  assert.deepEqual(v.damagedSnapshots, ids);
  assert.equal(cli(['repair', a, '--from', b]).code, 0);
  assert.equal(cli(['verify', a, '--level', 'drill']).code, 0);
});

test('a truncated snapshot record is named, the other snapshot stays usable, repair restores it', () => {
  const record = path.join(a, 'snapshots', ids[1]!);
  fs.truncateSync(record, 40);
  const list = cli(['snapshots', a]);
  assert.equal(list.code, 3);
  const l = list.json as { snapshots: { id: string }[]; damaged: { id: string }[] };
  assert.deepEqual(
    l.snapshots.map((s) => s.id),
    [ids[0]],
  );
  assert.deepEqual(
    l.damaged.map((d) => d.id),
    [ids[1]],
  );
  const out = path.join(dir, 'first.db');
  assert.equal(cli(['restore', a, '--snapshot', ids[0]!, '--to', out]).code, 0);
  const v = cli(['verify', a]).json as VerifyJson;
  assert.deepEqual(v.damagedSnapshots, [ids[1]]);
  assert.equal(cli(['repair', a, '--from', b]).code, 0);
  assert.equal(cli(['verify', a, '--level', 'full']).code, 0);
});

test('a damaged index file is found and repaired', () => {
  const indexDir = path.join(a, 'index');
  const name = fs.readdirSync(indexDir)[0]!;
  const bytes = fs.readFileSync(path.join(indexDir, name));
  bytes[20]! ^= 0x01;
  fs.writeFileSync(path.join(indexDir, name), bytes);
  const v = cli(['verify', a]);
  assert.equal(v.code, 3);
  assert.ok((v.json as VerifyJson).problems.some((p) => p.kind === 'index'));
  assert.equal(cli(['repair', a, '--from', b]).code, 0);
  assert.equal(cli(['verify', a, '--level', 'full']).code, 0);
});

test('a damaged or deleted settings file is put back from the other copy', () => {
  const settings = path.join(a, 'tillvault.json');
  const good = fs.readFileSync(settings, 'utf8');
  for (const damage of [() => fs.truncateSync(settings, 30), () => fs.rmSync(settings)]) {
    damage();
    assert.notEqual(cli(['verify', a]).code, 0);
    const r = cli(['repair', a, '--from', b]);
    assert.equal(r.code, 0, r.stdout);
    assert.equal((r.json as { settingsReplaced: boolean }).settingsReplaced, true);
    assert.equal(fs.readFileSync(settings, 'utf8'), good);
    assert.equal(cli(['verify', a, '--level', 'full']).code, 0);
  }
});

test('a damaged settings file is not replaced from backups of other keys', () => {
  const c = path.join(dir, 'stranger');
  assert.equal(cli(['backup', db, '--to', c]).code, 0);
  const settings = path.join(c, 'tillvault.json');
  fs.truncateSync(settings, 30);
  const damaged = fs.readFileSync(settings);
  const r = cli(['repair', c, '--from', b]);
  assert.equal(r.code, 3, r.stdout);
  assert.deepEqual(fs.readFileSync(settings), damaged);
});

test('a forged snapshot name cannot point outside the destination', () => {
  fs.writeFileSync(path.join(a, 'snapshots', '..%2f..%2fetc%2fpasswd'), 'x');
  const r = cli(['snapshots', a]);
  assert.equal(r.code, 0);
  assert.equal((r.json as { snapshots: unknown[] }).snapshots.length, 2);
  fs.rmSync(path.join(a, 'snapshots', '..%2f..%2fetc%2fpasswd'));
});

test('a repository of different keys cannot repair this one', () => {
  const c = path.join(dir, 'other');
  assert.equal(cli(['backup', db, '--to', c]).code, 0);
  const r = cli(['repair', a, '--from', c]);
  assert.equal(r.code, 2);
});
