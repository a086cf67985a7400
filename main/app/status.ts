/**
 * The traffic light on Home, as a pure function of the jobs, their last runs and the clock:
 * green when every job's last backup is recent and reached every place, amber when something
 * needs a look, red when the data is not being protected.
 */
import type { RunProgress, StatusView } from '../ipc/contract.js';
import { EMPTY_JOB_STATE, type JobState } from './run-state.js';
import type { Job } from './settings.js';
import { spaceOutlook } from './space.js';

const HOUR = 3600_000;

/** How old the last good backup may get before Home turns amber, then red. */
export function staleAfter(job: Job): { warn: number; bad: number } {
  switch (job.schedule.preset) {
    case 'manual':
      return { warn: 7 * 24 * HOUR, bad: 30 * 24 * HOUR };
    case 'nightly':
    case 'custom':
      return { warn: 30 * HOUR, bad: 72 * HOUR };
    case 'five-a-day':
      return { warn: 8 * HOUR, bad: 48 * HOUR };
    case 'opening-hours':
      // Nights and closed days are part of the plan; a weekend must not turn Home amber.
      return { warn: 3 * 24 * HOUR, bad: 7 * 24 * HOUR };
  }
}

const RANK = { none: 0, ok: 1, warn: 2, bad: 3 } as const;

/** A place counts as a copy for the 3-2-1 rule while its last good backup is under a week old. */
function isRecent(at: string | undefined, now: Date): boolean {
  return at !== undefined && now.getTime() - Date.parse(at) < 7 * 24 * HOUR;
}

/** The quick check after the last run, or the last weekly check, found damage in the place. */
function isDamaged(state: JobState | undefined, destinationId: string): boolean {
  const run = state?.lastRun?.destinations.find((d) => d.destinationId === destinationId);
  const check = state?.lastCheck?.places.find((p) => p.destinationId === destinationId);
  return run?.verified === false || check?.ok === false;
}

/** Each stick of a rotating place, known from setup or from a backup it took. */
function sticksOf(
  place: Job['destinations'][number],
  state: JobState | undefined,
): { label: string; lastOkAt: string | null }[] {
  const got = state?.sticksOkAt[place.id] ?? {};
  const devices = [...new Set([...(place.sticks ?? []).map((k) => k.device), ...Object.keys(got)])];
  if (devices.length < 2) return [];
  return devices.map((device) => ({
    label: got[device]?.label ?? place.sticks?.find((k) => k.device === device)?.label ?? device,
    lastOkAt: got[device]?.at ?? null,
  }));
}

export function computeStatus(
  jobs: readonly Job[],
  states: ReadonlyMap<string, JobState>,
  running: RunProgress | null,
  now: Date,
  nextRunAt: Date | null = null,
): Omit<StatusView, 'passphrases'> {
  let level: StatusView['level'] = 'none';
  let newest: { job: Job; state: JobState } | null = null;
  let lastSuccessAt: string | null = null;
  for (const job of jobs) {
    const state = states.get(job.id) ?? EMPTY_JOB_STATE;
    let jobLevel: StatusView['level'] = 'ok';
    const limits = staleAfter(job);
    const age = state.lastSuccessAt ? now.getTime() - Date.parse(state.lastSuccessAt) : Infinity;
    if (!state.lastSuccessAt) jobLevel = state.lastRun ? 'bad' : 'warn';
    else if (age > limits.bad) jobLevel = 'bad';
    else if (age > limits.warn) jobLevel = 'warn';
    const outcome = state.lastRun?.outcome;
    const damaged =
      state.lastRun?.destinations.some((d) => d.verified === false) ||
      state.lastCheck?.places.some((p) => p.ok === false);
    // A damaged database makes every new backup a copy of the damage.
    if (outcome === 'failed' || damaged || state.lastRun?.sourceDamage) jobLevel = 'bad';
    else if (outcome === 'partial' && RANK[jobLevel] < RANK.warn) jobLevel = 'warn';
    // A place running out of room needs the owner before it stops taking backups.
    const crowded = job.destinations.some((d) => {
      const space = state.space[d.id];
      return space !== undefined && spaceOutlook(space, 0).level !== 'ok';
    });
    if (crowded && RANK[jobLevel] < RANK.warn) jobLevel = 'warn';
    if (RANK[jobLevel] > RANK[level]) level = jobLevel;
    if (state.lastSuccessAt && (!lastSuccessAt || state.lastSuccessAt > lastSuccessAt)) {
      lastSuccessAt = state.lastSuccessAt;
    }
    if (
      state.lastRun &&
      (!newest?.state.lastRun || state.lastRun.finishedAt > newest.state.lastRun.finishedAt)
    ) {
      newest = { job, state };
    }
  }
  const lastRun = newest?.state.lastRun ?? null;
  return {
    level,
    lastSuccessAt,
    lastRun,
    placesOk: lastRun ? lastRun.destinations.filter((d) => d.ok).length : 0,
    placesTotal: newest ? newest.job.destinations.length : 0,
    running,
    nextRunAt: nextRunAt?.toISOString() ?? null,
    checks: jobs.flatMap((j) => {
      const c = states.get(j.id)?.lastCheck;
      if (!c) return [];
      const ok = c.places.some((p) => p.ok === false)
        ? false
        : c.places.every((p) => p.ok === true)
          ? true
          : null;
      const times = c.places.flatMap((p) => (p.restoreMs === null ? [] : [p.restoreMs]));
      return [{ jobId: j.id, at: c.at, ok, restoreMs: times.length ? Math.max(...times) : null }];
    }),
    sourceDamage: jobs.flatMap((j) => {
      const damage = states.get(j.id)?.lastRun?.sourceDamage;
      return damage ? [{ jobId: j.id, lastGoodAt: damage.lastGoodAt }] : [];
    }),
    places: jobs.flatMap((j) =>
      j.destinations.map((d) => {
        const space = states.get(j.id)?.space[d.id];
        const outlook = space ? spaceOutlook(space, 0) : null;
        return {
          jobId: j.id,
          destinationId: d.id,
          label: d.label,
          kind: d.kind,
          lastOkAt: states.get(j.id)?.placesOkAt[d.id] ?? null,
          recent: isRecent(states.get(j.id)?.placesOkAt[d.id], now),
          freeBytes: outlook?.freeBytes ?? null,
          daysLeft: outlook?.daysLeft ?? null,
          space: outlook?.level ?? null,
          sticks: sticksOf(d, states.get(j.id)),
          damaged: isDamaged(states.get(j.id), d.id),
        };
      }),
    ),
    jobs: jobs.map((j) => ({ ...j })),
  };
}
