/**
 * Changing a plan's places after setup: another USB stick for a removable place (rotation:
 * whichever stick is plugged in takes the backup), "eject when done", and repairing a damaged
 * place from another one.
 */
import path from 'node:path';
import { prepareDestinations } from '../engine/places/destinations.js';
import { driveOf } from '../engine/places/drives.js';
import { TillvaultError } from '../engine/errors.js';
import type { Actor } from '../engine/repository/audit.js';
import { AppFailure } from '../ipc/errors.js';
import { repairInWorker } from './engine-thread.js';
import type { AppCore } from './app-core.js';
import type { Destination, Job } from './settings.js';
import { requirePlanCredential } from './plan-credential.js';

function placeOf(core: AppCore, jobId: string, destinationId: string): [Job, Destination] {
  const job = core.settings.read().jobs.find((j) => j.id === jobId);
  const place = job?.destinations.find((d) => d.id === destinationId);
  if (!job || !place) throw new AppFailure('NOT_FOUND', 'This backup place no longer exists.');
  return [job, place];
}

function saveDestination(core: AppCore, jobId: string, changed: Destination): Job {
  const next = core.settings.update((s) => ({
    ...s,
    jobs: s.jobs.map((j) =>
      j.id !== jobId
        ? j
        : { ...j, destinations: j.destinations.map((d) => (d.id === changed.id ? changed : d)) },
    ),
  }));
  core.events.emit('status:changed', {});
  return next.jobs.find((j) => j.id === jobId)!;
}

/**
 * Makes the stick at `mount` one more stick of a removable place: the same backups (same keys,
 * same repository id) in the same folder, copied from a place of the plan that is reachable now.
 */
export async function addStick(
  core: AppCore,
  req: { jobId: string; destinationId: string; mount: string },
): Promise<Job> {
  const [job, place] = placeOf(core, req.jobId, req.destinationId);
  if (place.kind !== 'removable' || !place.repositoryId) {
    throw new AppFailure('INVALID_REQUEST', 'Only a USB drive place can rotate between sticks.');
  }
  if (core.runner.isRunning(job.id)) {
    throw new AppFailure('BUSY', 'Wait for the running backup to finish first.');
  }
  const drive = driveOf(await core.drives(), req.mount);
  if (!drive?.removable) {
    throw new TillvaultError('DEST_MISSING', 'That USB drive is not connected any more.');
  }
  const taken = job.destinations.flatMap((d) => (d.sticks ?? []).map((k) => k.device));
  if (taken.includes(drive.device)) {
    throw new TillvaultError('BAD_INPUT', `"${drive.label}" already takes this plan's backups.`);
  }
  const credential = requirePlanCredential(core.secrets, job);
  const target = path.join(drive.mount, place.within ?? '');
  // The new stick gets a copy of the repository's keys from any place of the plan found now.
  const { reachable, drives } = await core.runner.resolvePlaces(job);
  const template = reachable.destinations.find(
    (d) => driveOf([drive], d.path) === null && d.path !== target,
  );
  if (!template) {
    throw new TillvaultError(
      'DEST_MISSING',
      'Connect a place that already holds these backups (or keep the first stick plugged in) so the new stick gets the same keys.',
    );
  }
  const prepared = await prepareDestinations([template.path, target], credential, 'setup');
  for (const d of prepared.open) await d.lock.release();
  const failed = prepared.failed[0];
  if (failed) throw new TillvaultError(failed.code, failed.message);
  // Plans set up before rotation existed learn their first stick now, if it is plugged in.
  const first = drives.get(place.id);
  const known = place.sticks ?? (first ? [{ device: first.device, label: first.label }] : []);
  const sticks = [...known, { device: drive.device, label: drive.label }];
  // A place named after its first stick is now all of them: "MONDAY / FRIDAY".
  const named = known.some((k) => k.label === place.label) || known.length === 0;
  return saveDestination(core, job.id, {
    ...place,
    sticks,
    label: named ? sticks.map((k) => k.label).join(' / ') : place.label,
  });
}

export function setEjectWhenDone(
  core: AppCore,
  req: { jobId: string; destinationId: string; ejectWhenDone: boolean },
): Job {
  const [, place] = placeOf(core, req.jobId, req.destinationId);
  if (place.kind !== 'removable') {
    throw new AppFailure('INVALID_REQUEST', 'Only a USB drive can be ejected.');
  }
  return saveDestination(core, req.jobId, { ...place, ejectWhenDone: req.ejectWhenDone });
}

/**
 * Replaces the damaged backups of a place with good copies from another place of the plan
 * (same repository, same keys), then reads it all again; a place that is whole again stops
 * turning Home red.
 */
export async function repairPlace(
  core: AppCore,
  req: { jobId: string; destinationId: string },
): Promise<{ ok: boolean; from: string; chunksReplaced: number }> {
  const [job] = placeOf(core, req.jobId, req.destinationId);
  // Who asked when it was asked: the PIN may lock again while the repair runs.
  const actor = core.owner.actor();
  return core.runner.exclusive(job, () => repairFrom(core, job, req.destinationId, actor));
}

async function repairFrom(
  core: AppCore,
  job: Job,
  destinationId: string,
  actor: Actor,
): Promise<{ ok: boolean; from: string; chunksReplaced: number }> {
  const credential = requirePlanCredential(core.secrets, job);
  const { reachable } = await core.runner.resolvePlaces(job);
  const damaged = reachable.destinations.find((d) => d.id === destinationId);
  if (!damaged) {
    throw new TillvaultError('DEST_MISSING', 'Connect the damaged place first.');
  }
  const state = core.state.get(job.id);
  const suspect = (id: string): boolean =>
    state.lastCheck?.places.some((p) => p.destinationId === id && p.ok === false) === true ||
    state.lastRun?.destinations.some((d) => d.destinationId === id && d.verified === false) ===
      true;
  const source = reachable.destinations.find((d) => d.id !== damaged.id && !suspect(d.id));
  if (!source) {
    throw new TillvaultError(
      'DEST_MISSING',
      'No other good place of this plan is connected to copy from. Connect one, or add a place and back up.',
    );
  }
  const r = await repairInWorker(damaged.path, source.path, credential, actor);
  if (r.ok) core.state.markRepaired(job.id, damaged.id);
  core.events.emit('status:changed', {});
  return { ok: r.ok, from: source.label, chunksReplaced: r.chunksReplaced };
}
