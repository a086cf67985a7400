/**
 * Rebuilding a snapshot's database file. Each pack is read front to back in slices of
 * neighbouring chunks (sequential reads suit USB sticks and network shares), the chunks opened
 * on the worker pool and written to every page position that uses them. The file is
 * checked against the manifest's whole-database SHA-256 before it gets its final name.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { setImmediate as tick } from 'node:timers/promises';
import { tempNameFor } from './atomic-file.js';
import { ChunkPool } from './chunk-pool.js';
import { TillvaultError } from './errors.js';
import type { Manifest } from './manifest.js';
import type { Repository } from './repository.js';

export interface RebuildProgress {
  readonly phase: 'rebuild';
  readonly done: number;
  readonly total: number;
}

/** Chunks opened per message to the pool (about 1 MiB of pages). */
const SLICE_CHUNKS = 256;
/** Slices read and opened ahead of the one being written: keeps every worker busy. */
const SLICES_IN_FLIGHT = 16;

interface Wanted {
  /** The chunk id as a 32-character binary string. */
  readonly key: string;
  readonly offset: number;
  readonly length: number;
}

/** Writes pages to their positions, joining neighbours into one write. */
async function writePages(
  handle: fs.FileHandle,
  pageSize: number,
  placed: { page: number; data: Buffer }[],
): Promise<void> {
  placed.sort((a, b) => a.page - b.page);
  let i = 0;
  while (i < placed.length) {
    let j = i + 1;
    while (j < placed.length && placed[j]!.page === placed[j - 1]!.page + 1) j++;
    const run = placed.slice(i, j).map((p) => p.data);
    const data = run.length === 1 ? run[0]! : Buffer.concat(run);
    await handle.write(data, 0, data.length, placed[i]!.page * pageSize);
    i = j;
  }
}

async function fileSha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  const handle = await fs.open(file, 'r');
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return hash.digest('hex');
}

/** Writes the snapshot's pages to `file` (which must not exist) and checks the whole-file hash. */
export async function rebuildDatabase(
  repo: Repository,
  m: Manifest,
  file: string,
  onProgress?: (p: RebuildProgress) => void,
): Promise<void> {
  const idBytes = await repo.pageIdBytes(m);
  const pageCount = idBytes.length / 32;
  const pageSize = m.database.pageSize;
  // Compact on purpose (a page per entry): binary keys, and a list only for repeated pages.
  const firstPage = new Map<string, number>();
  const morePages = new Map<string, number[]>();
  for (let page = 0; page < pageCount; page++) {
    const key = idBytes.toString('latin1', page * 32, page * 32 + 32);
    if (!firstPage.has(key)) firstPage.set(key, page);
    else {
      const more = morePages.get(key);
      if (more) more.push(page);
      else morePages.set(key, [page]);
    }
  }
  const pagesOf = (key: string): number[] => [firstPage.get(key)!, ...(morePages.get(key) ?? [])];
  const hexOf = (key: string): string => Buffer.from(key, 'latin1').toString('hex');
  // Each chunk is read from its first listed copy; a copy that fails is retried from the others.
  const index = await repo.getIndex();
  const byPack = new Map<string, Wanted[]>();
  const retry: string[] = [];
  for (const key of firstPage.keys()) {
    const loc = index.locationsOfKey(key)[0];
    if (!loc) {
      retry.push(key);
      continue;
    }
    const list = byPack.get(loc.pack) ?? [];
    list.push({ key, offset: loc.offset, length: loc.length });
    byPack.set(loc.pack, list);
  }

  const temp = tempNameFor(file);
  const handle = await fs.open(temp, 'wx');
  const pool = new ChunkPool(repo.masterKeys);
  let done = 0;
  const place = async (key: string, plain: Buffer): Promise<void> => {
    if (plain.length !== pageSize) {
      throw new TillvaultError('DAMAGED', `Chunk ${hexOf(key).slice(0, 12)} has the wrong size.`);
    }
    const pages = pagesOf(key);
    await writePages(
      handle,
      pageSize,
      pages.map((page) => ({ page, data: plain })),
    );
    done += pages.length;
  };
  // Each slice is one read of neighbouring chunks in a pack, opened by a worker.
  const slices: { pack: string; wanted: Wanted[] }[] = [];
  for (const [pack, wanted] of byPack) {
    wanted.sort((a, b) => a.offset - b.offset);
    for (let at = 0; at < wanted.length; at += SLICE_CHUNKS) {
      slices.push({ pack, wanted: wanted.slice(at, at + SLICE_CHUNKS) });
    }
  }
  const openSlice = async (slice: (typeof slices)[number]): Promise<(Buffer | null)[] | null> => {
    const start = slice.wanted[0]!.offset;
    const last = slice.wanted[slice.wanted.length - 1]!;
    const span = await repo
      .readAt({ pack: slice.pack, offset: start, length: last.offset + last.length - start })
      .catch(() => null);
    if (!span) return null;
    return pool.open(
      slice.wanted.map((w) => hexOf(w.key)),
      slice.wanted.map((w) => span.subarray(w.offset - start, w.offset - start + w.length)),
      // Encrypted chunks are authenticated by their tag; the whole file is hashed at the end.
      !repo.encrypted,
    );
  };
  try {
    const inFlight: Promise<(Buffer | null)[] | null>[] = [];
    for (let n = 0; n < slices.length; n++) {
      while (inFlight.length < SLICES_IN_FLIGHT && n + inFlight.length < slices.length) {
        inFlight.push(openSlice(slices[n + inFlight.length]!));
      }
      const plains = await inFlight.shift()!;
      const wanted = slices[n]!.wanted;
      const placed: { page: number; data: Buffer }[] = [];
      wanted.forEach((w, i) => {
        const plain = plains?.[i];
        if (!plain || plain.length !== pageSize) {
          retry.push(w.key);
          return;
        }
        for (const page of pagesOf(w.key)) placed.push({ page, data: plain });
      });
      await writePages(handle, pageSize, placed);
      done += placed.length;
      onProgress?.({ phase: 'rebuild', done, total: pageCount });
      await tick();
    }
    // readBlob tries every copy and throws DAMAGED naming the chunk when none is good.
    for (const key of retry) await place(key, await repo.readBlob(hexOf(key)));
    if (pageCount === 0) await handle.truncate(0);
    await handle.sync();
    await handle.close();
    if ((await fileSha256(temp)) !== m.database.sha256) {
      throw new TillvaultError(
        'DAMAGED',
        `Backup ${m.id} does not rebuild to the database it recorded.`,
      );
    }
    await fs.rename(temp, file);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw err;
  } finally {
    await pool.close();
    await repo.closeHandles();
  }
}
