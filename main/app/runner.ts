/**
 * Runs a job's backup on the engine thread and tells the window how it goes: one run per job
 * at a time, progress with bytes and ETA, the result kept for Home, a notification at the end,
 * and the computer kept awake meanwhile.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BackupProgress, BackupResult } from '../engine/backup/backup.js';
import {
  cloudFoldersHere,
  providerOfPath,
  type CloudFolder,
} from '../engine/places/cloud-folders.js';
import {
  listSystemDrives,
  locateRepository,
  type Drive,
  type ListDrives,
} from '../engine/places/drives.js';
import { ejectDrive, type EjectResult } from '../engine/places/eject.js';
import { TillvaultError, toTillvaultError, type ErrorCode } from '../engine/errors.js';
import type { Trigger } from '../engine/repository/manifest.js';
import type { DestinationOutcome, RunProgress, RunRecord } from '../ipc/contract.js';
import { AppFailure } from '../ipc/errors.js';
import type { Actor } from '../engine/repository/audit.js';
import type { Credential } from '../engine/repository/config.js';
import { changeSinceBefore } from './change-check.js';
import { requirePlanCredential } from './plan-credential.js';
import { backupInWorker } from './engine-thread.js';
import type { Notifier } from './notifier.js';
import type { AppEvents, Platform } from './platform.js';
import type { RunState } from './run-state.js';
import type { SecretStore } from './secrets.js';
import { changeThresholds, type Job } from './settings.js';
import { expectedBytes, freeBytesAt, nextSpace } from './space.js';

/** Share of the run each engine phase stands for, for one honest progress bar. */
const PHASES = { snapshot: [0, 0.35], store: [0.35, 0.97], finish: [0.97, 1] } as const;

export function newRunId(): string {
  return crypto.randomBytes(8).toString('hex');
}

interface ActiveRun {
  readonly abort: AbortController;
  readonly source: string;
  readonly done: Promise<unknown>;
  progress: RunProgress;
}

export class Runner {
  private readonly active = new Map<string, ActiveRun>();
  /** Restore tests, repairs and restores in progress, per plan; a restore holds the database. */
  private readonly held = new Map<
    string,
    { source: string; database: boolean; done: Promise<unknown> }
  >();

  constructor(
    private readonly deps: {
      readonly state: RunState;
      readonly secrets: SecretStore;
      readonly platform: Platform;
      readonly notifier: Pick<Notifier, 'run'>;
      readonly events: AppEvents;
      readonly tempDir?: string;
      /** The drive list (a fake one in tests); default: the computer's. */
      readonly drives?: ListDrives;
      /** Free bytes where a path is (a nearly full disk in tests); default: the real disk's. */
      readonly freeSpace?: (dir: string) => Promise<number | null>;
      /** The cloud sync folders and whether their clients run; default: this computer's. */
      readonly cloudFolders?: () => Promise<CloudFolder[]>;
      /** Safely removes a USB drive; default: the OS's own tool (there is no stick in tests). */
      readonly eject?: (drive: Drive) => Promise<EjectResult>;
    },
  ) {}

  /** The run in progress, if any (the first one when several jobs run). */
  current(): RunProgress | null {
    return this.active.values().next().value?.progress ?? null;
  }

  isRunning(jobId: string): boolean {
    return [...this.active.values()].some((r) => r.progress.jobId === jobId);
  }

  cancel(runId: string): boolean {
    const run = this.active.get(runId);
    run?.abort.abort();
    return run !== undefined;
  }

  /** Resolves when no backup of this database is running (another plan may back it up too). */
  async idle(source: string): Promise<void> {
    for (;;) {
      const other = [...this.active.values(), ...this.held.values()].find(
        (r) => r.source === source,
      );
      if (!other) return;
      await other.done.catch(() => undefined);
    }
  }

  /**
   * Runs other work on a plan's places (the restore test, a repair) with no backup of it
   * meanwhile: a backup would find the places locked. A backup due meanwhile follows it. Work
   * that writes the database (a restore) holds it too: no plan backs it up meanwhile.
   */
  async exclusive<T>(
    job: Job,
    work: () => Promise<T>,
    holds: 'places' | 'database' = 'places',
  ): Promise<T> {
    // A backup of the database by any plan finishes first; its snapshot is of the old state.
    if (holds === 'database') await this.idle(job.source);
    if (this.isRunning(job.id) || this.held.has(job.id)) {
      throw new AppFailure('BUSY', `"${job.name}" is busy; try again when it is done.`);
    }
    const done = work();
    this.held.set(job.id, { source: job.source, database: holds === 'database', done });
    try {
      return await done;
    } finally {
      this.held.delete(job.id);
    }
  }

