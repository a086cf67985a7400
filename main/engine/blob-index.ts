/**
 * Index files: which pack holds each chunk, at what offset. One index file is written per run,
 * after its packs and before its manifest; the in-memory index is the union of all of them.
 *
 * Binary layout (before sealing): "TVIX", version u8, pack count u32, then per pack:
 * pack id (32 bytes), blob count u32, and per blob: blob id (32 bytes), offset u32, length u32.
 */
import { TillvaultError } from './errors.js';

export interface BlobLocation {
  readonly pack: string;
  readonly offset: number;
  readonly length: number;
}

export interface PackEntries {
  readonly pack: string;
  readonly blobs: { readonly id: string; readonly offset: number; readonly length: number }[];
}

const MAGIC = Buffer.from('TVIX');
const VERSION = 1;

export function encodeIndex(packs: readonly PackEntries[]): Buffer {
  let size = MAGIC.length + 1 + 4;
  for (const p of packs) size += 32 + 4 + p.blobs.length * 40;
  const out = Buffer.alloc(size);
  let at = MAGIC.copy(out, 0);
  at = out.writeUInt8(VERSION, at);
  at = out.writeUInt32LE(packs.length, at);
  for (const p of packs) {
    at += out.write(p.pack, at, 'hex');
    at = out.writeUInt32LE(p.blobs.length, at);
    for (const b of p.blobs) {
      at += out.write(b.id, at, 'hex');
      at = out.writeUInt32LE(b.offset, at);
      at = out.writeUInt32LE(b.length, at);
    }
  }
  return out;
}

export function decodeIndex(buf: Buffer, name: string): PackEntries[] {
  const bad = (): never => {
    throw new TillvaultError('DAMAGED', `Index file ${name} is damaged.`);
  };
  if (buf.length < 9 || !buf.subarray(0, 4).equals(MAGIC) || buf[4] !== VERSION) bad();
  let at = 5;
  const need = (n: number): void => {
    if (at + n > buf.length) bad();
  };
  need(4);
  const packCount = buf.readUInt32LE(at);
  at += 4;
  const packs: PackEntries[] = [];
  for (let i = 0; i < packCount; i++) {
    need(36);
    const pack = buf.toString('hex', at, at + 32);
    const count = buf.readUInt32LE(at + 32);
    at += 36;
    need(count * 40);
    const blobs = new Array<{ id: string; offset: number; length: number }>(count);
    for (let j = 0; j < count; j++) {
      blobs[j] = {
        id: buf.toString('hex', at, at + 32),
        offset: buf.readUInt32LE(at + 32),
        length: buf.readUInt32LE(at + 36),
      };
      at += 40;
    }
    packs.push({ pack, blobs });
  }
  if (at !== buf.length) bad();
  return packs;
}

/**
 * The union of all index files. A chunk may sit in several packs (after a repair or a race).
 * Kept compact because it holds one entry per database page: ids are keyed as 32-character
 * binary strings and locations live in parallel number arrays, chained per id.
 */
export class BlobIndex {
  private readonly first = new Map<string, number>();
  private readonly packIds: string[] = [];
  private readonly packNumbers = new Map<string, number>();
  private readonly entryPack: number[] = [];
  private readonly entryOffset: number[] = [];
  private readonly entryLength: number[] = [];
  private readonly entryNext: number[] = [];
  /** pack id → index files that mention it */
  readonly packs = new Map<string, Set<string>>();

  /** The compact key of a hex id: its 32 bytes as a binary string. */
  static key(id: string): string {
    return Buffer.from(id, 'hex').toString('latin1');
  }

  add(entries: readonly PackEntries[], indexName: string): void {
    for (const p of entries) {
      let files = this.packs.get(p.pack);
      if (!files) this.packs.set(p.pack, (files = new Set()));
      files.add(indexName);
      let packNo = this.packNumbers.get(p.pack);
      if (packNo === undefined) {
        packNo = this.packIds.push(p.pack) - 1;
        this.packNumbers.set(p.pack, packNo);
      }
      for (const b of p.blobs) {
        const key = BlobIndex.key(b.id);
        const entry = this.entryPack.push(packNo) - 1;
        this.entryOffset.push(b.offset);
        this.entryLength.push(b.length);
        this.entryNext.push(this.first.get(key) ?? -1);
        this.first.set(key, entry);
      }
    }
  }

  has(id: string): boolean {
    return this.first.has(BlobIndex.key(id));
  }

  /** Oldest copy first. */
  locations(id: string): BlobLocation[] {
    return this.locationsOfKey(BlobIndex.key(id));
  }

  locationsOfKey(key: string): BlobLocation[] {
    const out: BlobLocation[] = [];
    for (let e = this.first.get(key) ?? -1; e >= 0; e = this.entryNext[e]!) {
      out.push({
        pack: this.packIds[this.entryPack[e]!]!,
        offset: this.entryOffset[e]!,
        length: this.entryLength[e]!,
      });
    }
    return out.reverse();
  }

  get size(): number {
    return this.first.size;
  }

  *ids(): IterableIterator<string> {
    for (const key of this.first.keys()) yield Buffer.from(key, 'latin1').toString('hex');
  }
}
