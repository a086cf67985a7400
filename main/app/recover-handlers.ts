/**
 * A new or repaired computer with the backup stick plugged in: find the backups by themselves,
 * open them with the passphrase or the printed recovery key, put the database back where the
 * owner says, and make the found backups a plan again, so that the chain of backups goes on.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TillvaultError } from '../engine/errors.js';
import { driveOf } from '../engine/places/drives.js';
import { findRepositories, type FoundRepository } from '../engine/places/find.js';
import type { Credential } from '../engine/repository/config.js';
import { changePassphrase } from '../engine/repository/passphrase.js';
import { listSnapshots, type SnapshotListing } from '../engine/source/inspect.js';
import type { DestinationView, Request, Response } from '../ipc/contract.js';
import { AppFailure } from '../ipc/errors.js';
import type { AppCore } from './app-core.js';
import { describeInWorker, restoreStepInWorker } from './engine-thread.js';
import { snapshotView } from './plan-places.js';
import { mergeRestorePoints } from './restore-points.js';
import { restoreProgressTo } from './restore-progress.js';
import type { ToFileOutcome } from './restore-steps.js';
import { DEFAULT_CHECK_SCHEDULE, type Job } from './settings.js';

type RecoverChannel = 'recover:find' | 'recover:unlock' | 'recover:restore' | 'recover:adopt';

export type RecoverHandlers = {
  [C in RecoverChannel]: (request: Request<C>) => Promise<Response<C>>;
};

type Where = Response<'recover:find'>['found'][number]['where'];

interface Found extends FoundRepository {
  where: Where;
}

interface Recovery {
  found: Found;
  credential: Credential;
  listing: SnapshotListing;
  /** Other copies of the same repository found with it. */
  others: Found[];
  /** The backup put back on this computer: the plan goes on from what it holds. */
  restored: string | null;
}

/** The file endings a shop database has; a recorded path ending otherwise is not offered. */
const DATABASE_NAME = /\.(db|sqlite|sqlite3|db3|s3db)$/i;

const newId = (): string => crypto.randomBytes(6).toString('hex');