  /** Starts a run and returns its id at once; the outcome arrives as `backup:finished`. */
  start(
    job: Job,
    trigger: Trigger,
    actor: Actor = trigger === 'scheduled' ? 'schedule' : 'staff',
  ): { runId: string; done: Promise<RunRecord> } {
    if (this.isRunning(job.id)) {
      throw new AppFailure('BUSY', `A backup of "${job.name}" is already running.`);
    }
    if (this.held.has(job.id)) {
      throw new AppFailure('BUSY', `"${job.name}" is being tested or repaired; try again soon.`);
    }
    // One snapshot of a database at a time: two would only slow the till down.
    if ([...this.active.values()].some((r) => r.source === job.source)) {
      throw new AppFailure('BUSY', 'Another plan is backing up this database right now.');
    }
    // A restore into it holds the database: a backup meanwhile would take half of it.
    if ([...this.held.values()].some((r) => r.database && r.source === job.source)) {
      throw new AppFailure('BUSY', 'This database is being restored; try again when it is done.');
    }
    const credential = requirePlanCredential(this.deps.secrets, job);
    const runId = newRunId();
    let finished: () => void = () => undefined;
    const run: ActiveRun = {
      abort: new AbortController(),
      source: job.source,
      done: new Promise<void>((resolve) => {
        finished = resolve;
      }),
      progress: {
        runId,
        jobId: job.id,
        phase: 'starting',
        fraction: 0,
        bytesDone: 0,
        bytesTotal: 0,
        etaSeconds: null,
        destinations: job.destinations.map((d) => ({
          destinationId: d.id,
          label: d.label,
          state: 'waiting',
          message: null,
        })),
      },
    };
    this.active.set(runId, run);
    const done = this.execute(job, trigger, actor, credential, run).finally(finished);
    return { runId, done };
  }

  /**
   * Where each place is for this run. A removable one is looked up by its repository's id on
   * the drives connected now; when no drive holds it, it is skipped and nothing is written to
   * its old path (which may be an empty mount point on the system disk). A place that rotates
   * between sticks takes whichever of its own is plugged in.
   */
  async resolvePlaces(job: Job): Promise<ResolvedPlaces> {
    const removable = job.destinations.filter((d) => d.kind === 'removable' && d.repositoryId);
    const drives = removable.length > 0 ? await (this.deps.drives ?? listSystemDrives)() : [];
    const missing: DestinationOutcome[] = [];
    const destinations: Job['destinations'] = [];
    const used = new Map<string, Drive>();
    for (const d of job.destinations) {
      if (d.kind !== 'removable' || !d.repositoryId) {
        destinations.push(d);
        continue;
      }
      // Every place of a plan holds the same repository: the sticks of other places are not ours.
      const others = new Set(
        removable
          .filter((o) => o.id !== d.id)
          .flatMap((o) => (o.sticks ?? []).map((k) => k.device)),
      );
      const mine = new Set((d.sticks ?? []).map((k) => k.device));
      const candidates = drives
        .filter((drive) => ![...used.values()].includes(drive) && !others.has(drive.device))
        .sort((x, y) => Number(mine.has(y.device)) - Number(mine.has(x.device)));
      const found = await locateRepository(candidates, d.repositoryId, d.within ?? '');
      if (found) {
        destinations.push({ ...d, path: found.path });
        used.set(d.id, found.drive);
      } else {
        const names = (d.sticks ?? []).map((k) => k.label);
        missing.push(
          skipped(
            d,
            'DEST_MISSING',
            names.length > 1
              ? `None of the USB sticks of this place is connected (${names.join(', ')}).`
              : `USB drive "${d.label}" is not connected.`,
          ),
        );
      }
    }
    return { reachable: { ...job, destinations }, missing, drives: used };
  }

  /**
   * Leaves out the places without room for this backup (estimated from what earlier runs
   * added there), so a full disk is reported before anything is written rather than halfway.
   */
  private async placesWithRoom(
    job: Job,
    located: Job,
    sourceBytes: number,
  ): Promise<{ reachable: Job; full: DestinationOutcome[] }> {
    const space = this.deps.state.get(job.id).space;
    const full: DestinationOutcome[] = [];
    const destinations: Job['destinations'] = [];
    for (const d of located.destinations) {
      const free = await (this.deps.freeSpace ?? freeBytesAt)(d.path);
      const needed = expectedBytes(space[d.id], sourceBytes);
      if (free === null || free >= needed) {
        destinations.push(d);
        continue;
      }
      full.push(
        skipped(
          d,
          'DEST_FULL',
          `"${d.label}" has ${mb(free)} free; this backup needs about ${mb(needed)}.`,
        ),
      );
    }
    return { reachable: { ...located, destinations }, full };
  }

