/**
 * The restore wizard's steps as engine calls, run on the engine's worker thread. Every step
 * that reads the backup's rows uses the one rebuilt copy in the wizard's folder (rebuilt once,
 * the first time a step needs it), so a preview, record lookups and the restore itself do not
 * rebuild the same backup again.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DataType } from '../engine/data-types.js';
import { TillvaultError } from '../engine/errors.js';
import { placeUnderNewName, tempNameFor } from '../engine/fs/atomic-file.js';
import { appendAudit, type Actor } from '../engine/repository/audit.js';
import type { Credential } from '../engine/repository/config.js';
import type { Manifest } from '../engine/repository/manifest.js';
import { Repository } from '../engine/repository/repository.js';
import { withLock } from '../engine/repository/lock.js';
import {
  checkAfterRestore,
  expectedRows,
  foreignKeyProblems,
  rowCounts,
  type AfterRestoreChecks,
  type PlannedTable,
} from '../engine/restore/after-checks.js';
import { previewRestoreFiles, type RestorePreview } from '../engine/restore/preview.js';
import { recordHistory } from '../engine/restore/record-history.js';
import { searchRecords, type RecordMatch } from '../engine/restore/record-search.js';
import type { RecordRef } from '../engine/restore/records.js';
import { RebuiltSnapshots } from '../engine/restore/rebuilt-cache.js';
import {
  findSnapshot,
  lockLiveDatabase,
  restoreInto,
  restoreToFile,
} from '../engine/restore/restore.js';
import type { RestoreIntoResult, RestoreProgress } from '../engine/restore/restore.js';
import { closeNewSidecars, readingDatabase, sidecarsOf } from '../engine/source/live-sidecars.js';
import { businessSummary } from '../engine/source/schema.js';
import type { RestoreWhat } from '../ipc/contract.js';

/** One backup in one place, and the wizard's folder of rebuilt copies. */
export interface SnapshotAt {
  dest: string;
  credential: Credential;
  snapshotId: string;
  cacheDir: string;
}

export type RestoreStep =
  | { step: 'prepare'; at: SnapshotAt }
  | { step: 'find'; at: SnapshotAt; text: string; type: DataType | null }
  | { step: 'record'; at: SnapshotAt; table: string; key: string; liveDb: string | null }
  | {
      step: 'preview';
      at: SnapshotAt;
      liveDb: string;
      what: RestoreWhat;
      keepNew: DataType[] | null;
    }
  | { step: 'probe'; liveDb: string }
  | {
      step: 'run';
      at: SnapshotAt;
      liveDb: string;
      what: RestoreWhat;
      keepNew: DataType[] | null;
      clashesCsv: string;
      planned: PlannedTable[];
      actor: Actor;
    }
  | { step: 'copy'; at: SnapshotAt; file: string; actor: Actor }
  | { step: 'recreate'; at: SnapshotAt; liveDb: string; actor: Actor }
  | { step: 'to-file'; dest: string; credential: Credential; snapshotId: string; file: string };

export interface RunOutcome {
  result: RestoreIntoResult;
  checks: AfterRestoreChecks;
  /** Sales (receipts) among the kept rows, as the business summary counts them. */
  keptSales: number | null;
}

export interface ToFileOutcome {
  file: string;
  bytes: number;
  checks: AfterRestoreChecks;
}

export interface RecreateOutcome {
  /** Where a damaged database found at the path was moved to; null when there was none. */
  setAside: string | null;
  checks: AfterRestoreChecks;
}

type Progress = (p: RestoreProgress) => void;

async function opened(at: SnapshotAt): Promise<{ repo: Repository; m: Manifest }> {
  const repo = await Repository.open(at.dest, at.credential);
  return { repo, m: await findSnapshot(repo, at.snapshotId) };
}

async function rebuilt(at: SnapshotAt, onProgress?: Progress): Promise<string> {
  const { repo, m } = await opened(at);
  // A prune meanwhile must not take the packs away from under the rebuild.
  return withLock(repo.layout, 'restore', false, () =>
    new RebuiltSnapshots(at.cacheDir).file(repo, m, { onProgress }),
  );
}

function recordsOf(what: RestoreWhat): RecordRef[] | null {
  return what.kind === 'records' ? what.records : null;
}

function typesOf(what: RestoreWhat): DataType[] | null {
  return what.kind === 'types' ? what.types : null;
}

/**
 * A copy of the rebuilt backup under a new name: temp file, sync, then the name, so a half copy
 * never has it. Never replaces a file.
 */
async function copyInto(from: string, file: string): Promise<number> {
  const taken = (): TillvaultError =>
    new TillvaultError('BAD_INPUT', `${file} already exists; choose a new file name.`);
  if (await fs.lstat(file).catch(() => null)) throw taken();
  const temp = tempNameFor(file);
  try {
    await fs.copyFile(from, temp, fs.constants.COPYFILE_EXCL);
    const handle = await fs.open(temp, 'r+');
    await handle.sync().finally(() => handle.close());
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
  // A file made under the name meanwhile (the till starting again) is never replaced.
  await placeUnderNewName(temp, file).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'EEXIST' ? taken() : err;
  });
  return (await fs.stat(file)).size;
}

/**
 * A damaged database and its journal files moved aside, never deleted. The journal files go
 * first and go even when the database itself is gone: a -wal left beside the restored file
 * would be replayed into it by the next program that opens it.
 */
