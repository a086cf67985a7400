/**
 * A secret typed by the owner, checked against the plan's own places: the passphrase or the
 * printed recovery key opens one of them, or it is wrong. Used to reset a forgotten PIN, to take
 * the passphrase again after a restart without a keychain, and for the 90-day "do you still
 * know it?" check.
 */
import type { Credential } from '../engine/repository/config.js';
import { inspectDestination, Repository } from '../engine/repository/repository.js';
import { TillvaultError } from '../engine/errors.js';
import type { AppCore } from './app-core.js';
import type { Job } from './settings.js';

export async function checkPlanSecret(
  core: AppCore,
  job: Job,
  credential: Credential,
): Promise<void> {
  let failure: unknown = new TillvaultError(
    'DEST_MISSING',
    'None of the places of this plan is here to check the passphrase against.',
  );
  // A USB stick is found by its repository, wherever it is mounted today.
  const { reachable } = await core.runner.resolvePlaces(job);
  for (const d of reachable.destinations) {
    if ((await inspectDestination(d.path)) === 'missing') continue;
    try {
      await Repository.open(d.path, credential);
      return;
    } catch (err) {
      // A wrong passphrase is wrong in every place; a damaged place may leave another to ask.
      if (err instanceof TillvaultError && err.code === 'WRONG_PASSPHRASE') throw err;
      failure = err;
    }
  }
  throw failure;
}
