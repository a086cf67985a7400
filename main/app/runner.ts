/**
 * Runs a job's backup on the engine thread and tells the window how it goes: one run per job
 * at a time, progress with bytes and ETA, the result kept for Home, a notification at the end,
 * and the computer kept awake meanwhile.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import type { BackupProgress, BackupResult } from '../engine/backup.js';
import { listSystemDrives, locateRepository, type ListDrives } from '../engine/drives.js';
import { TillvaultError, toTillvaultError } from '../engine/errors.js';
import type { Trigger } from '../engine/manifest.js';
import type { DestinationOutcome, RunProgress, RunRecord } from '../ipc/contract.js';
import { AppFailure } from '../ipc/errors.js';
import { backupInWorker } from './engine-thread.js';
import type { Notifier } from './notifier.js';
import type { AppEvents, Platform } from './platform.js';
import type { RunState } from './run-state.js';
import type { SecretStore } from './secrets.js';
import type { Job } from './settings.js';
import { expectedBytes, freeBytesAt, nextSpace } from './space.js';

/** Share of the run each engine phase stands for, for one honest progress bar. */
const PHASES = { snapshot: [0, 0.35], store: [0.35, 0.97], finish: [0.97, 1] } as const;

export function newRunId(): string {
  return crypto.randomBytes(8).toString('hex');
}

interface ActiveRun {
  readonly abort: AbortController;
  progress: RunProgress;
}

export class Runner {
  private readonly active = new Map<string, ActiveRun>();

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

  /** Starts a run and returns its id at once; the outcome arrives as `backup:finished`. */
  start(job: Job, trigger: Trigger): { runId: string; done: Promise<RunRecord> } {
    if (this.isRunning(job.id)) {
      throw new AppFailure('BUSY', `A backup of "${job.name}" is already running.`);
    }
    const passphrase = this.deps.secrets.get(job.id);
    if (!passphrase) {
      throw new TillvaultError(
        'PASSPHRASE_REQUIRED',
        `The passphrase of "${job.name}" is not stored on this computer.`,
      );
    }
    const runId = newRunId();
    const run: ActiveRun = {
      abort: new AbortController(),
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
    const done = this.execute(job, trigger, passphrase, run);
    return { runId, done };
  }

  /**
   * Where each place is for this run. A removable one is looked up by its repository's id on
   * the drives connected now; when no drive holds it, it is skipped and nothing is written to
   * its old path (which may be an empty mount point on the system disk).
   */
  async resolvePlaces(job: Job): Promise<{ reachable: Job; missing: DestinationOutcome[] }> {
    const removable = job.destinations.filter((d) => d.kind === 'removable' && d.repositoryId);
    const drives = removable.length > 0 ? await (this.deps.drives ?? listSystemDrives)() : [];
    const missing: DestinationOutcome[] = [];
    const destinations: Job['destinations'] = [];
    for (const d of job.destinations) {
      if (d.kind !== 'removable' || !d.repositoryId) {
        destinations.push(d);
        continue;
      }
      const found = await locateRepository(drives, d.repositoryId, d.within ?? '');
      if (found) destinations.push({ ...d, path: found.path });
      else {
        missing.push({
          destinationId: d.id,
          label: d.label,
          ok: false,
          newBytes: 0,
          code: 'DEST_MISSING',
          message: `USB drive "${d.label}" is not connected.`,
          removed: 0,
          verified: null,
        });
      }
    }
    return { reachable: { ...job, destinations }, missing };
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
      full.push({
        destinationId: d.id,
        label: d.label,
        ok: false,
        newBytes: 0,
        code: 'DEST_FULL',
        message: `"${d.label}" has ${mb(free)} free; this backup needs about ${mb(needed)}.`,
        removed: 0,
        verified: null,
      });
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

  private async execute(
    job: Job,
    trigger: Trigger,
    passphrase: string,
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
          credential: { kind: 'passphrase', value: passphrase },
          types: job.types,
          typeOverrides: job.typeOverrides,
          trigger,
          ...(this.deps.tempDir ? { tempDir: this.deps.tempDir } : {}),
        },
        onProgress,
        run.abort.signal,
        // Retention and a quick check after every run; a damaged place turns Home red.
        true,
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
      await this.measureSpace(job, located.reachable, record);
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
    this.deps.notifier.run(job, record);
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
    const got = byPath.get(d.path) ?? [...byPath.values()].find((x) => samePath(x.path, d.path));
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
    summary: r.summary,
    bytes: r.bytes,
    destinations,
    error: null,
  };
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1e6).toLocaleString('en')} MB`;
}

function samePath(a: string, b: string): boolean {
  return a.replace(/[\\/]+$/, '') === b.replace(/[\\/]+$/, '');
}
