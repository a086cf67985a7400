/**
 * Rebuilt snapshots kept in a folder for as long as one restore wizard (or one CLI command)
 * runs, so no step rebuilds the same backup twice. Each file is named by the repository's id and
 * the snapshot's id, both checked against their fixed patterns; nothing from the backup becomes a
 * path. A file gets its name only once its whole-file SHA-256 matches the manifest's, so a half
 * or wrong file is never used, and a lock file beside it makes another process or worker thread
 * that wants the same snapshot wait for it instead of rebuilding it too.
 *
 * A neighbour is cheap: when the folder already holds another snapshot of the same repository,
 * that file is cloned (copy-on-write where the file system can) and only the pages whose chunk
 * ids differ are read from the repository and written over it.
 */
import crypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { tempNameFor, tempWriterOnThisHost } from '../fs/atomic-file.js';
import { isRunning, removeDeadTemps, removeOnInterrupt } from '../fs/work-dirs.js';
import { TillvaultError } from '../errors.js';
import { ChunkPool } from '../repository/chunk-pool.js';
import { TIME_ID, type Manifest } from '../repository/manifest.js';
import type { Repository } from '../repository/repository.js';
import { PackFiles, planRun, rebuildDatabase, writeAt, type RebuildProgress } from './rebuild.js';

const REPO_ID = /^[0-9a-f-]{36}$/;
const FILE_NAME = /^([0-9a-f-]{36})--(\d{8}T\d{9}Z-[0-9a-f]{8})\.db$/;
/** Pages per read job: the 2 MiB runs rebuild.ts uses for 4 KiB pages. */
const RUN_PAGES = 512;
const RUNS_IN_FLIGHT = 8;
const WAIT_MS = 100;

export interface RebuiltFileOptions {
  readonly onProgress?: (p: RebuildProgress) => void;
  /** A pool the caller made (and closes); otherwise one is made per rebuild. */
  readonly pool?: ChunkPool;
}

/** The pages of `next` that are not `prev`'s: other chunk ids, or past its end. */
export function changedPages(prev: Buffer, next: Buffer): number[] {
  const out: number[] = [];
  const shared = Math.min(prev.length, next.length);
  for (let at = 0; at < next.length; at += 32) {
    if (at >= shared || prev.compare(next, at, at + 32, at, at + 32) !== 0) out.push(at / 32);
  }
  return out;
}

/**
 * Writes the listed pages of snapshot `m` (page ids `ids`) into `handle` at their places, read
 * in runs like a rebuild: neighbouring chunks of a pack in one read, every chunk checked.
 */
export async function writePagesAt(
  repo: Repository,
  m: Manifest,
  ids: Buffer,
  pages: readonly number[],
  handle: fs.FileHandle,
  pool: ChunkPool,
  onProgress?: (p: RebuildProgress) => void,
): Promise<void> {
  if (pages.length === 0) return;
  const pageSize = m.database.pageSize;
  const wanted = Buffer.allocUnsafe(pages.length * 32);
  pages.forEach((p, i) => ids.copy(wanted, i * 32, p * 32, p * 32 + 32));
  const index = await repo.getIndex();
  const packs = new PackFiles(repo);
  const runs = Math.ceil(pages.length / RUN_PAGES);
  const start = async (run: number) => {
    const first = run * RUN_PAGES;
    const count = Math.min(RUN_PAGES, pages.length - first);
    const job = await planRun(index, packs, wanted, first, count, run);
    const data = new ArrayBuffer(count * pageSize);
    return pool.pages({ ...job, pageSize, checkNames: !repo.encrypted }, data);
  };
  const inFlight: ReturnType<typeof start>[] = [];
  try {
    let next = 0;
    for (let run = 0; run < runs; run++) {
      while (next < runs && next - run < RUNS_IN_FLIGHT) {
        const started = start(next++);
        started.catch(() => undefined);
        inFlight.push(started);
      }
      const reply = await inFlight.shift()!;
      const first = run * RUN_PAGES;
      const data = Buffer.from(reply.data);
      // readBlob tries every copy and throws DAMAGED naming the chunk when none is good.
      for (const i of reply.failed) {
        const id = wanted.toString('hex', (first + i) * 32, (first + i + 1) * 32);
        const plain = await repo.readBlob(id);
        if (plain.length !== pageSize) {
          throw new TillvaultError('DAMAGED', `Chunk ${id.slice(0, 12)} has the wrong size.`);
        }
        plain.copy(data, i * pageSize);
      }
      // Pages next to each other in the file go in one write.
      for (let a = 0; a * pageSize < data.length;) {
        let b = a + 1;
        while (b * pageSize < data.length && pages[first + b] === pages[first + b - 1]! + 1) b++;
        writeAt(handle, data.subarray(a * pageSize, b * pageSize), pages[first + a]! * pageSize);
        a = b;
      }
      onProgress?.({ phase: 'rebuild', done: first + data.length / pageSize, total: pages.length });
      await packs.trim(run + 1);
    }
  } finally {
    await Promise.allSettled(inFlight);
    await packs.closeAll();
  }
}

async function fileSha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const piece of createReadStream(file, { highWaterMark: 1 << 20 })) {
    hash.update(piece as Buffer);
  }
  return hash.digest('hex');
}

