/**
 * Rebuilding a snapshot's database file, in page order: the pages are cut into runs of about
 * 2 MiB; for each run the chunks' places in the packs are looked up and neighbouring ones joined
 * into one read, and a worker reads them and opens every chunk (or the frame that holds it, once
 * for its neighbours) into the run's buffer.
 * The runs come back in order, so the file is written front to back.
 *
 * Every page is checked against the name the manifest lists for it (by authenticated decryption,
 * or by its hash when unencrypted), as restic checks its blobs. Where the file replaces the live
 * database or is the proof (restore --into, verify's drill) the whole file's SHA-256 must also
 * match the manifest's before the file gets its name: hashed as it is written, no second pass,
 * but on the writing thread, where it cost as much as the writing (about 15% of a restore on a
 * two-core till computer).
 */
import crypto from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import { placeUnderNewName, tempNameFor } from '../fs/atomic-file.js';
import type { BlobIndex } from '../repository/blob-index.js';
import { ChunkPool, type PagesJob, type PagesReply } from '../repository/chunk-pool.js';
import { TillvaultError } from '../errors.js';
import { newFileError } from '../fs/folders.js';
import { removeDeadTemps, removeOnInterrupt } from '../fs/work-dirs.js';
import type { Manifest } from '../repository/manifest.js';
import type { Repository } from '../repository/repository.js';

export interface RebuildProgress {
  readonly phase: 'rebuild';
  readonly done: number;
  readonly total: number;
}

/** Bytes of pages per job: few messages, little memory per run in flight. */
const RUN_BYTES = 2 * 1024 * 1024;
/**
 * Runs being read and opened ahead of the one being written (32 MiB): keeps every worker busy
 * when a thread is held up; 6 measured ~0.15 s slower on a 1 GiB restore, 32 no faster.
 */
const RUNS_IN_FLIGHT = 16;
/** Chunks of one pack closer than this are read in one go (reading a gap beats another seek). */
const READ_GAP = 64 * 1024;
const MAX_READ = 8 * 1024 * 1024;
const WRITE_BYTES = 256 * 1024;
/** Runs written between two background flushes to the disk (64 MiB). */
const SYNC_RUNS = 32;
/** Pack files kept open at once. */
const MAX_OPEN_PACKS = 32;

/** Open packs, shared by the runs that read them; a pack is closed only when no run needs it. */
export class PackFiles {
  private readonly open = new Map<string, { handle: Promise<fs.FileHandle>; lastRun: number }>();

  constructor(private readonly repo: Repository) {}

  /** The descriptor of a pack for run `run`, or -1 when it cannot be opened. */
  async fd(pack: string, run: number): Promise<number> {
    let entry = this.open.get(pack);
    if (!entry) {
      entry = { handle: this.repo.openPack(pack), lastRun: run };
      this.open.set(pack, entry);
    }
    entry.lastRun = Math.max(entry.lastRun, run);
    return entry.handle.then(
      (h) => h.fd,
      () => -1,
    );
  }

  /** Closes packs no run from `firstLive` on has asked for, when too many are open. */
  async trim(firstLive: number): Promise<void> {
    if (this.open.size <= MAX_OPEN_PACKS) return;
    for (const [pack, entry] of this.open) {
      if (entry.lastRun >= firstLive) continue;
      this.open.delete(pack);
      await entry.handle.then((h) => h.close()).catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((e) => e.handle.then((h) => h.close()).catch(() => undefined)));
  }
}

