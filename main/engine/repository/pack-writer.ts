/**
 * Collects sealed chunks into pack files of about PACK_TARGET bytes, so a 1 GiB database is a
 * few hundred files rather than a quarter of a million. A pack is named by the SHA-256 of its
 * bytes; the run's index file is written by `finish()`, after all its packs are on disk.
 *
 * A pack is streamed to a temp file as it fills (hashed on the way) and gets its name when it is
 * full: temp, fsync, link or rename, fsync of the folder, as every write-once file. Holding
 * whole packs in memory instead cost two 17 MiB buffers and made glibc keep freed memory.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir, tempNameFor } from '../fs/atomic-file.js';
import { encodeIndexParts, entryBytes, indexVersion, type EncodedPack } from './blob-index.js';
import { SINGLE } from './chunk.js';
import { TillvaultError } from '../errors.js';
import type { Repository } from './repository.js';
import { makePlaceFolder } from '../fs/place-files.js';

export const PACK_TARGET = 16 * 1024 * 1024;
/** Chunks are copied into a buffer of this size and written to the pack file when it is full. */
const STAGE_BYTES = 1024 * 1024;

/** Writes all of `data` at `position`; a write that makes no progress means the disk is full. */
export async function writeFully(
  handle: fs.FileHandle,
  data: Buffer,
  position: number,
): Promise<void> {
  for (let at = 0; at < data.length;) {
    const { bytesWritten } = await handle.write(data, at, data.length - at, position + at);
    if (bytesWritten === 0) {
      throw Object.assign(new Error('No space left on the device.'), { code: 'ENOSPC' });
    }
    at += bytesWritten;
  }
}

interface OpenPack {
  readonly temp: string;
  readonly handle: fs.FileHandle;
  readonly hash: crypto.Hash;
}

export class PackWriter {
  private pack: OpenPack | null = null;
  /** Two stage buffers: one filling while the other is being written. */
  private stage = Buffer.allocUnsafeSlow(STAGE_BYTES);
  private other = Buffer.allocUnsafeSlow(STAGE_BYTES);
  private staged = 0;
  private stageWrite: Promise<void> = Promise.resolve();
  /** Bytes in the current pack, staged ones included. */
  private size = 0;
  /** The current pack's index entries, already in the index file's layout: no object per chunk. */
  private entries = Buffer.alloc(0);
  private count = 0;
  private readonly version: 1 | 2;
  private readonly entryBytes: number;
  private readonly written: EncodedPack[] = [];
  /** Bytes written to the destination by this run (packs and index). */
  bytesWritten = 0;
  chunksWritten = 0;
  private indexed = false;
  private inFlight: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  /** `remember: false` when the run ends after `finish()` and never reads its index again. */
  constructor(
    private readonly repo: Repository,
    private readonly remember = true,
  ) {
    this.version = indexVersion(repo.format);
    this.entryBytes = entryBytes(this.version);
  }

  /** A chunk sealed alone (format 1), or one entry per member of a sealed frame. */
  async add(stored: Buffer, members: readonly { id: string; slot: number }[]): Promise<void> {
    this.pack ??= await this.openPack();
    const each = this.entryBytes;
    if ((this.count + members.length) * each > this.entries.length) {
      const room = Math.max(64, this.count + members.length) * each;
      const entries = Buffer.alloc(Math.max(room, this.entries.length * 2));
      this.entries.copy(entries);
      this.entries = entries;
    }
    for (const m of members) {
      if (this.version === 1 && m.slot !== SINGLE) {
        throw new TillvaultError('INTERNAL', 'A format 1 repository cannot hold frames.');
      }
      const at = this.count++ * each;
      this.entries.write(m.id, at, 32, 'hex');
      this.entries.writeUInt32LE(this.size, at + 32);
      this.entries.writeUInt32LE(stored.length, at + 36);
      if (this.version === 2) this.entries.writeUInt32LE(m.slot, at + 40);
    }
    this.pack.hash.update(stored);
    if (this.staged + stored.length > STAGE_BYTES) await this.writeStage();
    if (stored.length > STAGE_BYTES) {
      await this.stageWrite;
      await writeFully(this.pack.handle, stored, this.size);
    } else {
      stored.copy(this.stage, this.staged);
      this.staged += stored.length;
    }
    this.size += stored.length;
    this.chunksWritten += members.length;
    if (this.size >= PACK_TARGET) await this.flush();
  }

