/**
 * What Home (and the tray) shows, from the jobs, their last runs and the clock: each plan's
 * colour and reason from the one rule (status-rule.ts), the headline plan, and every place.
 */
import type { RunProgress, StatusView } from '../ipc/contract.js';
import { EMPTY_JOB_STATE, type JobState } from './run-state.js';
import type { Job } from './settings.js';
import { jobView } from './job-view.js';
import { spaceOutlook } from './space.js';
import {
  headlinePlan,
  isDamaged,
  isNotUploaded,
  passphraseCheckDue,
  placesWithNewest,
  planVerdict,
  type PlanFacts,
} from './status-rule.js';

const HOUR = 3600_000;

/** A place counts as a copy for the 3-2-1 rule while its last good backup is under a week old. */
function isRecent(at: string | undefined, now: Date): boolean {
  return at !== undefined && now.getTime() - Date.parse(at) < 7 * 24 * HOUR;
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

/** The newest run of any plan. */
function newestRun(
  jobs: readonly Job[],
  states: ReadonlyMap<string, JobState>,
): StatusView['lastRun'] {
  let newest: StatusView['lastRun'] = null;
  for (const job of jobs) {
    const run = states.get(job.id)?.lastRun;
    if (run && (!newest || run.finishedAt > newest.finishedAt)) newest = run;
  }
  return newest;
}

export function computeStatus(
  jobs: readonly Job[],
  states: ReadonlyMap<string, JobState>,
  running: RunProgress | null,
  now: Date,
  nextRunAt: Date | null = null,
  factsOf: (job: Job) => PlanFacts = () => ({ passphraseKept: true }),
): Omit<StatusView, 'passphrases'> {
  const plans = jobs.map((job) => {
    const state = states.get(job.id) ?? EMPTY_JOB_STATE;
    const facts = factsOf(job);
    return {
      jobId: job.id,
      name: job.name,
      ...planVerdict(job, state, now, facts),
      lastSuccessAt: state.lastSuccessAt,
      placesOk: placesWithNewest(job, state).length,
      placesTotal: job.destinations.length,
      passphraseMissing: !facts.passphraseKept,
      // Asked only of a passphrase this computer has: one that is missing is asked for anyway.
      passphraseCheckDue: facts.passphraseKept && passphraseCheckDue(job, now),
    };
  });
  const headline = headlinePlan(plans);
  return {
    level: headline?.level ?? 'none',
    reason: headline?.reason ?? null,
    lastSuccessAt: headline?.lastSuccessAt ?? null,
    placesOk: headline?.placesOk ?? 0,
    placesTotal: headline?.placesTotal ?? 0,
    plans,
    lastRun: newestRun(jobs, states),
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
          damaged: isDamaged(states.get(j.id) ?? EMPTY_JOB_STATE, d.id),
          notUploaded: isNotUploaded(states.get(j.id) ?? EMPTY_JOB_STATE, d.id),
        };
      }),
    ),
    jobs: jobs.map(jobView),
  };
}
