/**
 * A new or repaired computer with the backup stick plugged in: find the backups by themselves,
 * open them with the passphrase or the printed recovery key (or nothing, when they are not
 * encrypted), put the database back where the owner says, and make the found backups a plan
 * again, so that the chain of backups goes on. An opened recovery holds its secret in memory
 * only, and only until it is adopted or left idle.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TillvaultError } from '../engine/errors.js';
import { driveOf } from '../engine/places/drives.js';
import { findRepositories, type FoundRepository } from '../engine/places/find.js';
import type { Credential } from '../engine/repository/config.js';
import { changePassphrase } from '../engine/repository/passphrase.js';
import { Repository } from '../engine/repository/repository.js';
import { checkSameDatabase } from '../engine/restore/checks.js';
import { findSnapshot } from '../engine/restore/restore.js';
import { listSnapshots, type SnapshotListing, type TypedTable } from '../engine/source/inspect.js';
import { readingDatabase } from '../engine/source/live-sidecars.js';
import type { Request, Response } from '../ipc/contract.js';
import { AppFailure } from '../ipc/errors.js';
import type { AppCore } from './app-core.js';
import { describeInWorker, restoreStepInWorker } from './engine-thread.js';
import { recordPlanCreated } from './audit-writer.js';
import { jobView } from './job-view.js';
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
  /** What opens the backups now: after a passphrase change, the new passphrase. */
  credential: Credential;
  listing: SnapshotListing;
  /** Other copies of the same repository found with it. */
  others: Found[];
  /** The backup put back on this computer: the plan goes on from what it holds. */
  restored: string | null;
  /** Steps running now: a recovery is never dropped under one. */
  busy: number;
  /** Stops the idle timer; null while a step runs. */
  cancelIdle: (() => void) | null;
}

type Snapshot = SnapshotListing['snapshots'][number];

export interface RecoverOptions {
  /** How long an opened recovery (and the secret it holds) stays without a step. */
  idleMs?: number;
  /** Starts a timer and returns what stops it; a hand-driven one in tests. */
  setTimer?: (fire: () => void, ms: number) => () => void;
}

const IDLE_MS = 30 * 60 * 1000;

/** A timer that never keeps the app (or the CLI) running by itself. */
function unrefTimer(fire: () => void, ms: number): () => void {
  const timer = setTimeout(fire, ms);
  timer.unref();
  return () => clearTimeout(timer);
}

/** The file endings a shop database has; a recorded path ending otherwise is not offered. */
const DATABASE_NAME = /\.(db|sqlite|sqlite3|db3|s3db)$/i;

const newId = (): string => crypto.randomBytes(6).toString('hex');

/** What the unlock gave: a secret, or none for backups that say they are not encrypted. */
function credentialFor(found: Found, secret: Request<'recover:unlock'>['secret']): Credential {
  if (!secret) {
    if (found.encrypted) {
      throw new TillvaultError(
        'PASSPHRASE_REQUIRED',
        'These backups are encrypted: give the passphrase or the recovery key.',
      );
    }
    return { kind: 'none' };
  }
  // A secret for backups that say they are not encrypted: the engine refuses that place as
  // tampered with (encryption switched off), as it should.
  return secret.kind === 'passphrase'
    ? { kind: 'passphrase', value: secret.value }
    : { kind: 'recovery-key', value: secret.value };
}

/**
 * The passphrase the plan backs up with: a new one when given (needed after the recovery key),
 * else the one the backups were opened with; null for backups that are not encrypted.
 */
function planPassphrase(r: Recovery, given: string | null): string | null {
  const { credential } = r;
  if (credential.kind === 'none') {
    if (given !== null) {
      throw new TillvaultError(
        'BAD_INPUT',
        'These backups are not encrypted: there is no passphrase to set. They stay unencrypted.',
      );
    }
    return null;
  }
  if (given !== null) return given;
  if (credential.kind === 'recovery-key') {
    throw new TillvaultError(
      'BAD_INPUT',
      'Opened with the recovery key: choose a new passphrase for the backups to go on.',
    );
  }
  return credential.value;
}

/** What the plan backs up: what the backup put back held, else the newest whole backup. */
function basisOf(r: Recovery): Snapshot {
  const basis =
    r.listing.snapshots.find((x) => x.id === r.restored) ??
    r.listing.snapshots.findLast((x) => x.complete) ??
    r.listing.snapshots.at(-1);
  if (!basis) throw new AppFailure('NOT_FOUND', 'These backups hold no backup yet.');
  return basis;
}

/**
 * Refuses a database that is not the one these backups are of, before anything changes. The
 * backup just put back is that database; a database picked on this computer must share the
 * backup's tables (the engine's check before a restore into a database). An empty one is not
 * the shop's: its backups would go on from nothing.
 */