  /** Free space of every place reached, and what this run added there, for "days left". */
  private async measureSpace(job: Job, located: Job, record: RunRecord): Promise<void> {
    const space = this.deps.state.get(job.id).space;
    for (const place of located.destinations) {
      const free = await (this.deps.freeSpace ?? freeBytesAt)(place.path);
      const outcome = record.destinations.find((d) => d.destinationId === place.id);
      if (free === null || !outcome) continue;
      this.deps.state.recordSpace(
        job.id,
        place.id,
        nextSpace(space[place.id], free, record.finishedAt, outcome.ok ? outcome.newBytes : null),
      );
    }
  }

  /**
   * What the owner needs to know about each place once the backup is in: which stick of a
   * rotation took it, whether it was ejected, and whether a cloud folder's client is running
   * to upload it.
   */
  private async afterRun(
    job: Job,
    located: ResolvedPlaces,
    record: RunRecord,
  ): Promise<DestinationOutcome[]> {
    const clouds = job.destinations.some((d) => d.kind === 'cloud')
      ? await (this.deps.cloudFolders ?? cloudFoldersHere)().catch(() => [])
      : [];
    const out: DestinationOutcome[] = [];
    for (const outcome of record.destinations) {
      const place = located.reachable.destinations.find((d) => d.id === outcome.destinationId);
      const drive = located.drives.get(outcome.destinationId);
      if (!outcome.ok || !place) {
        out.push(outcome);
        continue;
      }
      let next: DestinationOutcome = outcome;
      if (drive) next = { ...next, stick: { device: drive.device, label: drive.label } };
      if (place.kind === 'cloud') {
        const running = providerOfPath(clouds, place.path)?.clientRunning ?? null;
        if (running !== null) next = { ...next, syncing: running };
      }
      if (drive && place.ejectWhenDone) {
        const ejected = await (this.deps.eject ?? ejectDrive)(drive);
        next = { ...next, ejected: ejected.ok, message: ejected.ok ? null : ejected.message };
      }
      out.push(next);
    }
    return out;
  }

  private async execute(
    job: Job,
    trigger: Trigger,
    actor: Actor,
    credential: Credential,
    run: ActiveRun,
  ): Promise<RunRecord> {
    const startedAt = new Date();
    const release = this.deps.platform.keepAwake();
    this.deps.events.emit('backup:progress', run.progress);
    let record: RunRecord;
    try {
      const bytesTotal = (await fs.stat(job.source).catch(() => null))?.size ?? 0;
      const onProgress = (p: BackupProgress): void => {
        run.progress = progressOf(run.progress, p, bytesTotal, startedAt);
        this.deps.events.emit('backup:progress', run.progress);
      };
      const located = await this.resolvePlaces(job);
      const { reachable, full } = await this.placesWithRoom(job, located.reachable, bytesTotal);
      const missing = [...located.missing, ...full];
      if (reachable.destinations.length === 0) {
        throw new TillvaultError(
          'DEST_MISSING',
          missing[0]?.message ?? 'None of the backup places is available.',
        );
      }
      const { result, maintenance } = await backupInWorker(
        {
          source: job.source,
          destinations: reachable.destinations.map((d) => d.path),
          credential,
          types: job.types,
          typeOverrides: job.typeOverrides,
          trigger,
          actor,
          ...(this.deps.tempDir ? { tempDir: this.deps.tempDir } : {}),
        },
        onProgress,
        run.abort.signal,
        // Retention and a quick check after every run; a damaged place turns Home red.
        { thresholds: changeThresholds(job) },
      );
      const base = recordOf(job, reachable, missing, run.progress.runId, startedAt, result);
      record = {
        ...base,
        destinations: base.destinations.map((d) => {
          const place = reachable.destinations.find((p) => p.id === d.destinationId);
          const m = place && maintenance.find((x) => samePath(x.path, place.path));
          return m ? { ...d, removed: m.removed, verified: m.verified } : d;
        }),
      };
      // A mass delete or a bulk price change since the backup before turns the result amber.
      const change = record.snapshotId
        ? await changeSinceBefore(
            result.destinations.filter((d) => d.ok).map((d) => d.path),
            credential,
            record.snapshotId,
            changeThresholds(job),
          )
        : null;
      if (change) record = { ...record, change };
      await this.measureSpace(job, located.reachable, record);
      record = { ...record, destinations: await this.afterRun(job, located, record) };
    } catch (err) {
      const e = toTillvaultError(err, job.source);
      record = {
        runId: run.progress.runId,
        jobId: job.id,
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        outcome: e.code === 'CANCELLED' ? 'cancelled' : 'failed',
        snapshotId: null,
        summary: null,
        bytes: 0,
        destinations: [],
        error: { code: e.code, message: e.message },
      };
    } finally {
      release();
      this.active.delete(run.progress.runId);
    }
    if (record.outcome !== 'cancelled') this.deps.state.record(record);
    this.deps.notifier.run(job, record, this.deps.state.get(job.id));
    this.deps.events.emit('backup:finished', record);
    this.deps.events.emit('status:changed', {});
    return record;
  }
}