export function createRecoverHandlers(core: AppCore, backupFolderName: string): RecoverHandlers {
  const { grants, platform } = core;
  /** Everything found since the window opened, by path: a second search adds to the first. */
  const known = new Map<string, Found>();
  const recoveries = new Map<string, Recovery>();

  async function whereOf(dir: string): Promise<Where> {
    const drive = driveOf(await core.drives().catch(() => []), dir);
    if (drive?.removable) return { kind: 'removable', label: drive.label };
    const cloud = (await core.cloudFolders().catch(() => [])).find(
      (c) => dir === c.path || dir.startsWith(c.path + path.sep),
    );
    if (cloud) return { kind: 'cloud', label: cloud.name };
    return { kind: 'folder', label: path.basename(path.dirname(dir)) || dir };
  }

  /** Removable drives, cloud folders and the usual backup folder in Documents. */
  async function defaultRoots(): Promise<string[]> {
    const drives = (await core.drives().catch(() => [])).filter((d) => d.removable);
    const clouds = await core.cloudFolders().catch(() => []);
    return [
      ...drives.map((d) => d.mount),
      ...clouds.map((c) => c.path),
      path.join(platform.documentsDir, backupFolderName),
    ];
  }

  function recovery(id: string): Recovery {
    const r = recoveries.get(id);
    if (!r) throw new AppFailure('NOT_FOUND', 'Open the backups again.');
    return r;
  }

  /** Where the database was, if that folder is here and free, granted to offer it. */
  async function suggestedPath(listing: SnapshotListing): Promise<string | null> {
    const recorded = listing.snapshots.at(-1)?.source;
    if (!recorded || !path.isAbsolute(recorded) || !DATABASE_NAME.test(recorded)) return null;
    const folder = await fs.stat(path.dirname(recorded)).catch(() => null);
    const taken = await fs.stat(recorded).catch(() => null);
    return folder?.isDirectory() && !taken ? grants.grant(path.resolve(recorded)) : null;
  }

  /** The found places as a plan's places; a stick is remembered by the backups' id on it. */
  async function placesFor(r: Recovery): Promise<Job['destinations']> {
    const drives = await core.drives().catch(() => []);
    return [r.found, ...r.others].map((f) => {
      const d: Job['destinations'][number] = {
        id: newId(),
        kind: f.where.kind,
        label: f.where.label,
        path: f.path,
      };
      const drive = f.where.kind === 'removable' ? driveOf(drives, f.path) : null;
      if (drive) {
        Object.assign(d, {
          repositoryId: f.repositoryId,
          within: path.relative(drive.mount, f.path),
          sticks: [{ device: drive.device, label: drive.label }],
        });
      }
      return d;
    });
  }

  return {
    'recover:find': async (req) => {
      const roots =
        req.roots.length > 0 ? req.roots.map((r) => grants.check(r)) : await defaultRoots();
      const found = await findRepositories(roots);
      const these = await Promise.all(
        found.map(async (f) => ({ ...f, where: await whereOf(f.path) })),
      );
      for (const f of these) known.set(f.path, f);
      return {
        found: these.map((f) => ({
          path: grants.grant(f.path),
          repositoryId: f.repositoryId,
          encrypted: f.encrypted,
          backups: f.backups,
          newestAt: f.newestAt,
          where: f.where,
        })),
      };
    },

    'recover:unlock': async (req) => {
      const dir = grants.check(req.path);
      const found = known.get(dir);
      if (!found) throw new AppFailure('NOT_FOUND', 'Look for the backups again.');
      const credential: Credential =
        req.secret.kind === 'passphrase'
          ? { kind: 'passphrase', value: req.secret.value }
          : { kind: 'recovery-key', value: req.secret.value };
      // A wrong passphrase or key is WRONG_PASSPHRASE here; nothing counts it as damage.
      const listing = await listSnapshots(dir, credential);
      const others = [...known.values()].filter(
        (f) => f.repositoryId === found.repositoryId && f.path !== dir,
      );
      const recoveryId = newId();
      recoveries.set(recoveryId, { found, credential, listing, others, restored: null });
      const { points } = mergeRestorePoints([
        {
          destinationId: 'found',
          label: found.where.label,
          path: dir,
          error: null,
          snapshots: listing.snapshots.map(snapshotView),
        },
      ]);
      const newest = listing.snapshots.at(-1);
      return {
        recoveryId,
        sourceName: newest ? path.basename(newest.source) : '',
        suggestedPath: await suggestedPath(listing),
        points,
        otherPlaces: others.map((o) => ({ path: o.path, label: o.where.label })),
      };
    },

    'recover:restore': async (req) => {
      const r = recovery(req.recoveryId);
      const to = grants.check(req.to);
      if (!r.listing.snapshots.some((s) => s.id === req.snapshotId)) {
        throw new AppFailure('NOT_FOUND', 'This backup is not among the ones found.');
      }
      const outcome = await restoreStepInWorker<ToFileOutcome>(
        {
          step: 'to-file',
          dest: r.found.path,
          credential: r.credential,
          snapshotId: req.snapshotId,
          file: to,
        },
        restoreProgressTo(core, req.recoveryId),
      );
      r.restored = req.snapshotId;
      return { file: grants.grant(outcome.file), bytes: outcome.bytes, checks: outcome.checks };
    },

    'recover:adopt': async (req) => {
      const r = recovery(req.recoveryId);
      const database = grants.check(req.database);
      if (r.credential.kind === 'recovery-key' && !req.passphrase) {
        throw new TillvaultError(
          'BAD_INPUT',
          'Opened with the recovery key: choose a new passphrase for the backups to go on.',
        );
      }
      const passphrase =
        req.passphrase ?? (r.credential.kind === 'passphrase' ? r.credential.value : '');
      if (passphrase !== (r.credential.kind === 'passphrase' ? r.credential.value : null)) {
        // Every copy gets it, or none: a plan's places must open with one passphrase.
        await changePassphrase(
          [r.found.path, ...r.others.map((o) => o.path)],
          r.credential,
          passphrase,
        );
      }
      // What the plan backs up: what the backup put back held, else the newest whole backup.
      const newest =
        r.listing.snapshots.find((x) => x.id === r.restored) ??
        r.listing.snapshots.findLast((x) => x.complete) ??
        r.listing.snapshots.at(-1);
      if (!newest) throw new AppFailure('NOT_FOUND', 'These backups hold no backup yet.');
      // The tables keep the data types the backups gave them, also where the guess here differs.
      const here = new Map((await describeInWorker(database)).tables.map((t) => [t.table, t.type]));
      const typeOverrides = Object.fromEntries(
        newest.tables.filter((t) => here.get(t.name) !== t.type).map((t) => [t.name, t.type]),
      );
      const job: Job = {
        id: newId(),
        name: req.name,
        source: database,
        types: newest.types,
        typeOverrides,
        destinations: await placesFor(r),
        schedule: req.schedule,
        checkSchedule: DEFAULT_CHECK_SCHEDULE,
        createdAt: new Date().toISOString(),
      };
      core.secrets.set(job.id, passphrase);
      core.settings.update((s) => ({ ...s, jobs: [...s.jobs, job] }));
      for (const d of job.destinations) grants.grant(d.path);
      recoveries.delete(req.recoveryId);
      void core.scheduler.reload();
      core.events.emit('status:changed', {});
      const view: { destinations: DestinationView[] } & Job = {
        ...job,
        destinations: job.destinations.map((d) => ({ ...d })),
      };
      return { job: view };
    },
  };
}
