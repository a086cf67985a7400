/**
 * One chunk's life: its keyed name, its sealed form (compressed, then AES-256-GCM with the name
 * as authenticated data), and the way back with every check. Pure, so the worker threads that
 * do the heavy lifting share it with the repository.
 */
import { compress, decompress, decompressInto } from './codec.js';
import { hmac, open, seal, sha256, type MasterKeys } from './crypto.js';

export function chunkIdBytes(keys: MasterKeys | null, plain: Buffer): Buffer {
  return keys ? hmac(keys.idKey, plain) : sha256(plain);
}

export function chunkId(keys: MasterKeys | null, plain: Buffer): string {
  return chunkIdBytes(keys, plain).toString('hex');
}

export function sealChunk(keys: MasterKeys | null, id: string, plain: Buffer): Buffer {
  const body = compress(plain);
  return keys ? seal(keys.encKey, body, Buffer.from(id, 'hex')) : body;
}

/**
 * Decrypts and decompresses. With keys, the GCM tag over the name already proves the chunk is
 * the one written under that name; without keys nothing is proven: use openChunk.
 */
export function unsealChunk(keys: MasterKeys | null, id: string, stored: Buffer): Buffer | null {
  const body = keys ? open(keys.encKey, stored, Buffer.from(id, 'hex')) : stored;
  if (!body) return null;
  try {
    return decompress(body);
  } catch {
    return null;
  }
}

/** Decrypts, decompresses and checks the content against its name; null when damaged. */
export function openChunk(keys: MasterKeys | null, id: string, stored: Buffer): Buffer | null {
  const plain = unsealChunk(keys, id, stored);
  return plain && chunkId(keys, plain) === id ? plain : null;
}

/**
 * Opens a chunk straight into `out`, one page of a bigger buffer; false when damaged. `id` is
 * the chunk's 32-byte name. Without keys nothing but the name proves the content: pass
 * `checkName` then.
 */
export function openChunkInto(
  keys: MasterKeys | null,
  id: Buffer,
  stored: Buffer,
  out: Buffer,
  checkName: boolean,
): boolean {
  const body = keys ? open(keys.encKey, stored, id) : stored;
  if (!body || !decompressInto(body, out)) return false;
  return !checkName || chunkIdBytes(keys, out).equals(id);
}
