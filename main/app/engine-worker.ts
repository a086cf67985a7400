/**
 * Worker thread that runs one engine operation. The copy's SQLite steps and the row counts are
 * synchronous calls; here they cannot hold up the thread that answers the window.
 */
import fs from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { backup } from '../engine/backup/backup.js';
import { createDemoShop } from '../engine/demo/demo-shop.js';
import { changes } from '../engine/restore/changes.js';
import { toTillvaultError } from '../engine/errors.js';
import { describeDatabase } from '../engine/source/inspect.js';
import { prune } from '../engine/maintenance/prune.js';
import { repair } from '../engine/maintenance/repair.js';
import type { ChangeThresholds } from '../engine/backup/anomaly.js';
import type { Actor } from '../engine/repository/audit.js';
import type { Credential } from '../engine/repository/config.js';
import { DEFAULT_POLICY } from '../engine/maintenance/retention.js';
import { verify } from '../engine/maintenance/verify.js';
import { sweepAtStart } from '../engine/fs/work-dirs.js';
import { runRestoreStep } from './restore-steps.js';
import type {
  EngineJob,
  Maintenance,
  PlaceCheck,
  PlaceRepair,
  WorkerMessage,
} from './engine-thread.js';

const job = workerData as EngineJob;
const port = parentPort!;
const abort = new AbortController();
port.on('message', (m: { type: 'cancel' }) => {
  if (m.type === 'cancel') abort.abort();
});

const post = (m: WorkerMessage): void => port.postMessage(m);

/**
 * After a backup: the retention policy, then a quick check, in each place that got it, both
 * recorded as done by whoever started the backup.
 */
async function maintain(
  destinations: string[],
  credential: Credential,
  actor: Actor,
  thresholds: ChangeThresholds,
): Promise<Maintenance[]> {
  const out: Maintenance[] = [];
  for (const dest of destinations) {
    const m: Maintenance = { path: dest, removed: 0, verified: null, error: null };
    try {
      // The guard holds what the plan's own warning calls unlike the backup before.
      const pruned = await prune(dest, credential, DEFAULT_POLICY, { actor, thresholds });
      m.removed = pruned.remove.length;
    } catch (err) {
      // Pruning refuses when the newest backup looks wrong (rows collapsed): keep everything.
      const e = toTillvaultError(err, dest);
      m.error = { code: e.code, message: e.message };
    }
    try {
      m.verified = (await verify(dest, credential, { level: 'quick', actor })).ok;
    } catch (err) {
      const e = toTillvaultError(err, dest);
      m.error ??= { code: e.code, message: e.message };
    }
    out.push(m);
  }
  return out;
}

/** Full read of every pack and a restore drill of the newest backup, place by place. */
async function check(
  destinations: string[],
  credential: Credential,
  actor: Actor,
): Promise<PlaceCheck[]> {
  const out: PlaceCheck[] = [];
  for (const dest of destinations) {
    try {
      const r = await verify(dest, credential, { level: 'drill', actor });
      out.push({
        path: dest,
        // A newest backup of a damaged database is no damage of the place, and a repair from
        // another place cannot help: the backup run has already said the database is damaged.
        ok: r.problems.every((p) => p.kind === 'source'),
        damagedSnapshots: r.damagedSnapshots,
        restoreMs: r.drill?.restoreMs ?? null,
        error: null,
      });
    } catch (err) {
      const e = toTillvaultError(err, dest);
      out.push({
        path: dest,
        ok: e.code === 'DAMAGED' ? false : null,
        damagedSnapshots: [],
        restoreMs: null,
        error: { code: e.code, message: e.message },
      });
    }
  }
  return out;
}

async function run(): Promise<unknown> {
  // The app may have been killed mid-backup: its copy of the database goes before anything else.
  await sweepAtStart();
  switch (job.op) {
    case 'backup': {
      const result = await backup({
        ...job.options,
        signal: abort.signal,
        onProgress: (p) => post({ type: 'progress', progress: p }),
      });
      // In this same thread the passphrase's key is already derived: no second scrypt.
      post({ type: 'progress', progress: { phase: 'finish', done: 1, total: 2 } });
      const reached = result.destinations.filter((d) => d.ok).map((d) => d.path);
      const maintenance = job.maintain
        ? await maintain(
            reached,
            job.options.credential,
            job.options.actor,
            job.maintain.thresholds,
          )
        : [];
      return { result, maintenance };
    }
    case 'describe': {
      const tables = await describeDatabase(job.file);
      const { size } = await fs.stat(job.file);
      return { tables, bytes: size };
    }
    case 'demo':
      return createDemoShop(job.file, job.options);
    case 'changes':
      return changes(job.dest, job.credential, job.snapshot ?? undefined);
    case 'check':
      return check(job.destinations, job.credential, job.actor);
    case 'restore':
      return runRestoreStep(job.step, (p) => post({ type: 'progress', progress: p }));
    case 'repair': {
      const r = await repair(job.dest, job.from, job.credential, job.actor);
      const done: PlaceRepair = {
        ok: r.after.ok,
        chunksReplaced: r.chunksReplaced,
        unrepairable: r.unrepairable,
      };
      return done;
    }
  }
}

run().then(
  (value) => post({ type: 'done', value }),
  (err: unknown) => {
    const e = toTillvaultError(err);
    post({ type: 'error', code: e.code, message: e.message });
  },
);
