/**
 * Alerts that no run reports by itself: a plan that has fallen behind (the computer was off,
 * the app was closed, every run failed; a plan backed up by hand, after a month), and a place
 * running out of room. Both come from the status rule, as Home's colour does. Pure: the front
 * end asks now and then and shows each alert once per episode.
 */
import { EMPTY_JOB_STATE, type JobState } from './run-state.js';
import type { Job } from './settings.js';
import type { SpaceOutlook } from './space.js';
import { crowdedPlaces, planFindings } from './status-rule.js';

export interface StaleAlert {
  /** Same key for the same episode: a new good backup starts a new one. */
  readonly key: string;
  readonly jobId: string;
  readonly lastSuccessAt: string | null;
}

export function staleAlerts(
  jobs: readonly Job[],
  states: ReadonlyMap<string, JobState>,
  now: Date,
): StaleAlert[] {
  return jobs.flatMap((job) => {
    const state = states.get(job.id) ?? EMPTY_JOB_STATE;
    const behind = planFindings(job, state, now).some(
      (f) => f.reason.kind === 'stale' || (f.reason.kind === 'no-schedule' && f.level === 'bad'),
    );
    if (!behind) return [];
    const last = state.lastSuccessAt;
    return [{ key: `stale:${job.id}:${last ?? 'never'}`, jobId: job.id, lastSuccessAt: last }];
  });
}

export interface SpaceAlert {
  /** One alert per place and level: "low" once, "full" once more if it gets there. */
  readonly key: string;
  readonly jobId: string;
  readonly destinationId: string;
  readonly label: string;
  readonly outlook: SpaceOutlook;
}

/** Places running out of room, as the status rule finds them. */
export function spaceAlerts(
  jobs: readonly Job[],
  states: ReadonlyMap<string, JobState>,
): SpaceAlert[] {
  return jobs.flatMap((job) =>
    crowdedPlaces(job, states.get(job.id) ?? EMPTY_JOB_STATE).map(({ place, outlook }) => ({
      key: `space:${job.id}:${place.id}:${outlook.level}`,
      jobId: job.id,
      destinationId: place.id,
      label: place.label,
      outlook,
    })),
  );
}
