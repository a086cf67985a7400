/**
 * Index files: which pack holds each chunk, at what offset. One index file is written per run,
 * after its packs and before its manifest; the in-memory index is the union of all of them.
 *
 * Binary layout (before sealing): "TVIX", version u8, pack count u32, then per pack:
 * pack id (32 bytes), entry count u32, and per entry: chunk id (32 bytes), offset u32, length u32
 * and, from version 2 on, the chunk's slot in the frame stored there (u32; SINGLE for a chunk
 * sealed alone). Version 1 files (format 1 repositories) have no slot: every chunk is SINGLE.
 */
import { SINGLE } from './chunk.js';
import { TillvaultError } from '../errors.js';

export interface BlobLocation {
  readonly pack: string;
  /** Where the sealed chunk or frame is in the pack. */
  readonly offset: number;
  readonly length: number;
  /** The chunk's place in that frame, or SINGLE. */
  readonly slot: number;
}

export interface PackEntries {
  readonly pack: string;
  readonly blobs: {
    readonly id: string;
    readonly offset: number;
    readonly length: number;
    readonly slot: number;
  }[];
}

const MAGIC = Buffer.from('TVIX');
/** Far above any sealed chunk or frame (a frame holds 64 KiB of pages, a page list 128 KiB). */
const MAX_STORED_BYTES = 64 * 1024 * 1024;

/** The index layout a repository of format `format` writes. */
export function indexVersion(format: number): 1 | 2 {
  return format >= 2 ? 2 : 1;
}

/** Bytes per entry in an index file of `version`. */
export function entryBytes(version: number): number {
  return version >= 2 ? 44 : 40;
}

export function encodeIndex(packs: readonly PackEntries[], version: 1 | 2 = 2): Buffer {
  const each = entryBytes(version);
  let size = MAGIC.length + 1 + 4;
  for (const p of packs) size += 32 + 4 + p.blobs.length * each;
  const out = Buffer.alloc(size);
  let at = MAGIC.copy(out, 0);
  at = out.writeUInt8(version, at);
  at = out.writeUInt32LE(packs.length, at);
  for (const p of packs) {
    at += out.write(p.pack, at, 'hex');
    at = out.writeUInt32LE(p.blobs.length, at);
    for (const b of p.blobs) {
      if (version === 1 && b.slot !== SINGLE) {
        throw new TillvaultError('INTERNAL', 'A format 1 index cannot list framed chunks.');
      }
      at += out.write(b.id, at, 'hex');
      at = out.writeUInt32LE(b.offset, at);
      at = out.writeUInt32LE(b.length, at);
      if (version === 2) at = out.writeUInt32LE(b.slot, at);
    }
  }
  return out;
}

/** One pack's part of an index file, already in the file's layout (see entryBytes). */
export interface EncodedPack {
  readonly pack: string;
  readonly entries: Buffer;
}

export function encodeIndexParts(packs: readonly EncodedPack[], version: 1 | 2): Buffer {
  const head = Buffer.alloc(MAGIC.length + 1 + 4);
  MAGIC.copy(head, 0);
  head.writeUInt8(version, MAGIC.length);
  head.writeUInt32LE(packs.length, MAGIC.length + 1);
  const parts: Buffer[] = [head];
  for (const p of packs) {
    const packHead = Buffer.alloc(36);
    packHead.write(p.pack, 0, 32, 'hex');
    packHead.writeUInt32LE(p.entries.length / entryBytes(version), 32);
    parts.push(packHead, p.entries);
  }
  return Buffer.concat(parts);
}

/**
 * Walks an encoded index, checking its layout, and hands every pack and chunk to the visitors.
 * Chunk ids are given as a position in `buf`, so a caller that keeps them as bytes never makes a
 * string of them.
 */
function walkIndex(
  buf: Buffer,
  name: string,
  onPack: (pack: string, count: number) => void,
  onBlob: (idAt: number, offset: number, length: number, slot: number) => void,
): void {
  const bad = (): never => {
    throw new TillvaultError('DAMAGED', `Index file ${name} is damaged.`);
  };
  const version = buf[4];
  if (buf.length < 9 || !buf.subarray(0, 4).equals(MAGIC) || (version !== 1 && version !== 2)) {
    bad();
  }
  const each = entryBytes(version!);
  let at = 5;
  const need = (n: number): void => {
    if (at + n > buf.length) bad();
  };
  need(4);
  const packCount = buf.readUInt32LE(at);
  at += 4;
  for (let i = 0; i < packCount; i++) {
    need(36);
    const count = buf.readUInt32LE(at + 32);
    need(36 + count * each);
    onPack(buf.toString('hex', at, at + 32), count);
    at += 36;
    for (let j = 0; j < count; j++) {
      const slot = version === 2 ? buf.readUInt32LE(at + 40) : SINGLE;
      const length = buf.readUInt32LE(at + 36);
      // Nothing stored is near this size: a longer entry would only make a reader allocate it.
      if (length > MAX_STORED_BYTES) bad();
      onBlob(at, buf.readUInt32LE(at + 32), length, slot);
      at += each;
    }
  }
  if (at !== buf.length) bad();
}