/** Milliseconds since 1970 of a snapshot id's time stamp (20261207T120139350Z-…). */
function stampMs(id: string): number {
  const d = id.slice(0, 18);
  return Date.UTC(
    +d.slice(0, 4),
    +d.slice(4, 6) - 1,
    +d.slice(6, 8),
    +d.slice(9, 11),
    +d.slice(11, 13),
    +d.slice(13, 15),
    +d.slice(15, 18),
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const exists = (file: string): Promise<boolean> =>
  fs.stat(file).then(
    (st) => st.isFile(),
    () => false,
  );

export class RebuiltSnapshots {
  /** Rebuilds under way in this thread, by final path: a second caller shares the first's. */
  private readonly making = new Map<string, Promise<string>>();

  constructor(readonly folder: string) {}

  /** Where the rebuilt file of a snapshot goes; refuses ids that are not ids. */
  pathOf(repoId: string, snapshotId: string): string {
    if (!REPO_ID.test(repoId) || !TIME_ID.test(snapshotId)) {
      throw new TillvaultError('INTERNAL', `Not a backup id: ${snapshotId}.`);
    }
    return path.join(this.folder, `${repoId}--${snapshotId}.db`);
  }

  /** The rebuilt, SHA-256-checked file of snapshot `m`; made only if the folder lacks it. */
  async file(repo: Repository, m: Manifest, opts: RebuiltFileOptions = {}): Promise<string> {
    const final = this.pathOf(repo.id, m.id);
    if (await exists(final)) return final;
    let made = this.making.get(final);
    if (!made) {
      made = this.whileHolding(final, () => this.make(repo, m, final, opts));
      this.making.set(final, made);
      made.finally(() => this.making.delete(final)).catch(() => undefined);
    }
    return made;
  }

  /**
   * Runs `fn` holding `final`'s lock file, unless another holder made the file meanwhile. A lock
   * names its writer as temp names do; one whose process is gone is taken over.
   */
  private async whileHolding(final: string, fn: () => Promise<void>): Promise<string> {
    const lock = `${final}.lock`;
    for (;;) {
      if (await exists(final)) return final;
      const handle = await fs.open(lock, 'wx').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') return null;
        throw err;
      });
      if (handle) {
        const forget = removeOnInterrupt(lock);
        try {
          await handle.writeFile(path.basename(tempNameFor(final)));
          await handle.close();
          if (!(await exists(final))) await fn();
          return final;
        } finally {
          await fs.rm(lock, { force: true });
          forget();
        }
      }
      const owner = tempWriterOnThisHost(await fs.readFile(lock, 'utf8').catch(() => ''));
      // Just made and not yet written (owner unknown), or its writer still runs: wait.
      const fresh = await fs.stat(lock).then(
        (st) => Date.now() - st.mtimeMs < 2000,
        () => false,
      );
      if ((owner !== null && isRunning(owner)) || (owner === null && fresh)) await sleep(WAIT_MS);
      else await fs.rm(lock, { force: true });
    }
  }

  private async make(
    repo: Repository,
    m: Manifest,
    final: string,
    opts: RebuiltFileOptions,
  ): Promise<void> {
    await removeDeadTemps(final);
    const base = await this.nearest(repo, m);
    if (base && (await this.patch(repo, base, m, final, opts))) return;
    await rebuildDatabase(repo, m, final, { ...opts, checkWholeFile: true });
  }

  /** The rebuilt file of this repository's snapshot nearest in time to `m`, with its manifest. */
  private async nearest(
    repo: Repository,
    m: Manifest,
  ): Promise<{ file: string; manifest: Manifest } | null> {
    const names = await fs.readdir(this.folder).catch(() => [] as string[]);
    const candidates = names
      .map((n) => FILE_NAME.exec(n))
      .filter((x): x is RegExpExecArray => x !== null && x[1] === repo.id && x[2] !== m.id)
      .map((x) => x[2]!)
      .sort((a, b) => Math.abs(stampMs(a) - stampMs(m.id)) - Math.abs(stampMs(b) - stampMs(m.id)));
    for (const id of candidates) {
      // A snapshot forgotten (pruned) since its file was made cannot say which pages differ.
      const manifest = await repo.readManifest(id).catch(() => null);
      if (manifest && manifest.database.pageSize === m.database.pageSize) {
        return { file: this.pathOf(repo.id, id), manifest };
      }
    }
    return null;
  }

  /**
   * Makes `final` from a neighbour's file and the pages that differ. False when the result
   * does not match the manifest: the neighbour's file, not the backup, may be what is wrong
   * (changed on this disk), so the caller rebuilds from scratch and that rebuild tells.
   */
  private async patch(
    repo: Repository,
    base: { file: string; manifest: Manifest },
    m: Manifest,
    final: string,
    { onProgress, pool: given }: RebuiltFileOptions,
  ): Promise<boolean> {
    const temp = tempNameFor(final);
    const forget = removeOnInterrupt(temp);
    const pool = given ?? new ChunkPool(repo.masterKeys);
    try {
      await fs.copyFile(
        base.file,
        temp,
        fs.constants.COPYFILE_FICLONE | fs.constants.COPYFILE_EXCL,
      );
      const [before, after] = [await repo.pageIdBytes(base.manifest), await repo.pageIdBytes(m)];
      const handle = await fs.open(temp, 'r+');
      try {
        const pages = changedPages(before, after);
        await writePagesAt(repo, m, after, pages, handle, pool, onProgress);
        await handle.truncate(m.database.bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if ((await fileSha256(temp)) !== m.database.sha256) return false;
      await fs.rename(temp, final);
      return true;
    } finally {
      await fs.rm(temp, { force: true });
      forget();
      if (!given) await pool.close();
      await repo.closeHandles();
    }
  }
}
