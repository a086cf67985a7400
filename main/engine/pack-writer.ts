/**
 * Collects sealed chunks into pack files of about PACK_TARGET bytes, so a 1 GiB database is a
 * few hundred files rather than a quarter of a million. A pack is named by the SHA-256 of its
 * bytes; the run's index file is written by `finish()`, after all its packs are on disk.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeOnce } from './atomic-file.js';
import { sha256 } from './crypto.js';
import type { PackEntries } from './blob-index.js';
import type { Repository } from './repository.js';

export const PACK_TARGET = 16 * 1024 * 1024;

export class PackWriter {
  private parts: Buffer[] = [];
  private size = 0;
  private blobs: { id: string; offset: number; length: number }[] = [];
  private readonly written: PackEntries[] = [];
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
  ) {}

  async add(id: string, stored: Buffer): Promise<void> {
    this.blobs.push({ id, offset: this.size, length: stored.length });
    this.parts.push(stored);
    this.size += stored.length;
    this.chunksWritten++;
    if (this.size >= PACK_TARGET) await this.flush();
  }

  /**
   * Hands the full pack to a background write, so sealing goes on while the disk works. One
   * write is in flight at most; its failure surfaces at the next flush or at finish.
   */
  private async flush(): Promise<void> {
    if (this.blobs.length === 0) return;
    const data = Buffer.concat(this.parts, this.size);
    const blobs = this.blobs;
    this.parts = [];
    this.blobs = [];
    this.size = 0;
    await this.settle();
    this.inFlight = this.writePack(data, blobs).catch((err: unknown) => {
      this.failure = err;
    });
  }

  private async settle(): Promise<void> {
    await this.inFlight;
    if (this.failure !== null) throw this.failure;
  }

  private async writePack(data: Buffer, blobs: PackEntries['blobs']): Promise<void> {
    const id = sha256(data).toString('hex');
    const file = this.repo.layout.pack(id);
    // Only the last level: when `data` itself is gone the place vanished mid-run (unplugged),
    // and rebuilding the path would write the packs onto whatever disk holds it now.
    await fs.mkdir(path.dirname(file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await writeOnce(file, data).catch((err: NodeJS.ErrnoException) => {
      // Same name means same bytes: another run already stored this exact pack.
      if (err.code !== 'EEXIST') throw err;
    });
    this.written.push({ pack: id, blobs });
    this.bytesWritten += data.length;
  }

  /**
   * After a failure: removes the packs this run wrote. No index names them yet, so nothing
   * can refer to them, and a full disk gets its space back at once.
   */
  async abandon(): Promise<void> {
    await this.inFlight;
    if (this.indexed) return;
    for (const p of this.written)
      await fs.rm(this.repo.layout.pack(p.pack), { force: true }).catch(() => undefined);
  }

  /** Writes the last pack and the index; returns the index file name (null if nothing new). */
  async finish(): Promise<string | null> {
    await this.flush();
    await this.settle();
    if (this.written.length === 0) return null;
    const name = await this.repo.writeIndexFile(this.written, this.remember);
    this.indexed = true;
    const st = await fs.stat(this.repo.layout.index(name));
    this.bytesWritten += st.size;
    return name;
  }
}
