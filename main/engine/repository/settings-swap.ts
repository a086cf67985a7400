/**
 * New settings for every place of a plan, or for none. Every place of a plan holds the same
 * settings file, so that any place can repair another; a change to how the master keys are
 * wrapped (a new passphrase, a new recovery key) must therefore reach all of them.
 *
 * In two phases, so that a place that cannot take the new file (a read-only folder, a full
 * stick) is found before any place has changed: first every place gets the new settings and a
 * copy of its old ones as synced temp files; then each new one is renamed into place. A rename
 * that fails (the stick pulled out) puts the old copy back by a rename in every place already
 * changed, each on its own, so one that cannot be put back does not keep the others new.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TillvaultError, toTillvaultError } from '../errors.js';
import { fsyncDir, tempNameFor } from '../fs/atomic-file.js';
import { appendAudit, type Actor, type AuditEntry } from './audit.js';
import type { Credential, RepoConfig } from './config.js';
import { acquireLock, type Lock } from './lock.js';
import { Repository } from './repository.js';

export interface SwapOptions {
  /** Who asked for the change, for the audit log; the command line when not said. */
  readonly actor?: Actor;
  /** For tests: runs before each place's step, to take the place away at that moment. */
  readonly beforeStep?: (root: string, step: 'prepare' | 'commit' | 'rollback') => Promise<void>;
}

/**
 * The places that could not be put back after a failed swap: they hold the new settings, the
 * others the old ones. Each change says in its message which secret opens which places.
 */
export class SettingsSplitError extends TillvaultError {
  constructor(
    cause: TillvaultError,
    readonly stillNew: readonly string[],
    message: string,
  ) {
    super(cause.code, message, { cause });
    this.name = 'SettingsSplitError';
  }
}

/** How one kind of change tells a failed swap, in its own words. */
export interface SwapFailures {
  /** Every place kept its old settings. */
  unchanged(cause: TillvaultError): TillvaultError;
  /** The places of `stillNew` hold the new settings, every other place its old ones. */
  split(cause: TillvaultError, stillNew: readonly string[]): SettingsSplitError;
}

export interface SettingsSwap {
  /** The new settings, the same for every place. */
  readonly config: RepoConfig;
  /** Named in the lock, so that an operation waiting for it can say what holds the places. */
  readonly lockName: string;
  readonly failures: SwapFailures;
}

/** One place's two temp files: the new settings, and its own old ones for a way back. */
interface Prepared {
  readonly repo: Repository;
  readonly next: string;
  readonly back: string;
}

/** What a change rewraps: the master keys as the passphrase opens them, or the recovery key. */
export type Wrapping = 'passphrase' | 'recovery-key';

/** The settings without the named wrappings of the master keys. */
function without(config: RepoConfig, wrappings: readonly Wrapping[]): unknown {
  const { mac: _mac, encryption, ...rest } = config;
  if (!encryption) return rest;
  const { kdf, passphraseKey, recoveryKey, ...kept } = encryption;
  return {
    ...rest,
    encryption: {
      ...kept,
      ...(wrappings.includes('passphrase') ? {} : { kdf, passphraseKey }),
      ...(wrappings.includes('recovery-key') ? {} : { recoveryKey }),
    },
  };
}

const sameWithout = (a: Repository, b: Repository, wrappings: readonly Wrapping[]): boolean =>
  JSON.stringify(without(a.config, wrappings)) === JSON.stringify(without(b.config, wrappings));

/**
 * Places whose other wrapping differs: the change would give every place the first one's, which
 * may be one nobody knows (a new recovery key that was never shown), so the change that left
 * them so is finished first.
 */
const MIXED: Record<Wrapping, (other: string, first: string) => string> = {
  passphrase: (other, first) =>
    `${other} and ${first} open with different recovery keys: a new recovery key did not reach every place. Make a new recovery key for all of them first (with the passphrase), then change the passphrase.`,
  'recovery-key': (other, first) =>
    `${other} and ${first} open with different passphrases: a passphrase change did not reach every place. Change the passphrase of all of them first (with the recovery key), then make a new recovery key.`,
};

/**
 * Every place opened with the credential, all of them one plan's: the same settings, or
 * settings that differ only in the wrapping this change rewrites (a change that could not be put
 * back everywhere; its retry brings them in line again). The first place given comes first.
 */
