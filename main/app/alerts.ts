/**
 * Alerts that no run reports by itself: a plan whose last good backup is older than its
 * schedule allows (the computer was off, the app was closed, every run failed), and a place
 * running out of room. Pure: the front end asks now and then and shows each alert once per
 * episode.
 */
import type { JobState } from './run-state.js';
import type { Job } from './settings.js';
import { spaceOutlook, type SpaceOutlook } from './space.js';
import { staleAfter } from './status.js';

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
    if (job.schedule.preset === 'manual') return [];
    const last = states.get(job.id)?.lastSuccessAt ?? null;
    const since = Date.parse(last ?? job.createdAt);
    if (now.getTime() - since <= staleAfter(job).warn) return [];
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

/** Places running out of room: fewer than two weeks left, or the next backup may not fit. */
export function spaceAlerts(
  jobs: readonly Job[],
  states: ReadonlyMap<string, JobState>,
): SpaceAlert[] {
  return jobs.flatMap((job) =>
    job.destinations.flatMap((d) => {
      const space = states.get(job.id)?.space[d.id];
      if (!space) return [];
      const outlook = spaceOutlook(space, 0);
      if (outlook.level === 'ok') return [];
      return [
        {
          key: `space:${job.id}:${d.id}:${outlook.level}`,
          jobId: job.id,
          destinationId: d.id,
          label: d.label,
          outlook,
        },
      ];
    }),
  );
}
