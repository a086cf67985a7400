/**
 * One backup run: a consistent snapshot of the source, cut into page chunks, stored once in
 * every destination. A destination that fails (missing, full, read-only, locked) is reported
 * and the others still complete. The manifest is written last, so a run that dies never
 * leaves a snapshot that looks complete; a repository this run set up that got no backup is
 * undone, so its recovery key is never lost.
 */
import { readSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import crypto from 'node:crypto';
import { appendAudit, currentUser, type Actor } from '../repository/audit.js';
import { IdSet } from '../repository/blob-index.js';
import { ChunkPool } from '../repository/chunk-pool.js';
import { FRAME_BYTES, FRAME_MEMBERS, SINGLE } from '../repository/chunk.js';
import { withOverrides, type TypeOverrides } from '../source/classify/classify.js';
import { DATA_TYPES, type DataType } from '../data-types.js';
import {
  discardCreated,
  prepareDestinations,
  type FailedDestination,
  type OpenDestination,
} from '../places/destinations.js';
import { TillvaultError, toTillvaultError } from '../errors.js';
import { describeDatabase } from '../source/inspect.js';
import { newTimeId, type Manifest, type Trigger } from '../repository/manifest.js';
import { PackWriter } from '../repository/pack-writer.js';
import { FORMAT_VERSION, type Credential } from '../repository/config.js';
import type { Repository } from '../repository/repository.js';
import { placeKey } from '../places/same-place.js';
import { takeSnapshot, type SnapshotFile } from '../source/snapshot.js';
import { readSourceHeader } from '../source/sqlite-source.js';
import { APP_VERSION } from '../version.js';
import { makeWorkDir, removeWorkDir } from '../fs/work-dirs.js';

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
  /** Who started it, for the audit log; by default the schedule or the command line. */
  readonly actor?: Actor;
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
  /** Stored, but something about this place needs a look (parts of older backups are gone). */
  readonly warning: string | null;
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
  /** The database was already damaged when copied; the backup is stored all the same, marked. */
  readonly sourceDamage: SourceDamage | null;
}

export interface SourceDamage {
  readonly code: 'SOURCE_DAMAGED';
  readonly message: string;
  /** What SQLite's quick_check found in the copy. */
  readonly detail: string;
  /** The newest backup of this database taken before the damage, in the first place that has this one. */
  readonly lastGood: { readonly snapshotId: string; readonly time: string } | null;
}

/** What a destination already holds, for deduplicating against it. */
interface Held {
  /** A copy of the chunk is in a pack file that is there: it need not be stored again. */
  readonly has: (id: string) => boolean;
  /** The index lists the chunk, but only in pack files that are gone. */
  readonly lost: (id: string) => boolean;
}

const NOTHING_HELD: Held = { has: () => false, lost: () => false };

interface Target extends Held {
  readonly dest: OpenDestination;
  readonly writer: PackWriter;
  /** Chunks handed to the pool for this destination and not yet in its index. */
  readonly reserved: IdSet;
  readonly started: number;
  /** Chunks stored again because the pack files that held them are gone. */
  restored: number;
  /** Its manifest is written: this destination has the backup. */
  stored: boolean;
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
    warning: null,
  };
}

function storedResult(t: Target, snapshotId: string): DestinationResult {
  return {
    path: t.dest.path,
    ok: true,
    snapshotId,
    newBytes: t.writer.bytesWritten,
    storedBytes: 0,
    durationMs: Date.now() - t.started,
    error: null,
    warning: t.restored > 0 ? partsStoredAgain(t.restored) : null,
  };
}

function partsStoredAgain(n: number): string {
  const parts = n === 1 ? '1 part was' : `${n} parts were`;
  return `${parts} missing from this place (a pack file is gone) and stored again, so this backup is whole; older backups may still lack them: run verify, and repair from another place.`;
}

function fail(t: Target, err: unknown): void {
  const e = toTillvaultError(err, t.dest.path);
  t.error = { path: t.dest.path, code: e.code, message: e.message };
}

function isLive(t: Target): boolean {
  return t.error === null;
}

async function forEachLive(targets: Target[], fn: (t: Target) => Promise<void>): Promise<void> {
  for (const t of targets.filter(isLive)) {
    try {
      await fn(t);
    } catch (err) {
      fail(t, err);
    }
  }
}

