/**
 * A new printed recovery key for backups that already exist: when the old sheet is lost, or
 * someone who should not have seen it did. The master keys stay (every backup stays readable,
 * the passphrase keeps working); only their wrapping by the recovery key is new, in every place
 * of the plan or in none (settings-swap.ts), so that the old key opens none of them.
 */
import { TillvaultError } from '../errors.js';
import { rewrapRecoveryKey, type Credential } from './config.js';
import {
  SettingsSplitError,
  auditEach,
  openPlan,
  swapSettings,
  type SwapFailures,
  type SwapOptions,
} from './settings-swap.js';

/**
 * The places that could not be put back after a failed renewal: they open with the new
 * recovery key, which was never shown (it did not reach every place), the others with the old
 * one; the passphrase opens all of them, and a renewal with it brings them in line.
 */
export class RecoveryKeySplitError extends SettingsSplitError {
  constructor(cause: TillvaultError, stillNew: readonly string[]) {
    super(
      cause,
      stillNew,
      `Making a new recovery key failed: ${cause.message} ` +
        `${stillNew.join(', ')} could not be put back and open${stillNew.length === 1 ? 's' : ''} with the new recovery key, which is not shown since it did not reach every place; ` +
        'every other place keeps the old one. The passphrase opens all of them: make a new recovery key again with it to bring them in line.',
    );
    this.name = 'RecoveryKeySplitError';
  }
}

const failures: SwapFailures = {
  unchanged: (cause) =>
    new TillvaultError(
      cause.code,
      `No new recovery key was made: ${cause.message} Every place keeps the old one.`,
      { cause },
    ),
  split: (cause, stillNew) => new RecoveryKeySplitError(cause, stillNew),
};

/** Returns the new key, to be shown once: it is stored nowhere, only wrapped by it. */
export async function newRecoveryKey(
  dests: readonly string[],
  credential: Credential,
  opts: SwapOptions = {},
): Promise<string> {
  const repos = await openPlan(dests, credential, 'recovery-key');
  const first = repos[0]!;
  const keys = first.masterKeys;
  if (!keys) {
    throw new TillvaultError(
      'BAD_INPUT',
      'These backups are not encrypted: there is no recovery key to renew.',
    );
  }
  const { config, recoveryKey } = rewrapRecoveryKey(first.config, keys);
  await swapSettings(repos, { config, lockName: 'recovery key renewal', failures }, opts);
  await auditEach(
    repos,
    {
      // A new operation would be an unreadable entry to an older Tillvault sharing the place.
      operation: 'passphrase',
      summary:
        'A new recovery key was made; the old one opens nothing now. The passphrase and every backup stay as they were.',
      details: { change: 'recovery-key', places: repos.length },
    },
    opts,
  );
  return recoveryKey;
}