async function requireSameShop(
  r: Recovery,
  basis: Snapshot,
  database: string,
  here: readonly TypedTable[],
): Promise<void> {
  const name = path.basename(database);
  const refused = (why: string, cause?: unknown): TillvaultError =>
    new TillvaultError(
      'BAD_INPUT',
      `${name} ${why}, so nothing was changed. Put the backup back as a new file, or choose the shop's own database.`,
      { cause },
    );
  if (here.length === 0 && basis.tables.length > 0) {
    throw refused('holds no tables: it is not the database these backups are of');
  }
  const repo = await Repository.open(r.found.path, r.credential);
  const m = await findSnapshot(repo, basis.id);
  try {
    readingDatabase(database, (db) => checkSameDatabase(db, m, database, r.found.path));
  } catch (err) {
    if (!(err instanceof TillvaultError) || err.code !== 'BAD_INPUT') throw err;
    throw refused(`does not look like the database these backups are of (${m.source.name})`, err);
  }
}

export function createRecoverHandlers(
  core: AppCore,
  backupFolderName: string,
  options: RecoverOptions = {},
): RecoverHandlers {
  const { grants, platform } = core;
  const idleMs = options.idleMs ?? IDLE_MS;
  const setTimer = options.setTimer ?? unrefTimer;
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

  function drop(id: string): void {
    recoveries.get(id)?.cancelIdle?.();
    recoveries.delete(id);
  }

  /** Forgets the recovery (and its secret) once it has been left alone for `idleMs`. */
  function armIdle(id: string, r: Recovery): void {
    r.cancelIdle?.();
    r.cancelIdle = setTimer(() => {
      if (r.busy === 0 && recoveries.get(id) === r) recoveries.delete(id);
    }, idleMs);
  }

  /** Runs a step of an opened recovery: it stays while the step runs, and idles after. */
  async function using<T>(id: string, step: (r: Recovery) => Promise<T>): Promise<T> {
    const r = recoveries.get(id);
    if (!r) throw new AppFailure('NOT_FOUND', 'Open the backups again.');
    r.busy++;
    r.cancelIdle?.();
    r.cancelIdle = null;
    try {
      return await step(r);
    } finally {
      r.busy--;
      if (r.busy === 0 && recoveries.get(id) === r) armIdle(id, r);
    }
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
      const credential = credentialFor(found, req.secret);
      // A wrong passphrase or key is WRONG_PASSPHRASE here; nothing counts it as damage.
      const listing = await listSnapshots(dir, credential);
      const others = [...known.values()].filter(
        (f) => f.repositoryId === found.repositoryId && f.path !== dir,
      );
      // Opened again: the earlier openings of these backups are done with, and their secrets.
      for (const [id, r] of recoveries) if (r.found.path === dir && r.busy === 0) drop(id);
      const recoveryId = newId();
      const r: Recovery = {
        found,
        credential,
        listing,
        others,
        restored: null,
        busy: 0,
        cancelIdle: null,
      };
      recoveries.set(recoveryId, r);
      armIdle(recoveryId, r);
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

    'recover:restore': (req) =>
      using(req.recoveryId, async (r) => {
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
      }),

    'recover:adopt': (req) =>
      using(req.recoveryId, async (r) => {
        // A second click meanwhile would make a second plan of the same backups.
        if (r.busy > 1) throw new AppFailure('BUSY', 'These backups are busy; try again soon.');
        const database = grants.check(req.database);
        const passphrase = planPassphrase(r, req.passphrase);
        const basis = basisOf(r);
        // Before any passphrase changes: a wrong database must leave the backups as they were.
        const here = (await describeInWorker(database)).tables;
        await requireSameShop(r, basis, database, here);
        const current = r.credential.kind === 'passphrase' ? r.credential.value : null;
        if (passphrase !== null && passphrase !== current) {
          // Every copy gets it, or none: a plan's places must open with one passphrase.
          await changePassphrase(
            [r.found.path, ...r.others.map((o) => o.path)],
            r.credential,
            passphrase,
            // Only the owner holds the key that opened them on this new computer.
            { actor: 'owner' },
          );
          // A retry after a later failure opens them with it, and changes nothing again.
          r.credential = { kind: 'passphrase', value: passphrase };
        }
        // The tables keep the data types the backups gave them, also where the guess differs.
        const guessed = new Map(here.map((t) => [t.table, t.type]));
        const typeOverrides = Object.fromEntries(
          basis.tables.filter((t) => guessed.get(t.name) !== t.type).map((t) => [t.name, t.type]),
        );
        const job: Job = {
          id: newId(),
          name: req.name,
          source: database,
          types: basis.types,
          typeOverrides,
          destinations: await placesFor(r),
          schedule: req.schedule,
          checkSchedule: DEFAULT_CHECK_SCHEDULE,
          createdAt: new Date().toISOString(),
          ...(passphrase === null ? { encrypted: false } : {}),
        };
        core.settings.update((s) => ({ ...s, jobs: [...s.jobs, job] }));
        recordPlanCreated(core, job);
        // After the plan is stored: a settings file that cannot be written leaves no secret.
        if (passphrase !== null) core.secrets.set(job.id, passphrase);
        for (const d of job.destinations) grants.grant(d.path);
        drop(req.recoveryId);
        void core.scheduler.reload();
        core.events.emit('status:changed', {});
        return { job: jobView(job) };
      }),
  };
}