  private async openPack(): Promise<OpenPack> {
    // In `data` itself: the final folder is known only from the hash. Opening fails when `data`
    // is gone (the place vanished mid-run), so nothing is written onto whatever holds its path.
    const temp = tempNameFor(path.join(this.repo.layout.dir('data'), 'pack'));
    const handle = await fs.open(temp, 'wx');
    return { temp, handle, hash: crypto.createHash('sha256') };
  }

  /** Starts writing the staged bytes, after the previous stage is written (its failure here). */
  private async writeStage(): Promise<void> {
    await this.stageWrite;
    const data = this.stage.subarray(0, this.staged);
    this.stageWrite = writeFully(this.pack!.handle, data, this.size - this.staged);
    // Marked handled now; the failure still surfaces where the write is awaited.
    this.stageWrite.catch(() => undefined);
    [this.stage, this.other] = [this.other, this.stage];
    this.staged = 0;
  }

  /**
   * Hands the full pack to a background fsync and rename, so sealing goes on while the disk
   * works. One pack is finishing at most; its failure surfaces at the next flush or at finish.
   */
  private async flush(): Promise<void> {
    if (!this.pack) return;
    await this.writeStage();
    await this.stageWrite;
    const pack = this.pack;
    const size = this.size;
    const entries = Buffer.from(this.entries.subarray(0, this.count * this.entryBytes));
    this.pack = null;
    this.entries = Buffer.alloc(0);
    this.count = 0;
    this.size = 0;
    await this.settle();
    this.inFlight = this.finishPack(pack, size, entries).catch((err: unknown) => {
      this.failure = err;
    });
  }

  private async settle(): Promise<void> {
    await this.inFlight;
    if (this.failure !== null) throw this.failure;
  }

  private async finishPack(pack: OpenPack, size: number, entries: Buffer): Promise<void> {
    try {
      await pack.handle.sync();
      await pack.handle.close();
      const id = pack.hash.digest('hex');
      const file = this.repo.layout.pack(id);
      // Only the last level: when `data` itself is gone the place vanished mid-run (unplugged),
      // and rebuilding the path would write the packs onto whatever disk holds it now.
      await makePlaceFolder(path.dirname(file));
      await fs.link(pack.temp, file).catch(async (err: NodeJS.ErrnoException) => {
        // Same name means same bytes: another run already stored this exact pack.
        if (err.code === 'EEXIST') return;
        // Some file systems (FAT32 USB sticks, some network shares) have no hard links.
        await fs.rename(pack.temp, file);
      });
      await fsyncDir(path.dirname(file));
      this.written.push({ pack: id, entries });
      this.bytesWritten += size;
    } finally {
      await pack.handle.close().catch(() => undefined);
      await fs.rm(pack.temp, { force: true }).catch(() => undefined);
    }
  }

  /**
   * After a failure: removes the packs this run wrote. No index names them yet, so nothing
   * can refer to them, and a full disk gets its space back at once.
   */
  async abandon(): Promise<void> {
    await this.stageWrite.catch(() => undefined);
    await this.inFlight;
    if (this.pack) {
      await this.pack.handle.close().catch(() => undefined);
      await fs.rm(this.pack.temp, { force: true }).catch(() => undefined);
      this.pack = null;
    }
    if (this.indexed) return;
    for (const p of this.written)
      await fs.rm(this.repo.layout.pack(p.pack), { force: true }).catch(() => undefined);
  }

  /** Writes the last pack and the index; returns the index file name (null if nothing new). */
  async finish(): Promise<string | null> {
    await this.flush();
    await this.settle();
    if (this.written.length === 0) return null;
    const name = await this.repo.writeEncodedIndex(
      encodeIndexParts(this.written, this.version),
      this.remember,
    );
    this.indexed = true;
    const st = await fs.stat(this.repo.layout.index(name));
    this.bytesWritten += st.size;
    return name;
  }
}
