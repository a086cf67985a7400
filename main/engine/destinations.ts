/**
 * Opening the destinations of one backup as copies of one repository: existing ones are
 * unlocked and must share one repository id, empty or new ones become copies of it. A
 * destination that is missing, foreign, locked or unwritable is reported and skipped.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { TillvaultError, toTillvaultError, type ErrorCode } from './errors.js';
import { fileInTheWay, fileNotFolder } from './folders.js';
import { acquireLock, type Lock } from './lock.js';
import type { Credential } from './repo-config.js';
import { Repository, inspectDestination } from './repository.js';

export interface OpenDestination {
  readonly path: string;
  readonly repo: Repository;
  readonly lock: Lock;
  readonly created: boolean;
}

export interface FailedDestination {
  readonly path: string;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface PreparedDestinations {
  readonly open: OpenDestination[];
  readonly failed: FailedDestination[];
  /** Set when this run created the repository: the only time it is shown. */
  readonly recoveryKey: string | null;
}

function failure(dest: string, err: unknown): FailedDestination {
  const e = toTillvaultError(err, dest);
  return { path: dest, code: e.code, message: e.message };
}

/**
 * Node reports a folder it could not make in a read-only place as missing (nodejs/node#47098),
 * which would say "unplugged" about a write-protected stick: ask the place itself first.
 */
async function checkWritable(dest: string): Promise<void> {
  await fs.access(dest, fs.constants.W_OK).catch((err: unknown) => {
    throw toTillvaultError(err, dest);
  });
}

/** A destination folder that is not there yet may be made, but only its last level. */
async function checkCreatable(dest: string): Promise<void> {
  const blocker = fileInTheWay(dest);
  if (blocker) throw fileNotFolder('NOT_A_REPOSITORY', blocker);
  // A missing parent is an unplugged drive or a typo: never create it.
  const parent = await fs.stat(path.dirname(dest)).catch(() => null);
  if (!parent?.isDirectory()) {
    throw new TillvaultError(
      'DEST_MISSING',
      `The place ${dest} is not available (is the drive connected?).`,
    );
  }
}

/** An existing copy of the backups, or 'fresh' for a place to start one; throws why not. */
async function openOrClaim(dest: string, credential: Credential): Promise<Repository | 'fresh'> {
  switch (await inspectDestination(dest)) {
    case 'repository':
      return Repository.open(dest, credential);
    case 'empty':
      await checkWritable(dest);
      return 'fresh';
    case 'missing':
      await checkCreatable(dest);
      return 'fresh';
    case 'foreign':
      throw new TillvaultError(
        'DEST_FOREIGN',
        `${dest} already holds other files. Choose an empty folder or one with Tillvault backups.`,
      );
  }
}

export async function prepareDestinations(
  dests: readonly string[],
  credential: Credential,
  operation: string,
): Promise<PreparedDestinations> {
  const failed: FailedDestination[] = [];
  const existing: { path: string; repo: Repository }[] = [];
  const fresh: string[] = [];
  for (const raw of dests) {
    const dest = path.resolve(raw);
    try {
      const found = await openOrClaim(dest, credential);
      if (found === 'fresh') fresh.push(dest);
      else existing.push({ path: dest, repo: found });
    } catch (err) {
      failed.push(failure(dest, err));
    }
  }

  const repos: { path: string; repo: Repository; created: boolean }[] = [];
  const first = existing[0];
  for (const e of existing) {
    if (first && e.repo.id !== first.repo.id) {
      failed.push({
        path: e.path,
        code: 'DEST_FOREIGN',
        message: `${e.path} holds a different set of backups than ${first.path}; use one destination per set.`,
      });
    } else repos.push({ ...e, created: false });
  }

  let template = first?.repo ?? null;
  let recoveryKey: string | null = null;
  for (const dest of fresh) {
    try {
      if (template) repos.push({ path: dest, repo: await template.cloneInto(dest), created: true });
      else {
        const passphrase = credential.kind === 'passphrase' ? credential.value : null;
        if (credential.kind === 'recovery-key') {
          throw new TillvaultError(
            'BAD_INPUT',
            'A new backup place needs a passphrase, not a recovery key.',
          );
        }
        const made = await Repository.init(dest, passphrase);
        template = made.repo;
        recoveryKey = made.recoveryKey;
        repos.push({ path: dest, repo: made.repo, created: true });
      }
    } catch (err) {
      failed.push(failure(dest, err));
    }
  }

  const open: OpenDestination[] = [];
  for (const r of repos) {
    try {
      open.push({ ...r, lock: await acquireLock(r.repo.layout, operation, true) });
    } catch (err) {
      failed.push(failure(r.path, err));
    }
  }
  return { open, failed, recoveryKey };
}
