/**
 * Plan and settings changes (and the owner's PIN) written to the audit log of places, with who
 * did it. One event gets one id and one time in every place, so the log screen shows it once.
 * Written in the background: a change never waits for, or fails on, a place that is slow or
 * unplugged; the log screen waits for the writes in flight (auditWritten).
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { appendAudit, type Actor, type AuditEntry } from '../engine/repository/audit.js';
import { inspectDestination, Repository } from '../engine/repository/repository.js';
import type { AuditField } from '../ipc/contract.js';
import type { AppCore } from './app-core.js';
import type { PinChange } from './audit-log.js';
import { findJob } from './plan-places.js';
import type { Job, Settings } from './settings.js';

/** Who does what the window asks now: the owner while unlocked by the PIN, otherwise staff. */
export function actorOf(core: AppCore): Actor {
  return core.owner.actor();
}

type ChangeEntry = Pick<AuditEntry, 'operation' | 'result' | 'summary' | 'details'>;

const inFlight = new WeakMap<AppCore, Promise<void>>();

/** Resolves when every entry recorded so far is written (or its place was skipped). */
export function auditWritten(core: AppCore): Promise<void> {
  return inFlight.get(core) ?? Promise.resolve();
}

/**
 * Writes one entry to every place of these plans. The passphrases are taken now: a plan being
 * removed has its passphrase forgotten right after.
 */
function recordAudit(core: AppCore, jobs: readonly Job[], entry: ChangeEntry, actor: Actor): void {
  const full = { ...entry, snapshotId: null, actor, event: crypto.randomUUID() };
  const now = core.now();
  // A folder two plans share gets the entry once.
  const places = new Map<string, string>();
  for (const job of jobs) {
    const passphrase = core.secrets.get(job.id);
    if (passphrase) for (const d of job.destinations) places.set(path.resolve(d.path), passphrase);
  }
  const writes = Promise.all(
    [...places].map(async ([place, passphrase]) => {
      try {
        if ((await inspectDestination(place)) !== 'repository') return;
        const repo = await Repository.open(place, { kind: 'passphrase', value: passphrase });
        await appendAudit(repo, full, now);
      } catch {
        // A place that cannot be opened now (damaged, replaced) misses this entry; the others
        // hold it, and the change itself is done.
      }
    }),
  );
  inFlight.set(
    core,
    Promise.all([auditWritten(core), writes]).then(() => undefined),
  );
}

/** A plan's fields as the log names them; a field this list does not know is `other`. */
const PLAN_FIELDS: Partial<Record<keyof Job, AuditField>> = {
  name: 'name',
  types: 'types',
  typeOverrides: 'typeOverrides',
  schedule: 'schedule',
  checkSchedule: 'checkSchedule',
  destinations: 'places',
  changeAlarm: 'changeAlarm',
};
const UNCHANGING: readonly (keyof Job)[] = ['id', 'createdAt'];

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The fields that differ, each once, in the order of the plan; values before and after. */
function planDiff(before: Job, after: Job) {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])] as (keyof Job)[];
  const changed = keys.filter((k) => !UNCHANGING.includes(k) && !same(before[k], after[k]));
  return {
    fields: [...new Set(changed.map((k) => PLAN_FIELDS[k] ?? 'other'))],
    before: Object.fromEntries(changed.map((k) => [k, before[k] ?? null])),
    after: Object.fromEntries(changed.map((k) => [k, after[k] ?? null])),
  };
}

export function recordPlanCreated(core: AppCore, job: Job): void {
  recordAudit(
    core,
    [job],
    {
      operation: 'plan',
      result: 'ok',
      summary: `Plan "${job.name}" created with ${job.destinations.length} place(s).`,
      details: {
        change: 'created',
        jobId: job.id,
        plan: job.name,
        types: job.types,
        places: job.destinations.map((d) => d.label),
        schedule: job.schedule,
      },
    },
    actorOf(core),
  );
}

/** Nothing is written when nothing changed (the same schedule saved again). */
export function recordPlanChanged(core: AppCore, before: Job, after: Job): void {
  const diff = planDiff(before, after);
  if (diff.fields.length === 0) return;
  recordAudit(
    core,
    [after],
    {
      operation: 'plan',
      result: 'ok',
      summary: `Plan "${after.name}" changed: ${diff.fields.join(', ')}.`,
      details: { change: 'updated', jobId: after.id, plan: after.name, ...diff },
    },
    actorOf(core),
  );
}

/** A change of a plan's places (another stick, eject when done), logged like any plan change. */
export async function changingPlan(
  core: AppCore,
  jobId: string,
  change: () => Job | Promise<Job>,
): Promise<Job> {
  const before = findJob(core, jobId);
  const after = await change();
  recordPlanChanged(core, before, after);
  return after;
}

/** Also in the other plans' places: the removed plan's own log is no longer read by the app. */
export function recordPlanRemoved(core: AppCore, job: Job): void {
  recordAudit(
    core,
    [job, ...core.settings.read().jobs.filter((j) => j.id !== job.id)],
    {
      operation: 'plan',
      result: 'ok',
      summary: `Plan "${job.name}" removed; its backups stay where they are.`,
      details: { change: 'removed', jobId: job.id, plan: job.name },
    },
    actorOf(core),
  );
}

/** Only these settings are named, never the owner's PIN hash. */
const SETTINGS_FIELDS = ['language', 'startAtLogin', 'notifications'] as const;

/**
 * The app's settings govern every plan (its notifications, its language in the CSV): written
 * to every plan's places.
 */
export function recordSettingsChanged(core: AppCore, before: Settings, after: Settings): void {
  const fields = SETTINGS_FIELDS.filter((k) => before[k] !== after[k]);
  if (fields.length === 0) return;
  recordAudit(
    core,
    after.jobs,
    {
      operation: 'settings',
      result: 'ok',
      summary: `Settings changed: ${fields.map((k) => `${k} ${before[k]} → ${after[k]}`).join(', ')}.`,
      details: {
        fields,
        before: Object.fromEntries(fields.map((k) => [k, before[k]])),
        after: Object.fromEntries(fields.map((k) => [k, after[k]])),
      },
    },
    actorOf(core),
  );
}

/** The PIN unlocked, refused, set, removed or reset: in every plan's places. */
export function recordPin(core: AppCore, change: PinChange, actor: Actor): void {
  recordAudit(
    core,
    core.settings.read().jobs,
    {
      operation: 'pin',
      result: change === 'failed' ? 'failed' : 'ok',
      summary: `Owner PIN: ${change}.`,
      details: { change },
    },
    actor,
  );
}
