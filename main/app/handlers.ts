/**
 * What each channel of the contract does, over the real engine. The same handlers serve the
 * Electron window and the test host; requests arrive here already validated (see dispatch.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { prepareDestinations } from '../engine/places/destinations.js';
import { driveOf } from '../engine/places/drives.js';
import { TillvaultError } from '../engine/errors.js';
import { isValidCron } from '../engine/schedule/schedule.js';
import { inspectDestination } from '../engine/repository/repository.js';
import { APP_VERSION } from '../engine/version.js';
import type { Channel, Request, Response, SettingsView } from '../ipc/contract.js';
import { AppFailure } from '../ipc/errors.js';
import type { AppCore } from './app-core.js';
import { findCandidates, defaultCandidateRoots } from './candidates.js';
import { demoShopInWorker, describeInWorker } from './engine-thread.js';
import { resolveLanguage } from './messages.js';
import { DEFAULT_CHECK_SCHEDULE, type Job, type Settings } from './settings.js';
import { addStick, repairPlace, setEjectWhenDone } from './places.js';
import { freeBytesAt } from './space.js';
import { computeStatus } from './status.js';
import { createPassphraseHandlers } from './passphrase-handlers.js';
import { createRecoveryKeyHandlers } from './recovery-key-handlers.js';
import { planCredential } from './plan-credential.js';
import { jobView } from './job-view.js';
import { findJob, placesOf } from './plan-places.js';
import { createOwnerHandlers } from './owner-handlers.js';
import { createRecoverHandlers } from './recover-handlers.js';
import { createRestoreHandlers } from './restore-handlers.js';
import { createAuditHandlers } from './audit-handlers.js';
import { createRecoverySheetHandlers } from './recovery-sheet-handlers.js';
import {
  changingPlan,
  recordPlanChanged,
  recordPlanCreated,
  recordPlanRemoved,
  recordSettingsChanged,
} from './audit-writer.js';

export type Handlers = { [C in Channel]: (request: Request<C>) => Promise<Response<C>> };

/** "Use the demo shop": big enough to look real, quick to create, with search indexes as real POS software has. */
export const DEMO_SHOP = { members: 1200, days: 120, searchIndexes: true };
/** A chosen folder that already holds other files gets this subfolder for the backups. */
export const BACKUP_FOLDER_NAME = 'Tillvault Backups';

function settingsView(core: AppCore, s: Settings): SettingsView {
  return {
    language: s.language,
    systemLanguage: resolveLanguage(core.platform.preferredLanguages()),
    startAtLogin: s.startAtLogin,
    notifications: s.notifications,
    jobs: s.jobs.map(jobView),
  };
}

/** A chosen folder holding unrelated files gets a subfolder; backups never mix with them. */
async function placeFor(chosen: string): Promise<string> {
  const state = await inspectDestination(chosen);
  return state === 'foreign' ? path.join(chosen, BACKUP_FOLDER_NAME) : chosen;
}

/** The place itself, or its closest parent that exists (a new folder is made on first backup). */
async function nearestExisting(p: string): Promise<string | null> {
  for (let at = p; ; at = path.dirname(at)) {
    if (await fs.stat(at).catch(() => null)) return at;
    if (path.dirname(at) === at) return null;
  }
}

const newId = (): string => crypto.randomBytes(6).toString('hex');

