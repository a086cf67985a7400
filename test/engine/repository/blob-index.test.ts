import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import {
  BlobIndex,
  decodeIndex,
  encodeIndex,
  type PackEntries,
} from '../../../main/engine/repository/blob-index.js';
import { SINGLE } from '../../../main/engine/repository/chunk.js';
import { TillvaultError } from '../../../main/engine/errors.js';

const hex = (): string => crypto.randomBytes(32).toString('hex');

function sample(): PackEntries[] {
  return [0, 1, 2].map((p) => ({
    pack: hex(),
    blobs: Array.from({ length: 5 + p }, (_, i) => ({
      id: hex(),
      offset: i * 100,
      length: 100 + i,
      // Members of frames (format 2) and chunks sealed alone, side by side.
      slot: i % 3 === 0 ? SINGLE : i,
    })),
  }));
}

test('index files round-trip', () => {
  const packs = sample();
  assert.deepEqual(decodeIndex(encodeIndex(packs), 'x'), packs);
});

test('a format 1 index has no slots: every chunk reads as sealed alone', () => {
  const packs = sample().map((p) => ({
    ...p,
    blobs: p.blobs.map((b) => ({ ...b, slot: SINGLE })),
  }));
  const v1 = encodeIndex(packs, 1);
  assert.equal(v1[4], 1);
  assert.equal(v1.length, encodeIndex(packs, 2).length - 4 * 18);
  assert.deepEqual(decodeIndex(v1, 'x'), packs);
  // A frame member cannot be written where its slot would be lost.
  assert.throws(() => encodeIndex(sample(), 1), TillvaultError);
});

test('every truncation and random damage of an index is DAMAGED, never a crash or a wrong answer', () => {
  const packs = sample();
  const buf = encodeIndex(packs);
  for (let len = 0; len < buf.length; len++) {
    assert.throws(
      () => decodeIndex(buf.subarray(0, len), 'x'),
      (e: unknown) => e instanceof TillvaultError && e.code === 'DAMAGED',
    );
  }
  for (let i = 0; i < 2000; i++) {
    const bad = Buffer.from(buf);
    bad[crypto.randomInt(9)]! ^= 1 << crypto.randomInt(8);
    try {
      decodeIndex(bad, 'x');
    } catch (e) {
      assert.ok(e instanceof TillvaultError && e.code === 'DAMAGED');
    }
  }
  assert.throws(() => decodeIndex(Buffer.concat([buf, Buffer.of(0)]), 'x'), TillvaultError);
});

test('an entry claiming more bytes than anything stored is damage, not an allocation', () => {
  const packs = sample();
  packs[1]!.blobs[2] = { ...packs[1]!.blobs[2]!, length: 2 ** 31 };
  assert.throws(
    () => decodeIndex(encodeIndex(packs), 'x'),
    (e: unknown) => e instanceof TillvaultError && e.code === 'DAMAGED',
  );
});

test('the in-memory index keeps every copy of a chunk', () => {
  const index = new BlobIndex();
  const id = hex();
  index.add([{ pack: 'a'.repeat(64), blobs: [{ id, offset: 0, length: 10, slot: SINGLE }] }], 'i1');
  index.add([{ pack: 'b'.repeat(64), blobs: [{ id, offset: 5, length: 10, slot: 3 }] }], 'i2');
  assert.equal(index.locations(id).length, 2);
  assert.equal(index.size, 1);
  assert.deepEqual([...index.packs.get('a'.repeat(64))!], ['i1']);
});
