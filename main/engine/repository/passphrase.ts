/**
 * A new passphrase for backups that already exist: on a new computer opened with the printed
 * recovery key, and when the owner changes it. The master keys stay (every backup stays
 * readable, the recovery key keeps working); only their wrapping by the passphrase is new. Every
 * place of a plan holds the same settings file, so that any place can repair another: all of
 * them get the new one, or none does.
 *
 * In two phases, so that a place that cannot take the new file (a read-only folder, a full
 * stick) is found before any place has changed: first every place gets the new settings and a
 * copy of its old ones as synced temp files; then each new one is renamed into place. A rename
 * that fails (the stick pulled out) puts the old copy back by a rename in every place already
 * changed, each on its own, so one that cannot be put back does not keep the others new.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { TillvaultError, toTillvaultError } from '../errors.js';
import { fsyncDir, tempNameFor } from '../fs/atomic-file.js';
import { appendAudit } from './audit.js';
import { rewrapPassphrase, type Credential, type RepoConfig } from './config.js';
import { acquireLock, type Lock } from './lock.js';
import { Repository } from './repository.js';

/** For tests: runs before each place's step, to take the place away at that moment. */
export interface PassphraseHooks {
  beforeStep?: (root: string, step: 'prepare' | 'commit' | 'rollback') => Promise<void>;
}

/**
 * The places that could not be put back after a failed change: they open with the new
 * passphrase now, the others with the old one, and the recovery key opens all of them.
 */
export class PassphraseSplitError extends TillvaultError {
  constructor(
    cause: TillvaultError,
    readonly stillNew: readonly string[],
  ) {
    super(
      cause.code,
      `The passphrase change failed: ${cause.message} ` +
        `${stillNew.join(', ')} could not be put back and open${stillNew.length === 1 ? 's' : ''} with the new passphrase; ` +
        'every other place keeps the old one. The recovery key opens all of them.',
      { cause },
    );
    this.name = 'PassphraseSplitError';
  }
}

/** One place's two temp files: the new settings, and its own old ones for a way back. */
interface Prepared {
  readonly repo: Repository;
  readonly next: string;
  readonly back: string;
}

/** A failure that left every place with its old settings, said so. */
function unchanged(cause: TillvaultError): TillvaultError {
  return new TillvaultError(
    cause.code,
    `The passphrase was not changed: ${cause.message} Every place keeps the old one.`,
    { cause },
  );
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

/** The settings without what a passphrase change rewrites. */
function withoutPassphrase(config: RepoConfig): unknown {
  const { mac: _mac, encryption, ...rest } = config;
  if (!encryption) return rest;
  const { kdf: _kdf, passphraseKey: _key, ...kept } = encryption;
  return { ...rest, encryption: kept };
}

/**
 * One plan's places: the same settings, or settings that differ only in the passphrase's
 * wrapping of the same keys (a change that could not be put back everywhere; the retry with the
 * recovery key brings them in line again).
 */
function samePlan(a: Repository, b: Repository): boolean {
  if (a.configText === b.configText) return true;
  const ka = a.masterKeys;
  const kb = b.masterKeys;
  if (!ka || !kb || !ka.encKey.equals(kb.encKey) || !ka.idKey.equals(kb.idKey)) return false;
  return (
    JSON.stringify(withoutPassphrase(a.config)) === JSON.stringify(withoutPassphrase(b.config))
  );
}

export async function changePassphrase(
  dests: readonly string[],
  credential: Credential,
  passphrase: string,
  hooks: PassphraseHooks = {},
): Promise<void> {
  if (dests.length === 0) throw new TillvaultError('BAD_INPUT', 'Name at least one place.');
  const repos = await Promise.all(dests.map((d) => Repository.open(path.resolve(d), credential)));
  const first = repos[0]!;
  const keys = first.masterKeys;
  if (!keys) {
    throw new TillvaultError(
      'BAD_INPUT',
      'These backups are not encrypted: there is no passphrase to change.',
    );
  }
  const other = repos.find((r) => !samePlan(r, first));
  if (other) {
    throw new TillvaultError(
      'BAD_INPUT',
      `${other.root} holds other settings than ${first.root}; repair it from the other place first.`,
    );
  }
  const text = JSON.stringify(await rewrapPassphrase(first.config, keys, passphrase), null, 2);
  // A backup meanwhile would read the settings half-way through the change: none may run.
  const locks: Lock[] = [];
  try {
    for (const repo of repos) locks.push(await acquireLock(repo.layout, 'passphrase', true));
    const prepared = await prepare(repos, text, hooks);
    try {
      await commit(prepared, hooks);
    } finally {
      await removeTemps(prepared);
    }
  } finally {
    for (const lock of locks) await lock.release();
  }
  for (const repo of repos) {
    await appendAudit(repo, {
      operation: 'passphrase',
      result: 'ok',
      snapshotId: null,
      summary: 'The passphrase was changed; the recovery key and every backup stay as they were.',
      details: { places: repos.length },
    }).catch(() => undefined);
  }
}

/** Both temp files in every place, or none anywhere. */
async function prepare(
  repos: readonly Repository[],
  text: string,
  hooks: PassphraseHooks,
): Promise<Prepared[]> {
  const prepared: Prepared[] = [];
  try {
    for (const repo of repos) {
      const file = repo.layout.config();
      const p = { repo, next: tempNameFor(file), back: tempNameFor(file) };
      prepared.push(p);
      try {
        await hooks.beforeStep?.(repo.root, 'prepare');
        await writeSynced(p.next, text);
        await writeSynced(p.back, repo.configText);
      } catch (err) {
        throw unchanged(toTillvaultError(err, repo.root));
      }
    }
    return prepared;
  } catch (err) {
    await removeTemps(prepared);
    throw err;
  }
}

async function commit(prepared: readonly Prepared[], hooks: PassphraseHooks): Promise<void> {
  const changed: Prepared[] = [];
  for (const p of prepared) {
    const file = p.repo.layout.config();
    try {
      await hooks.beforeStep?.(p.repo.root, 'commit');
      await fs.rename(p.next, file);
      // Renamed: from here this place has the new passphrase, even if the sync fails.
      changed.push(p);
      await fsyncDir(path.dirname(file));
    } catch (err) {
      const cause = toTillvaultError(err, p.repo.root);
      const stillNew = await rollBack(changed, hooks);
      if (stillNew.length > 0) throw new PassphraseSplitError(cause, stillNew);
      throw unchanged(cause);
    }
  }
}

/** Every changed place back to its old settings, each tried whatever the others did. */
async function rollBack(changed: readonly Prepared[], hooks: PassphraseHooks): Promise<string[]> {
  const stillNew: string[] = [];
  for (const p of changed) {
    const file = p.repo.layout.config();
    try {
      await hooks.beforeStep?.(p.repo.root, 'rollback');
      await fs.rename(p.back, file);
      await fsyncDir(path.dirname(file)).catch(() => undefined);
    } catch {
      stillNew.push(p.repo.root);
    }
  }
  return stillNew;
}
