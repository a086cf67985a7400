/**
 * One chunk's life: its keyed name, its sealed form and the way back with every check. Pure, so
 * the worker threads that do the heavy lifting share it with the repository.
 *
 * Two sealed forms exist (see docs/format.md). Format 1 seals every chunk alone: compressed,
 * then AES-256-GCM with the name as authenticated data. Format 2 seals a frame of neighbouring
 * new chunks together (about 64 KiB), so compression and encryption start up once per frame
 * rather than once per 4 KiB page; the frame lists its members' names inside the encryption,
 * which binds each slot to its name as the authenticated data did for a single chunk.
 */
import { compress, compressInto, compressedBound, decompress, decompressInto } from './codec.js';
import { SEAL_OVERHEAD, hmac, open, seal, sha256, type MasterKeys } from './crypto.js';

/** The slot of a chunk sealed alone (format 1) rather than in a frame. */
export const SINGLE = 0xffffffff;
/** Plain bytes a frame collects before it is sealed; one bigger chunk makes a frame alone. */
export const FRAME_BYTES = 64 * 1024;
/** Members of one frame at most (the count is stored in two bytes). */
export const FRAME_MEMBERS = 1024;
/** Refuses frames that claim more: a damaged header must not make a reader allocate gigabytes. */
const MAX_FRAME_PLAIN = 16 * 1024 * 1024;
const FRAME_AAD = Buffer.from('tillvault-frame');

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

/** The pieces as one buffer: a view when they already follow each other in memory. */
function joined(pieces: readonly Buffer[]): Buffer {
  const first = pieces[0]!;
  let end = first.byteOffset + first.length;
  for (let i = 1; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (p.buffer !== first.buffer || p.byteOffset !== end) return Buffer.concat(pieces);
    end += p.length;
  }
  return Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset);
}

/** The frame body is built here before it is encrypted (reused: frames are about 64 KiB). */
let frameScratch = Buffer.alloc(0);

/** Bytes a sealed frame of `count` chunks with `plainBytes` plain bytes in all may take. */
export function sealedFrameBound(count: number, plainBytes: number): number {
  return SEAL_OVERHEAD + 2 + count * 36 + compressedBound(plainBytes);
}

/**
 * Seals chunks as one frame: count, names, lengths, then the compressed bodies. Into `out` when
 * given (at least sealedFrameBound bytes), else into a buffer of its own.
 */
export function sealFrame(
  keys: MasterKeys | null,
  ids: Buffer,
  plains: readonly Buffer[],
  out?: Buffer,
): Buffer {
  const n = plains.length;
  const plain = joined(plains);
  const headBytes = 2 + n * 36;
  const bound = headBytes + compressedBound(plain.length);
  if (frameScratch.length < bound) frameScratch = Buffer.allocUnsafeSlow(bound);
  const body = frameScratch;
  body.writeUInt16LE(n, 0);
  ids.copy(body, 2, 0, n * 32);
  plains.forEach((p, i) => body.writeUInt32LE(p.length, 2 + n * 32 + i * 4));
  const used = headBytes + compressInto(plain, body.subarray(headBytes));
  if (keys) return seal(keys.encKey, body.subarray(0, used), FRAME_AAD, out);
  // The scratch is reused: without keys the frame leaves in a copy.
  const sealed = out ? out.subarray(0, used) : Buffer.allocUnsafe(used);
  body.copy(sealed, 0, 0, used);
  return sealed;
}

/** A decrypted frame whose bodies are still compressed: member i is `ids[i*32..]`, `lengths[i]`. */
export interface FrameHead {
  readonly count: number;
  readonly ids: Buffer;
  readonly starts: Uint32Array;
  readonly lengths: Uint32Array;
  /** Plain bytes of all members together. */
  readonly total: number;
  readonly body: Buffer;
}

/** An opened frame: member i is `plain[starts[i], starts[i] + lengths[i])`. */
export interface Frame extends FrameHead {
  readonly plain: Buffer;
}

/** Decrypts a frame and reads its list of members; null when damaged. */
export function openFrameHead(keys: MasterKeys | null, stored: Buffer): FrameHead | null {
  const sealed = keys ? open(keys.encKey, stored, FRAME_AAD) : stored;
  if (!sealed || sealed.length < 2) return null;
  const count = sealed.readUInt16LE(0);
  const headBytes = 2 + count * 36;
  if (count === 0 || sealed.length <= headBytes) return null;
  const starts = new Uint32Array(count);
  const lengths = new Uint32Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    starts[i] = total;
    lengths[i] = sealed.readUInt32LE(2 + count * 32 + i * 4);
    total += lengths[i]!;
  }
  if (total > MAX_FRAME_PLAIN) return null;
  const ids = sealed.subarray(2, 2 + count * 32);
  return { count, ids, starts, lengths, total, body: sealed.subarray(headBytes) };
}

/**
 * Decompresses the members into `target` (at least `head.total` bytes; the caller may pass the
 * very place the members belong, so nothing is copied); null when damaged.
 */
export function fillFrame(head: FrameHead, target: Buffer): Frame | null {
  const plain = target.subarray(0, head.total);
  return plain.length === head.total && decompressInto(head.body, plain)
    ? { ...head, plain }
    : null;
}

/**
 * Decrypts a frame and decompresses its bodies, into `scratch` when it is big enough (a worker
 * reuses one); null when the frame is damaged.
 */
export function openFrame(keys: MasterKeys | null, stored: Buffer, scratch?: Buffer): Frame | null {
  const head = openFrameHead(keys, stored);
  if (!head) return null;
  const fits = scratch && scratch.length >= head.total;
  return fillFrame(head, fits ? scratch : Buffer.allocUnsafeSlow(head.total));
}

/** Member `slot` of an opened frame when it carries the name `id` (32 bytes), else null. */
export function frameMember(
  keys: MasterKeys | null,
  frame: Frame,
  id: Buffer,
  slot: number,
  checkName: boolean,
): Buffer | null {
  if (slot >= frame.count || !frame.ids.subarray(slot * 32, slot * 32 + 32).equals(id)) return null;
  const start = frame.starts[slot]!;
  const plain = frame.plain.subarray(start, start + frame.lengths[slot]!);
  return !checkName || chunkIdBytes(keys, plain).equals(id) ? plain : null;
}

/**
 * Opens one chunk from what its index entry points at: a chunk sealed alone, or member `slot`
 * of a frame. Checks the content against its name; null when damaged.
 */
export function openStored(
  keys: MasterKeys | null,
  id: string,
  stored: Buffer,
  slot: number,
): Buffer | null {
  if (slot === SINGLE) return openChunk(keys, id, stored);
  const frame = openFrame(keys, stored);
  return frame && frameMember(keys, frame, Buffer.from(id, 'hex'), slot, !keys);
}
