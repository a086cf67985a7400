/**
 * The last run and the last success of each job, kept on disk so status (and, later, missed
 * schedules) survive a restart. A cache: the destinations remain the source of truth.
 */
import { z } from 'zod';
import {
  checkRecordSchema,
  runRecordSchema,
  type CheckRecord,
  type RunRecord,
} from '../ipc/contract.js';
import type { DocumentFile } from './settings.js';
import type { PlaceSpace } from './space.js';

const changeOf = runRecordSchema.shape.change.unwrap();

export type { CheckRecord };

const placeSpaceSchema = z.object({
  freeBytes: z.number(),
  measuredAt: z.string(),
  stored: z.boolean(),
  samples: z.array(z.object({ at: z.string(), newBytes: z.number() })),
}) satisfies z.ZodType<PlaceSpace>;

const jobStateSchema = z.object({
  lastRun: runRecordSchema.nullable(),
  lastSuccessAt: z.string().nullable(),
  /** When each destination last received a good snapshot. */
  placesOkAt: z.record(z.string(), z.string()),
  /** The last scheduled time handled (run, queued or caught up), so no time runs twice. */
  lastDueAt: z.string().nullable().default(null),
  /** The last weekly check (full read and restore drill) of every place. */
  lastCheck: checkRecordSchema.nullable().default(null),
  /** Free space of each place after its last run, and what runs added, for "days left". */
  space: z.record(z.string(), placeSpaceSchema).default({}),
  /** Per rotating place, per stick (by device): its name and when it last took a good backup. */
  sticksOkAt: z
    .record(z.string(), z.record(z.string(), z.object({ label: z.string(), at: z.string() })))
    .default({}),
  /**
   * The last backup unlike the one before it, until the owner says it was meant: later normal
   * backups compare with it and find nothing, so the warning must outlive them.
   */
  lastChange: z
    .object({ at: z.string(), ...changeOf.shape })
    .nullable()
    .default(null),
});
export type JobState = z.infer<typeof jobStateSchema>;

export const EMPTY_JOB_STATE: JobState = {
  lastRun: null,
  lastSuccessAt: null,
  placesOkAt: {},
  lastDueAt: null,
  lastCheck: null,
  space: {},
  sticksOkAt: {},
  lastChange: null,
};

export class RunState {
  constructor(private readonly file: DocumentFile) {}

  get(jobId: string): JobState {
    const parsed = jobStateSchema.safeParse(this.file.store[jobId]);
    return parsed.success ? parsed.data : structuredClone(EMPTY_JOB_STATE);
  }

  record(run: RunRecord): JobState {
    const prev = this.get(run.jobId);
    const placesOkAt = { ...prev.placesOkAt };
    const sticksOkAt = { ...prev.sticksOkAt };
    for (const d of run.destinations) {
      if (!d.ok) continue;
      placesOkAt[d.destinationId] = run.finishedAt;
      if (d.stick) {
        sticksOkAt[d.destinationId] = {
          ...sticksOkAt[d.destinationId],
          [d.stick.device]: { label: d.stick.label, at: run.finishedAt },
        };
      }
    }
    const next: JobState = {
      ...prev,
      lastRun: run,
      // A backup of a damaged database is stored, but it is not a good backup.
      lastSuccessAt:
        (run.outcome === 'ok' || run.outcome === 'partial') && !run.sourceDamage
          ? run.finishedAt
          : prev.lastSuccessAt,
      placesOkAt,
      sticksOkAt,
      lastChange: run.change ? { at: run.finishedAt, ...run.change } : prev.lastChange,
    };
    this.file.store = { ...this.file.store, [run.jobId]: next };
    return next;
  }

  /** The owner saw the warning about a backup unlike the one before, and it was meant. */
  dismissChange(jobId: string): void {
    this.file.store = { ...this.file.store, [jobId]: { ...this.get(jobId), lastChange: null } };
  }

  recordCheck(jobId: string, check: CheckRecord): void {
    this.file.store = { ...this.file.store, [jobId]: { ...this.get(jobId), lastCheck: check } };
  }

  /** A repaired place is whole again: its last run's and last check's damage are cleared. */
  markRepaired(jobId: string, destinationId: string): void {
    const prev = this.get(jobId);
    const clear = <T extends { destinationId: string }>(list: T[], fix: (x: T) => T): T[] =>
      list.map((x) => (x.destinationId === destinationId ? fix(x) : x));
    const next: JobState = {
      ...prev,
      lastRun: prev.lastRun && {
        ...prev.lastRun,
        destinations: clear(prev.lastRun.destinations, (d) =>
          d.verified === false ? { ...d, verified: true } : d,
        ),
      },
      lastCheck: prev.lastCheck && {
        ...prev.lastCheck,
        places: clear(prev.lastCheck.places, (p) => (p.ok === false ? { ...p, ok: true } : p)),
      },
    };
    this.file.store = { ...this.file.store, [jobId]: next };
  }

  recordSpace(jobId: string, destinationId: string, space: PlaceSpace): void {
    const prev = this.get(jobId);
    this.file.store = {
      ...this.file.store,
      [jobId]: { ...prev, space: { ...prev.space, [destinationId]: space } },
    };
  }

  markDue(jobId: string, at: Date): void {
    this.file.store = {
      ...this.file.store,
      [jobId]: { ...this.get(jobId), lastDueAt: at.toISOString() },
    };
  }

  /** For the scheduler: the later of the last due time handled and the last run's start. */
  since(jobId: string): Date | null {
    const s = this.get(jobId);
    const times = [s.lastDueAt, s.lastRun?.startedAt].filter((t): t is string => !!t).sort();
    return times.length ? new Date(times.at(-1)!) : null;
  }

  forget(jobId: string): void {
    this.file.store = Object.fromEntries(
      Object.entries(this.file.store).filter(([k]) => k !== jobId),
    );
  }
}
