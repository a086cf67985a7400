/**
 * The audit logs of a plan's places read as one: each event once, with the places that hold it,
 * named in words the window and the CSV translate (AuditWhat). Pure: the reading is elsewhere.
 */
import path from 'node:path';
import { z } from 'zod';
import { DATA_TYPES } from '../engine/data-types.js';
import type { AuditEntry } from '../engine/repository/audit.js';
import {
  AUDIT_FIELDS,
  type AuditEntryView,
  type AuditFilter,
  type AuditKind,
  type AuditWhat,
} from '../ipc/contract.js';

/** One place's log as read: its entries, oldest first, damaged ones by their file's id. */
export interface PlaceLog {
  readonly jobId: string;
  readonly plan: string;
  readonly destinationId: string;
  readonly label: string;
  readonly path: string;
  readonly entries: readonly (AuditEntry | { damaged: string })[];
}

/**
 * Engine entries carry no shared id: the same backup or check written to each place is known by
 * its content, written within this long of the first (a full check reads place after place).
 */
const SAME_EVENT_MS = 30 * 60_000;

const fileName = z.string().transform((p) => path.basename(p));
const names = z.array(z.string()).max(200);
const backupDetails = z.object({ source: fileName });
const checkDetails = z.object({ verifiedSnapshots: names, damagedSnapshots: names });
const pruneDetails = z.object({ removed: names });
const repairDetails = z.object({ from: z.string(), chunksReplaced: z.number() });
const intoDetails = z.object({
  into: fileName,
  types: z.array(z.enum(DATA_TYPES)).nullable().optional(),
  tables: names.optional(),
  records: z.array(z.unknown()).nullable().optional(),
});
const toDetails = z.object({ to: fileName, setAside: z.unknown().optional() });
/** What the app writes for plan and settings changes and the PIN (audit-writer.ts). */
const planDetails = z.object({
  change: z.enum(['created', 'updated', 'removed']),
  jobId: z.string(),
  plan: z.string(),
  fields: z.array(z.enum(AUDIT_FIELDS)).optional(),
});
const settingsDetails = z.object({ fields: z.array(z.enum(AUDIT_FIELDS)) });
const PIN_MESSAGES = {
  unlocked: 'pinUnlocked',
  failed: 'pinFailed',
  locked: 'pinLocked',
  set: 'pinSet',
  removed: 'pinRemoved',
  reset: 'pinReset',
} as const;
export type PinChange = keyof typeof PIN_MESSAGES;
const pinDetails = z.object({
  change: z.enum(Object.keys(PIN_MESSAGES) as [PinChange, ...PinChange[]]),
});

interface Described {
  kind: AuditKind;
  what: AuditWhat;
  /** The plan it is about, when not the plan of the place holding it; null: none. */
  plan?: { jobId: string; name: string } | null;
}

/** A restore of a backup that an earlier restore made of what it replaced undoes that one. */
function safetyBackups(logs: readonly PlaceLog[]): Set<string> {
  const out = new Set<string>();
  for (const log of logs) {
    for (const e of log.entries) {
      if ('damaged' in e || e.operation !== 'restore') continue;
      const id = e.details['safetySnapshotId'];
      if (typeof id === 'string') out.add(id);
    }
  }
  return out;
}

function describeRestore(e: AuditEntry, undo: boolean): Described {
  const into = intoDetails.safeParse(e.details);
  if (into.success) {
    const { into: file, types, records, tables } = into.data;
    if (undo) return { kind: 'undo', what: { message: 'undo', file } };
    if (records) return { kind: 'restore', what: { message: 'restoreRecords', file, tables } };
    if (types) return { kind: 'restore', what: { message: 'restoreTypes', file, types } };
    return { kind: 'restore', what: { message: 'restoreAll', file } };
  }
  const to = toDetails.safeParse(e.details);
  if (to.success) {
    const message = to.data.setAside === undefined ? 'restoreCopy' : 'restoreRecreate';
    return { kind: 'restore', what: { message, file: to.data.to } };
  }
  return other('restore', e);
}

const other = (kind: AuditKind, e: AuditEntry): Described => ({
  kind,
  what: { message: 'other', summary: e.summary },
});

function describe(
  e: AuditEntry,
  undoIds: ReadonlySet<string>,
  placeName: (p: string) => string,
): Described {
  const d = e.details;
  switch (e.operation) {
    case 'backup': {
      const b = backupDetails.safeParse(d);
      if (!b.success) return other('backup', e);
      const message = e.result === 'damaged' ? 'backupDamaged' : 'backup';
      return { kind: 'backup', what: { message, file: b.data.source } };
    }
    case 'verify': {
      const c = checkDetails.safeParse(d);
      if (!c.success) return other('check', e);
      return {
        kind: 'check',
        what:
          e.result === 'ok'
            ? { message: 'check', count: c.data.verifiedSnapshots.length }
            : { message: 'checkDamaged', count: c.data.damagedSnapshots.length },
      };
    }
    case 'restore':
      return describeRestore(e, e.snapshotId !== null && undoIds.has(e.snapshotId));
    case 'prune': {
      const p = pruneDetails.safeParse(d);
      if (!p.success) return other('prune', e);
      const message = e.result === 'failed' ? 'pruneFailed' : 'prune';
      return { kind: 'prune', what: { message, count: p.data.removed.length } };
    }
    case 'repair': {
      const r = repairDetails.safeParse(d);
      if (!r.success) return other('repair', e);
      return {
        kind: 'repair',
        what: { message: 'repair', from: placeName(r.data.from), count: r.data.chunksReplaced },
      };
    }
    case 'passphrase':
      // A new recovery key is recorded as a passphrase entry, which older versions still read.
      return {
        kind: 'settings',
        what: { message: d['change'] === 'recovery-key' ? 'recoveryKey' : 'passphrase' },
      };
    case 'init':
      return { kind: 'plan', what: { message: 'setup' } };
    case 'plan': {
      const p = planDetails.safeParse(d);
      if (!p.success) return other('plan', e);
      const { change, jobId, plan, fields } = p.data;
      const message =
        change === 'created' ? 'planCreated' : change === 'removed' ? 'planRemoved' : 'planUpdated';
      return {
        kind: 'plan',
        what: { message, plan, ...(fields ? { fields } : {}) },
        plan: { jobId, name: plan },
      };
    }
    case 'settings': {
      const s = settingsDetails.safeParse(d);
      if (!s.success) return { ...other('settings', e), plan: null };
      return { kind: 'settings', what: { message: 'settings', fields: s.data.fields }, plan: null };
    }
    case 'pin': {
      const p = pinDetails.safeParse(d);
      if (!p.success) return { ...other('pin', e), plan: null };
      return { kind: 'pin', what: { message: PIN_MESSAGES[p.data.change] }, plan: null };
    }
  }
}

