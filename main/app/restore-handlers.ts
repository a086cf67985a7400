/**
 * The restore wizard's channels. A wizard opens one backup of a plan as a session: the place it
 * is read from, and a folder of this process where the backup is rebuilt once and then serves
 * the record search, the record lookups, the preview and the restore itself.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import type { DataType } from '../engine/data-types.js';
import { TillvaultError } from '../engine/errors.js';
import { makeWorkDir, removeWorkDir } from '../engine/fs/work-dirs.js';
import type { Credential } from '../engine/repository/config.js';
import { inspectDestination } from '../engine/repository/repository.js';
import type { RestorePreview } from '../engine/restore/preview.js';
import type { RecordHistory } from '../engine/restore/record-history.js';
import type { RecordMatch } from '../engine/restore/record-search.js';
import { listSnapshots } from '../engine/source/inspect.js';
import { readSourceHeader } from '../engine/source/sqlite-source.js';
import type {
  Request,
  Response,
  RestorePoint,
  RestoreResult,
  RestoreWhat,
} from '../ipc/contract.js';
import { AppFailure, toIpcError } from '../ipc/errors.js';
import type { AppCore } from './app-core.js';
import { changesInWorker, describeInWorker, restoreStepInWorker } from './engine-thread.js';
import { findJob, placesOf } from './plan-places.js';
import { mergeRestorePoints } from './restore-points.js';
import { restoreProgressTo } from './restore-progress.js';
import type { RecreateOutcome, RunOutcome, SnapshotAt } from './restore-steps.js';
import type { Job } from './settings.js';
import { requirePlanCredential } from './plan-credential.js';

type RestoreChannel =
  | 'restore:points'
  | 'restore:changes'
  | 'restore:open'
  | 'restore:close'
  | 'restore:find-records'
  | 'restore:record'
  | 'restore:preview'
  | 'restore:check-live'
  | 'restore:run'
  | 'restore:to-copy';

export type RestoreHandlers = {
  [C in RestoreChannel]: (request: Request<C>) => Promise<Response<C>>;
};

interface Session {
  readonly id: string;
  readonly jobId: string;
  readonly point: RestorePoint;
  readonly at: SnapshotAt;
  /** Previews by what they were asked for; a restore compares its row counts with one. */
  readonly previews: Map<string, RestorePreview>;
  lastUsed: number;
  /** Steps running now: a session is never closed under one. */
  busy: number;
  closeWhenDone: boolean;
}

/** Rebuilt copies are as big as the database: few wizards at once, none left for hours. */
const MAX_SESSIONS = 2;
const IDLE_MS = 60 * 60 * 1000;
const SWEEP_MS = 5 * 60 * 1000;

function credentialOf(core: AppCore, job: Job): Credential {
  return requirePlanCredential(core.secrets, job);
}

/**
 * Kept rows only of the types the restore replaces: the others stay as they are anyway (the
 * engine refuses to be asked), and records never remove a row.
 */
function keptOf(what: RestoreWhat, keepNew: readonly DataType[] | null): DataType[] | null {
  if (!keepNew || what.kind === 'records') return null;
  const kept = what.kind === 'types' ? keepNew.filter((t) => what.types.includes(t)) : [...keepNew];
  return kept.length > 0 ? kept : null;
}

/** Whether the restore gives a table of this type the backup's rows (records only add). */
const replaces = (what: RestoreWhat, type: DataType): boolean =>
  what.kind === 'all' || (what.kind === 'types' && what.types.includes(type));

const previewKey = (what: RestoreWhat, keepNew: readonly DataType[] | null): string =>
  JSON.stringify({ what, keepNew });

function sumByType(tables: readonly { type: DataType; rows: number }[]): Map<DataType, number> {
  const out = new Map<DataType, number>();
  for (const t of tables) out.set(t.type, (out.get(t.type) ?? 0) + t.rows);
  return out;
}

/**
 * Whether the database at the plan's path can be restored into, rather than replaced by the
 * backup as a new file: it is there and SQLite, and what keeps it from being read is at most a
 * till that has it open (the restore then says so).
 */
const DAMAGED_CODES: ReadonlySet<string> = new Set([
  'NOT_SQLITE',
  'SOURCE_UNREADABLE',
  'SOURCE_DAMAGED',
  'DAMAGED',
]);

