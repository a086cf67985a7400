/**
 * Prune never deletes the only copy of a chunk a kept backup needs: when a pack it rewrites
 * holds a frame that no longer opens, the pack stays, so the damage is named (not a silent gap)
 * and repair from another place brings it back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { SINGLE } from '../../main/engine/repository/chunk.js';
import { Repository } from '../../main/engine/repository/repository.js';
import { PASSPHRASE, chinook, cli, dump, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

interface VerifyJson {
  ok: boolean;
  problems: { kind: string; id: string; problem: string }[];
}

test('a damaged frame in a pack that prune rewrites keeps its pack; repair then fixes it', async () => {
  const db = chinook(dir);
  const a = path.join(dir, 'usb');
  const b = path.join(dir, 'cloud');
  assert.equal(cli(['backup', db, '--to', a, '--to', b]).code, 0);
  const firstPacks = new Set(await packNames(a));
  // Most of the biggest table changes: most of the first backup's pages are needed no more.
  sqliteValue(db, "UPDATE Track SET Name = Name || ' (remastered)', Composer = 'Tillvault'");
  assert.equal(cli(['backup', db, '--to', a, '--to', b, '--label', 'second']).code, 0);

  // A frame of the first backup that the second still needs (pages that did not change).
  const repo = await Repository.open(a, { kind: 'passphrase', value: PASSPHRASE });
  const index = await repo.loadIndex();
  const [, second] = (await repo.readAllManifests()).manifests;
  const needed = await repo.pageIds(second!);
  const victim = needed
    .flatMap((id) => index.locations(id))
    .find((loc) => firstPacks.has(loc.pack) && loc.slot !== SINGLE);
  assert.ok(victim, 'an unchanged page still stored in the first pack');
  const file = repo.layout.pack(victim.pack);
  const bytes = fs.readFileSync(file);
  bytes[victim.offset + Math.floor(victim.length / 2)]! ^= 0x40;
  fs.writeFileSync(file, bytes);

  const pruned = cli(['prune', a, '--keep-last', '1']);
  assert.equal(pruned.code, 0, pruned.stdout + pruned.stderr);
  assert.ok((pruned.json as { packsRewritten: number }).packsRewritten >= 1);
  assert.ok(fs.existsSync(file), 'the pack holding the only copy of a needed frame stays');

  const v = cli(['verify', a, '--level', 'full']);
  assert.equal(v.code, 3);
  const problems = (v.json as VerifyJson).problems;
  assert.ok(problems.some((p) => p.kind === 'chunk' && p.problem === 'damaged'));
  assert.ok(!problems.some((p) => p.kind === 'chunk' && p.problem === 'missing'));

  const rep = cli(['repair', a, '--from', b]);
  assert.equal(rep.code, 0, rep.stdout + rep.stderr);
  assert.equal(cli(['verify', a, '--level', 'full']).code, 0);
  const out = path.join(dir, 'restored.db');
  assert.equal(cli(['restore', a, '--to', out]).code, 0);
  assert.equal(dump(out), dump(db));
});

async function packNames(dest: string): Promise<string[]> {
  const repo = await Repository.open(dest, { kind: 'passphrase', value: PASSPHRASE });
  return repo.packFileNames();
}
