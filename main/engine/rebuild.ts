/**
 * Rebuilding a snapshot's database file. Packs are read whole, one after another (a restore
 * reads each pack once, sequentially, which suits USB sticks and network shares), their chunks
 * opened on the worker pool and written to every page position that uses them. The file is
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

/** Packs being opened at once: two keep both cores busy; each holds ~16 MiB plus its pages. */
const PACKS_IN_FLIGHT = 2;
/** Chunks opened per message to the pool (about 1 MiB of pages). */
const SLICE_CHUNKS = 256;
const SLICES_IN_FLIGHT = 4;

interface Wanted {
  readonly id: string;
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
  const ids = await repo.pageIds(m);
  const pageSize = m.database.pageSize;
  const positions = new Map<string, number[]>();
  ids.forEach((id, page) => {
    const list = positions.get(id);
    if (list) list.push(page);
    else positions.set(id, [page]);
  });
  // Each chunk is read from its first listed copy; a copy that fails is retried from the others.
  const index = await repo.getIndex();
  const byPack = new Map<string, Wanted[]>();
  const retry: string[] = [];
  for (const id of positions.keys()) {
    const loc = index.locations(id)[0];
    if (!loc) {
      retry.push(id);
      continue;
    }
    const list = byPack.get(loc.pack) ?? [];
    list.push({ id, offset: loc.offset, length: loc.length });
    byPack.set(loc.pack, list);
  }

  const temp = tempNameFor(file);
  const handle = await fs.open(temp, 'wx');
  const pool = new ChunkPool(repo.masterKeys);
  let done = 0;
  const place = async (id: string, plain: Buffer): Promise<void> => {
    if (plain.length !== pageSize) {
      throw new TillvaultError('DAMAGED', `Chunk ${id.slice(0, 12)} has the wrong size.`);
    }
    const pages = positions.get(id)!;
    await writePages(
      handle,
      pageSize,
      pages.map((page) => ({ page, data: plain })),
    );
    done += pages.length;
  };
  const openPack = async (pack: string, wanted: Wanted[]): Promise<void> => {
    const data = await fs.readFile(repo.layout.pack(pack)).catch(() => null);
    if (!data) {
      retry.push(...wanted.map((w) => w.id));
      return;
    }
    // Slices keep memory flat; a few in flight keep the workers busy while pages are written.
    wanted.sort((a, b) => a.offset - b.offset);
    const slices: Promise<(Buffer | null)[]>[] = [];
    const dispatch = (at: number): void => {
      const slice = wanted.slice(at, at + SLICE_CHUNKS);
      slices.push(
        pool.open(
          slice.map((w) => w.id),
          slice.map((w) => data.subarray(w.offset, w.offset + w.length)),
        ),
      );
    };
    for (let at = 0; at < wanted.length && slices.length < SLICES_IN_FLIGHT; at += SLICE_CHUNKS) {
      dispatch(at);
    }
    for (let at = 0, n = 0; at < wanted.length; at += SLICE_CHUNKS, n++) {
      const plains = await slices[n]!;
      slices[n] = Promise.resolve([]);
      const next = at + SLICES_IN_FLIGHT * SLICE_CHUNKS;
      if (next < wanted.length) dispatch(next);
      const placed: { page: number; data: Buffer }[] = [];
      plains.forEach((plain, i) => {
        const id = wanted[at + i]!.id;
        if (!plain || plain.length !== pageSize) {
          retry.push(id);
          return;
        }
        for (const page of positions.get(id)!) placed.push({ page, data: plain });
      });
      await writePages(handle, pageSize, placed);
      done += placed.length;
      onProgress?.({ phase: 'rebuild', done, total: ids.length });
    }
  };
  try {
    const packs = [...byPack];
    const running = new Set<Promise<void>>();
    for (const [pack, wanted] of packs) {
      const p: Promise<void> = openPack(pack, wanted).finally(() => running.delete(p));
      running.add(p);
      if (running.size >= PACKS_IN_FLIGHT) await Promise.race(running);
      await tick();
    }
    await Promise.all(running);
    // readBlob tries every copy and throws DAMAGED naming the chunk when none is good.
    for (const id of retry) await place(id, await repo.readBlob(id));
    if (ids.length === 0) await handle.truncate(0);
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