async function readableNow(file: string): Promise<boolean> {
  if (!(await exists(file))) return false;
  try {
    await readSourceHeader(file);
    await describeInWorker(file);
    return true;
  } catch (err) {
    // Only a file that is not SQLite or is damaged is replaced; any other failure (permission,
    // a till holding it) is said as it is, and nothing is moved.
    if (err instanceof TillvaultError && DAMAGED_CODES.has(err.code)) return false;
    if (err instanceof TillvaultError && err.code === 'DB_IN_USE') return true;
    throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  return (await fs.stat(file).catch(() => null)) !== null;
}

export function createRestoreHandlers(core: AppCore): RestoreHandlers {
  const sessions = new Map<string, Session>();

  async function close(id: string): Promise<boolean> {
    const s = sessions.get(id);
    if (!s) return false;
    sessions.delete(id);
    await removeWorkDir(s.at.cacheDir);
    return true;
  }

  /** Wizards left open for an hour give their disk back; a quit leaves them to the next start. */
  async function closeIdle(): Promise<void> {
    const now = Date.now();
    for (const s of [...sessions.values()]) {
      if (s.busy === 0 && now - s.lastUsed > IDLE_MS) await close(s.id);
    }
  }
  setInterval(() => void closeIdle().catch(() => undefined), SWEEP_MS).unref();

  /** Runs a step of an open wizard; the session stays while it runs. */
  async function using<T>(id: string, step: (s: Session) => Promise<T>): Promise<T> {
    const s = sessions.get(id);
    if (!s) throw new AppFailure('NOT_FOUND', 'This restore was closed; start it again.');
    s.busy++;
    try {
      return await step(s);
    } finally {
      s.busy--;
      s.lastUsed = Date.now();
      if (s.busy === 0 && s.closeWhenDone) await close(s.id);
    }
  }

  /** The plan's database as main knows it; never a path from the window or a backup. */
  const liveOf = (s: Session): string => findJob(core, s.jobId).source;

  const progressTo = (sessionId: string) => restoreProgressTo(core, sessionId);

  async function previewOf(
    s: Session,
    what: RestoreWhat,
    keepNew: DataType[] | null,
  ): Promise<RestorePreview> {
    keepNew = keptOf(what, keepNew);
    const key = previewKey(what, keepNew);
    const known = s.previews.get(key);
    if (known) return known;
    const preview = await restoreStepInWorker<RestorePreview>(
      { step: 'preview', at: s.at, liveDb: liveOf(s), what, keepNew },
      progressTo(s.id),
    );
    s.previews.set(key, preview);
    return preview;
  }

  /** The live database is gone or unreadable: the backup becomes the file at its path. */
  async function recreate(s: Session, job: Job): Promise<RestoreResult> {
    const started = Date.now();
    const outcome = await core.runner.exclusive(
      job,
      () =>
        restoreStepInWorker<RecreateOutcome>(
          { step: 'recreate', at: s.at, liveDb: job.source, actor: core.owner.actor() },
          progressTo(s.id),
        ),
      'database',
    );
    return {
      snapshotId: s.point.id,
      time: s.point.time,
      safetySnapshotId: null,
      setAside: outcome.setAside,
      what: { kind: 'all' },
      tables: [],
      records: null,
      kept: null,
      keptSales: null,
      clashesCsv: null,
      checks: outcome.checks,
      notes: [],
      durationMs: Date.now() - started,
    };
  }

  return {
    'restore:points': async (req) => mergeRestorePoints(await placesOf(core, req.jobId)),

    'restore:changes': async (req) => {
      const job = findJob(core, req.jobId);
      const credential = credentialOf(core, job);
      let failure: unknown = new TillvaultError(
        'DEST_MISSING',
        'None of the places of this plan is available.',
      );
      // A damaged or unplugged place is passed over: another place holds the same backups.
      for (const d of job.destinations) {
        if ((await inspectDestination(d.path)) === 'missing') continue;
        try {
          return {
            destinationId: d.id,
            changes: await changesInWorker(d.path, credential, req.snapshotId),
          };
        } catch (err) {
          failure = err;
        }
      }
      throw failure;
    },

    'restore:open': async (req) => {
      const job = findJob(core, req.jobId);
      const credential = credentialOf(core, job);
      const { points } = mergeRestorePoints(await placesOf(core, job.id));
      const point = points.find((p) => p.id === req.snapshotId);
      if (!point) throw new AppFailure('NOT_FOUND', 'This backup is not in any reachable place.');
      const place = job.destinations.find((d) =>
        point.places.some((p) => p.destinationId === d.id),
      )!;
      const listing = await listSnapshots(place.path, credential);
      const then = listing.snapshots.find((x) => x.id === point.id);
      if (!then) throw new AppFailure('NOT_FOUND', 'This backup is no longer there.');
      const live = { path: job.source, exists: await exists(job.source), problem: null };
      let now: Map<DataType, number> | null = null;
      let problem: { code: string; message: string } | null = null;
      if (live.exists) {
        try {
          now = sumByType((await describeInWorker(job.source)).tables);
        } catch (err) {
          problem = toIpcError(err);
        }
      }
      await closeIdle();
      // The oldest wizard that is not in the middle of a step makes room.
      while (sessions.size >= MAX_SESSIONS) {
        const oldest = [...sessions.values()].find((x) => x.busy === 0);
        if (!oldest) throw new AppFailure('BUSY', 'Another restore is running; try again soon.');
        await close(oldest.id);
      }
      const id = crypto.randomBytes(8).toString('hex');
      sessions.set(id, {
        id,
        jobId: job.id,
        point,
        at: {
          dest: place.path,
          credential,
          snapshotId: point.id,
          cacheDir: await makeWorkDir('restore-wizard'),
        },
        previews: new Map(),
        lastUsed: Date.now(),
        busy: 0,
        closeWhenDone: false,
      });
      const thenRows = sumByType(then.tables);
      return {
        sessionId: id,
        point,
        live: { ...live, problem },
        types: [...thenRows].map(([type, rowsThen]) => ({
          type,
          rowsThen,
          rowsNow: now ? (now.get(type) ?? 0) : null,
        })),
      };
    },

    'restore:close': async (req) => {
      const s = sessions.get(req.sessionId);
      // A step still running closes it when done.
      if (s && s.busy > 0) s.closeWhenDone = true;
      return { closed: s ? s.busy > 0 || (await close(s.id)) : false };
    },

    'restore:find-records': async (req) =>
      using(req.sessionId, async (s) => {
        const matches = await restoreStepInWorker<RecordMatch[]>(
          { step: 'find', at: s.at, text: req.text, type: req.type },
          progressTo(s.id),
        );
        return { matches };
      }),

    'restore:record': async (req) =>
      using(req.sessionId, async (s) => {
        const live = liveOf(s);
        const h = await restoreStepInWorker<RecordHistory>(
          {
            step: 'record',
            at: s.at,
            table: req.table,
            key: req.key,
            liveDb: (await exists(live)) ? live : null,
          },
          progressTo(s.id),
        );
        const valuesIn = (rows: readonly Record<string, string | number | null>[] | undefined) =>
          rows?.[0] ?? null;
        return {
          table: h.table,
          keyColumn: h.key,
          columns: h.columns,
          then: valuesIn(h.backups.find((b) => b.snapshotId === s.point.id)?.rows),
          now: h.now ? valuesIn(h.now.rows) : null,
          history: h.backups.map((b) => ({
            snapshotId: b.snapshotId,
            time: b.time,
            values: valuesIn(b.rows),
          })),
        };
      }),

    'restore:preview': async (req) =>
      using(req.sessionId, (s) => previewOf(s, req.what, req.keepNew)),

    'restore:check-live': async (req) =>
      using(req.sessionId, async (s) => {
        return restoreStepInWorker<{ free: boolean }>({ step: 'probe', liveDb: liveOf(s) });
      }),

    'restore:run': async (req) =>
      using(req.sessionId, async (s) => {
        const job = findJob(core, s.jobId);
        const live = job.source;
        if (!(await readableNow(live))) {
          if (req.what.kind !== 'all') {
            throw new TillvaultError(
              'BAD_INPUT',
              'The database is gone or damaged: restore everything, not parts of it.',
            );
          }
          const result = await recreate(s, job);
          s.previews.clear();
          core.events.emit('status:changed', {});
          return result;
        }
        const preview = await previewOf(s, req.what, req.keepNew);
        const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
        const clashesCsv = `${live}.clashes-${stamp}.csv`;
        const outcome = await core.runner.exclusive(
          job,
          () =>
            restoreStepInWorker<RunOutcome>(
              {
                step: 'run',
                at: s.at,
                liveDb: live,
                what: req.what,
                keepNew: keptOf(req.what, req.keepNew),
                clashesCsv,
                actor: core.owner.actor(),
                planned: preview.tables.map((t) => ({
                  table: t.table,
                  rowsNow: t.rowsNow,
                  rowsAfter: t.rowsAfter,
                  kept: t.kept,
                  replaced: replaces(req.what, t.type),
                })),
              },
              progressTo(s.id),
            ),
          'database',
        );
        // The database changed: what was previewed no longer holds.
        s.previews.clear();
        core.events.emit('status:changed', {});
        const r = outcome.result;
        // The CSV the engine wrote (it picks another name rather than overwrite one).
        const csv = r.clashesCsv ? core.grants.grant(r.clashesCsv) : null;
        return {
          snapshotId: r.snapshotId,
          time: s.point.time,
          safetySnapshotId: r.safetySnapshotId,
          setAside: null,
          what: req.what,
          tables: r.tables,
          records: r.records,
          kept: r.kept,
          keptSales: outcome.keptSales,
          clashesCsv: csv,
          checks: outcome.checks,
          notes: r.warnings,
          durationMs: r.durationMs,
        };
      }),

    'restore:to-copy': async (req) =>
      using(req.sessionId, async (s) => {
        const target = core.grants.check(req.path);
        const copied = await restoreStepInWorker<{ file: string; bytes: number }>(
          { step: 'copy', at: s.at, file: target, actor: core.owner.actor() },
          progressTo(s.id),
        );
        return { file: core.grants.grant(copied.file), bytes: copied.bytes };
      }),
  };
}