/** Where each page of a run is read from: neighbouring chunks of a pack share one read. */
export async function planRun(
  index: BlobIndex,
  packs: PackFiles,
  idBytes: Buffer,
  first: number,
  count: number,
  run: number,
): Promise<Omit<PagesJob, 'pageSize' | 'checkNames'>> {
  const entries = new Int32Array(count);
  const order: number[] = [];
  for (let i = 0; i < count; i++) {
    entries[i] = index.oldestEntry(idBytes, (first + i) * 32);
    if (entries[i]! >= 0) order.push(i);
  }
  const packOf = (i: number): number => index.entryPackNumber(entries[i]!);
  const offsetOf = (i: number): number => index.entryOffsetOf(entries[i]!);
  order.sort((a, b) => packOf(a) - packOf(b) || offsetOf(a) - offsetOf(b));
  const pageRead = new Int32Array(count).fill(-1);
  const pageAt = new Uint32Array(count);
  const pageLength = new Uint32Array(count);
  const pageSlot = new Uint32Array(count);
  const readPack: number[] = [];
  const readOffset: number[] = [];
  const readLength: number[] = [];
  for (const i of order) {
    const offset = offsetOf(i);
    const end = offset + index.entryLengthOf(entries[i]!);
    const r = readPack.length - 1;
    const joins =
      r >= 0 &&
      readPack[r] === packOf(i) &&
      offset <= readOffset[r]! + readLength[r]! + READ_GAP &&
      end - readOffset[r]! <= MAX_READ;
    if (joins) readLength[r] = Math.max(readLength[r]!, end - readOffset[r]!);
    else {
      readPack.push(packOf(i));
      readOffset.push(offset);
      readLength.push(end - offset);
    }
    pageRead[i] = readPack.length - 1;
    pageAt[i] = offset - readOffset[readPack.length - 1]!;
    pageLength[i] = end - offset;
    pageSlot[i] = index.entrySlotOf(entries[i]!);
  }
  const readFd = await Promise.all(readPack.map((p) => packs.fd(index.packName(p), run)));
  // A pack that cannot be opened leaves its pages to the retry from other copies.
  for (let i = 0; i < count; i++) {
    if (pageRead[i]! >= 0 && readFd[pageRead[i]!]! < 0) pageRead[i] = -1;
  }
  return {
    readFd,
    readOffset,
    readLength,
    pageRead,
    pageAt,
    pageLength,
    pageSlot,
    // A copy: a view would send the whole page list to the worker with every run.
    ids: new Uint8Array(idBytes.subarray(first * 32, (first + count) * 32)),
  };
}

export interface RebuildOptions {
  readonly onProgress?: (p: RebuildProgress) => void;
  /** A pool the caller made early (and closes); otherwise one is made here. */
  readonly pool?: ChunkPool;
  /** Also check the whole file's SHA-256 against the manifest's. */
  readonly checkWholeFile?: boolean;
}

/** Writes the snapshot's pages to `file`, which must not exist; an existing file is never replaced. */
export async function rebuildDatabase(
  repo: Repository,
  m: Manifest,
  file: string,
  { onProgress, pool: started, checkWholeFile = false }: RebuildOptions = {},
): Promise<void> {
  // Started first: the workers boot while the page list and the index are read.
  const pool = started ?? new ChunkPool(repo.masterKeys);
  const packs = new PackFiles(repo);
  try {
    const idBytes = await repo.pageIdBytes(m);
    const index = await repo.getIndex();
    await removeDeadTemps(file);
    const temp = tempNameFor(file);
    const handle = await fs.open(temp, 'wx').catch((err: unknown) => {
      throw newFileError(err, file);
    });
    const forget = removeOnInterrupt(temp);
    try {
      const whole = checkWholeFile ? crypto.createHash('sha256') : null;
      await writePages(repo, m, idBytes, index, pool, packs, handle, whole, onProgress);
      await handle.close();
      if (whole && whole.digest('hex') !== m.database.sha256) {
        throw new TillvaultError(
          'DAMAGED',
          `Backup ${m.id} does not rebuild to the database it recorded.`,
        );
      }
      await placeUnderNewName(temp, file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
        throw new TillvaultError(
          'BAD_INPUT',
          `${file} was created meanwhile; it is left as it is. Choose a new file name.`,
          { cause: err },
        );
      });
    } catch (err) {
      await handle.close().catch(() => undefined);
      await fs.rm(temp, { force: true });
      throw err;
    } finally {
      forget();
    }
  } finally {
    if (!started) await pool.close();
    await packs.closeAll();
    await repo.closeHandles();
  }
}

