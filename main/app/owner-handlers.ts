/** The owner's PIN channels: unlock, lock, set or remove it, and reset it with a plan's secret. */
import type { Request, Response } from '../ipc/contract.js';
import type { AppCore } from './app-core.js';
import { recordPin } from './audit-writer.js';
import { findJob } from './plan-places.js';
import { checkPlanSecret } from './plan-secret.js';

type OwnerChannel =
  'owner:status' | 'owner:unlock' | 'owner:lock' | 'owner:set-pin' | 'owner:reset-pin';

export type OwnerHandlers = {
  [C in OwnerChannel]: (request: Request<C>) => Promise<Response<C>>;
};

export function createOwnerHandlers(core: AppCore): OwnerHandlers {
  const { owner } = core;
  return {
    'owner:status': async () => owner.status(),
    'owner:unlock': async (req) => {
      const before = owner.status();
      const after = await owner.unlock(req.pin);
      // A try refused while waiting is not a guess: only real checks are in the log.
      if (before.pinSet && before.waitMs === 0) {
        recordPin(core, after.unlocked ? 'unlocked' : 'failed', after.unlocked ? 'owner' : 'staff');
      }
      return after;
    },
    'owner:lock': async () => {
      const wasOpen = owner.actor() === 'owner';
      const after = owner.lock();
      if (wasOpen) recordPin(core, 'locked', 'owner');
      return after;
    },
    'owner:set-pin': async (req) => {
      owner.require();
      const after = await owner.setPin(req.pin);
      // Whoever sets the first PIN is the owner by that.
      recordPin(core, req.pin === null ? 'removed' : 'set', 'owner');
      return after;
    },
    'owner:reset-pin': async (req) => {
      // Only the owner knows the passphrase or has the printed key.
      await checkPlanSecret(core, findJob(core, req.jobId), req.secret);
      const after = await owner.setPin(req.pin);
      recordPin(core, 'reset', 'owner');
      return after;
    },
  };
}
