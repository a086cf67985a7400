/**
 * One backup run: a consistent snapshot of the source, cut into page chunks, stored once in
 * every destination. A destination that fails (missing, full, read-only, locked) is reported
 * and the others still complete. The manifest is written last, so a run that dies never
 * leaves a snapshot that looks complete.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import crypto from 'node:crypto';
import { appendAudit, currentUser } from './audit.js';
import { IdSet } from './blob-index.js';
import { ChunkPool } from './chunk-pool.js';
import { FRAME_BYTES, FRAME_MEMBERS, SINGLE } from './chunk.js';
import { DATA_TYPES, withOverrides, type DataType, type TypeOverrides } from './classify.js';
import {
  prepareDestinations,
  type FailedDestination,
  type OpenDestination,
} from './destinations.js';
import { TillvaultError, toTillvaultError } from './errors.js';
import { describeDatabase } from './inspect.js';
import { newTimeId, type Manifest, type Trigger } from './manifest.js';
import { PackWriter } from './pack-writer.js';
import { FORMAT_VERSION, type Credential } from './repo-config.js';
import { placeKey } from './same-place.js';
import { takeSnapshot, type SnapshotFile } from './snapshot.js';
import { readSourceHeader } from './sqlite-source.js';
import { APP_VERSION } from './version.js';

/** 4096 page ids (128 KiB) per group: a group is rewritten only when one of its pages moved. */
export const PAGES_PER_GROUP = 4096;
const BATCH_BYTES = 1024 * 1024;

export interface BackupOptions {
  readonly source: string;
  readonly destinations: readonly string[];
  readonly credential: Credential;
  readonly types?: readonly DataType[] | null;
  /** Tables the owner sorted into another data type than the classifier guessed. */
  readonly typeOverrides?: TypeOverrides | null;
  readonly label?: string | null;
  readonly trigger?: Trigger;
  readonly tempDir?: string;
  readonly onProgress?: (p: BackupProgress) => void;
  readonly signal?: AbortSignal;
}

export interface BackupProgress {
  readonly phase: 'snapshot' | 'store' | 'finish';
  readonly done: number;
  readonly total: number;
}

export interface DestinationResult {
  readonly path: string;
  readonly ok: boolean;
  readonly snapshotId: string | null;
  readonly newBytes: number;
  readonly storedBytes: number;
  readonly durationMs: number;
  readonly error: { code: string; message: string } | null;
}

export interface DuplicateDestination {
  readonly path: string;
  /** The earlier spelling of the same folder, which the backup went to. */
  readonly sameAs: string;
}

export interface BackupResult {
  /** The id the backup has where it was stored; see `error` for whether it was stored at all. */
  readonly snapshotId: string;
  readonly source: string;
  readonly types: DataType[];
  /** A backup of every data type was stored (false with `types`, or when nothing was stored). */
  readonly complete: boolean;
  readonly tables: { name: string; type: DataType; rows: number }[];
  readonly summary: Manifest['summary'];
  readonly bytes: number;
  readonly recoveryKey: string | null;
  /** One per distinct destination, in the order given. */
  readonly destinations: DestinationResult[];
  /** Other spellings of a destination already given (a symlink, "./x/"): used once. */
  readonly duplicates: DuplicateDestination[];
  /** Why nothing was stored; null when at least one destination has the backup. */
  readonly error: { code: string; message: string } | null;
}

interface Target {
  readonly dest: OpenDestination;
  readonly writer: PackWriter;
  readonly has: (id: string) => boolean;
  /** Chunks handed to the pool for this destination and not yet in its index. */
  readonly reserved: IdSet;
  readonly started: number;
  error: FailedDestination | null;
}

function failedResult(f: FailedDestination, durationMs = 0): DestinationResult {
  return {
    path: f.path,
    ok: false,
    snapshotId: null,
    newBytes: 0,
    storedBytes: 0,
    durationMs,
    error: { code: f.code, message: f.message },
  };
}

async function forEachLive(targets: Target[], fn: (t: Target) => Promise<void>): Promise<void> {
  for (const t of targets) {
    if (t.error) continue;
    try {
      await fn(t);
    } catch (err) {
      const e = toTillvaultError(err, t.dest.path);
      t.error = { path: t.dest.path, code: e.code, message: e.message };
    }
  }
}

/**
 * Each destination once, by real path, keeping the first spelling: a folder given twice would
 * otherwise be locked by this very backup and reported as busy.
 */
async function distinctDestinations(
  dests: readonly string[],
): Promise<{ places: string[]; duplicates: DuplicateDestination[] }> {
  const firstByKey = new Map<string, string>();
  const duplicates: DuplicateDestination[] = [];
  for (const raw of dests) {
    const dest = path.resolve(raw);
    const key = await placeKey(dest);
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, dest);
    else duplicates.push({ path: dest, sameAs: first });
  }
  return { places: [...firstByKey.values()], duplicates };
}

