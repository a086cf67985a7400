/**
 * The audit log kept inside the destination: one sealed, write-once file per event (backup,
 * verify, restore, prune, repair, plan and settings changes, the owner's PIN), so it travels
 * with the backups and survives a dead computer.
 */
import os from 'node:os';
import { z } from 'zod';
import { writeOnce } from '../fs/atomic-file.js';
import { toTillvaultError } from '../errors.js';
import { makePlaceFolder, readPlaceFile } from '../fs/place-files.js';
import { newTimeId } from './manifest.js';
import { isLogId } from './layout.js';
import type { Repository } from './repository.js';

export const OPERATIONS = [
  'init',
  'backup',
  'verify',
  'restore',
  'prune',
  'repair',
  'passphrase',
  'plan',
  'settings',
  'pin',
] as const;

/** Who did it: the owner (PIN unlocked), staff at the window, the schedule, the command line. */
export const ACTORS = ['owner', 'staff', 'schedule', 'cli'] as const;
export type Actor = (typeof ACTORS)[number];

const entrySchema = z.object({
  time: z.string(),
  operation: z.enum(OPERATIONS),
  result: z.enum(['ok', 'failed', 'damaged']),
  user: z.string(),
  host: z.string(),
  summary: z.string(),
  snapshotId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  // Optional: logs written before these were recorded still read.
  actor: z.enum(ACTORS).optional(),
  /** One event written to several places (a plan change) has the same id in each. */
  event: z.string().max(64).optional(),
});

export type AuditEntry = z.infer<typeof entrySchema>;

export function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * Records one event. On a place that cannot be written (a reader's visit to a write-protected
 * USB stick) there is nothing to record into, and the operation itself went fine: skipped.
 */
export async function appendAudit(
  repo: Repository,
  entry: Omit<AuditEntry, 'time' | 'user' | 'host'>,
  now = new Date(),
): Promise<void> {
  const full: AuditEntry = {
    time: now.toISOString(),
    user: currentUser(),
    host: os.hostname(),
    ...entry,
  };
  const id = newTimeId(now);
  try {
    await makePlaceFolder(repo.layout.dir('log'));
    await writeOnce(
      repo.layout.log(id),
      repo.sealFile(`log:${id}`, Buffer.from(JSON.stringify(full))),
    );
  } catch (err) {
    const e = toTillvaultError(err, repo.root);
    if (e.code !== 'DEST_READONLY') throw e;
  }
}

/** Oldest first. Entries that are damaged are listed as such rather than hidden. */
export async function readAudit(repo: Repository): Promise<(AuditEntry | { damaged: string })[]> {
  const out: (AuditEntry | { damaged: string })[] = [];
  for (const id of await repo.listNames('log')) {
    if (!isLogId(id)) continue;
    const raw = await readPlaceFile(repo.layout.log(id), 'log');
    const plain = repo.openFile(`log:${id}`, raw);
    const parsed = plain ? entrySchema.safeParse(safeJson(plain.toString('utf8'))) : null;
    out.push(parsed?.success ? parsed.data : { damaged: id });
  }
  return out;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
