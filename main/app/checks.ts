/**
 * The weekly check of a plan (default Sunday 03:00, a quiet time): every place read in full and
 * decrypted, and the newest backup rebuilt in a temp folder and tested, with the time it took.
 */
import type { Actor } from '../engine/repository/audit.js';
import type { CheckRecord, RunState } from './run-state.js';
import type { Runner } from './runner.js';
import type { SecretStore } from './secrets.js';
import type { Job } from './settings.js';
import { checkInWorker } from './engine-thread.js';
import { planCredential } from './plan-credential.js';

/** The scheduler's id for a plan's weekly check, beside the plan's own id for its backups. */
export const checkIdOf = (jobId: string): string => `${jobId}.check`;

/** `actor`: the schedule for the weekly one, the owner or staff for "Check now". */
export async function runCheck(
  job: Job,
  deps: { runner: Runner; secrets: SecretStore; state: RunState },
  actor: Actor,
): Promise<CheckRecord | null> {
  const credential = planCredential(deps.secrets, job);
  if (!credential) return null;
  const { reachable, missing } = await deps.runner.resolvePlaces(job);
  const results = await checkInWorker(
    reachable.destinations.map((d) => d.path),
    credential,
    actor,
  );
  const record: CheckRecord = {
    at: new Date().toISOString(),
    places: job.destinations.map((d) => {
      const gone = missing.find((m) => m.destinationId === d.id);
      const place = reachable.destinations.find((r) => r.id === d.id);
      const r = place && results.find((x) => x.path === place.path);
      return {
        destinationId: d.id,
        label: d.label,
        ok: r ? r.ok : null,
        restoreMs: r?.restoreMs ?? null,
        code: gone?.code ?? r?.error?.code ?? null,
      };
    }),
  };
  deps.state.recordCheck(job.id, record);
  return record;
}
