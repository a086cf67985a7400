/** Plain-language output for people at a terminal. */
import type { BackupProgress, BackupResult } from '../engine/backup/backup.js';
import type { DiffResult } from '../engine/restore/diff.js';
import type { Clash, KeptRows } from '../engine/restore/keep-new.js';
import type { PreviewWarning, RestorePreview } from '../engine/restore/preview.js';
import type { RecordHistory } from '../engine/restore/record-history.js';
import type { BackupSearch, Cell, RecordMatch } from '../engine/restore/record-search.js';
import type { SnapshotChanges } from '../engine/restore/changes.js';
import type { FoundRepository } from '../engine/places/find.js';
import type { PruneResult } from '../engine/maintenance/prune.js';
import type { VerifyResult } from '../engine/maintenance/verify.js';
import type { Actor, AuditEntry } from '../engine/repository/audit.js';
import { formatBytes } from './output.js';
import type { SnapshotListing, TypedTable } from '../engine/source/inspect.js';

function summaryLine(s: {
  members: number | null;
  sales: number | null;
  lastSaleAt: string | null;
}): string {
  const parts: string[] = [];
  if (s.members !== null) parts.push(`${s.members.toLocaleString('en')} members`);
  if (s.sales !== null) parts.push(`${s.sales.toLocaleString('en')} sales`);
  if (s.lastSaleAt) parts.push(`last sale ${s.lastSaleAt}`);
  return parts.join(', ');
}

const PHASES: Record<BackupProgress['phase'], string> = {
  snapshot: 'Taking a consistent copy',
  store: 'Storing',
  finish: 'Finishing',
};

export function backupPhase(phase: BackupProgress['phase']): string {
  return PHASES[phase];
}

/** A failed run leads with the failure: it must not read like a backup that exists. */
function backupHead(r: BackupResult): string {
  return r.error
    ? `No backup of ${r.source} was made: no destination could store it.`
    : `Backup ${r.snapshotId} of ${r.source}: ${summaryLine(r.summary)} (${r.types.join(', ')}).`;
}

export function humanBackup(r: BackupResult): string {
  const lines = [backupHead(r)];
  if (r.sourceDamage)
    lines.push(`DAMAGED DATABASE (${r.sourceDamage.code}): ${r.sourceDamage.message}`);
  for (const d of r.destinations) {
    lines.push(
      d.ok
        ? `  ✓ ${d.path}: ${formatBytes(d.newBytes)} new, ${formatBytes(d.storedBytes)} in total, ${(d.durationMs / 1000).toFixed(1)} s`
        : `  ✗ ${d.path}: skipped — ${d.error?.message ?? 'failed'}`,
    );
    if (d.warning) lines.push(`    Warning: ${d.warning}`);
  }
  // The same spelling twice needs no note; a link or another spelling of a folder does.
  for (const d of r.duplicates.filter((x) => x.path !== x.sameAs)) {
    lines.push(`  = ${d.path}: the same place as ${d.sameAs}, stored once`);
  }
  if (r.recoveryKey) {
    lines.push(
      '',
      'Recovery key (shown only now — print it or write it down and keep it away from the computer):',
      `  ${r.recoveryKey}`,
    );
  }
  return lines.join('\n');
}

export function humanTypes(tables: TypedTable[]): string {
  const width = Math.max(5, ...tables.map((t) => t.table.length));
  return tables
    .map((t) => `${t.table.padEnd(width)}  ${t.type.padEnd(8)} ${String(t.rows).padStart(9)} rows`)
    .join('\n');
}