/**
 * What a repository holds. A chunk whose only copies are in pack files that are gone (a cloud
 * sync conflict, a user tidying up) counts as not held, so this backup stores it again and is
 * whole; listing the packs is a readdir per data folder, reading them is left to verify.
 */
async function heldBy(repo: Repository): Promise<Held> {
  const index = await repo.loadIndex(() => undefined);
  const present = new Set(await repo.packFileNames());
  const packsGone = [...index.packs.keys()].some((p) => !present.has(p));
  if (!packsGone) return { has: (id) => index.has(id), lost: () => false };
  return {
    has: (id) => index.locations(id).some((l) => present.has(l.pack)),
    lost: (id) => index.has(id),
  };
}

/** A destination ready to take chunks, or one that already failed (unreadable index). */
async function openTarget(dest: OpenDestination): Promise<Target> {
  const target: Target = {
    dest,
    writer: new PackWriter(dest.repo, false),
    ...NOTHING_HELD,
    reserved: new IdSet(),
    started: Date.now(),
    restored: 0,
    stored: false,
    error: null,
  };
  try {
    return { ...target, ...(await heldBy(dest.repo)) };
  } catch (err) {
    fail(target, err);
    return target;
  }
}

/**
 * Ends the run in a destination. A repository this run set up that got no backup is undone:
 * its recovery key is shown only with a backup, and the next run must show a new one.
 */
async function letGo(dest: OpenDestination, stored: boolean): Promise<void> {
  // Undone while still locked, so no other run starts using it in between.
  if (dest.created && !stored) await discardCreated(dest).catch(() => undefined);
  await dest.lock.release();
}

