/** Frames (format 2): several chunks sealed as one, each still bound to its own name. */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import {
  SINGLE,
  chunkIdBytes,
  frameMember,
  openFrame,
  openStored,
  sealChunk,
  sealFrame,
} from '../../../main/engine/repository/chunk.js';
import { newMasterKeys, type MasterKeys } from '../../../main/engine/repository/crypto.js';
import { Repository } from '../../../main/engine/repository/repository.js';
import { tempDir } from '../../helpers.js';

/** Pages that compress (text) and one that does not (random), of different sizes. */
function chunks(): Buffer[] {
  return [
    Buffer.alloc(4096, 'Tillvault member 42 bought 3 coffees. '),
    crypto.randomBytes(4096),
    Buffer.alloc(100, 7),
    Buffer.alloc(4096, 0),
  ];
}

function names(keys: MasterKeys | null, plains: Buffer[]): Buffer {
  return Buffer.concat(plains.map((p) => chunkIdBytes(keys, p)));
}

for (const keys of [newMasterKeys(), null]) {
  const kind = keys ? 'encrypted' : 'unencrypted';

  test(`${kind}: every member of a frame opens to its bytes, by its name and slot`, () => {
    const plains = chunks();
    const ids = names(keys, plains);
    const stored = sealFrame(keys, ids, plains);
    const frame = openFrame(keys, stored);
    assert.ok(frame);
    assert.equal(frame.count, plains.length);
    plains.forEach((plain, i) => {
      const id = ids.subarray(i * 32, i * 32 + 32);
      assert.deepEqual(frameMember(keys, frame, id, i, true), plain);
      assert.deepEqual(openStored(keys, id.toString('hex'), stored, i), plain);
      // Another member's name at this slot, or a slot past the end, is not this chunk.
      const other = ids.subarray(
        ((i + 1) % plains.length) * 32,
        ((i + 1) % plains.length) * 32 + 32,
      );
      assert.equal(frameMember(keys, frame, other, i, true), null);
      assert.equal(frameMember(keys, frame, id, plains.length + i, true), null);
    });
    // Compressed once: the text and zero pages shrink the frame below the bytes it holds.
    const total = plains.reduce((n, p) => n + p.length, 0);
    assert.ok(stored.length < total / 2 + 4096, `${stored.length} of ${total}`);
  });

  test(`${kind}: a flipped byte or a cut anywhere never yields wrong bytes`, () => {
    const plains = chunks();
    const ids = names(keys, plains);
    const stored = sealFrame(keys, ids, plains);
    for (let at = 0; at < stored.length; at += 7) {
      const bad = Buffer.from(stored);
      bad[at]! ^= 0x10;
      plains.forEach((plain, i) => {
        const got = openStored(keys, ids.toString('hex', i * 32, i * 32 + 32), bad, i);
        // Either refused, or (unencrypted, damage in another member) still exactly right.
        if (got) assert.deepEqual(got, plain);
      });
      if (keys) assert.equal(openFrame(keys, bad), null);
    }
    for (const len of [0, 1, 2, 20, stored.length - 1]) {
      const id = ids.toString('hex', 0, 32);
      assert.equal(openStored(keys, id, stored.subarray(0, len), 0), null);
    }
  });

  test(`${kind}: a chunk sealed alone (format 1) still opens through the same door`, () => {
    const plain = chunks()[0]!;
    const id = chunkIdBytes(keys, plain).toString('hex');
    const stored = sealChunk(keys, id, plain);
    assert.deepEqual(openStored(keys, id, stored, SINGLE), plain);
    assert.equal(openStored(keys, id, stored, 0), null);
  });
}

test('a frame header that claims more than a frame may hold is refused before allocating', () => {
  const plains = [Buffer.alloc(10)];
  const stored = sealFrame(null, names(null, plains), plains);
  stored.writeUInt32LE(0xfffffff0, 2 + 32);
  assert.equal(openFrame(null, stored), null);
});

test('the same frame opened twice into one scratch buffer gives the same members', () => {
  const keys = newMasterKeys();
  const plains = chunks();
  const stored = sealFrame(keys, names(keys, plains), plains);
  const scratch = Buffer.alloc(64 * 1024);
  const a = openFrame(keys, stored, scratch);
  assert.ok(a && a.plain.buffer === scratch.buffer);
  assert.deepEqual(a.plain, Buffer.concat(plains));
  // Too small a scratch is not written past: a fresh buffer comes back instead.
  const small = Buffer.alloc(16);
  const b = openFrame(keys, stored, small);
  assert.ok(b && b.plain.buffer !== small.buffer);
  assert.deepEqual(small, Buffer.alloc(16));
});

test('a frame cut down to the chunks still wanted is sealed again without the others', async () => {
  const root = tempDir('tillvault-frames-');
  try {
    const { repo } = await Repository.init(path.join(root, 'repo'), 'a passphrase', 2);
    const keys = repo.masterKeys;
    const plains = [crypto.randomBytes(4096), crypto.randomBytes(4096), crypto.randomBytes(4096)];
    const ids = names(keys, plains);
    const hex = (i: number): string => ids.toString('hex', i * 32, i * 32 + 32);
    const stored = sealFrame(keys, ids, plains);

    const all = repo.extract(hex(1), stored, 1, () => true);
    assert.ok(all && all.stored === stored, 'nothing dropped: the sealed bytes move as they are');
    assert.deepEqual(
      all.members.map((m) => m.slot),
      [0, 1, 2],
    );

    const cut = repo.extract(hex(1), stored, 1, (id) => id !== hex(1));
    assert.ok(cut && cut.stored.length < stored.length - 4000);
    assert.deepEqual(cut.members, [
      { id: hex(0), slot: 0 },
      { id: hex(2), slot: 1 },
    ]);
    assert.deepEqual(repo.openBlob(hex(2), cut.stored, 1), plains[2]);
    assert.equal(repo.openBlob(hex(1), cut.stored, 1), null);

    assert.equal(
      repo.extract(hex(0), stored, 0, () => false),
      null,
    );
    const damaged = Buffer.from(stored);
    damaged[100]! ^= 1;
    assert.equal(
      repo.extract(hex(0), damaged, 0, () => true),
      null,
    );
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