/** A place of the plan by its label; a folder that is not one of them by its path. */
function labelOf(logs: readonly PlaceLog[], jobId: string, p: string): string {
  const resolved = path.resolve(p);
  return logs.find((l) => l.jobId === jobId && path.resolve(l.path) === resolved)?.label ?? p;
}

/** "20260502T140311123Z-…", the log file's id, back to the time it was written. */
function timeOfId(id: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z/.exec(id);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z` : new Date(0).toISOString();
}

interface Group {
  key: string;
  first: AuditEntry;
  log: PlaceLog;
  at: number;
  places: PlaceLog[];
}

function groupKey(e: AuditEntry, log: PlaceLog): string {
  if (e.event) return `event:${e.event}`;
  // The same backup has the same id everywhere; its per-place sizes differ.
  const words = e.operation === 'backup' && e.snapshotId ? '' : e.summary;
  // Who did it tells apart two events in the same words: a command-line check of one place
  // must not take in the window's check of the others (logs from before say no one: as before).
  return JSON.stringify([
    log.jobId,
    e.operation,
    e.result,
    e.snapshotId,
    e.user,
    e.host,
    words,
    e.actor ?? null,
  ]);
}

/** Every event of these logs once, newest first, with the places that hold it. */
export function mergeLogs(logs: readonly PlaceLog[]): AuditEntryView[] {
  const undoIds = safetyBackups(logs);
  const views: AuditEntryView[] = [];
  const flat = logs.flatMap((log) => log.entries.map((entry) => ({ log, entry })));
  const entries = flat.flatMap(({ log, entry }) => ('damaged' in entry ? [] : [{ log, entry }]));
  entries.sort((a, b) => a.entry.time.localeCompare(b.entry.time));
  const open = new Map<string, Group[]>();
  const groups: Group[] = [];
  for (const { log, entry } of entries) {
    const key = groupKey(entry, log);
    const at = Date.parse(entry.time);
    const same = (open.get(key) ?? []).find(
      (g) =>
        !g.places.some((p) => p.jobId === log.jobId && p.destinationId === log.destinationId) &&
        (entry.event !== undefined || at - g.at <= SAME_EVENT_MS),
    );
    if (same) {
      same.places.push(log);
      continue;
    }
    const group: Group = { key, first: entry, log, at, places: [log] };
    groups.push(group);
    open.set(key, [...(open.get(key) ?? []), group]);
  }
  for (const g of groups) {
    const e = g.first;
    const d = describe(e, undoIds, (p) => labelOf(logs, g.log.jobId, p));
    views.push({
      id: e.event ?? `${g.log.jobId}/${g.log.destinationId}/${e.time}/${views.length}`,
      time: e.time,
      kind: d.kind,
      result: e.result,
      actor:
        e.actor ??
        (e.operation === 'backup' && e.details['trigger'] === 'scheduled' ? 'schedule' : 'unknown'),
      user: e.user,
      host: e.host,
      what: d.what,
      plan: d.plan === undefined ? { jobId: g.log.jobId, name: g.log.plan } : d.plan,
      places: g.places.map((p) => ({
        jobId: p.jobId,
        destinationId: p.destinationId,
        label: p.label,
      })),
    });
  }
  // A damaged entry is listed, never hidden: it may be the one that mattered.
  for (const { log, entry } of flat) {
    if (!('damaged' in entry)) continue;
    views.push({
      id: `${log.jobId}/${log.destinationId}/${entry.damaged}`,
      time: timeOfId(entry.damaged),
      kind: 'other',
      result: 'damaged',
      actor: 'unknown',
      user: '',
      host: '',
      what: { message: 'unreadable' },
      plan: { jobId: log.jobId, name: log.plan },
      places: [{ jobId: log.jobId, destinationId: log.destinationId, label: log.label }],
    });
  }
  // Newest first; of two written in the same millisecond, the later one first too.
  return views.reverse().sort((a, b) => b.time.localeCompare(a.time));
}

export function matchesFilter(e: AuditEntryView, f: AuditFilter): boolean {
  if (f.kinds && !f.kinds.includes(e.kind)) return false;
  const at = Date.parse(e.time);
  if (f.from && at < Date.parse(f.from)) return false;
  if (f.to && at >= Date.parse(f.to)) return false;
  return true;
}
