import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import {
  BlobIndex,
  IdSet,
  decodeIndex,
  encodeIndex,
  encodeIndexParts,
  type PackEntries,
} from '../../../main/engine/repository/blob-index.js';
import { SINGLE } from '../../../main/engine/repository/chunk.js';
import { TillvaultError } from '../../../main/engine/errors.js';
import { PackWriter } from '../../../main/engine/repository/pack-writer.js';
import { Repository } from '../../../main/engine/repository/repository.js';
import { tempDir } from '../../helpers.js';

const hex = (): string => crypto.randomBytes(32).toString('hex');

function packs(count: number, blobs: number): PackEntries[] {
  return Array.from({ length: count }, () => ({
    pack: hex(),
    blobs: Array.from({ length: blobs }, (_, i) => ({
      id: hex(),
      offset: i * 50,
      length: 50,
      slot: i % 7,
    })),
  }));
}

test('an index added from its encoded bytes answers like one added from entries', () => {
  const first = packs(3, 700);
  // The same chunk in a later pack: a second copy, found after the first.
  const again = [{ pack: hex(), blobs: [{ ...first[1]!.blobs[5]!, offset: 999 }] }];
  const fromEntries = new BlobIndex();
  fromEntries.add(first, 'a');
  fromEntries.add(again, 'b');
  const fromBytes = new BlobIndex();
  fromBytes.addEncoded(encodeIndex(first), 'a');
  fromBytes.addEncoded(encodeIndex(again), 'b');
  assert.equal(fromBytes.size, 2100);
  assert.deepEqual([...fromBytes.ids()], [...fromEntries.ids()]);
  for (const id of fromEntries.ids()) {
    assert.deepEqual(fromBytes.locations(id), fromEntries.locations(id));
  }
  const twin = first[1]!.blobs[5]!.id;
  assert.equal(fromBytes.locations(twin).length, 2);
  const entry = fromBytes.oldestEntry(Buffer.from(twin, 'hex'), 0);
  assert.equal(fromBytes.packName(fromBytes.entryPackNumber(entry)), first[1]!.pack);
  assert.equal(fromBytes.entryOffsetOf(entry), 250);
  assert.equal(fromBytes.entryLengthOf(entry), 50);
  assert.equal(fromBytes.entrySlotOf(entry), 5);
  assert.equal(fromBytes.oldestEntry(Buffer.from(hex(), 'hex'), 0), -1);
  assert.equal(fromBytes.has(hex()), false);
  assert.deepEqual([...fromBytes.packs.get(first[0]!.pack)!], ['a']);
});

test('a damaged encoded index adds nothing', () => {
  const index = new BlobIndex();
  const buf = encodeIndex(packs(2, 10));
  assert.throws(
    () => index.addEncoded(buf.subarray(0, buf.length - 3), 'x'),
    (e: unknown) => e instanceof TillvaultError && e.code === 'DAMAGED',
  );
  assert.equal(index.size, 0);
  assert.equal(index.packs.size, 0);
});

test('index parts already in the file layout encode to the same file', () => {
  const entries = packs(2, 30);
  const parts = entries.map((p) => ({
    pack: p.pack,
    entries: Buffer.concat(
      p.blobs.map((b) => {
        const e = Buffer.alloc(44);
        e.write(b.id, 0, 32, 'hex');
        e.writeUInt32LE(b.offset, 32);
        e.writeUInt32LE(b.length, 36);
        e.writeUInt32LE(b.slot, 40);
        return e;
      }),
    ),
  }));
  assert.deepEqual(encodeIndexParts(parts, 2), encodeIndex(entries, 2));
  assert.deepEqual(decodeIndex(encodeIndexParts(parts, 2), 'x'), entries);
});

test('an id set keeps every id it was given and no other', () => {
  const set = new IdSet();
  const ids = Array.from({ length: 5000 }, hex);
  for (const id of ids) set.add(id);
  set.add(ids[0]!);
  for (const id of ids) assert.ok(set.has(id));
  for (let i = 0; i < 100; i++) assert.equal(set.has(hex()), false);
});

test('packs streamed to disk hold every chunk where the index says, small and large', async () => {
  const root = tempDir('tillvault-packs-');
  try {
    const { repo } = await Repository.init(path.join(root, 'repo'), null);
    const writer = new PackWriter(repo);
    const chunks = new Map<string, Buffer>();
    // Enough to fill more than one pack, with one chunk larger than a stage buffer.
    const sizes = [...Array.from({ length: 4500 }, () => 4096), 1536 * 1024, 100];
    for (const size of sizes) {
      const data = crypto.randomBytes(size);
      const id = hex();
      chunks.set(id, data);
      await writer.add(data, [{ id, slot: SINGLE }]);
    }
    assert.ok(await writer.finish());
    const index = await repo.loadIndex();
    assert.equal(index.size, chunks.size);
    for (const [id, data] of chunks) {
      const [loc] = index.locations(id);
      assert.deepEqual(await repo.readAt(loc!), data);
    }
    // Every pack is named by the hash of its bytes, and no temp file is left behind.
    for (const name of await repo.packFileNames()) {
      const bytes = await fs.readFile(repo.layout.pack(name));
      assert.equal(crypto.createHash('sha256').update(bytes).digest('hex'), name);
    }
    const left = await fs.readdir(repo.layout.dir('data'), { recursive: true });
    assert.deepEqual(
      left.filter((n) => n.includes('.tmp-')),
      [],
    );
    await repo.closeHandles();
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});

test('an abandoned writer leaves neither packs nor temp files', async () => {
  const root = tempDir('tillvault-packs-');
  try {
    const { repo } = await Repository.init(path.join(root, 'repo'), null);
    const writer = new PackWriter(repo);
    for (let i = 0; i < 4200; i++) {
      await writer.add(crypto.randomBytes(4096), [{ id: hex(), slot: SINGLE }]);
    }
    await writer.abandon();
    const left = await fs.readdir(repo.layout.dir('data'), {
      recursive: true,
      withFileTypes: true,
    });
    assert.deepEqual(
      left.filter((e) => e.isFile()).map((e) => e.name),
      [],
    );
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
