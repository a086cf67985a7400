/**
 * A new passphrase for backups that already exist: on a new computer opened with the printed
 * recovery key, and when the owner changes it. The master keys stay (every backup stays
 * readable, the recovery key keeps working); only their wrapping by the passphrase is new. Every
 * place of a plan holds the same settings file, so that any place can repair another: all of
 * them get the new one, or none does.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { TillvaultError } from '../errors.js';
import { renameIntoPlace } from '../fs/atomic-file.js';
import { appendAudit } from './audit.js';
import { rewrapPassphrase, type Credential } from './config.js';
import { acquireLock } from './lock.js';
import { Repository } from './repository.js';

/** Replaces a settings file whole. */
function replaceFile(file: string, text: string): Promise<void> {
  return renameIntoPlace(file, (temp) => fs.writeFile(temp, text, { flag: 'wx' }));
}

export async function changePassphrase(
  dests: readonly string[],
  credential: Credential,
  passphrase: string,
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
  const other = repos.find((r) => r.configText !== first.configText);
  if (other) {
    throw new TillvaultError(
      'BAD_INPUT',
      `${other.root} holds other settings than ${first.root}; repair it from the other place first.`,
    );
  }
  const text = JSON.stringify(await rewrapPassphrase(first.config, keys, passphrase), null, 2);
  // A backup meanwhile would read the settings half-way through the change: none may run.
  const locks = [];
  try {
    for (const repo of repos) locks.push(await acquireLock(repo.layout, 'passphrase', true));
    const done: Repository[] = [];
    try {
      for (const repo of repos) {
        await replaceFile(repo.layout.config(), text);
        done.push(repo);
      }
    } catch (err) {
      // The old settings go back where the new ones were written: one passphrase for all.
      for (const repo of done) await replaceFile(repo.layout.config(), repo.configText);
      throw err;
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