/** Results in the order the destinations were given, whatever order they finished in. */
function inGivenOrder(
  results: DestinationResult[],
  places: readonly string[],
): DestinationResult[] {
  const rank = (d: DestinationResult): number => places.indexOf(d.path);
  return [...results].sort((a, b) => rank(a) - rank(b));
}

/** The one failure to report when no destination stored the backup. */
function nothingStored(destinations: readonly DestinationResult[]): BackupResult['error'] {
  if (destinations.some((d) => d.ok)) return null;
  const errors = destinations.flatMap((d) => (d.error ? [d.error] : []));
  const codes = new Set(errors.map((e) => e.code));
  const reasons = errors.map((e) => e.message).join(' ') || 'No destination was given.';
  return {
    code: codes.size === 1 ? errors[0]!.code : 'DEST_MISSING',
    message: `The backup was not stored anywhere. ${reasons}`,
  };
}

/** Refuses a backup that would hold no table, naming the data types the database does have. */
async function noTablesOf(
  source: string,
  wanted: readonly DataType[],
  overrides: TypeOverrides | null | undefined,
): Promise<TillvaultError> {
  const tables = withOverrides(await describeDatabase(source), overrides);
  const present = DATA_TYPES.filter((t) => tables.some((x) => x.type === t));
  const has = present.length > 0 ? `it has ${present.join(', ')}` : 'it has no tables at all';
  return new TillvaultError(
    'BAD_INPUT',
    `${path.basename(source)} has no tables of type ${wanted.join(', ')}; ${has}.`,
  );
}