function progressOf(
  prev: RunProgress,
  p: BackupProgress,
  bytesTotal: number,
  startedAt: Date,
): RunProgress {
  const [from, to] = PHASES[p.phase];
  const within = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  const fraction = Math.max(prev.fraction, from + (to - from) * within);
  const elapsed = (Date.now() - startedAt.getTime()) / 1000;
  // Before a few percent the rate says little; show no ETA rather than a wild one.
  const etaSeconds = fraction > 0.05 ? Math.max(0, Math.round(elapsed / fraction - elapsed)) : null;
  return {
    ...prev,
    phase: p.phase,
    fraction,
    bytesDone: Math.round(bytesTotal * fraction),
    bytesTotal,
    etaSeconds,
    destinations: prev.destinations.map((d) => ({
      ...d,
      state: p.phase === 'snapshot' ? 'waiting' : 'writing',
    })),
  };
}

function recordOf(
  job: Job,
  reachable: Job,
  missing: readonly DestinationOutcome[],
  runId: string,
  startedAt: Date,
  r: BackupResult,
): RunRecord {
  const byPath = new Map(r.destinations.map((d) => [d.path, d]));
  const destinations: DestinationOutcome[] = job.destinations.map((original) => {
    const skipped = missing.find((m) => m.destinationId === original.id);
    if (skipped) return skipped;
    const d = reachable.destinations.find((x) => x.id === original.id) ?? original;
    // The engine reports resolved paths; a place listed twice (by another spelling) was backed
    // up once, and both entries share that outcome.
    const resolved = path.resolve(d.path);
    const at = r.duplicates.find((x) => samePath(x.path, resolved))?.sameAs ?? resolved;
    const got = byPath.get(at) ?? [...byPath.values()].find((x) => samePath(x.path, at));
    return {
      destinationId: d.id,
      label: d.label,
      ok: got?.ok ?? false,
      newBytes: got?.newBytes ?? 0,
      code: got?.error?.code ?? (got ? null : 'INTERNAL'),
      message: got?.error?.message ?? null,
      removed: 0,
      verified: null,
    };
  });
  const okCount = destinations.filter((d) => d.ok).length;
  return {
    runId,
    jobId: job.id,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: okCount === destinations.length ? 'ok' : okCount > 0 ? 'partial' : 'failed',
    snapshotId: okCount > 0 ? r.snapshotId : null,
    // The products' price sample stays in the manifest: Home and the state file need counts.
    summary: {
      members: r.summary.members,
      sales: r.summary.sales,
      lastSaleAt: r.summary.lastSaleAt,
    },
    bytes: r.bytes,
    destinations,
    error: null,
    ...(r.sourceDamage
      ? {
          sourceDamage: {
            detail: r.sourceDamage.detail,
            lastGoodAt: r.sourceDamage.lastGood?.time ?? null,
          },
        }
      : {}),
  };
}

export interface ResolvedPlaces {
  /** The plan with the places found, at the path where each is now. */
  readonly reachable: Job;
  readonly missing: DestinationOutcome[];
  /** The drive each removable place was found on. */
  readonly drives: ReadonlyMap<string, Drive>;
}

function skipped(
  d: Job['destinations'][number],
  code: ErrorCode,
  message: string,
): DestinationOutcome {
  return {
    destinationId: d.id,
    label: d.label,
    ok: false,
    newBytes: 0,
    code,
    message,
    removed: 0,
    verified: null,
  };
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1e6).toLocaleString('en')} MB`;
}

function samePath(a: string, b: string): boolean {
  return a.replace(/[\\/]+$/, '') === b.replace(/[\\/]+$/, '');
}