export function createHandlers(core: AppCore): Handlers {
  const { settings, platform, grants } = core;
  const demoFile = path.join(platform.dataDir, 'demo', 'shop.db');

  return {
    'app:info': async () => ({
      version: APP_VERSION,
      platform: process.platform,
      demoShop: (await fs.stat(demoFile).catch(() => null)) !== null,
    }),

    'status:get': async () => {
      const jobs = settings.read().jobs;
      const states = new Map(jobs.map((j) => [j.id, core.state.get(j.id)]));
      const next =
        core.scheduler.upcoming(20).find((u) => jobs.some((j) => j.id === u.jobId))?.at ?? null;
      const status = computeStatus(
        jobs,
        states,
        core.runner.current(),
        core.now(),
        next,
        (job) => ({
          passphraseKept: planCredential(core.secrets, job) !== null,
        }),
      );
      return { ...status, passphrases: core.secrets.protection };
    },

    'settings:get': async () => settingsView(core, settings.read()),

    'settings:update': async (req) => {
      const before = settings.read();
      const next = settings.update((s) => ({
        ...s,
        ...(req.language !== undefined ? { language: req.language } : {}),
        ...(req.startAtLogin !== undefined ? { startAtLogin: req.startAtLogin } : {}),
        ...(req.notifications !== undefined ? { notifications: req.notifications } : {}),
      }));
      if (req.startAtLogin !== undefined) platform.setStartAtLogin(req.startAtLogin);
      recordSettingsChanged(core, before, next);
      return settingsView(core, next);
    },

    'dialog:pick-database': async () => {
      const picked = await platform.pickDatabase();
      return { path: picked ? grants.grant(picked) : null };
    },

    'dialog:pick-folder': async () => {
      const picked = await platform.pickFolder();
      return { path: picked ? grants.grant(picked) : null };
    },

    'dialog:save-database': async (req) => {
      // Only a file name is suggested: the window never names a folder.
      const picked = await platform.pickSaveFile(path.basename(req.name));
      return { path: picked ? grants.grant(picked) : null };
    },

    'shell:show-in-folder': async (req) => {
      platform.showInFolder(grants.check(req.path));
      return {};
    },

    'setup:candidates': async () => {
      const roots = defaultCandidateRoots({
        platform: process.platform,
        home: path.dirname(platform.documentsDir),
        env: process.env,
      });
      const found = await findCandidates({ roots, signal: AbortSignal.timeout(15_000) });
      return {
        candidates: found.map((c) => ({
          path: grants.grant(c.path),
          name: c.name,
          bytes: c.bytes,
          modified: c.modified,
          reasons: c.reasons,
        })),
      };
    },

    'setup:demo-shop': async () => {
      if (!(await fs.stat(demoFile).catch(() => null))) {
        await fs.mkdir(path.dirname(demoFile), { recursive: true });
        await demoShopInWorker(demoFile, DEMO_SHOP);
      }
      return { path: grants.grant(demoFile) };
    },

    'setup:describe-source': async (req) => {
      const { tables, bytes } = await describeInWorker(grants.check(req.path));
      return {
        bytes,
        tables: tables.map((t) => ({
          table: t.table,
          type: t.type,
          rows: t.rows,
          bytes: t.bytes,
          why: t.why,
        })),
      };
    },

    'setup:suggest-places': async () => {
      const folder = path.join(platform.documentsDir, BACKUP_FOLDER_NAME);
      const drives = await core.drives().catch(() => []);
      return {
        places: [
          {
            kind: 'folder' as const,
            label: path.basename(platform.documentsDir),
            path: grants.grant(folder),
            freeBytes: await freeBytesAt(folder),
          },
          // Sync folders of the cloud clients installed here; backups go in a folder of their own.
          ...(await core.cloudFolders().catch(() => [])).map((c) => ({
            kind: 'cloud' as const,
            label: c.name,
            path: grants.grant(path.join(c.path, BACKUP_FOLDER_NAME)),
            clientRunning: c.clientRunning,
            freeBytes: null,
          })),
          // USB sticks and other removable drives, found again later by the backups' own id.
          ...drives
            .filter((d) => d.removable)
            .map((d) => ({
              kind: 'removable' as const,
              label: d.label,
              path: grants.grant(d.mount),
              freeBytes: d.freeBytes,
            })),
        ],
      };
    },

    'setup:check-places': async (req) => {
      const source = await fs.stat(grants.check(req.source));
      return {
        places: await Promise.all(
          req.places.map(async (p) => {
            const place = grants.check(p);
            const existing = await nearestExisting(place);
            const stat = existing ? await fs.stat(existing) : null;
            return {
              path: place,
              sameDiskAsSource: stat !== null && stat.dev === source.dev,
              freeBytes: await freeBytesAt(place),
            };
          }),
        ),
      };
    },

    'jobs:create': async (req) => {
      const source = grants.check(req.source);
      const destinations: Job['destinations'] = await Promise.all(
        req.destinations.map(async (d) => ({
          id: newId(),
          kind: d.kind,
          label: d.label || path.basename(d.path) || d.path,
          path: await placeFor(grants.check(d.path)),
        })),
      );
      // Making the repositories now gives the recovery key before the first backup runs.
      const prepared = await prepareDestinations(
        destinations.map((d) => d.path),
        { kind: 'passphrase', value: req.passphrase },
        'setup',
      );
      for (const d of prepared.open) await d.lock.release();
      // A removable place is remembered by its repository's id and its folder on the drive.
      const drives = destinations.some((d) => d.kind === 'removable')
        ? await core.drives().catch(() => [])
        : [];
      for (const d of destinations) {
        if (d.kind !== 'removable') continue;
        const opened = prepared.open.find((o) => path.resolve(o.path) === path.resolve(d.path));
        const drive = driveOf(drives, d.path);
        if (opened && drive) {
          Object.assign(d, {
            repositoryId: opened.repo.id,
            within: path.relative(drive.mount, d.path),
            label: d.label || drive.label,
            sticks: [{ device: drive.device, label: drive.label }],
          });
        }
      }
      if (prepared.open.length === 0) {
        // Say why (wrong passphrase for existing backups, drive gone, no permission...).
        const first = prepared.failed[0];
        throw first
          ? new TillvaultError(first.code, first.message)
          : new AppFailure('INVALID_REQUEST', 'None of the chosen places can hold backups.');
      }
      const job: Job = {
        id: newId(),
        name: req.name,
        source,
        types: req.types,
        typeOverrides: req.typeOverrides ?? {},
        destinations,
        schedule: { preset: 'manual' },
        checkSchedule: DEFAULT_CHECK_SCHEDULE,
        createdAt: new Date().toISOString(),
      };
      core.secrets.set(job.id, req.passphrase);
      settings.update((s) => ({ ...s, jobs: [...s.jobs, job] }));
      recordPlanCreated(core, job);
      void core.scheduler.reload();
      core.events.emit('status:changed', {});
      const labelOf = new Map(destinations.map((d) => [path.resolve(d.path), d.label]));
      return {
        job: jobView(job),
        recoveryKey: prepared.recoveryKey,
        skipped: prepared.failed.map((f) => ({
          label: labelOf.get(path.resolve(f.path)) ?? path.basename(f.path),
          code: f.code,
          message: f.message,
        })),
      };
    },

    'jobs:update': async (req) => {
      const before = findJob(core, req.jobId);
      for (const schedule of [req.schedule, req.checkSchedule]) {
        if (schedule?.preset === 'custom' && !isValidCron(schedule.cron)) {
          throw new TillvaultError(
            'BAD_INPUT',
            `"${schedule.cron}" is not a cron expression (minute hour day month weekday).`,
          );
        }
      }
      const next = settings.update((s) => ({
        ...s,
        jobs: s.jobs.map((j) =>
          j.id !== req.jobId
            ? j
            : {
                ...j,
                ...(req.name !== undefined ? { name: req.name } : {}),
                ...(req.types !== undefined ? { types: req.types } : {}),
                ...(req.typeOverrides !== undefined ? { typeOverrides: req.typeOverrides } : {}),
                ...(req.schedule !== undefined ? { schedule: req.schedule } : {}),
                ...(req.checkSchedule !== undefined ? { checkSchedule: req.checkSchedule } : {}),
                ...(req.changeAlarm !== undefined ? { changeAlarm: req.changeAlarm } : {}),
              },
        ),
      }));
      void core.scheduler.reload();
      core.events.emit('status:changed', {});
      const after = next.jobs.find((j) => j.id === req.jobId)!;
      recordPlanChanged(core, before, after);
      return jobView(after);
    },

    'jobs:remove': async (req) => {
      if (core.runner.isRunning(req.jobId)) {
        throw new AppFailure('BUSY', 'Wait for the running backup to finish first.');
      }
      let removed = false;
      const gone = settings.read().jobs.find((j) => j.id === req.jobId);
      settings.update((s) => {
        const jobs = s.jobs.filter((j) => j.id !== req.jobId);
        removed = jobs.length !== s.jobs.length;
        return { ...s, jobs };
      });
      // Before its passphrase is forgotten: the entry is sealed with it in its places.
      if (removed && gone) recordPlanRemoved(core, gone);
      // The backups themselves stay where they are: removing a job never deletes data.
      core.secrets.delete(req.jobId);
      core.state.forget(req.jobId);
      void core.scheduler.reload();
      core.events.emit('status:changed', {});
      return { removed };
    },

    'places:add-stick': async (req) =>
      jobView(
        await changingPlan(core, req.jobId, () =>
          addStick(core, {
            jobId: req.jobId,
            destinationId: req.destinationId,
            mount: grants.check(req.path),
          }),
        ),
      ),

    'places:update': async (req) =>
      jobView(await changingPlan(core, req.jobId, () => setEjectWhenDone(core, req))),

    'places:repair': async (req) => repairPlace(core, req),

    'check:run': async (req) => {
      const record = await core.checkNow(findJob(core, req.jobId), core.owner.actor());
      if (!record) {
        throw new TillvaultError('PASSPHRASE_REQUIRED', 'The passphrase is not stored here.');
      }
      return record;
    },

    'backup:run': async (req) => {
      const { runId } = core.runner.start(findJob(core, req.jobId), 'manual', core.owner.actor());
      return { runId };
    },

    'backup:cancel': async (req) => ({ cancelled: core.runner.cancel(req.runId) }),

    'history:list': async (req) => ({ places: await placesOf(core, req.jobId) }),

    ...createRestoreHandlers(core),
    ...createAuditHandlers(core),
    ...createRecoverySheetHandlers(core),
    ...createOwnerHandlers(core),
    ...createPassphraseHandlers(core),
    ...createRecoveryKeyHandlers(core),
    ...createRecoverHandlers(core, BACKUP_FOLDER_NAME),
  };
}