export function decodeIndex(buf: Buffer, name: string): PackEntries[] {
  const packs: PackEntries[] = [];
  let blobs: PackEntries['blobs'] = [];
  walkIndex(
    buf,
    name,
    (pack) => packs.push({ pack, blobs: (blobs = []) }),
    (idAt, offset, length, slot) =>
      blobs.push({ id: buf.toString('hex', idAt, idAt + 32), offset, length, slot }),
  );
  return packs;
}

/**
 * The union of all index files. A chunk may sit in several packs (after a repair or a race).
 * Kept compact because it holds one entry per database page: ids live as raw bytes in one
 * buffer and locations in typed arrays, found through an open-addressing table (ids are keyed
 * hashes, so their first bytes already make a good hash) and chained per id, newest first.
 */
export class BlobIndex {
  private idBytes = Buffer.alloc(0);
  private entryPack = new Int32Array(0);
  private entryOffset = new Uint32Array(0);
  private entryLength = new Uint32Array(0);
  private entrySlot = new Uint32Array(0);
  /** The next older copy of the same id, or -1. */
  private entryNext = new Int32Array(0);
  private entries = 0;
  /** Slot → newest entry of an id, or -1; kept at most half full. */
  private table = new Int32Array(16).fill(-1);
  private unique = 0;
  private readonly packIds: string[] = [];
  private readonly packNumbers = new Map<string, number>();
  /** pack id → index files that mention it */
  readonly packs = new Map<string, Set<string>>();

  add(entries: readonly PackEntries[], indexName: string): void {
    const id = Buffer.alloc(32);
    for (const p of entries) {
      const packNo = this.packNumber(p.pack, indexName);
      for (const b of p.blobs) {
        id.write(b.id, 0, 32, 'hex');
        this.insert(id, 0, packNo, b.offset, b.length, b.slot);
      }
    }
  }

  /** Adds an encoded index file (see encodeIndex) without making a string per chunk. */
  addEncoded(buf: Buffer, indexName: string): void {
    // Checked whole first, so a damaged file adds nothing; the count sizes the tables once.
    let count = 0;
    walkIndex(
      buf,
      indexName,
      (_, n) => (count += n),
      () => undefined,
    );
    this.reserve(count);
    let packNo = -1;
    walkIndex(
      buf,
      indexName,
      (pack) => (packNo = this.packNumber(pack, indexName)),
      (idAt, offset, length, slot) => this.insert(buf, idAt, packNo, offset, length, slot),
    );
  }

  has(id: string): boolean {
    return this.newest(Buffer.from(id, 'hex'), 0) >= 0;
  }

  /** Oldest copy first. */
  locations(id: string): BlobLocation[] {
    const out: BlobLocation[] = [];
    for (let e = this.newest(Buffer.from(id, 'hex'), 0); e >= 0; e = this.entryNext[e]!) {
      out.push(this.location(e));
    }
    return out.reverse();
  }

  /**
   * The entry of the oldest copy of the id at `ids[at..at+32]`, or -1 when it is not listed; read
   * with entryPackNumber / entryOffsetOf / entryLengthOf, so a caller that visits every page of a
   * database makes no object per page.
   */
  oldestEntry(ids: Buffer, at: number): number {
    let e = this.newest(ids, at);
    while (e >= 0 && this.entryNext[e]! >= 0) e = this.entryNext[e]!;
    return e;
  }

  /** A small number per pack, for sorting; packName turns it into the pack id. */
  entryPackNumber(entry: number): number {
    return this.entryPack[entry]!;
  }

  packName(packNumber: number): string {
    return this.packIds[packNumber]!;
  }

  entryOffsetOf(entry: number): number {
    return this.entryOffset[entry]!;
  }

  entryLengthOf(entry: number): number {
    return this.entryLength[entry]!;
  }

  entrySlotOf(entry: number): number {
    return this.entrySlot[entry]!;
  }

  get size(): number {
    return this.unique;
  }

  /** Every id once, in the order first listed. */
  *ids(): IterableIterator<string> {
    for (let e = 0; e < this.entries; e++) {
      if (this.entryNext[e] === -1) yield this.idBytes.toString('hex', e * 32, e * 32 + 32);
    }
  }

  private location(e: number): BlobLocation {
    return {
      pack: this.packIds[this.entryPack[e]!]!,
      offset: this.entryOffset[e]!,
      length: this.entryLength[e]!,
      slot: this.entrySlot[e]!,
    };
  }

