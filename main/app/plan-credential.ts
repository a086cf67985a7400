/**
 * What opens a plan's places: nothing for backups that are not encrypted, else the passphrase
 * kept on this computer. The one place that decides it, so that an unencrypted plan (one found
 * on a new computer) backs up, checks and restores like any other.
 */
import { TillvaultError } from '../engine/errors.js';
import type { Credential } from '../engine/repository/config.js';
import type { SecretStore } from './secrets.js';
import type { Job } from './settings.js';

export function planCredential(secrets: Pick<SecretStore, 'get'>, job: Job): Credential | null {
  if (job.encrypted === false) return { kind: 'none' };
  const value = secrets.get(job.id);
  return value ? { kind: 'passphrase', value } : null;
}

export function requirePlanCredential(secrets: Pick<SecretStore, 'get'>, job: Job): Credential {
  const credential = planCredential(secrets, job);
  if (!credential) {
    throw new TillvaultError(
      'PASSPHRASE_REQUIRED',
      `The passphrase of "${job.name}" is not stored on this computer.`,
    );
  }
  return credential;
}
