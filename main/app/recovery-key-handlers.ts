/**
 * "Make a new recovery key" in Settings: the master keys wrapped again in every place of the
 * plan, so the old printed key opens none of them. Every place must be here, or the old key
 * would go on opening the one left out; the new key goes to the window once, for the sheet.
 */
import { newRecoveryKey } from '../engine/repository/recovery-key.js';
import { TillvaultError } from '../engine/errors.js';
import type { Request, Response } from '../ipc/contract.js';
import type { AppCore } from './app-core.js';
import { requirePlanCredential } from './plan-credential.js';
import { findJob } from './plan-places.js';

type RecoveryKeyChannel = 'plan:new-recovery-key';

export type RecoveryKeyHandlers = {
  [C in RecoveryKeyChannel]: (request: Request<C>) => Promise<Response<C>>;
};

export function createRecoveryKeyHandlers(core: AppCore): RecoveryKeyHandlers {
  return {
    'plan:new-recovery-key': async (req) => {
      const job = findJob(core, req.jobId);
      if (job.encrypted === false) {
        throw new TillvaultError(
          'BAD_INPUT',
          'These backups are not encrypted: there is no recovery key.',
        );
      }
      const credential = requirePlanCredential(core.secrets, job);
      // Who asked when it was asked: the PIN may lock again while the places are rewritten.
      const actor = core.owner.actor();
      // No backup, check or repair of the plan meanwhile: they would find the places locked.
      const recoveryKey = await core.runner.exclusive(job, async () => {
        const { reachable, missing } = await core.runner.resolvePlaces(job);
        if (missing.length > 0) {
          throw new TillvaultError(
            'DEST_MISSING',
            `Connect every place of this plan first: ${missing.map((m) => m.label).join(', ')}. The old recovery key would go on opening a place left out.`,
          );
        }
        return newRecoveryKey(
          reachable.destinations.map((d) => d.path),
          credential,
          { actor },
        );
      });
      core.events.emit('status:changed', {});
      return { recoveryKey };
    },
  };
}
