/**
 * A new passphrase for backups that already exist: on a new computer opened with the printed
 * recovery key, and when the owner changes it. The master keys stay (every backup stays
 * readable, the recovery key keeps working); only their wrapping by the passphrase is new, in
 * every place of the plan or in none (settings-swap.ts).
 */
import { TillvaultError } from '../errors.js';
import { rewrapPassphrase, type Credential } from './config.js';
import {
  SettingsSplitError,
  auditEach,
  openPlan,
  swapSettings,
  type SwapFailures,
  type SwapOptions,
} from './settings-swap.js';

/**
 * The places that could not be put back after a failed change: they open with the new
 * passphrase now, the others with the old one, and the recovery key opens all of them.
 */
export class PassphraseSplitError extends SettingsSplitError {
  constructor(cause: TillvaultError, stillNew: readonly string[]) {
    super(
      cause,
      stillNew,
      `The passphrase change failed: ${cause.message} ` +
        `${stillNew.join(', ')} could not be put back and open${stillNew.length === 1 ? 's' : ''} with the new passphrase; ` +
        'every other place keeps the old one. The recovery key opens all of them.',
    );
    this.name = 'PassphraseSplitError';
  }
}

const failures: SwapFailures = {
  unchanged: (cause) =>
    new TillvaultError(
      cause.code,
      `The passphrase was not changed: ${cause.message} Every place keeps the old one.`,
      { cause },
    ),
  split: (cause, stillNew) => new PassphraseSplitError(cause, stillNew),
};

export async function changePassphrase(
  dests: readonly string[],
  credential: Credential,
  passphrase: string,
  opts: SwapOptions = {},
): Promise<void> {
  const repos = await openPlan(dests, credential, 'passphrase');
  const first = repos[0]!;
  const keys = first.masterKeys;
  if (!keys) {
    throw new TillvaultError(
      'BAD_INPUT',
      'These backups are not encrypted: there is no passphrase to change.',
    );
  }
  const config = await rewrapPassphrase(first.config, keys, passphrase);
  await swapSettings(repos, { config, lockName: 'passphrase', failures }, opts);
  await auditEach(
    repos,
    {
      operation: 'passphrase',
      summary: 'The passphrase was changed; the recovery key and every backup stay as they were.',
      details: { places: repos.length },
    },
    opts,
  );
}
