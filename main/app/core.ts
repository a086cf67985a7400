/**
 * Puts the app together from what a front end provides (three document files, the OS's secret
 * protection, the desktop around it): settings, run state, secrets, path grants, the runner and
 * the handlers of every channel.
 */
import { spaceAlerts, staleAlerts } from './alerts.js';
import { checkIdOf, runCheck } from './checks.js';
import type { AppCore } from './app-core.js';
import { createHandlers, type Handlers } from './handlers.js';
import { Notifier } from './notifier.js';
import { OwnerLock } from './owner-lock.js';
import { PathGrants } from './path-grants.js';
import type { AppEvents, Platform } from './platform.js';
import { RunState, type CheckRecord } from './run-state.js';
import { cloudFoldersHere, type CloudFolder } from '../engine/places/cloud-folders.js';
import { listSystemDrives, type Drive, type ListDrives } from '../engine/places/drives.js';
import type { EjectResult } from '../engine/places/eject.js';
import type { Actor } from '../engine/repository/audit.js';
import { Scheduler } from '../engine/schedule/scheduler.js';
import { Runner } from './runner.js';
import { ProtectedSecretStore, type Protector } from './secrets.js';
import { SettingsStore, type DocumentFile, type Job } from './settings.js';

export interface CoreParts {
  readonly files: { settings: DocumentFile; state: DocumentFile; secrets: DocumentFile };
  readonly protector: Protector | null;
  readonly platform: Platform;
  readonly events: AppEvents;
  readonly tempDir?: string;
  /** The drive list; a fake one in tests (there is no USB stick on CI). */
  readonly drives?: ListDrives;
  /** Free space of a place; a nearly full disk in tests. */
  readonly freeSpace?: (dir: string) => Promise<number | null>;
  /** Cloud folders and whether their clients run; fake ones in tests. */
  readonly cloudFolders?: () => Promise<CloudFolder[]>;
  /** Ejects a USB drive; in tests there is none to eject. */
  readonly eject?: (drive: Drive) => Promise<EjectResult>;
  /** The clock for status and alerts; a fake one in tests. */
  readonly now?: () => Date;
}

export interface AppCoreHandle {
  core: AppCore;
  handlers: Handlers;
  /**
   * Shows each new "no backup for too long" and "running out of room" alert once, returning
   * their keys; front ends call it now and then, and it runs after every backup.
   */
  checkAlerts(now?: Date): string[];
}

export function createAppCore(parts: CoreParts): AppCoreHandle {
  const settings = new SettingsStore(parts.files.settings);
  const state = new RunState(parts.files.state);
  const secrets = new ProtectedSecretStore(parts.files.secrets, parts.protector);
  const grants = new PathGrants();
  const drives = parts.drives ?? listSystemDrives;
  const cloudFolders = parts.cloudFolders ?? cloudFoldersHere;
  const now = parts.now ?? ((): Date => new Date());
  // The places of existing jobs were chosen by the owner before; the window may name them.
  for (const job of settings.read().jobs) {
    grants.grant(job.source);
    for (const d of job.destinations) grants.grant(d.path);
  }
  // After every run: free space was just measured, so a low-space alert may be due.
  const events: AppEvents = {
    emit(event, payload) {
      parts.events.emit(event, payload);
      if (event === 'backup:finished') checkAlerts();
    },
  };
  const notifier = new Notifier(settings, parts.platform);
  const runner = new Runner({
    state,
    secrets,
    platform: parts.platform,
    notifier,
    events,
    ...(parts.tempDir ? { tempDir: parts.tempDir } : {}),
    ...(parts.freeSpace ? { freeSpace: parts.freeSpace } : {}),
    ...(parts.eject ? { eject: parts.eject } : {}),
    drives,
    cloudFolders,
  });
  const scheduler = new Scheduler({
    // Each plan: its backups on its own schedule, and a weekly full check with a restore drill.
    jobs: () =>
      settings
        .read()
        .jobs.flatMap((j) => [
          j,
          { id: checkIdOf(j.id), schedule: j.checkSchedule, createdAt: j.createdAt },
        ]),
    memory: state,
    run: async (id) => {
      const checked = settings.read().jobs.find((j) => checkIdOf(j.id) === id);
      if (checked) {
        await checkNow(checked, 'schedule');
        return;
      }
      const jobId = id;
      const job = settings.read().jobs.find((j) => j.id === jobId);
      if (!job) return;
      // A backup started by hand at that moment already covers this time.
      if (runner.isRunning(jobId)) return;
      // Another plan of the same database is running: this one follows when it is done.
      await runner.idle(job.source);
      await runner.start(job, 'scheduled').done;
    },
  });
  async function checkNow(job: Job, actor: Actor): Promise<CheckRecord | null> {
    const record = await runner.exclusive(job, () =>
      runCheck(job, { runner, secrets, state }, actor),
    );
    if (record?.places.some((p) => p.ok === false)) notifier.check(job, record);
    parts.events.emit('status:changed', {});
    return record;
  }
  const core: AppCore = {
    settings,
    state,
    secrets,
    platform: parts.platform,
    events: parts.events,
    grants,
    runner,
    scheduler,
    drives,
    cloudFolders,
    checkNow,
    now,
    owner: new OwnerLock(settings, now),
  };
  const alerted = new Set<string>();
  function checkAlerts(at = now()): string[] {
    const jobs = settings.read().jobs;
    const states = new Map(jobs.map((j) => [j.id, state.get(j.id)]));
    const fresh: string[] = [];
    const once = (key: string, jobId: string, show: (job: Job) => void): void => {
      const job = jobs.find((j) => j.id === jobId);
      if (alerted.has(key) || !job) return;
      alerted.add(key);
      fresh.push(key);
      show(job);
    };
    for (const a of staleAlerts(jobs, states, at)) {
      once(a.key, a.jobId, (job) => notifier.stale(job, a.lastSuccessAt, at));
    }
    for (const a of spaceAlerts(jobs, states)) {
      once(a.key, a.jobId, (job) => notifier.space(job, a.label, a.outlook));
    }
    return fresh;
  }
  return { core, handlers: createHandlers(core), checkAlerts };
}