export async function openPlan(
  dests: readonly string[],
  credential: Credential,
  rewrites: Wrapping,
): Promise<Repository[]> {
  if (dests.length === 0) throw new TillvaultError('BAD_INPUT', 'Name at least one place.');
  const repos = await Promise.all(dests.map((d) => Repository.open(path.resolve(d), credential)));
  const first = repos[0]!;
  const keys = first.masterKeys;
  for (const other of repos) {
    if (other.configText === first.configText) continue;
    const ko = other.masterKeys;
    const sameKeys =
      keys !== null && ko !== null && keys.encKey.equals(ko.encKey) && keys.idKey.equals(ko.idKey);
    if (!sameKeys || !sameWithout(other, first, ['passphrase', 'recovery-key'])) {
      throw new TillvaultError(
        'BAD_INPUT',
        `${other.root} holds other settings than ${first.root}; repair it from the other place first.`,
      );
    }
    if (!sameWithout(other, first, [rewrites])) {
      throw new TillvaultError('BAD_INPUT', MIXED[rewrites](other.root, first.root));
    }
  }
  return repos;
}

/** The new settings in every place of `repos` (from `openPlan`), or in none. */
export async function swapSettings(
  repos: readonly Repository[],
  swap: SettingsSwap,
  opts: SwapOptions = {},
): Promise<void> {
  const text = JSON.stringify(swap.config, null, 2);
  // A backup meanwhile would read the settings half-way through the change: none may run.
  const locks: Lock[] = [];
  try {
    for (const repo of repos) locks.push(await acquireLock(repo.layout, swap.lockName, true));
    const prepared = await prepare(repos, text, swap.failures, opts);
    try {
      await commit(prepared, swap.failures, opts);
    } finally {
      await removeTemps(prepared);
    }
  } finally {
    for (const lock of locks) await lock.release();
  }
}

/**
 * The change in each place's audit log, as one event. A place whose log cannot be written
 * still has its new settings: the change itself went fine.
 */
export async function auditEach(
  repos: readonly Repository[],
  entry: Pick<AuditEntry, 'operation' | 'summary' | 'details'>,
  opts: SwapOptions,
): Promise<void> {
  const event = crypto.randomUUID();
  for (const repo of repos) {
    await appendAudit(repo, {
      ...entry,
      result: 'ok',
      snapshotId: null,
      actor: opts.actor ?? 'cli',
      event,
    }).catch(() => undefined);
  }
}

async function writeSynced(file: string, text: string): Promise<void> {
  const handle = await fs.open(file, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function removeTemps(prepared: readonly Prepared[]): Promise<void> {
  for (const p of prepared) {
    await fs.rm(p.next, { force: true }).catch(() => undefined);
    await fs.rm(p.back, { force: true }).catch(() => undefined);
  }
}

/** Both temp files in every place, or none anywhere. */
async function prepare(
  repos: readonly Repository[],
  text: string,
  failures: SwapFailures,
  opts: SwapOptions,
): Promise<Prepared[]> {
  const prepared: Prepared[] = [];
  try {
    for (const repo of repos) {
      const file = repo.layout.config();
      const p = { repo, next: tempNameFor(file), back: tempNameFor(file) };
      prepared.push(p);
      try {
        await opts.beforeStep?.(repo.root, 'prepare');
        await writeSynced(p.next, text);
        await writeSynced(p.back, repo.configText);
      } catch (err) {
        throw failures.unchanged(toTillvaultError(err, repo.root));
      }
    }
    return prepared;
  } catch (err) {
    await removeTemps(prepared);
    throw err;
  }
}

async function commit(
  prepared: readonly Prepared[],
  failures: SwapFailures,
  opts: SwapOptions,
): Promise<void> {
  const changed: Prepared[] = [];
  for (const p of prepared) {
    const file = p.repo.layout.config();
    try {
      await opts.beforeStep?.(p.repo.root, 'commit');
      await fs.rename(p.next, file);
      // Renamed: from here this place has the new settings, even if the sync fails.
      changed.push(p);
      await fsyncDir(path.dirname(file));
    } catch (err) {
      const cause = toTillvaultError(err, p.repo.root);
      const stillNew = await rollBack(changed, opts);
      if (stillNew.length > 0) throw failures.split(cause, stillNew);
      throw failures.unchanged(cause);
    }
  }
}

/** Every changed place back to its old settings, each tried whatever the others did. */
async function rollBack(changed: readonly Prepared[], opts: SwapOptions): Promise<string[]> {
  const stillNew: string[] = [];
  for (const p of changed) {
    const file = p.repo.layout.config();
    try {
      await opts.beforeStep?.(p.repo.root, 'rollback');
      await fs.rename(p.back, file);
      await fsyncDir(path.dirname(file)).catch(() => undefined);
    } catch {
      stillNew.push(p.repo.root);
    }
  }
  return stillNew;
}