/**
 * Writes in pieces of WRITE_BYTES, synchronously. Large aligned writes make Linux fill the page
 * cache with large folios, which measured up to 8× slower to fill than smaller ones (2 MiB
 * against 256 KiB). And a write through the thread pool costs a round trip that is dearer than
 * the copy itself: 256 KiB pieces went at 840 MB/s that way and 3.7 GB/s written here directly.
 * This thread only waits for the workers meanwhile (in the app it is the engine's own thread).
 */
export function writeAt(handle: fs.FileHandle, data: Buffer, position: number): void {
  for (let at = 0; at < data.length;) {
    const end = Math.min(data.length, at + WRITE_BYTES);
    const n = fsSync.writeSync(handle.fd, data, at, end - at, position + at);
    if (n === 0) throw Object.assign(new Error('No space left on the device.'), { code: 'ENOSPC' });
    at += n;
  }
}

/** Writes every page in order, synced to the disk, feeding `whole` (when given) as it goes. */
async function writePages(
  repo: Repository,
  m: Manifest,
  idBytes: Buffer,
  index: BlobIndex,
  pool: ChunkPool,
  packs: PackFiles,
  handle: fs.FileHandle,
  whole: crypto.Hash | null,
  onProgress?: (p: RebuildProgress) => void,
): Promise<void> {
  const pageCount = idBytes.length / 32;
  const pageSize = m.database.pageSize;
  const runPages = Math.max(1, Math.floor(RUN_BYTES / pageSize));
  const runs = Math.ceil(pageCount / runPages);
  // Run buffers go to a worker and come back: no allocation (and no GC) per run.
  const spare: ArrayBuffer[] = [];
  const start = async (run: number): Promise<PagesReply> => {
    const first = run * runPages;
    const count = Math.min(runPages, pageCount - first);
    const job = await planRun(index, packs, idBytes, first, count, run);
    const data = spare.pop() ?? new ArrayBuffer(runPages * pageSize);
    // Encrypted chunks are authenticated by their tag, plain ones by their name.
    return pool.pages({ ...job, pageSize, checkNames: !repo.encrypted }, data);
  };
  const inFlight: Promise<PagesReply>[] = [];
  let synced = Promise.resolve();
  try {
    let next = 0;
    for (let run = 0; run < runs; run++) {
      while (next < runs && next - run < RUNS_IN_FLIGHT) {
        const started = start(next++);
        // Marked handled now; the error still surfaces where the run is awaited.
        started.catch(() => undefined);
        inFlight.push(started);
      }
      const reply = await inFlight.shift()!;
      const count = Math.min(runPages, pageCount - run * runPages);
      const pages = Buffer.from(reply.data, 0, count * pageSize);
      // readBlob tries every copy and throws DAMAGED naming the chunk when none is good.
      for (const i of reply.failed) {
        const page = run * runPages + i;
        const plain = await repo.readBlob(idBytes.toString('hex', page * 32, page * 32 + 32));
        if (plain.length !== pageSize) {
          const id = idBytes.toString('hex', page * 32, page * 32 + 6);
          throw new TillvaultError('DAMAGED', `Chunk ${id} has the wrong size.`);
        }
        plain.copy(pages, i * pageSize);
      }
      whole?.update(pages);
      writeAt(handle, pages, run * runPages * pageSize);
      spare.push(reply.data);
      onProgress?.({ phase: 'rebuild', done: run * runPages + count, total: pageCount });
      await packs.trim(run + 1);
      // Hands what is written so far to the disk now, so the final sync has little left to do.
      if ((run + 1) % SYNC_RUNS === 0) {
        await synced;
        synced = handle.datasync();
        synced.catch(() => undefined);
      }
    }
    await synced;
    await handle.sync();
  } finally {
    // No worker may still read a pack when it is closed, and no write may outlive the handle.
    await Promise.allSettled([...inFlight, synced]);
  }
}