async function closeTarget(t: Target): Promise<void> {
  await t.dest.repo.closeHandles();
  if (!t.stored) await t.writer.abandon();
  await letGo(t.dest, t.stored);
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

/**
 * The one failure to report when no destination stored the backup: every place's reason in the
 * message, and the code of the first place given (each place also carries its own).
 */
function nothingStored(destinations: readonly DestinationResult[]): BackupResult['error'] {
  if (destinations.some((d) => d.ok)) return null;
  const errors = destinations.flatMap((d) => (d.error ? [d.error] : []));
  const reasons = errors.map((e) => e.message).join(' ') || 'No destination was given.';
  return {
    code: errors[0]?.code ?? 'DEST_MISSING',
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
  const work = await makeWorkDir('backup', opts.tempDir);
  try {
    // The source is checked before any destination is touched: a typo must not create folders.
    await readSourceHeader(source);
    const { places, duplicates } = await distinctDestinations(opts.destinations);
    // Unlocking the destinations (scrypt, ~0.5 s) runs while the database is being copied.
    const preparing = prepareDestinations(places, opts.credential, 'backup');
    // The workers start during the copy too, and get the keys once the places are open: one
    // repository in several places, so every destination has the same keys.
    const pool = new ChunkPool(preparing.then((p) => p.open[0]?.repo.masterKeys ?? null));
    try {
      return await backUpInto(source, places, duplicates, preparing, pool, work, opts);
    } finally {
      await pool.close();
    }
  } finally {
    await removeWorkDir(work);
  }
}

/** Copies the database and stores the copy in every place that opened. */
async function backUpInto(
  source: string,
  places: string[],
  duplicates: DuplicateDestination[],
  preparing: ReturnType<typeof prepareDestinations>,
  pool: ChunkPool,
  work: string,
  opts: BackupOptions,
): Promise<BackupResult> {
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
    for (const d of prepared?.open ?? []) await letGo(d, false);
    throw err;
  }
  // The snapshot is the state at the end of the copy; its id and time say when that was.
  const takenAt = new Date();
  const snapshotId = newTimeId(takenAt);
  const prepared = await preparing;
  const targets: Target[] = [];
  let sourceDamage: SourceDamage | null = null;
  try {
    for (const dest of prepared.open) targets.push(await openTarget(dest));
    await storeBackup(snap, targets, pool, { takenAt, snapshotId, source }, opts);
    if (!snap.sourceCheck.ok) {
      const holder = targets.find((t) => t.stored)?.dest.repo;
      const lastGood = holder ? await lastGoodBackup(holder, source, snapshotId) : null;
      sourceDamage = damagedSource(source, snap.sourceCheck.detail, lastGood);
    }
  } finally {
    for (const t of targets) await closeTarget(t);
  }
  const destinations = inGivenOrder(
    [
      ...targets.map((t) =>
        t.error ? failedResult(t.error, Date.now() - t.started) : storedResult(t, snapshotId),
      ),
      ...prepared.failed.map((f) => failedResult(f)),
    ],
    places,
  );
  for (let i = 0; i < destinations.length; i++) {
    const d = destinations[i]!;
    if (d.ok) destinations[i] = { ...d, storedBytes: await folderBytes(d.path) };
  }
  const error = nothingStored(destinations);
  return {
    snapshotId,
    source,
    types: snap.types,
    complete: !error && snap.complete,
    tables: snap.tables,
    summary: snap.summary,
    bytes: snap.bytes,
    // Shown only with a backup stored under it: otherwise the repository was undone.
    recoveryKey: error ? null : prepared.recoveryKey,
    destinations,
    duplicates,
    error,
    sourceDamage,
  };
}

/**
 * The newest backup of `source` but `except` whose copy passed the check (manifests from before
 * the check count as good): what the owner can go back to.
 */
export function newestSound(
  manifests: readonly Manifest[],
  source: string,
  except: string,
): Manifest | undefined {
  return manifests
    .filter((m) => m.id !== except && m.source.path === source && m.sourceCheck?.ok !== false)
    .sort((a, b) => a.time.localeCompare(b.time))
    .at(-1);
}

/** newestSound in a place; null also when its records cannot be read. */
async function lastGoodBackup(
  repo: Repository,
  source: string,
  except: string,
): Promise<SourceDamage['lastGood']> {
  const all = await repo.readAllManifests().catch(() => null);
  const good = all ? newestSound(all.manifests, source, except) : undefined;
  return good ? { snapshotId: good.id, time: good.time } : null;
}

function damagedSource(
  source: string,
  detail: string,
  lastGood: SourceDamage['lastGood'],
): SourceDamage {
  const last = lastGood
    ? `the last good backup is ${lastGood.snapshotId} of ${lastGood.time}`
    : 'no backup of it from before the damage was found';
  return {
    code: 'SOURCE_DAMAGED',
    message:
      `The database ${path.basename(source)} is damaged (SQLite's check of the copy: ${detail}). ` +
      `This backup was stored all the same, marked as taken of a damaged database; ${last}. ` +
      `Have the till's database repaired before relying on newer backups.`,
    detail,
    lastGood,
  };
}

interface SnapshotNaming {
  readonly takenAt: Date;
  readonly snapshotId: string;
  readonly source: string;
}

/**
 * Stores the snapshot in every live destination, manifest last. Stops early, without throwing,
 * when every destination has failed: each one's own error is the answer.
 */
async function storeBackup(
  snap: SnapshotFile,
  targets: Target[],
  pool: ChunkPool,
  naming: SnapshotNaming,
  opts: BackupOptions,
): Promise<void> {
  if (!targets.some(isLive)) return;
  const repo = targets[0]!.dest.repo;
  let copyGone: Promise<void> = Promise.resolve();
  try {
    // Batches come back from the workers to be read into again: a gigabyte read into fresh
    // buffers cost a page fault per 4 KiB and frequent garbage collection.
    const spare: Buffer[] = [];
    const sink = new ChunkSink(pool, targets, (batch) => spare.push(batch));
    const stored = storePages(snap, targets, pool, sink, spare, opts);
    copyGone = stored.then(
      (s) => s.copyGone,
      () => undefined,
    );
    const { pageIds, wholeSha } = await stored;
    if (!targets.some(isLive)) return;
    const groups = await storeGroups(pageIds, repo, sink);
    // Every chunk is sealed: the workers' memory goes before the index files are built.
    await pool.close();
    opts.onProgress?.({ phase: 'finish', done: 0, total: 1 });
    await forEachLive(targets, async (t) => {
      await t.writer.finish();
      const manifest = buildManifest(snap, naming, opts, wholeSha, groups, t);
      await t.dest.repo.writeManifest(manifest);
      t.stored = true;
      await appendAudit(t.dest.repo, {
        operation: 'backup',
        result: snap.sourceCheck.ok ? 'ok' : 'damaged',
        actor: opts.actor ?? (manifest.trigger === 'scheduled' ? 'schedule' : 'cli'),
        snapshotId: naming.snapshotId,
        summary: snap.sourceCheck.ok
          ? `Backed up ${path.basename(naming.source)} (${t.writer.bytesWritten} new bytes).`
          : `Backed up ${path.basename(naming.source)}, which is damaged: ${snap.sourceCheck.detail}`,
        details: {
          source: naming.source,
          trigger: manifest.trigger,
          types: snap.types,
          newBytes: t.writer.bytesWritten,
        },
      }).catch(() => undefined);
    });
  } finally {
    await pool.close();
    await copyGone;
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

  /** `reuse` gets back each batch handed to put once the workers are done with it. */
  constructor(
    private readonly pool: ChunkPool,
    private readonly targets: readonly Target[],
    private readonly reuse: (batch: Buffer) => void = () => undefined,
  ) {
    this.framed = (targets[0]?.dest.repo.format ?? FORMAT_VERSION) >= 2;
  }

  /**
   * Stores the chunks that are new somewhere. `names` holds the same names as `ids`, 32 bytes
   * each, when the caller has them. When the plains are views of `batch` (a buffer that owns its
   * memory), the batch is handed to a worker and given to `reuse` when it is back: the caller
   * must not use it meanwhile.
   */
  async put(
    ids: readonly string[],
    plains: readonly Buffer[],
    names?: Buffer,
    batch?: Buffer,
  ): Promise<void> {
    const frames: PendingFrame[] = [];
    // Frames are filled in page order, so the new chunks' names follow each other the same way.
    const picked: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const needy = this.targets.filter((t) => isLive(t) && !t.has(id) && !t.reserved.has(id));
      if (needy.length === 0) continue;
      picked.push(i);
      for (const t of needy) {
        t.reserved.add(id);
        if (t.lost(id)) t.restored++;
      }
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
    if (frames.length === 0) {
      if (batch) this.reuse(batch);
      return;
    }
    const sealNames = Buffer.allocUnsafe(picked.length * 32);
    picked.forEach((i, k) => {
      if (names) names.copy(sealNames, k * 32, i * 32, i * 32 + 32);
      else sealNames.write(ids[i]!, k * 32, 32, 'hex');
    });
    const job = this.pool
      .seal(
        sealNames,
        frames.flatMap((f) => f.plains),
        frames.map((f) => f.ids.length),
        this.framed,
        batch,
      )
      .then(({ sealed, batch: back }) => {
        if (back) this.reuse(back);
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
          fail(t, err);
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
  spare: Buffer[],
  opts: BackupOptions,
): Promise<{ pageIds: Buffer; wholeSha: string; copyGone: Promise<void> }> {
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
    await sink.put(ids, pages, idBytes, buf);
    opts.onProgress?.({ phase: 'store', done: batch.first + ids.length, total: snap.pageCount });
  };
  try {
    for (let first = 0; first < snap.pageCount; first += pagesPerBatch) {
      if (opts.signal?.aborted) throw new TillvaultError('CANCELLED', 'The backup was cancelled.');
      // Every destination failed: their own errors say why, nothing is left to store.
      if (!targets.some(isLive)) break;
      const count = Math.min(pagesPerBatch, snap.pageCount - first);
      const bytes = count * snap.pageSize;
      // A buffer of its own (not a slice of Node's pool): it travels to the workers uncopied.
      const buf = spare.at(-1)?.length === bytes ? spare.pop()! : Buffer.allocUnsafeSlow(bytes);
      // Read on this thread: a megabyte from the page cache takes a fraction of a millisecond,
      // and going through libuv's pool kept the workers waiting for pages (~2 s per GiB).
      const bytesRead = readSync(handle.fd, buf, 0, buf.length, first * snap.pageSize);
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
  } finally {
    await handle.close();
  }
  // Every page is read: the copy goes now, while the last pages are sealed and written (deleting
  // a gigabyte took half a second on a disk that discards freed blocks).
  // Never fails: what is left goes with the work folder.
  const copyGone = fs.rm(snap.file, { force: true }).catch(() => undefined);
  while (named.length > 0) await store(named.shift()!);
  await sink.drain();
  return { pageIds, wholeSha: whole.digest('hex'), copyGone };
}

async function storeGroups(pageIds: Buffer, repo: Repository, sink: ChunkSink): Promise<string[]> {
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
  { takenAt, snapshotId: id, source }: SnapshotNaming,
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
    sourceCheck: snap.sourceCheck,
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
