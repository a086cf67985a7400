/**
 * Opening the destinations of one backup as copies of one repository: existing ones are
 * unlocked and must share one repository id, empty or new ones become copies of it. A
 * destination that is missing, foreign, locked or unwritable is reported and skipped. When an
 * existing one refuses the passphrase, no new one is set up: it would start a second, separate
 * set of backups under a mistyped passphrase.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { TillvaultError, toTillvaultError, type ErrorCode } from '../errors.js';
import { fileInTheWay, fileNotFolder } from '../fs/folders.js';
import { acquireLock, type Lock } from '../repository/lock.js';
import type { Credential } from '../repository/config.js';
import { DIRS, RepoLayout } from '../repository/layout.js';
import { Repository, inspectDestination } from '../repository/repository.js';

export interface OpenDestination {
  readonly path: string;
  readonly repo: Repository;
  readonly lock: Lock;
  /** This run set the repository up: it goes again if the run stores no backup in it. */
  readonly created: boolean;
  /** This run also made the folder itself (it was not there). */
  readonly madeFolder: boolean;
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

/** An existing copy of the backups, or a place to start one; throws why not. */
async function openOrClaim(
  dest: string,
  credential: Credential,
): Promise<Repository | 'empty' | 'missing'> {
  switch (await inspectDestination(dest)) {
    case 'repository':
      return Repository.open(dest, credential);
    case 'empty':
      await checkWritable(dest);
      return 'empty';
    case 'missing':
      await checkCreatable(dest);
      return 'missing';
    case 'foreign':
      throw new TillvaultError(
        'DEST_FOREIGN',
        `${dest} already holds other files. Choose an empty folder or one with Tillvault backups.`,
      );
  }
}

/** Codes that say the credential did not open existing backups. */
const REFUSED_CREDENTIAL: ReadonlySet<ErrorCode> = new Set([
  'WRONG_PASSPHRASE',
  'PASSPHRASE_REQUIRED',
]);

/** Why a new place was left alone: the credential that made it would be the refused one. */
function notSetUp(
  dest: string,
  refused: FailedDestination,
  credential: Credential,
): FailedDestination {
  const why =
    refused.code === 'PASSPHRASE_REQUIRED'
      ? `the backups in ${refused.path} need a passphrase`
      : `the ${credential.kind === 'recovery-key' ? 'recovery key' : 'passphrase'} did not open the backups in ${refused.path}`;
  return { path: dest, code: refused.code, message: `${dest} was not set up: ${why}.` };
}

/**
 * Undoes a destination this run set up and that holds no backup, so the next run starts it
 * afresh and shows a recovery key that works. Only our own files go, and the folder only when
 * this run made it and it is empty again.
 */
export async function discardCreated(
  d: Pick<OpenDestination, 'path' | 'repo' | 'madeFolder'>,
): Promise<void> {
  await d.repo.discardNew();
  if (d.madeFolder) await fs.rmdir(d.path).catch(() => undefined);
}

/**
 * Undoes a set-up that failed part way (a disk with no room even for the settings file): the
 * empty folders it made go, and the place itself when this run made it. Only empty folders are
 * removed, and nothing where another run finished setting the place up meanwhile.
 */
async function undoSetUp(dest: string, madeFolder: boolean): Promise<void> {
  if ((await inspectDestination(dest)) === 'repository') return;
  const layout = new RepoLayout(dest);
  for (const d of DIRS) await fs.rmdir(layout.dir(d)).catch(() => undefined);
  if (madeFolder) await fs.rmdir(dest).catch(() => undefined);
}

export async function prepareDestinations(
  dests: readonly string[],
  credential: Credential,
  operation: string,
): Promise<PreparedDestinations> {
  const failed: FailedDestination[] = [];
  const existing: { path: string; repo: Repository }[] = [];
  const fresh: { path: string; madeFolder: boolean }[] = [];
  for (const raw of dests) {
    const dest = path.resolve(raw);
    try {
      const found = await openOrClaim(dest, credential);
      if (found instanceof Repository) existing.push({ path: dest, repo: found });
      else fresh.push({ path: dest, madeFolder: found === 'missing' });
    } catch (err) {
      failed.push(failure(dest, err));
    }
  }

  const refused = failed.find((f) => REFUSED_CREDENTIAL.has(f.code));
  if (refused) failed.push(...fresh.map((f) => notSetUp(f.path, refused, credential)));
  const toSetUp = refused ? [] : fresh;

  const repos: Omit<OpenDestination, 'lock'>[] = [];
  const first = existing[0];
  for (const e of existing) {
    if (first && e.repo.id !== first.repo.id) {
      failed.push({
        path: e.path,
        code: 'DEST_FOREIGN',
        message: `${e.path} holds a different set of backups than ${first.path}; use one destination per set.`,
      });
    } else repos.push({ ...e, created: false, madeFolder: false });
  }

  let template = first?.repo ?? null;
  let recoveryKey: string | null = null;
  for (const { path: dest, madeFolder } of toSetUp) {
    try {
      if (template) {
        repos.push({ path: dest, repo: await template.cloneInto(dest), created: true, madeFolder });
      } else {
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
        repos.push({ path: dest, repo: made.repo, created: true, madeFolder });
      }
    } catch (err) {
      failed.push(failure(dest, err));
      await undoSetUp(dest, madeFolder).catch(() => undefined);
    }
  }

  const open: OpenDestination[] = [];
  for (const r of repos) {
    try {
      open.push({ ...r, lock: await acquireLock(r.repo.layout, operation, true) });
    } catch (err) {
      failed.push(failure(r.path, err));
      if (r.created) await discardCreated(r).catch(() => undefined);
    }
  }
  // A recovery key belongs to a repository this run made; shown only when one is there.
  const made = recoveryKey !== null && open.some((d) => d.created);
  return { open, failed, recoveryKey: made ? recoveryKey : null };
}