  private packNumber(pack: string, indexName: string): number {
    let files = this.packs.get(pack);
    if (!files) this.packs.set(pack, (files = new Set()));
    files.add(indexName);
    let packNo = this.packNumbers.get(pack);
    if (packNo === undefined) {
      packNo = this.packIds.push(pack) - 1;
      this.packNumbers.set(pack, packNo);
    }
    return packNo;
  }

  /** The table slot of the id at `ids[at..]`: where it is, or the empty slot it would take. */
  private slotOf(ids: Buffer, at: number): number {
    const mask = this.table.length - 1;
    for (let slot = ids.readUInt32LE(at) & mask; ; slot = (slot + 1) & mask) {
      const e = this.table[slot]!;
      if (e < 0 || this.sameId(e, ids, at)) return slot;
    }
  }

  // Byte loops rather than Buffer.compare/copy: a native call per entry costs more than 32 bytes.
  private sameId(e: number, ids: Buffer, at: number): boolean {
    const own = this.idBytes;
    for (let i = 0, o = e * 32; i < 32; i++) if (own[o + i] !== ids[at + i]) return false;
    return true;
  }

  private newest(ids: Buffer, at: number): number {
    return this.table[this.slotOf(ids, at)]!;
  }

  private insert(
    ids: Buffer,
    at: number,
    packNo: number,
    offset: number,
    length: number,
    frameSlot: number,
  ): void {
    this.reserve(1);
    const e = this.entries++;
    for (let i = 0, o = e * 32; i < 32; i++) this.idBytes[o + i] = ids[at + i]!;
    this.entryPack[e] = packNo;
    this.entryOffset[e] = offset;
    this.entryLength[e] = length;
    this.entrySlot[e] = frameSlot;
    const slot = this.slotOf(ids, at);
    this.entryNext[e] = this.table[slot]!;
    if (this.table[slot]! < 0) this.unique++;
    this.table[slot] = e;
  }

  /** Room for `more` entries, all of them possibly new ids. */
  private reserve(more: number): void {
    const need = this.entries + more;
    if (need > this.entryPack.length) this.growEntries(need);
    if ((this.unique + more) * 2 > this.table.length) this.growTable((this.unique + more) * 2);
  }

  private growEntries(need: number): void {
    const size = Math.max(1024, this.entryPack.length * 2, need);
    const idBytes = Buffer.alloc(size * 32);
    this.idBytes.copy(idBytes);
    this.idBytes = idBytes;
    const grow = <T extends Int32Array | Uint32Array>(old: T, fresh: T): T => {
      fresh.set(old);
      return fresh;
    };
    this.entryPack = grow(this.entryPack, new Int32Array(size));
    this.entryOffset = grow(this.entryOffset, new Uint32Array(size));
    this.entryLength = grow(this.entryLength, new Uint32Array(size));
    this.entrySlot = grow(this.entrySlot, new Uint32Array(size));
    this.entryNext = grow(this.entryNext, new Int32Array(size));
  }

  private growTable(need: number): void {
    const old = this.table;
    let size = old.length * 2;
    while (size < need) size *= 2;
    this.table = new Int32Array(size).fill(-1);
    for (const e of old) {
      if (e >= 0) this.table[this.slotOf(this.idBytes, e * 32)] = e;
    }
  }
}

/**
 * A set of chunk ids kept as bytes: a backup reserves one per new page, and a quarter of a
 * million hex strings in a Set weigh about 30 MB.
 */
export class IdSet {
  private ids = Buffer.alloc(0);
  private count = 0;
  /** Slot → position of an id in `ids`, or -1; kept at most half full. */
  private table = new Int32Array(16).fill(-1);
  private readonly probe = Buffer.alloc(32);

  has(id: string): boolean {
    this.probe.write(id, 0, 32, 'hex');
    return this.table[this.slotOf(this.probe, 0)]! >= 0;
  }

  add(id: string): void {
    this.probe.write(id, 0, 32, 'hex');
    if ((this.count + 1) * 2 > this.table.length) this.grow();
    const slot = this.slotOf(this.probe, 0);
    if (this.table[slot]! >= 0) return;
    if ((this.count + 1) * 32 > this.ids.length) {
      const ids = Buffer.alloc(Math.max(32 * 1024, this.ids.length * 2));
      this.ids.copy(ids);
      this.ids = ids;
    }
    this.probe.copy(this.ids, this.count * 32);
    this.table[slot] = this.count++;
  }

  private slotOf(bytes: Buffer, at: number): number {
    const mask = this.table.length - 1;
    for (let slot = bytes.readUInt32LE(at) & mask; ; slot = (slot + 1) & mask) {
      const e = this.table[slot]!;
      if (e < 0 || this.ids.compare(bytes, at, at + 32, e * 32, e * 32 + 32) === 0) return slot;
    }
  }

  private grow(): void {
    this.table = new Int32Array(this.table.length * 2).fill(-1);
    for (let e = 0; e < this.count; e++) this.table[this.slotOf(this.ids, e * 32)] = e;
  }
}
