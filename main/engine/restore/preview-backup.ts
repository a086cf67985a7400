/**
 * The preview of a restore straight from a place, for `tillvault restore … --dry-run`: the
 * backup a restore would use is rebuilt on the side, compared with the live database, and
 * nothing is written. The window keeps its rebuilt copy for the wizard (rebuilt-cache.ts).
 */
import path from 'node:path';
import type { DataType } from '../data-types.js';
import { makeWorkDir, removeWorkDir } from '../fs/work-dirs.js';
import type { Credential } from '../repository/config.js';
import { withLock } from '../repository/lock.js';
import { Repository } from '../repository/repository.js';
import { previewRestoreFiles, type RestorePreview } from './preview.js';
import { rebuildDatabase } from './rebuild.js';
import type { RecordRef } from './records.js';
import { chooseSnapshot } from './restore.js';

export interface PreviewFromBackupOptions {
  readonly dest: string;
  readonly credential: Credential;
  readonly ref?: string;
  readonly liveDb: string;
  readonly types: readonly DataType[] | null;
  readonly records: readonly RecordRef[] | null;
  readonly keepNew: readonly DataType[] | null;
}

export async function previewFromBackup(o: PreviewFromBackupOptions): Promise<RestorePreview> {
  const repo = await Repository.open(path.resolve(o.dest), o.credential);
  const m = (await chooseSnapshot(repo, o.ref, o.types)).manifest;
  const work = await makeWorkDir('preview');
  try {
    const file = path.join(work, 'snapshot.db');
    await withLock(repo.layout, 'restore', false, () => rebuildDatabase(repo, m, file));
    return await previewRestoreFiles(path.resolve(o.liveDb), file, m, {
      types: o.types,
      records: o.records,
      keepNew: o.keepNew,
    });
  } finally {
    await removeWorkDir(work);
  }
}
