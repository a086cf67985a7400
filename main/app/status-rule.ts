/**
 * The one rule for the traffic light, as a pure function of a plan, its state and the clock;
 * Home, the tray icon and the alerts all ask it. A plan is green only when it has an automatic
 * schedule, its newest backup is within its interval, every place took it, the latest check
 * found no damage and every cloud copy was handed to a running sync client. Otherwise it says
 * every finding, the one that matters most first.
 */
import type { PlanStatus, StatusReason } from '../ipc/contract.js';
import type { JobState } from './run-state.js';
import type { Job } from './settings.js';
import { ANOMALY_HOLD_DAYS } from '../engine/backup/anomaly.js';
import { spaceOutlook, type SpaceOutlook } from './space.js';

const HOUR = 3600_000;

export type Level = PlanStatus['level'];

export interface Finding {
  readonly level: Exclude<Level, 'ok'>;
  readonly reason: StatusReason;
}

type Scheduled = Exclude<Job['schedule'], { preset: 'manual' }>;

/** How old the last good backup may get before a scheduled plan turns amber, then red. */
function staleAfter(schedule: Scheduled): { warn: number; bad: number } {
  switch (schedule.preset) {
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

/** A plan backed up by hand only is amber from the start, and red after a month without one. */
const MANUAL_BAD = 30 * 24 * HOUR;

/** Most important first, within a level: what the owner reads when there is more than one. */
const ORDER: readonly StatusReason['kind'][] = [
  'source-damaged',
  'no-passphrase',
  'damaged',
  'failed',
  'changed',
  'never',
  'stale',
  'no-schedule',
  'missed',
  'not-uploaded',
  'space',
];

const RANK: Record<Level, number> = { ok: 0, warn: 1, bad: 2 };

interface Verdict {
  readonly level: Level;
  readonly reason: StatusReason | null;
}

/** Orders findings, or whole plans by their verdicts: worse level first, then ORDER. */
function compare(a: Verdict, b: Verdict): number {
  const order = (v: Verdict): number => (v.reason ? ORDER.indexOf(v.reason.kind) : ORDER.length);
  return RANK[b.level] - RANK[a.level] || order(a) - order(b);
}

/** The plan the headline talks about: the worst, of equals the weightiest reason, then first. */
export function headlinePlan<T extends Verdict>(plans: readonly T[]): T | null {
  return plans.reduce<T | null>((best, p) => (best && compare(best, p) <= 0 ? best : p), null);
}

/** The places of the plan that took its newest good backup. */
export function placesWithNewest(job: Job, state: JobState): Job['destinations'] {
  const newest = state.lastSuccessAt;
  if (newest === null) return [];
  return job.destinations.filter((d) => {
    const at = state.placesOkAt[d.id];
    return at !== undefined && at >= newest;
  });
}

/** The quick check after the last run, or the last weekly check, found damage in the place. */
export function isDamaged(state: JobState, destinationId: string): boolean {
  const run = state.lastRun?.destinations.find((d) => d.destinationId === destinationId);
  const check = state.lastCheck?.places.find((p) => p.destinationId === destinationId);
  return run?.verified === false || check?.ok === false;
}

/** A cloud folder whose sync client was not running when the last backup was handed to it. */
export function isNotUploaded(state: JobState, destinationId: string): boolean {
  return (
    state.lastRun?.destinations.some(
      (o) => o.destinationId === destinationId && o.syncing === false,
    ) ?? false
  );
}

/**
 * Places running out of room (fewer than two weeks left, or the next backup may not fit), the
 * fullest first: they need the owner before they stop taking backups.
 */
export function crowdedPlaces(
  job: Job,
  state: JobState,
): { place: Job['destinations'][number]; outlook: SpaceOutlook }[] {
  return job.destinations
    .flatMap((place) => {
      const space = state.space[place.id];
      const outlook = space ? spaceOutlook(space, 0) : null;
      return outlook && outlook.level !== 'ok' ? [{ place, outlook }] : [];
    })
    .sort((a, b) => Number(b.outlook.level === 'full') - Number(a.outlook.level === 'full'));
}

/** How far behind its schedule the plan is; a never-run plan counts from when it was made. */
function timeFindings(job: Job, state: JobState, now: Date): Finding[] {
  const last = state.lastSuccessAt;
  const age = now.getTime() - Date.parse(last ?? job.createdAt);
  const found: Finding[] = [];
  if (job.schedule.preset === 'manual') {
    if (last === null) found.push({ level: 'warn', reason: { kind: 'never' } });
    found.push({ level: age > MANUAL_BAD ? 'bad' : 'warn', reason: { kind: 'no-schedule' } });
    return found;
  }
  const limits = staleAfter(job.schedule);
  if (age > limits.warn) {
    found.push({
      level: age > limits.bad ? 'bad' : 'warn',
      reason: { kind: 'stale', lastSuccessAt: last },
    });
  } else if (last === null) {
    found.push({ level: 'warn', reason: { kind: 'never' } });
  }
  return found;
}

/** What the rule needs to know beyond the plan and its runs. */
export interface PlanFacts {
  /** The passphrase that opens the plan's places is on this computer (or none is needed). */
  readonly passphraseKept: boolean;
}

/**
 * The warning about a backup unlike the one before it stays until the owner says it was meant,
 * at most as long as the prune guard keeps the backup before it to go back to.
 */
function changeFinding(state: JobState, now: Date): Finding[] {
  const change = state.lastChange;
  if (!change || now.getTime() - Date.parse(change.at) > ANOMALY_HOLD_DAYS * 24 * HOUR) return [];
  return [
    {
      level: 'warn',
      reason: {
        kind: 'changed',
        at: change.at,
        finding: change.findings[0]!,
        before: change.before,
      },
    },
  ];
}

/** Every reason the plan is not green, the one that matters most first; empty when green. */
export function planFindings(
  job: Job,
  state: JobState,
  now: Date,
  facts: PlanFacts = { passphraseKept: true },
): Finding[] {
  const found = [...timeFindings(job, state, now), ...changeFinding(state, now)];
  // Nothing else runs until it is typed again: the first thing to fix.
  if (!facts.passphraseKept) found.push({ level: 'bad', reason: { kind: 'no-passphrase' } });
  const run = state.lastRun;
  // A damaged database makes every new backup a copy of the damage.
  if (run?.sourceDamage) {
    found.push({
      level: 'bad',
      reason: { kind: 'source-damaged', lastGoodAt: run.sourceDamage.lastGoodAt },
    });
  }
  const damaged = job.destinations.filter((d) => isDamaged(state, d.id)).map((d) => d.label);
  if (damaged.length > 0)
    found.push({ level: 'bad', reason: { kind: 'damaged', places: damaged } });
  if (run?.outcome === 'failed') {
    const code = run.error?.code ?? run.destinations.find((d) => d.code)?.code ?? 'INTERNAL';
    found.push({ level: 'bad', reason: { kind: 'failed', code } });
  }
  if (state.lastSuccessAt !== null) {
    const took = new Set(placesWithNewest(job, state).map((d) => d.id));
    const missed = job.destinations.filter((d) => !took.has(d.id)).map((d) => d.label);
    if (missed.length > 0)
      found.push({ level: 'warn', reason: { kind: 'missed', places: missed } });
  }
  const unsent = job.destinations.filter((d) => isNotUploaded(state, d.id)).map((d) => d.label);
  if (unsent.length > 0) {
    found.push({ level: 'warn', reason: { kind: 'not-uploaded', places: unsent } });
  }
  const crowded = crowdedPlaces(job, state)[0];
  if (crowded) {
    const full = crowded.outlook.level === 'full';
    found.push({ level: 'warn', reason: { kind: 'space', place: crowded.place.label, full } });
  }
  return found.sort(compare);
}

/** How often the owner is asked whether they still know the passphrase. */
export const PASSPHRASE_CHECK_DAYS = 90;

/**
 * Time to ask "do you still know your backup passphrase?": 90 days since it was last typed
 * (at setup, on a new computer, or at the last such check). Never for unencrypted backups.
 */
export function passphraseCheckDue(job: Job, now: Date): boolean {
  if (job.encrypted === false) return false;
  const since = Date.parse(job.passphraseCheckedAt ?? job.createdAt);
  return now.getTime() - since > PASSPHRASE_CHECK_DAYS * 24 * HOUR;
}

/** The plan's colour and the one reason that matters most (null when green). */
export function planVerdict(job: Job, state: JobState, now: Date, facts?: PlanFacts): Verdict {
  const first = planFindings(job, state, now, facts)[0];
  return first ? { level: first.level, reason: first.reason } : { level: 'ok', reason: null };
}