async function setAside(liveDb: string): Promise<string | null> {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const aside = `${liveDb}.damaged-${stamp}`;
  let moved = false;
  for (const suffix of ['-wal', '-shm', '-journal', '']) {
    await fs.rename(liveDb + suffix, aside + suffix).then(
      () => (moved = true),
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      },
    );
  }
  return moved ? aside : null;
}

/**
 * "412 sales made since were kept": the sales tables hold the backup's sales plus the kept
 * ones, so the summary's count after the restore less the backup's is the kept sales.
 */
async function keptSales(
  job: Extract<RestoreStep, { step: 'run' }>,
  result: RestoreIntoResult,
): Promise<number | null> {
  if (!result.kept?.some((k) => k.type === 'sales' && k.kept > 0)) return null;
  const { m } = await opened(job.at);
  if (m.summary.sales === null) return null;
  const after = readingDatabase(job.liveDb, (db) =>
    businessSummary(
      db,
      m.tables.map((t) => ({ table: t.name, type: t.type })),
    ),
  );
  return after.sales === null || after.sales < m.summary.sales
    ? null
    : after.sales - m.summary.sales;
}

export async function runRestoreStep(job: RestoreStep, onProgress: Progress): Promise<unknown> {
  switch (job.step) {
    case 'prepare':
      await rebuilt(job.at, onProgress);
      return { ok: true };
    case 'find': {
      const file = await rebuilt(job.at, onProgress);
      const matches: RecordMatch[] = readingDatabase(file, (db) =>
        searchRecords(db, 'main', { text: job.text, type: job.type ?? undefined, limit: 50 }),
      );
      return matches;
    }
    case 'record':
      return recordHistory(job.at.dest, job.at.credential, {
        table: job.table,
        keys: [job.key],
        cacheDir: job.at.cacheDir,
        liveDb: job.liveDb ?? undefined,
      });
    case 'preview': {
      const file = await rebuilt(job.at, onProgress);
      const { m } = await opened(job.at);
      const preview: RestorePreview = await previewRestoreFiles(job.liveDb, file, m, {
        types: typesOf(job.what),
        records: recordsOf(job.what),
        keepNew: job.keepNew,
      });
      return preview;
    }
    case 'probe': {
      const before = sidecarsOf(job.liveDb);
      try {
        lockLiveDatabase(job.liveDb, false).close();
        return { free: true };
      } catch (err) {
        if (err instanceof TillvaultError && err.code === 'DB_IN_USE') return { free: false };
        throw err;
      } finally {
        closeNewSidecars(job.liveDb, before);
      }
    }
    case 'run': {
      const file = await rebuilt(job.at, onProgress);
      const linksBefore = foreignKeyProblems(job.liveDb);
      const rowsBefore = rowCounts(
        job.liveDb,
        job.planned.map((p) => p.table),
      );
      const result = await restoreInto({
        dest: job.at.dest,
        credential: job.at.credential,
        ref: job.at.snapshotId,
        liveDb: job.liveDb,
        types: typesOf(job.what),
        records: recordsOf(job.what),
        keepNew: job.keepNew,
        clashesCsv: job.clashesCsv,
        rebuilt: file,
        onProgress,
        actor: job.actor,
      });
      onProgress({ phase: 'check', done: 0, total: 1 });
      const kept = new Map((result.kept ?? []).map((k) => [k.table, k.kept]));
      const outcome: RunOutcome = {
        result,
        keptSales: await keptSales(job, result),
        checks: checkAfterRestore(
          job.liveDb,
          expectedRows(job.planned, rowsBefore, kept),
          linksBefore,
        ),
      };
      return outcome;
    }
    case 'copy': {
      const file = await rebuilt(job.at, onProgress);
      const bytes = await copyInto(file, job.file);
      const { repo, m } = await opened(job.at);
      await appendAudit(repo, {
        operation: 'restore',
        result: 'ok',
        actor: job.actor,
        snapshotId: m.id,
        summary: `Restored backup ${m.id} into the new file ${path.basename(job.file)} to look at.`,
        details: { to: job.file },
      }).catch(() => undefined);
      return { file: job.file, bytes };
    }
    case 'to-file': {
      // Only who holds the passphrase or the recovery key gets this far: the owner.
      const r = await restoreToFile(
        job.dest,
        job.credential,
        job.snapshotId,
        job.file,
        onProgress,
        'owner',
      );
      const { m } = await opened({ ...job, cacheDir: '' });
      const outcome: ToFileOutcome = {
        file: r.file,
        bytes: r.bytes,
        checks: checkAfterRestore(
          r.file,
          m.tables.map((t) => ({ table: t.name, rows: t.rows })),
        ),
      };
      return outcome;
    }
    case 'recreate': {
      const file = await rebuilt(job.at, onProgress);
      const aside = await setAside(job.liveDb);
      await copyInto(file, job.liveDb);
      const { repo, m } = await opened(job.at);
      await appendAudit(repo, {
        operation: 'restore',
        result: 'ok',
        actor: job.actor,
        snapshotId: m.id,
        summary: `Restored backup ${m.id} as ${path.basename(job.liveDb)}, which was ${aside ? 'damaged (kept as ' + path.basename(aside) + ')' : 'gone'}.`,
        details: { to: job.liveDb, setAside: aside },
      }).catch(() => undefined);
      const outcome: RecreateOutcome = {
        setAside: aside,
        checks: checkAfterRestore(
          job.liveDb,
          m.tables.map((t) => ({ table: t.name, rows: t.rows })),
        ),
      };
      return outcome;
    }
  }
}