export async function backup(opts: BackupOptions): Promise<BackupResult> {
  const source = path.resolve(opts.source);
  const work = await fs.mkdtemp(path.join(opts.tempDir ?? os.tmpdir(), 'tillvault-'));
  try {
    // The source is checked before any destination is touched: a typo must not create folders.
    await readSourceHeader(source);
    const { places, duplicates } = await distinctDestinations(opts.destinations);
    // Unlocking the destinations (scrypt, ~0.5 s) runs while the database is being copied.
    const preparing = prepareDestinations(places, opts.credential, 'backup');
    let snap: SnapshotFile;
    try {
      snap = await takeSnapshot(
        source,
        work,
        opts.types ?? null,
        (p) => opts.onProgress?.({ phase: 'snapshot', done: p.copiedPages, total: p.totalPages }),
        opts.signal,
        opts.typeOverrides,
      );
      // An empty backup would look like a good one: it is a mistake in the types asked for.
      if (opts.types && snap.tables.length === 0) {
        throw await noTablesOf(source, opts.types, opts.typeOverrides);
      }
    } catch (err) {
      const prepared = await preparing.catch(() => null);
      for (const d of prepared?.open ?? []) {
        await d.lock.release();
        // Its recovery key was never shown: a repository made by this run must not stay.
        if (d.created) await d.repo.discardNew();
      }
      throw err;
    }
    // The snapshot is the state at the end of the copy; its id and time say when that was.
    const takenAt = new Date();
    const snapshotId = newTimeId(takenAt);
    const prepared = await preparing;
    const result = (unordered: DestinationResult[]): BackupResult => {
      const destinations = inGivenOrder(unordered, places);
      const error = nothingStored(destinations);
      return {
        snapshotId,
        source,
        types: snap.types,
        complete: !error && snap.complete,
        tables: snap.tables,
        summary: snap.summary,
        bytes: snap.bytes,
        recoveryKey: prepared.recoveryKey,
        destinations,
        duplicates,
        error,
      };
    };
    if (prepared.open.length === 0) return result(prepared.failed.map((f) => failedResult(f)));
    const targets: Target[] = [];
    for (const dest of prepared.open) {
      const index = await dest.repo.loadIndex(() => undefined);
      targets.push({
        dest,
        writer: new PackWriter(dest.repo, false),
        has: (id) => index.has(id),
        reserved: new IdSet(),
        started: Date.now(),
        error: null,
      });
    }
    const pool = new ChunkPool(prepared.open[0]!.repo.masterKeys);
    try {
      const sink = new ChunkSink(pool, targets);
      const { pageIds, wholeSha } = await storePages(snap, targets, pool, sink, opts);
      const groups = await storeGroups(pageIds, targets, sink);
      // Every chunk is sealed: the workers' memory goes before the index files are built.
      await pool.close();
      opts.onProgress?.({ phase: 'finish', done: 0, total: 1 });
      await forEachLive(targets, async (t) => {
        await t.writer.finish();
        const manifest = buildManifest(
          snap,
          takenAt,
          snapshotId,
          source,
          opts,
          wholeSha,
          groups,
          t,
        );
        await t.dest.repo.writeManifest(manifest);
        await appendAudit(t.dest.repo, {
          operation: 'backup',
          result: 'ok',
          snapshotId,
          summary: `Backed up ${path.basename(source)} (${t.writer.bytesWritten} new bytes).`,
          details: {
            source,
            trigger: manifest.trigger,
            types: snap.types,
            newBytes: t.writer.bytesWritten,
          },
        }).catch(() => undefined);
      });
    } finally {
      await pool.close();
      for (const t of targets) {
        await t.dest.repo.closeHandles();
        if (t.error) await t.writer.abandon();
        await t.dest.lock.release();
      }
    }
    const destinations: DestinationResult[] = [
      ...targets.map((t) =>
        t.error
          ? failedResult(t.error, Date.now() - t.started)
          : {
              path: t.dest.path,
              ok: true,
              snapshotId,
              newBytes: t.writer.bytesWritten,
              storedBytes: 0,
              durationMs: Date.now() - t.started,
              error: null,
            },
      ),
      ...prepared.failed.map((f) => failedResult(f)),
    ];
    for (let i = 0; i < destinations.length; i++) {
      const d = destinations[i]!;
      if (d.ok) destinations[i] = { ...d, storedBytes: await folderBytes(d.path) };
    }
    return result(destinations);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Sealing batches in flight at once: enough to keep every worker busy while we read. */
const MAX_JOBS = 4;

/** New chunks sealed together, for the same destinations. */
interface PendingFrame {
  readonly ids: string[];
  readonly plains: Buffer[];
  readonly targets: Target[];
  bytes: number;
}

/**
 * Seals new chunks on the worker pool and appends them to every destination that lacks them.
 * A chunk is reserved for a destination when it is handed out, so a page that repeats (zeros,
 * freed pages) is sealed and stored once. In a format 2 repository neighbouring new chunks are
 * sealed as one frame (chunk.ts): only new chunks go into frames, so a changed page still costs
 * one page.
 */
class ChunkSink {
  private chain: Promise<void> = Promise.resolve();
  private jobs: Promise<void>[] = [];
  private readonly framed: boolean;

  constructor(
    private readonly pool: ChunkPool,
    private readonly targets: readonly Target[],
  ) {
    this.framed = (targets[0]?.dest.repo.format ?? FORMAT_VERSION) >= 2;
  }

  /**
   * Stores the chunks that are new somewhere. When the plains are views of `batch` (a buffer
   * that owns its memory), the batch is handed to a worker: the caller must not use it again.
   */
  async put(ids: readonly string[], plains: readonly Buffer[], batch?: Buffer): Promise<void> {
    const frames: PendingFrame[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const needy = this.targets.filter((t) => !t.error && !t.has(id) && !t.reserved.has(id));
      if (needy.length === 0) continue;
      for (const t of needy) t.reserved.add(id);
      const plain = plains[i]!;
      const last = frames.at(-1);
      const joins =
        this.framed &&
        last !== undefined &&
        last.bytes + plain.length <= FRAME_BYTES &&
        last.ids.length < FRAME_MEMBERS &&
        last.targets.length === needy.length &&
        last.targets.every((t, k) => t === needy[k]);
      if (joins) {
        last.ids.push(id);
        last.plains.push(plain);
        last.bytes += plain.length;
      } else frames.push({ ids: [id], plains: [plain], targets: needy, bytes: plain.length });
    }
    if (frames.length === 0) return;
    const job = this.pool
      .seal(
        frames.flatMap((f) => f.ids),
        frames.flatMap((f) => f.plains),
        frames.map((f) => f.ids.length),
        this.framed,
        batch,
      )
      .then((sealed) => {
        this.chain = this.chain.then(() => this.append(frames, sealed));
        return this.chain;
      });
    // Marked handled now; the error still surfaces where the job is awaited.
    job.catch(() => undefined);
    this.jobs.push(job);
    while (this.jobs.length > MAX_JOBS) await this.jobs.shift();
  }

  private async append(frames: PendingFrame[], sealed: Buffer[]): Promise<void> {
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const members = f.ids.map((id, slot) => ({ id, slot: this.framed ? slot : SINGLE }));
      for (const t of f.targets) {
        if (t.error) continue;
        try {
          await t.writer.add(sealed[i]!, members);
        } catch (err) {
          const e = toTillvaultError(err, t.dest.path);
          t.error = { path: t.dest.path, code: e.code, message: e.message };
        }
      }
    }
  }

  async drain(): Promise<void> {
    const jobs = this.jobs;
    this.jobs = [];
    await Promise.all(jobs);
    await this.chain;
  }
}

/** Batches whose page names are being computed ahead of the one being stored. */
const NAMING_AHEAD = 4;

async function storePages(
  snap: SnapshotFile,
  targets: Target[],
  pool: ChunkPool,
  sink: ChunkSink,
  opts: BackupOptions,
): Promise<{ pageIds: Buffer; wholeSha: string }> {
  const pageIds = Buffer.alloc(snap.pageCount * 32);
  const whole = crypto.createHash('sha256');
  const handle = await fs.open(snap.file, 'r');
  const pagesPerBatch = Math.max(1, Math.floor(BATCH_BYTES / snap.pageSize));
  // Pages are named on the workers a few batches ahead, then stored in order.
  const named: { first: number; named: Promise<{ ids: Buffer; batch: Buffer }> }[] = [];
  const store = async (batch: (typeof named)[number]): Promise<void> => {
    const { ids: idBytes, batch: buf } = await batch.named;
    idBytes.copy(pageIds, batch.first * 32);
    const ids: string[] = [];
    const pages: Buffer[] = [];
    for (let at = 0; at < buf.length; at += snap.pageSize) {
      const i = at / snap.pageSize;
      ids.push(idBytes.toString('hex', i * 32, i * 32 + 32));
      pages.push(buf.subarray(at, at + snap.pageSize));
    }
    await sink.put(ids, pages, buf);
    opts.onProgress?.({ phase: 'store', done: batch.first + ids.length, total: snap.pageCount });
  };
  try {
    for (let first = 0; first < snap.pageCount; first += pagesPerBatch) {
      if (opts.signal?.aborted) throw new TillvaultError('CANCELLED', 'The backup was cancelled.');
      if (targets.every((t) => t.error)) {
        throw new TillvaultError('DEST_MISSING', 'None of the backup places could be used.');
      }
      const count = Math.min(pagesPerBatch, snap.pageCount - first);
      // A buffer of its own (not a slice of Node's pool): it travels to the workers uncopied.
      const buf = Buffer.allocUnsafeSlow(count * snap.pageSize);
      const { bytesRead } = await handle.read(buf, 0, buf.length, first * snap.pageSize);
      if (bytesRead !== buf.length) {
        throw new TillvaultError('INTERNAL', 'The snapshot copy changed size while being read.');
      }
      whole.update(buf);
      const naming = pool.ids(buf, snap.pageSize);
      naming.catch(() => undefined);
      named.push({ first, named: naming });
      if (named.length > NAMING_AHEAD) await store(named.shift()!);
      // Hand the event loop back between batches, so a window stays responsive.
      await tick();
    }
    while (named.length > 0) await store(named.shift()!);
    await sink.drain();
  } finally {
    await handle.close();
  }
  return { pageIds, wholeSha: whole.digest('hex') };
}

async function storeGroups(pageIds: Buffer, targets: Target[], sink: ChunkSink): Promise<string[]> {
  const repo = targets.find((t) => !t.error)?.dest.repo;
  if (!repo) throw new TillvaultError('DEST_MISSING', 'None of the backup places could be used.');
  const groups: string[] = [];
  const plains: Buffer[] = [];
  const step = PAGES_PER_GROUP * 32;
  for (let at = 0; at < pageIds.length; at += step) {
    const group = pageIds.subarray(at, Math.min(at + step, pageIds.length));
    groups.push(repo.blobId(group));
    plains.push(group);
  }
  await sink.put(groups, plains);
  await sink.drain();
  return groups;
}

function buildManifest(
  snap: SnapshotFile,
  takenAt: Date,
  id: string,
  source: string,
  opts: BackupOptions,
  wholeSha: string,
  groups: string[],
  t: Target,
): Manifest {
  return {
    version: 1,
    id,
    time: takenAt.toISOString(),
    label: opts.label ?? null,
    trigger: opts.trigger ?? 'manual',
    host: os.hostname(),
    user: currentUser(),
    appVersion: APP_VERSION,
    source: { path: source, name: path.basename(source) },
    database: {
      pageSize: snap.pageSize,
      pageCount: snap.pageCount,
      bytes: snap.bytes,
      sha256: wholeSha,
      journalMode: snap.journalMode,
      schemaFingerprint: snap.schemaFingerprint,
    },
    types: snap.types,
    complete: snap.complete,
    tables: snap.tables,
    summary: snap.summary,
    pageGroups: groups,
    pagesPerGroup: PAGES_PER_GROUP,
    stats: {
      newBytes: t.writer.bytesWritten,
      newChunks: t.writer.chunksWritten,
      durationMs: Date.now() - t.started,
    },
  };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const st = await fs.stat(path.join(e.parentPath, e.name)).catch(() => null);
    total += st?.size ?? 0;
  }
  return total;
}
