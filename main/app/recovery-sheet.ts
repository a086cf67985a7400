/**
 * The printable recovery plan's facts, from the plan, its state and the clock: where every copy
 * is, how often backups run (and so the most work that can be lost), how old backups are kept,
 * and how long the last restore drill took. Pure; the window puts it into words.
 */
import { DEFAULT_POLICY, parseDuration } from '../engine/maintenance/retention.js';
import { cronOf, nextRuns } from '../engine/schedule/schedule.js';
import type { RecoverySheet } from '../ipc/contract.js';
import type { JobState } from './run-state.js';
import type { Job } from './settings.js';

/** Enough future runs to see a weekly pattern's longest gap (opening hours, every hour). */
const RUNS_SAMPLED = 200;

const KIND_ORDER: Record<Job['destinations'][number]['kind'], number> = {
  folder: 0,
  removable: 1,
  cloud: 2,
};

/** The longest wait between two scheduled backups: the most work a failure can lose. Null: by hand only. */
export function longestGapMs(schedule: Job['schedule'], now: Date): number | null {
  const runs = nextRuns(schedule, now, RUNS_SAMPLED);
  let longest: number | null = null;
  for (let i = 1; i < runs.length; i++) {
    const gap = runs[i]!.getTime() - runs[i - 1]!.getTime();
    if (longest === null || gap > longest) longest = gap;
  }
  return longest;
}

/** The slowest place's drill of the last check: a restore from any place fits in it. */
export function measuredRestore(state: JobState): RecoverySheet['rto'] {
  const check = state.lastCheck;
  const times = (check?.places ?? [])
    .filter((p) => p.ok === true && p.restoreMs !== null)
    .map((p) => p.restoreMs!);
  return check && times.length ? { restoreMs: Math.max(...times), measuredAt: check.at } : null;
}

/** The retention every plan has (engine-worker.ts applies DEFAULT_POLICY), in whole days. */
function retention(): RecoverySheet['retention'] {
  const within = parseDuration(DEFAULT_POLICY.keepWithin ?? '0d');
  return {
    everyForDays: within.years * 365 + within.months * 30 + within.days,
    monthlyFor: DEFAULT_POLICY.keepMonthly ?? 0,
    yearlyFor: DEFAULT_POLICY.keepYearly ?? 0,
  };
}

export function buildRecoverySheet(
  job: Job,
  state: JobState,
  now: Date,
  computer: string,
  canSavePdf: boolean,
): RecoverySheet {
  const places = [...job.destinations]
    .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind])
    .map((d) => ({
      kind: d.kind,
      label: d.label,
      path: d.path,
      sticks: (d.sticks ?? []).map((s) => s.label),
    }));
  return {
    jobId: job.id,
    plan: job.name,
    computer,
    database: job.source,
    madeAt: now.toISOString(),
    types: [...job.types],
    encrypted: job.encrypted !== false,
    places,
    schedule: job.schedule,
    cron: cronOf(job.schedule),
    rpoMs: longestGapMs(job.schedule, now),
    retention: retention(),
    rto: measuredRestore(state),
    lastBackupAt: state.lastSuccessAt,
    canSavePdf,
  };
}
