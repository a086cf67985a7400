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
import type { AppEvents, Platform } from './platform.js';
import type { RunState } from './run-state.js';
import type { SecretStore } from './secrets.js';
import type { Job } from './settings.js';

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
      readonly events: AppEvents;
      readonly tempDir?: string;
      /** The drive list (a fake one in tests); default: the computer's. */
      readonly drives?: ListDrives;
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
      const { reachable, missing } = await this.resolvePlaces(job);
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
    this.deps.events.emit('backup:finished', record);
    this.deps.events.emit('status:changed', {});
    this.deps.platform.notifyRun(job, record);
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

function samePath(a: string, b: string): boolean {
  return a.replace(/[\\/]+$/, '') === b.replace(/[\\/]+$/, '');
}
