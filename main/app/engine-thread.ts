/**
 * Runs engine operations on a worker thread, one worker per operation, so the Electron main
 * process (and the test host) keep answering while a 1 GiB backup runs.
 */
import type { ChangeThresholds } from '../engine/backup/anomaly.js';
import type { BackupOptions, BackupProgress, BackupResult } from '../engine/backup/backup.js';
import type { DemoShopOptions, DemoShopSummary } from '../engine/demo/demo-shop.js';
import { TillvaultError, ERROR_CODES, type ErrorCode } from '../engine/errors.js';
import type { SnapshotChanges } from '../engine/restore/changes.js';
import type { TypedTable } from '../engine/source/inspect.js';
import type { Actor } from '../engine/repository/audit.js';
import type { Credential } from '../engine/repository/config.js';
import { startWorker } from '../engine/fs/worker-thread.js';
import type { RestoreProgress } from '../engine/restore/restore.js';
import type { RestoreStep } from './restore-steps.js';

/** A backup from the app always says who started it: its clean-up and quick check are theirs. */
export type WorkerBackupOptions = Omit<BackupOptions, 'onProgress' | 'signal'> & { actor: Actor };

export type EngineJob =
  /** `maintain`: retention (its change guard at the plan's thresholds) and a quick check after. */
  | {
      op: 'backup';
      options: WorkerBackupOptions;
      maintain: false | { thresholds: ChangeThresholds };
    }
  | { op: 'describe'; file: string }
  | { op: 'demo'; file: string; options: DemoShopOptions }
  | { op: 'check'; destinations: string[]; credential: Credential; actor: Actor }
  | { op: 'repair'; dest: string; from: string; credential: Credential; actor: Actor }
  | { op: 'changes'; dest: string; credential: Credential; snapshot: string | null }
  | { op: 'restore'; step: RestoreStep };

/** A damaged place after a repair from another place of the same plan. */
export interface PlaceRepair {
  /** The full read after the repair found no damage left. */
  ok: boolean;
  chunksReplaced: number;
  unrepairable: string[];
}

/** The weekly check of one place: every byte read and decrypted, then a restore drill. */
export interface PlaceCheck {
  path: string;
  ok: boolean | null;
  damagedSnapshots: string[];
  restoreMs: number | null;
  error: { code: string; message: string } | null;
}

/** What retention and the quick check did in one place after a backup. */
export interface Maintenance {
  path: string;
  removed: number;
  verified: boolean | null;
  error: { code: string; message: string } | null;
}

export type WorkerMessage =
  | { type: 'progress'; progress: BackupProgress | RestoreProgress }
  | { type: 'done'; value: unknown }
  | { type: 'error'; code: string; message: string };

function runJob(
  job: EngineJob,
  onProgress?: (p: never) => void,
  signal?: AbortSignal,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(import.meta.url, 'engine-worker', job);
    const cancel = (): void => worker.postMessage({ type: 'cancel' });
    signal?.addEventListener('abort', cancel, { once: true });
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', cancel);
      // One worker per operation: it listens for "cancel", so it only ends when told to.
      void worker.terminate();
      fn();
    };
    worker.on('message', (m: WorkerMessage) => {
      // Each operation sends its own kind of progress, the one its caller listens for.
      if (m.type === 'progress') onProgress?.(m.progress as never);
      else if (m.type === 'done') settle(() => resolve(m.value));
      else {
        const code: ErrorCode = (ERROR_CODES as readonly string[]).includes(m.code)
          ? (m.code as ErrorCode)
          : 'INTERNAL';
        settle(() => reject(new TillvaultError(code, m.message)));
      }
    });
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) =>
      settle(() =>
        reject(new TillvaultError('INTERNAL', `The engine stopped unexpectedly (exit ${code}).`)),
      ),
    );
  });
}

/** A backup, then (with `maintain`) retention and a quick check in every place it reached. */
export function backupInWorker(
  options: WorkerBackupOptions,
  onProgress: (p: BackupProgress) => void,
  signal: AbortSignal,
  maintain: false | { thresholds: ChangeThresholds } = false,
): Promise<{ result: BackupResult; maintenance: Maintenance[] }> {
  return runJob({ op: 'backup', options, maintain }, onProgress, signal) as Promise<{
    result: BackupResult;
    maintenance: Maintenance[];
  }>;
}

export function describeInWorker(file: string): Promise<{ tables: TypedTable[]; bytes: number }> {
  return runJob({ op: 'describe', file }) as Promise<{ tables: TypedTable[]; bytes: number }>;
}

export function checkInWorker(
  destinations: string[],
  credential: Credential,
  actor: Actor,
): Promise<PlaceCheck[]> {
  return runJob({ op: 'check', destinations, credential, actor }) as Promise<PlaceCheck[]>;
}

export function repairInWorker(
  dest: string,
  from: string,
  credential: Credential,
  actor: Actor,
): Promise<PlaceRepair> {
  return runJob({ op: 'repair', dest, from, credential, actor }) as Promise<PlaceRepair>;
}

/** What each backup changed since the one before it; rebuilds backups, so off this thread. */
export function changesInWorker(
  dest: string,
  credential: Credential,
  snapshot: string | null,
): Promise<SnapshotChanges[]> {
  return runJob({ op: 'changes', dest, credential, snapshot }) as Promise<SnapshotChanges[]>;
}

export function demoShopInWorker(file: string, options: DemoShopOptions): Promise<DemoShopSummary> {
  return runJob({ op: 'demo', file, options }) as Promise<DemoShopSummary>;
}

/** One step of the restore wizard (restore-steps.ts); `T` is what that step returns. */
export function restoreStepInWorker<T>(
  step: RestoreStep,
  onProgress?: (p: RestoreProgress) => void,
): Promise<T> {
  return runJob({ op: 'restore', step }, onProgress) as Promise<T>;
}
