/**
 * The last run and the last success of each job, kept on disk so status (and, later, missed
 * schedules) survive a restart. A cache: the destinations remain the source of truth.
 */
import { z } from 'zod';
import { runRecordSchema, type RunRecord } from '../ipc/contract.js';
import type { DocumentFile } from './settings.js';

const jobStateSchema = z.object({
  lastRun: runRecordSchema.nullable(),
  lastSuccessAt: z.string().nullable(),
  /** When each destination last received a good snapshot. */
  placesOkAt: z.record(z.string(), z.string()),
});
export type JobState = z.infer<typeof jobStateSchema>;

const EMPTY: JobState = { lastRun: null, lastSuccessAt: null, placesOkAt: {} };

export class RunState {
  constructor(private readonly file: DocumentFile) {}

  get(jobId: string): JobState {
    const parsed = jobStateSchema.safeParse(this.file.store[jobId]);
    return parsed.success ? parsed.data : structuredClone(EMPTY);
  }

  record(run: RunRecord): JobState {
    const prev = this.get(run.jobId);
    const placesOkAt = { ...prev.placesOkAt };
    for (const d of run.destinations) if (d.ok) placesOkAt[d.destinationId] = run.finishedAt;
    const next: JobState = {
      lastRun: run,
      lastSuccessAt:
        run.outcome === 'ok' || run.outcome === 'partial' ? run.finishedAt : prev.lastSuccessAt,
      placesOkAt,
    };
    this.file.store = { ...this.file.store, [run.jobId]: next };
    return next;
  }

  forget(jobId: string): void {
    this.file.store = Object.fromEntries(
      Object.entries(this.file.store).filter(([k]) => k !== jobId),
    );
  }
}
