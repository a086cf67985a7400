/**
 * The passphrase typed again: after a restart on a computer that cannot keep it (no keychain),
 * and every 90 days to prove the owner still knows it. Checked against a place of the plan
 * before anything is kept, so a mistyped one never stops the backups.
 */
import { TillvaultError } from '../engine/errors.js';
import type { Request, Response } from '../ipc/contract.js';
import type { AppCore } from './app-core.js';
import { findJob } from './plan-places.js';
import { checkPlanSecret } from './plan-secret.js';

type PassphraseChannel = 'passphrase:check' | 'status:dismiss-change';

export type PassphraseHandlers = {
  [C in PassphraseChannel]: (request: Request<C>) => Promise<Response<C>>;
};

export function createPassphraseHandlers(core: AppCore): PassphraseHandlers {
  return {
    'passphrase:check': async (req) => {
      const job = findJob(core, req.jobId);
      if (job.encrypted === false) {
        throw new TillvaultError(
          'BAD_INPUT',
          'These backups are not encrypted: there is no passphrase.',
        );
      }
      await checkPlanSecret(core, job, { kind: 'passphrase', value: req.passphrase });
      // The check proves the owner knows it; it keeps it only where it was missing.
      const kept = core.secrets.get(job.id) === null;
      if (kept) core.secrets.set(job.id, req.passphrase);
      const at = core.now().toISOString();
      core.settings.update((s) => ({
        ...s,
        jobs: s.jobs.map((j) => (j.id === job.id ? { ...j, passphraseCheckedAt: at } : j)),
      }));
      core.events.emit('status:changed', {});
      return { kept };
    },
    'status:dismiss-change': async (req) => {
      core.state.dismissChange(findJob(core, req.jobId).id);
      core.events.emit('status:changed', {});
      return {};
    },
  };
}