/** "2026-12-02 14:05" in the computer's own time zone, as the shop keeps its hours. */
function localTime(iso: string): string {
  const t = new Date(iso);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())} ${two(t.getHours())}:${two(t.getMinutes())}`;
}

/** What a backup holds; one made with --types says which types, so it is not taken for all. */
function contents(s: SnapshotListing['snapshots'][number]): string {
  const summary = summaryLine(s.summary);
  if (s.complete) return summary;
  const only = `only ${s.types.join(', ')}`;
  return summary ? `${summary}; ${only}` : only;
}

export function humanSnapshots(l: SnapshotListing): string {
  if (l.snapshots.length === 0 && l.damaged.length === 0) {
    return `No backups in ${l.destination} yet.`;
  }
  const lines = l.snapshots.map(
    (s) =>
      `${localTime(s.time)}  ${s.id}  ${s.trigger.padEnd(11)} ${contents(s).padEnd(50)} ${formatBytes(s.bytes).padStart(9)}  +${formatBytes(s.newBytes)}${s.label ? `  "${s.label}"` : ''}${s.sourceCheck?.ok === false ? `  DAMAGED DATABASE: ${s.sourceCheck.detail}` : ''}`,
  );
  for (const d of l.damaged) lines.push(`${d.id}  DAMAGED: ${d.error}`);
  return lines.join('\n');
}

export function humanVerify(r: VerifyResult): string {
  const head = r.ok
    ? `All ${r.snapshots.length} backup(s) passed the ${r.level} check (${r.chunksChecked} parts checked).`
    : `Damage found (${r.level} check): ${r.damagedSnapshots.join(', ') || 'see problems'}`;
  const lines = [head];
  // Whole backups of a damaged database: quick and full pass them, so they are named here.
  const marked = r.sourceDamaged.filter((id) => !r.problems.some((p) => p.id === id));
  if (marked.length > 0) {
    lines.push(
      `  Taken of a database that was already damaged (SOURCE_DAMAGED), so a restore of them is damaged too: ${marked.join(', ')}`,
    );
  }
  for (const p of r.problems.slice(0, 20)) {
    // Chunk and pack names are 64 hex digits: 16 tell them apart. Backup ids stay whole.
    const id = /^[0-9a-f]{64}$/.test(p.id) ? p.id.slice(0, 16) : p.id;
    lines.push(`  ${p.kind} ${id}: ${p.problem}`);
  }
  if (r.problems.length > 20) lines.push(`  … and ${r.problems.length - 20} more`);
  if (r.drill) {
    lines.push(
      `Restore drill of ${r.drill.snapshotId}: rebuilt in ${(r.drill.restoreMs / 1000).toFixed(1)} s, integrity ${r.drill.integrity}, ${r.drill.foreignKeyViolations} foreign-key problems, row counts ${r.drill.rowCountsMatch ? 'match' : 'DIFFER'}.`,
    );
  }
  return lines.join('\n');
}

export function humanDiff(r: DiffResult): string {
  const lines = [`Changes in ${r.database} since backup ${r.snapshotId}:`];
  for (const t of r.tables) {
    lines.push(
      `  ${t.table}: +${t.added} added, -${t.removed} removed, ~${t.changed} changed${t.note ? ` (${t.note})` : ''}`,
    );
  }
  return [...lines, ...r.warnings].join('\n');
}

/** What a restore with --keep-new kept, and the rows it did not because they clash. */
export function humanKept(
  kept: readonly KeptRows[],
  clashes: readonly Clash[],
  csv: string | null,
): string[] {
  const lines = kept.map(
    (k) =>
      `  ${k.table}: ${k.kept} row(s) added since kept${k.clashes > 0 ? `, ${k.clashes} clash(es) not kept` : ''}${k.lastNumberAfter !== null ? ` (last number ${k.lastNumberBefore ?? '-'} before, ${k.lastNumberAfter} now)` : ''}`,
  );
  if (clashes.length === 0) return lines;
  const shown = clashes.slice(0, 10).map((c) => {
    const key = Object.entries(c.key)
      .map(([col, v]) => `${col}=${String(v)}`)
      .join(', ');
    return `    ${c.table} ${key}: ${c.reason}`;
  });
  const more = clashes.length > 10 ? [`    … and ${clashes.length - 10} more`] : [];
  const where = csv ? [`  The rows not kept, with their backup and live values: ${csv}`] : [];
  return [
    ...lines,
    '  Not kept, because they clash with the restored rows:',
    ...shown,
    ...more,
    ...where,
  ];
}

/** Each backup place found, with its newest backup, or where nothing was found. */
export function humanFound(searched: readonly string[], found: readonly FoundRepository[]): string {
  if (found.length === 0) {
    return searched.length > 0
      ? `No Tillvault backups in ${searched.join(', ')}.`
      : 'No removable drive or cloud folder to look in; name a folder: tillvault find FOLDER.';
  }
  return found
    .map((f) => {
      const newest = f.newestAt ? `newest ${localTime(f.newestAt)}` : 'no backups yet';
      const lock = f.encrypted ? 'encrypted' : 'not encrypted';
      return `${f.path}  ${f.backups} backup(s), ${newest}, ${lock}`;
    })
    .join('\n');
}

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

/** "2026-12-07 10:00  members: 38 removed; sales: 412 added" per backup, newest first. */
export function humanChanges(list: readonly SnapshotChanges[]): string {
  return list
    .map((c) => {
      const head = `${localTime(c.time)}  ${c.snapshotId}`;
      if (!c.previousId) return `${head}  the first backup`;
      const parts = c.types.flatMap((t) => {
        const said = [
          t.added > 0 ? `${t.added} added` : '',
          t.removed > 0 ? `${t.removed} removed` : '',
          t.changed > 0 ? `${t.changed} changed` : '',
        ].filter(Boolean);
        return said.length > 0 ? [`${t.type}: ${said.join(', ')}`] : [];
      });
      const summary = [
        c.delta.members ? `members ${signed(c.delta.members)}` : '',
        c.delta.sales ? `sales ${signed(c.delta.sales)}` : '',
      ].filter(Boolean);
      const what = parts.length > 0 ? parts.join('; ') : 'nothing changed';
      return `${head}  ${what}${summary.length > 0 ? ` (${summary.join(', ')})` : ''}`;
    })
    .join('\n');
}

export function humanPrune(r: PruneResult, policy: string): string {
  const verb = r.dryRun ? 'Would remove' : 'Removed';
  return [
    `Policy: ${policy}.`,
    `${verb} ${r.remove.length} backup(s), keeping ${r.keep.length}.`,
    ...(r.dryRun
      ? []
      : [
          `Freed ${formatBytes(Math.max(0, r.bytesFreed))} (${r.packsDeleted} files removed, ${r.packsRewritten} rewritten).`,
        ]),
  ].join('\n');
}

const ACTOR_WORDS: Record<Actor, string> = {
  owner: 'owner',
  staff: 'staff',
  schedule: 'schedule',
  cli: 'command line',
};

/** Who did it, as the window's Audit screen says it. */
function actorWords(e: AuditEntry): string {
  if (e.actor) return ACTOR_WORDS[e.actor];
  // Written before Tillvault recorded who: a scheduled backup still says it was one.
  return e.operation === 'backup' && e.details['trigger'] === 'scheduled'
    ? ACTOR_WORDS.schedule
    : 'unknown';
}

export function humanLog(entries: readonly (AuditEntry | { damaged: string })[]): string {
  if (entries.length === 0) return 'No entries yet.';
  const width = Math.max(...Object.values(ACTOR_WORDS).map((w) => w.length));
  return entries
    .map((e) =>
      'damaged' in e
        ? `(damaged entry ${e.damaged})`
        : `${e.time}  ${e.operation.padEnd(8)} ${e.result.padEnd(8)} by ${actorWords(e).padEnd(width)}  ${e.user}@${e.host}  ${e.summary}`,
    )
    .join('\n');
}

const CELL_WIDTH = 24;

function cellText(v: Cell | undefined): string {
  const text = v === null || v === undefined ? '—' : String(v);
  return text.length > CELL_WIDTH ? `${text.slice(0, CELL_WIDTH - 1)}…` : text;
}

/**
 * Per record, the columns that changed between backups as a small table, newest first ("balance
 * in each backup"), then the values that stayed the same.
 */
export function humanRecordHistory(r: RecordHistory): string {
  const when = [
    ...(r.now ? [{ head: 'now', rows: r.now.rows }] : []),
    ...r.backups.map((b) => ({
      head: `${localTime(b.time)}  ${b.snapshotId}${b.trigger === 'pre-restore' ? ' (safety)' : ''}`,
      rows: b.rows,
    })),
  ];
  const keys = [...new Set(when.flatMap((w) => w.rows.map((row) => String(row[r.key]))))];
  if (keys.length === 0) return `No backup of ${r.table} holds that record.`;
  const headWidth = Math.max(...when.map((w) => w.head.length));
  const blocks = keys.map((key) => {
    const series = when.map((w) => ({
      head: w.head,
      row: w.rows.find((row) => String(row[r.key]) === key) ?? null,
    }));
    const present = series.flatMap((s) => (s.row ? [s.row] : []));
    const changed = r.columns.filter((c) => new Set(present.map((row) => row[c])).size > 1);
    const lines = [`${r.table} ${r.key} ${key}: in ${present.length} of ${series.length}`];
    if (changed.length > 0 || present.length < series.length) {
      const widths = changed.map((c) =>
        Math.max(c.length, ...present.map((row) => cellText(row[c]).length)),
      );
      lines.push(
        `  ${''.padEnd(headWidth)}  ${changed.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`,
      );
      for (const s of series) {
        const cells = s.row
          ? changed.map((c, i) => cellText(s.row![c]).padEnd(widths[i]!)).join('  ')
          : '(not there)';
        lines.push(`  ${s.head.padEnd(headWidth)}  ${cells}`.trimEnd());
      }
    }
    const same = r.columns.filter((c) => c !== r.key && !changed.includes(c));
    if (same.length > 0 && present.length > 0) {
      const label = changed.length > 0 ? 'the same in each' : 'the same in each, nothing changed';
      lines.push(`  ${label}: ${same.map((c) => `${c} ${cellText(present[0]![c])}`).join(', ')}`);
    }
    return lines.join('\n');
  });
  return blocks.join('\n\n');
}

function matchLine(m: RecordMatch): string {
  return `  ${m.table} ${m.key}  ${m.label}  (${m.type}; ${m.matched}: ${cellText(m.values[m.matched])})`;
}

export function humanRecordSearch(r: BackupSearch): string {
  const lines = [`In backup ${r.snapshotId} of ${localTime(r.time)}:`];
  lines.push(...(r.matches.length > 0 ? r.matches.map(matchLine) : ['  nothing found']));
  if (r.live) {
    lines.push(`Now, in ${r.live.database}:`);
    lines.push(
      ...(r.live.matches.length > 0 ? r.live.matches.map(matchLine) : ['  nothing found']),
    );
  }
  return lines.join('\n');
}

/** A restore preview (`restore --dry-run`): per table what would change, then the warnings. */
export function humanPreview(p: RestorePreview): string {
  const n = (x: number): string => x.toLocaleString('en');
  const lines = [`Restoring backup ${p.snapshotId} (${p.time}) would change:`];
  const changing = p.tables.filter((t) => t.added + t.removed + t.changed > 0);
  for (const t of changing) {
    lines.push(
      `  ${t.table} (${t.type}): ${n(t.added)} back, ${n(t.removed)} gone, ${n(t.changed)} changed; ${n(t.rowsNow)} → ${n(t.rowsAfter)} rows`,
    );
    for (const e of t.examples.slice(0, 3)) {
      const fields = (e.fields ?? []).map(
        (f) => `${f.column} ${String(f.now)} → ${String(f.then)}`,
      );
      lines.push(`      ${e.kind} ${e.label}${fields.length ? `: ${fields.join(', ')}` : ''}`);
    }
  }
  if (changing.length === 0)
    lines.push('  nothing: the database already holds what the backup has.');
  for (const w of p.warnings) lines.push(previewWarningText(w));
  return lines.join('\n');
}

function previewWarningText(w: PreviewWarning): string {
  switch (w.kind) {
    case 'sales-lost':
      return `WARNING: ${w.rows} row(s) of sales made since ${w.since} would be lost (keep them with --keep-new sales).`;
    case 'counter-back':
      return `WARNING: the numbers of ${w.table} would go back from ${w.now} to ${w.then}.`;
    case 'receipt-back':
      return `WARNING: the largest ${w.column} of ${w.table} would go back from ${w.now} to ${w.then}.`;
    case 'fewer-types':
      return `Note: the backup holds no ${w.missing.join(', ')}; those tables stay as they are.`;
    case 'tables-gone':
      return `Note: tables not in the backup: ${w.tables.join(', ')}.`;
    case 'tables-back':
      return `Note: tables that would be created again: ${w.tables.join(', ')}.`;
  }
}

/** A new recovery key, shown this once: nothing keeps it but the sheet it is written on. */
export function humanRecoveryKey(places: readonly string[], recoveryKey: string): string {
  return [
    `A new recovery key opens ${places.length === 1 ? 'this place' : `these ${places.length} places`}; the old one opens none of them now:`,
    ...places.map((p) => `  ${p}`),
    '',
    'Recovery key (shown only now — print it or write it down and keep it away from the computer):',
    `  ${recoveryKey}`,
  ].join('\n');
}
