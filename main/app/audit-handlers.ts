/**
 * The audit log screen's channels: every place's log read and merged, filtered, and exported as
 * CSV to a file the owner chooses in main's own save dialog (the window never names the path).
 */
import fs from 'node:fs/promises';
import { readAudit } from '../engine/repository/audit.js';
import { renameIntoPlace } from '../engine/fs/atomic-file.js';
import { inspectDestination, Repository } from '../engine/repository/repository.js';
import type { AuditFilter, Request, Response } from '../ipc/contract.js';
import { toIpcError } from '../ipc/errors.js';
import type { AppCore } from './app-core.js';
import { auditCsv } from './audit-csv.js';
import { matchesFilter, mergeLogs, type PlaceLog } from './audit-log.js';
import { auditWritten } from './audit-writer.js';
import { resolveLanguage } from './messages.js';
import { findJob } from './plan-places.js';
import type { Job } from './settings.js';

type AuditChannel = 'audit:list' | 'audit:export-csv';

export type AuditHandlers = {
  [C in AuditChannel]: (request: Request<C>) => Promise<Response<C>>;
};

/** What the screen shows at most; the CSV takes every entry that matches. */
const AUDIT_LIST_LIMIT = 2000;

type Unreachable = Response<'audit:list'>['unreachable'][number];

type Read = { log: PlaceLog } | { unreachable: Unreachable } | { empty: true };

async function readPlace(
  job: Job,
  d: Job['destinations'][number],
  passphrase: string | null,
  everBackedUp: boolean,
): Promise<Read> {
  const place = { jobId: job.id, destinationId: d.id, label: d.label };
  if (!passphrase) return { unreachable: { ...place, code: 'PASSPHRASE_REQUIRED' } };
  try {
    if ((await inspectDestination(d.path)) === 'missing') {
      // A folder made by its first backup, which has not run yet, has no log to miss.
      return everBackedUp ? { unreachable: { ...place, code: 'DEST_MISSING' } } : { empty: true };
    }
    const repo = await Repository.open(d.path, { kind: 'passphrase', value: passphrase });
    return { log: { ...place, plan: job.name, path: d.path, entries: await readAudit(repo) } };
  } catch (err) {
    return { unreachable: { ...place, code: toIpcError(err).code } };
  }
}

/** Every place of the plan (or of every plan), in the plans' own order. */
async function readPlaces(
  core: AppCore,
  jobId: string | undefined,
): Promise<{ logs: PlaceLog[]; unreachable: Unreachable[] }> {
  // Entries recorded a moment ago (the change just saved) are in the places before reading.
  await auditWritten(core);
  const jobs = jobId ? [findJob(core, jobId)] : core.settings.read().jobs;
  const read = await Promise.all(
    jobs.flatMap((job) =>
      job.destinations.map((d) =>
        readPlace(
          job,
          d,
          core.secrets.get(job.id),
          core.state.get(job.id).placesOkAt[d.id] !== undefined,
        ),
      ),
    ),
  );
  return {
    logs: read.flatMap((r) => ('log' in r ? [r.log] : [])),
    unreachable: read.flatMap((r) => ('unreachable' in r ? [r.unreachable] : [])),
  };
}

async function entries(core: AppCore, filter: AuditFilter) {
  const { logs, unreachable } = await readPlaces(core, filter.jobId);
  return { entries: mergeLogs(logs).filter((e) => matchesFilter(e, filter)), unreachable };
}

/** "tillvault-log-2026-05-02.csv": the day it was exported. */
function csvName(now: Date): string {
  return `tillvault-log-${now.toISOString().slice(0, 10)}.csv`;
}

export function createAuditHandlers(core: AppCore): AuditHandlers {
  return {
    'audit:list': async (req) => {
      const found = await entries(core, req);
      return {
        entries: found.entries.slice(0, AUDIT_LIST_LIMIT),
        truncated: found.entries.length > AUDIT_LIST_LIMIT,
        unreachable: found.unreachable,
      };
    },

    'audit:export-csv': async (req) => {
      const file = await core.platform.pickSaveFile(csvName(core.now()));
      if (!file) return { file: null, rows: 0 };
      const found = (await entries(core, req)).entries;
      const chosen = core.settings.read().language;
      const lang =
        chosen === 'system' ? resolveLanguage(core.platform.preferredLanguages()) : chosen;
      await renameIntoPlace(file, (temp) => fs.writeFile(temp, auditCsv(lang, found)));
      // The window may ask to show it in its folder.
      return { file: core.grants.grant(file), rows: found.length };
    },
  };
}
