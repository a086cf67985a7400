/**
 * A plan and its places as the handlers read them: the plan by id, and each place's backups or
 * the reason they cannot be read now.
 */
import { inspectDestination } from '../engine/repository/repository.js';
import { listSnapshots, type SnapshotListing } from '../engine/source/inspect.js';
import type { HistoryPlace, SnapshotView } from '../ipc/contract.js';
import { AppFailure, toIpcError } from '../ipc/errors.js';
import type { AppCore } from './app-core.js';
import type { Job } from './settings.js';
import { planCredential } from './plan-credential.js';

/** A backup as History and the timeline show it. */
export function snapshotView(s: SnapshotListing['snapshots'][number]): SnapshotView {
  return {
    id: s.id,
    time: s.time,
    trigger: s.trigger,
    label: s.label,
    types: s.types,
    complete: s.complete,
    summary: s.summary,
    bytes: s.bytes,
    newBytes: s.newBytes,
  };
}

export function findJob(core: AppCore, jobId: string): Job {
  const job = core.settings.read().jobs.find((j) => j.id === jobId);
  if (!job) throw new AppFailure('NOT_FOUND', 'This backup job no longer exists.');
  return job;
}

/** Each place of a plan with its backups, or the reason they cannot be read now. */
export async function placesOf(core: AppCore, jobId: string): Promise<HistoryPlace[]> {
  const job = findJob(core, jobId);
  const credential = planCredential(core.secrets, job);
  return Promise.all(
    job.destinations.map(async (d): Promise<HistoryPlace> => {
      const base = { destinationId: d.id, label: d.label, path: d.path };
      if (!credential) {
        return {
          ...base,
          snapshots: [],
          error: { code: 'PASSPHRASE_REQUIRED', message: 'The passphrase is not stored.' },
        };
      }
      if ((await inspectDestination(d.path)) === 'missing') {
        return {
          ...base,
          snapshots: [],
          error: {
            code: 'DEST_MISSING',
            message: `${d.label} is not available (is the drive connected?).`,
          },
        };
      }
      try {
        const listing = await listSnapshots(d.path, credential);
        return {
          ...base,
          error: null,
          snapshots: listing.snapshots.map(snapshotView),
        };
      } catch (err) {
        return { ...base, snapshots: [], error: toIpcError(err) };
      }
    }),
  );
}
