/**
 * Rebuilding a database from a snapshot, and putting it back into the shop's live database.
 *
 * Into a new file: pages are written in order to a temp file, the whole-file SHA-256 must match
 * the manifest, then the file is renamed into place.
 * Into the live database: only when it looks like the database the backups are of; the
 * snapshot is rebuilt (and checked) first, then a safety snapshot of the live database, then one
 * transaction on a connection that holds SQLite's exclusive lock, so the POS cannot write
 * halfway. Every connection is closed on every path and no -wal/-shm is left that was not there.
 */
import { shadowOwners, virtualTables, type VirtualTable } from '../source/virtual-tables.js';
import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { appendAudit, type Actor } from '../repository/audit.js';
import { ChunkPool } from '../repository/chunk-pool.js';
import { backup } from '../backup/backup.js';
import type { DataType } from '../data-types.js';
import { TillvaultError, toTillvaultError } from '../errors.js';
import type { Manifest } from '../repository/manifest.js';
import type { Credential } from '../repository/config.js';
import { Repository } from '../repository/repository.js';
import { quoteIdent, readSourceHeader } from '../source/sqlite-source.js';
import { withLock } from '../repository/lock.js';
import { rebuildDatabase } from './rebuild.js';
import { checkRecords, putBackRecords, type PutBack, type RecordRef } from './records.js';
import {
  clashesCsvPath,
  holdNewRows,
  putNewRowsBack,
  writeClashesCsv,
  type Clash,
  type KeptResult,
  type KeptRows,
} from './keep-new.js';
import { closeNewSidecars, sidecarsOf } from '../source/live-sidecars.js';
import { brokenLinksWarning, checkSameDatabase, danglingReferences } from './checks.js';
import { makeWorkDir, removeWorkDir } from '../fs/work-dirs.js';
import {
  damagedSourceWarning,
  holdsNeeded,
  newestHolding,
  partialFileWarning,
  passedOverWarning,
  type ChosenSnapshot,
  type NeededTypes,
} from './choice.js';

export interface RestoreProgress {
  readonly phase: 'safety-backup' | 'rebuild' | 'apply' | 'check';
  readonly done: number;
  readonly total: number;
}

/** Resolves `latest` or an id (or a unique prefix of one) to a manifest. */
export async function findSnapshot(repo: Repository, ref: string | undefined): Promise<Manifest> {
  const ids = await repo.listSnapshotIds();
  if (ids.length === 0)
    throw new TillvaultError('SNAPSHOT_NOT_FOUND', `There are no backups in ${repo.root}.`);
  if (!ref || ref === 'latest') return repo.readManifest(ids[ids.length - 1]!);
  const matches = ids.filter((id) => id.startsWith(ref));
  if (matches.length !== 1) {
    throw new TillvaultError(
      'SNAPSHOT_NOT_FOUND',
      matches.length === 0
        ? `There is no backup ${ref} in ${repo.root}.`
        : `${ref} matches several backups; give more of the id.`,
    );
  }
  return repo.readManifest(matches[0]!);
}

/**
 * The backup a restore (or a diff, which shows what a restore would change) uses: an id as
 * given, or for `latest` the newest backup that holds the needed data. findSnapshot's `latest`
 * is the newest of any kind, which is what verify checks.
 */
export async function chooseSnapshot(
  repo: Repository,
  ref: string | undefined,
  needed: NeededTypes,
): Promise<ChosenSnapshot> {
  if (ref && ref !== 'latest') {
    return { manifest: await findSnapshot(repo, ref), passedOver: [], damagedPassedOver: [] };
  }
  return newestHolding(repo, needed);
}

export interface RestoreToFileResult {
  readonly snapshotId: string;
  readonly file: string;
  readonly bytes: number;
  readonly durationMs: number;
  readonly warnings: string[];
}

export async function restoreToFile(
  dest: string,
  credential: Credential,
  ref: string | undefined,
  file: string,
  onProgress?: (p: RestoreProgress) => void,
  actor: Actor = 'cli',
): Promise<RestoreToFileResult> {
  const target = path.resolve(file);
  if (await fs.stat(target).catch(() => null)) {
    throw new TillvaultError(
      'BAD_INPUT',
      `${target} already exists; restore into a new file name.`,
    );
  }
  const opening = Repository.open(path.resolve(dest), credential);
  // The workers boot while the passphrase is stretched (scrypt takes a few tenths of a second).
  const pool = new ChunkPool(opening.then((r) => r.masterKeys));
  try {
    const repo = await opening;
    const chosen = await chooseSnapshot(repo, ref, null);
    const m = chosen.manifest;
    const started = Date.now();
    await withLock(repo.layout, 'restore', false, () =>
      rebuildDatabase(repo, m, target, { onProgress, pool }),
    );
    const warnings = [
      damagedSourceWarning(m, 'file'),
      passedOverWarning(chosen, null),
      partialFileWarning(m, target),
    ];
    const result = {
      snapshotId: m.id,
      file: target,
      bytes: m.database.bytes,
      durationMs: Date.now() - started,
      warnings: warnings.filter((w) => w !== null),
    };
    await appendAudit(repo, {
      operation: 'restore',
      result: 'ok',
      actor,
      snapshotId: m.id,
      summary: `Restored backup ${m.id} into the new file ${path.basename(target)}.`,
      details: { to: target },
    }).catch(() => undefined);
    return result;
  } finally {
    await pool.close();
  }
}

/**
 * Opens the live database with SQLite's exclusive lock. Fails when another program (the POS)
 * has it open, because restoring under a running POS corrupts its view of the data.
 */
export function lockLiveDatabase(file: string, force: boolean): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: true });
  } catch (err) {
    throw toTillvaultError(err, file);
  }
  try {
    db.pragma(`busy_timeout = ${force ? 10000 : 200}`);
    db.pragma('locking_mode = EXCLUSIVE');
    // A write transaction takes the lock; locking_mode EXCLUSIVE keeps it until close.
    db.exec('BEGIN EXCLUSIVE; COMMIT');
    return db;
  } catch (err) {
    db.close();
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new TillvaultError(
        'DB_IN_USE',
        `Another program is using ${path.basename(file)}. Close the till (POS) program first, then restore.`,
      );
    }
    throw toTillvaultError(err, file);
  }
}

interface SchemaRow {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

function userSchema(db: Database.Database, schema: 'main' | 'snap'): SchemaRow[] {
  return db
    .prepare(
      `SELECT type, name, tbl_name, sql FROM ${schema}.sqlite_master WHERE name NOT LIKE 'sqlite_%'`,
    )
    .all() as SchemaRow[];
}

/** Writable columns (generated columns are computed, not inserted). */
function insertableColumns(db: Database.Database, schema: string, table: string): string[] {
  const cols = db.prepare(`PRAGMA ${schema}.table_xinfo(${quoteIdent(table)})`).all() as {
    name: string;
    hidden: number;
  }[];
  return cols.filter((c) => c.hidden === 0).map((c) => c.name);
}

function copyRows(db: Database.Database, table: string): void {
  const live = new Set(insertableColumns(db, 'main', table));
  const cols = insertableColumns(db, 'snap', table).filter((c) => live.has(c));
  const list = cols.map(quoteIdent).join(', ');
  db.exec(
    `INSERT INTO main.${quoteIdent(table)} (${list}) SELECT ${list} FROM snap.${quoteIdent(table)}`,
  );
}

function hasSequence(db: Database.Database, schema: string): boolean {
  return !!db.prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE name = 'sqlite_sequence'`).get();
}

const isVirtualSql = (sql: string | null): boolean => /^\s*CREATE\s+VIRTUAL\s/i.test(sql ?? '');

/** Replaces the whole live content with the snapshot's, schema included. */
function replaceAll(db: Database.Database): void {
  const live = userSchema(db, 'main');
  for (const kind of ['trigger', 'view'] as const) {
    for (const row of live.filter((r) => r.type === kind)) {
      db.exec(`DROP ${kind.toUpperCase()} IF EXISTS main.${quoteIdent(row.name)}`);
    }
  }
  // A virtual table goes first and takes its shadow tables with it: a shadow table may not be
  // dropped on its own, and after a VACUUM the schema lists the shadow tables before their owner.
  const virtualFirst = (rows: SchemaRow[]): SchemaRow[] =>
    [...rows].sort((a, b) => Number(!isVirtualSql(a.sql)) - Number(!isVirtualSql(b.sql)));
  for (const row of virtualFirst(live.filter((r) => r.type === 'table'))) {
    db.exec(`DROP TABLE IF EXISTS main.${quoteIdent(row.name)}`);
  }
  const snap = userSchema(db, 'snap');
  for (const row of virtualFirst(snap.filter((r) => r.type === 'table' && r.sql))) {
    // Shadow tables of a virtual table appear when the virtual table is created.
    if (db.prepare('SELECT 1 FROM main.sqlite_master WHERE name = ?').get(row.name)) continue;
    db.exec(row.sql!);
    copyRows(db, row.name);
  }
  if (hasSequence(db, 'main')) db.exec('DELETE FROM main.sqlite_sequence');
  if (hasSequence(db, 'snap') && hasSequence(db, 'main')) {
    db.exec('INSERT INTO main.sqlite_sequence SELECT * FROM snap.sqlite_sequence');
  }
  for (const kind of ['index', 'view', 'trigger']) {
    for (const row of snap.filter((r) => r.type === kind && r.sql)) db.exec(row.sql!);
  }
  const version = db.pragma('snap.user_version', { simple: true });
  db.pragma(`main.user_version = ${Number(version)}`);
}

/**
 * Replaces the rows of some tables only. Triggers on them are set aside for the copy (a
 * "log every delete" trigger must not fire for a restore) and put back unchanged.
 */
function replaceTables(db: Database.Database, tables: readonly string[]): string[] {
  const notes: string[] = [];
  const liveSchema = userSchema(db, 'main');
  const snapSchema = userSchema(db, 'snap');
  const snapVirtual = virtualTables(db, 'snap');
  const shadows = new Map([
    ...shadowOwners(virtualTables(db, 'main')),
    ...shadowOwners(snapVirtual),
  ]);
  const isVirtual = (t: string): boolean => snapVirtual.some((v) => v.name === t);
  // Shadow tables are written through their virtual table, which goes last: an external-content
  // search index is rebuilt from its content table once that holds the restored rows.
  const plain = tables.filter((t) => !shadows.has(t.toLowerCase()) && !isVirtual(t));
  for (const table of plain) {
    const snapTable = snapSchema.find((r) => r.type === 'table' && r.name === table);
    if (!snapTable?.sql) continue;
    const triggers = liveSchema.filter(
      (r) => r.type === 'trigger' && r.tbl_name === table && r.sql,
    );
    for (const t of triggers) db.exec(`DROP TRIGGER main.${quoteIdent(t.name)}`);
    if (!liveSchema.some((r) => r.type === 'table' && r.name === table)) {
      db.exec(snapTable.sql);
      for (const idx of snapSchema.filter(
        (r) => r.type === 'index' && r.tbl_name === table && r.sql,
      )) {
        db.exec(idx.sql!);
      }
      notes.push(`Table ${table} did not exist any more and was re-created.`);
    } else {
      db.exec(`DELETE FROM main.${quoteIdent(table)}`);
    }
    copyRows(db, table);
    for (const t of triggers) db.exec(t.sql!);
    // Keep AUTOINCREMENT counters ahead, so new receipts never reuse a number.
    if (hasSequence(db, 'snap') && hasSequence(db, 'main')) {
      const snapSeq = db
        .prepare('SELECT seq FROM snap.sqlite_sequence WHERE name = ?')
        .get(table) as { seq: number } | undefined;
      const liveSeq = db
        .prepare('SELECT seq FROM main.sqlite_sequence WHERE name = ?')
        .get(table) as { seq: number } | undefined;
      if (snapSeq && !liveSeq)
        db.prepare('INSERT INTO main.sqlite_sequence (name, seq) VALUES (?, ?)').run(
          table,
          snapSeq.seq,
        );
    }
  }
  for (const vt of snapVirtual.filter((v) => tables.includes(v.name))) {
    notes.push(...replaceVirtualTable(db, vt, liveSchema, snapSchema));
  }
  return notes;
}

/**
 * A virtual table's rows, written through the table itself (its shadow tables may not be
 * written): an external-content search index is rebuilt from its content table, any other
 * emptied and filled from the backup.
 */
function replaceVirtualTable(
  db: Database.Database,
  vt: VirtualTable,
  liveSchema: readonly SchemaRow[],
  snapSchema: readonly SchemaRow[],
): string[] {
  const q = quoteIdent(vt.name);
  const notes: string[] = [];
  if (!liveSchema.some((r) => r.type === 'table' && r.name === vt.name)) {
    db.exec(snapSchema.find((r) => r.type === 'table' && r.name === vt.name)!.sql!);
    notes.push(`Table ${vt.name} did not exist any more and was re-created.`);
  } else if (!vt.contentTable) {
    db.exec(`DELETE FROM main.${q}`);
  }
  if (vt.contentTable) db.prepare(`INSERT INTO main.${q}(${q}) VALUES ('rebuild')`).run();
  else copyRows(db, vt.name);
  return notes;
}

export interface RestoreIntoOptions {
  readonly dest: string;
  readonly credential: Credential;
  readonly ref?: string;
  readonly liveDb: string;
  readonly types?: readonly DataType[] | null;
  /** Single records instead of data types (records.ts); not together with `types`. */
  readonly records?: readonly RecordRef[] | null;
  /**
   * Data types whose rows added since the backup are kept (keep-new.ts): sales made today stay
   * through a whole restore or a restore of those types. Not together with `records`.
   */
  readonly keepNew?: readonly DataType[] | null;
  /** Where clashing rows are saved; default beside the live database (clashesCsvPath). */
  readonly clashesCsv?: string;
  /**
   * A file already rebuilt and whole-file-checked from the chosen backup (the window's cache):
   * used instead of rebuilding, and only read.
   */
  readonly rebuilt?: string;
  readonly force?: boolean;
  readonly onProgress?: (p: RestoreProgress) => void;
  /** Who asked, for the audit log: the window's owner or staff, or the command line. */
  readonly actor?: Actor;
}

export interface RestoreIntoResult {
  readonly snapshotId: string;
  readonly safetySnapshotId: string;
  readonly liveDb: string;
  readonly tables: string[];
  /** With `records`: what was written, the records and the rows that go with them. */
  readonly records: PutBack[] | null;
  /** With `keepNew`: per table, the rows added since the backup that were kept. */
  readonly kept: KeptRows[] | null;
  /** With `keepNew`: rows not kept because the backup has their key with other values. */
  readonly clashes: Clash[] | null;
  /** The CSV the clashes were saved in; null when there were none. */
  readonly clashesCsv: string | null;
  readonly warnings: string[];
  readonly durationMs: number;
}

/** Refuses a backup that lacks data this restore would put back. */
function requireNeededData(m: Manifest, types: NeededTypes): void {
  if (holdsNeeded(m, types)) return;
  const missing = types
    ? ` It has no ${types.filter((t) => !m.types.includes(t)).join(', ')}.`
    : '';
  throw new TillvaultError(
    'BAD_INPUT',
    `Backup ${m.id} holds only ${m.types.join(', ')}; choose those types to restore (--types).${missing}`,
  );
}

/** The live database as it is now, kept in the same destination so the restore can be undone. */
async function safetyBackup(
  liveDb: string,
  dest: string,
  credential: Credential,
  m: Manifest,
): Promise<string> {
  const safety = await backup({
    source: liveDb,
    destinations: [dest],
    credential,
    trigger: 'pre-restore',
    label: `Before restoring ${m.id}`,
  });
  const safetyDest = safety.destinations[0];
  if (!safetyDest?.ok) {
    throw new TillvaultError(
      safetyDest?.error?.code === 'DEST_FULL' ? 'DEST_FULL' : 'INTERNAL',
      `The safety backup of the current database failed, so nothing was changed: ${safetyDest?.error?.message ?? ''}`,
    );
  }
  return safety.snapshotId;
}

/** Replaces the tables of some data types and says when that left rows pointing at nothing. */
function replaceSomeTables(
  db: Database.Database,
  m: Manifest,
  types: readonly DataType[],
): string[] {
  const tables = tablesOfTypes(m, types);
  const before = danglingReferences(db, tables);
  const notes = replaceTables(db, tables);
  const broken = brokenLinksWarning(before, danglingReferences(db, tables), m, types);
  return broken ? [...notes, broken] : notes;
}

/** checkRecords on the rebuilt backup, so a wrong key costs no safety backup. */
function checkRecordsIn(rebuilt: string, records: readonly RecordRef[]): void {
  // Read-only, and so is what it attaches: checkRecords reads the backup as `snap`.
  const db = new Database(rebuilt, { readonly: true, fileMustExist: true });
  try {
    db.prepare('ATTACH DATABASE ? AS snap').run(rebuilt);
    checkRecords(db, records);
  } finally {
    db.close();
  }
}

/** The data types of the tables records are picked from; an unknown table is named. */
function recordTypes(m: Manifest, records: readonly RecordRef[]): DataType[] {
  return [
    ...new Set(
      records.map((r) => {
        const t = m.tables.find((x) => x.name === r.table);
        if (!t) throw new TillvaultError('BAD_INPUT', `Backup ${m.id} has no table ${r.table}.`);
        return t.type;
      }),
    ),
  ];
}

/**
 * Keeping new rows goes with a whole restore or a restore of those types: a type not restored
 * is not touched, so its new rows stay anyway.
 */
function checkKeepNew(
  keepNew: readonly DataType[] | null,
  records: readonly RecordRef[] | null,
  types: readonly DataType[] | null,
): void {
  if (!keepNew) return;
  if (records) {
    throw new TillvaultError(
      'BAD_INPUT',
      'Putting back records never removes rows added since; --keep-new goes with a restore of data types or of the whole database.',
    );
  }
  const untouched = types ? keepNew.filter((t) => !types.includes(t)) : [];
  if (untouched.length > 0) {
    throw new TillvaultError(
      'BAD_INPUT',
      `This restore does not touch ${untouched.join(', ')}, so what was added to them since stays as it is; leave ${untouched.join(', ')} out of --keep-new, or restore ${untouched.join(', ')} too (--types ${[...types!, ...untouched].join(',')}).`,
    );
  }
}

/** A cached rebuild must be a file of the chosen backup's size; its hash was checked when made. */
async function requireRebuiltOf(file: string, m: Manifest): Promise<void> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile() || stat.size !== m.database.bytes) {
    throw new TillvaultError(
      'INTERNAL',
      `The prepared copy of backup ${m.id} is missing or not of that backup; nothing was changed.`,
    );
  }
}

/** ", keeping 12 rows added since in orders, payments" for the audit log. */
function keptSummary(kept: KeptResult | null): string {
  if (!kept) return '';
  const rows = kept.kept.reduce((n, k) => n + k.kept, 0);
  const where = kept.kept.filter((k) => k.kept > 0).map((k) => k.table);
  const clashes = kept.clashes.length > 0 ? ` (${kept.clashes.length} clashing rows not kept)` : '';
  return `, keeping ${rows} rows added since${where.length > 0 ? ` in ${where.join(', ')}` : ''}${clashes}`;
}

function tablesOfTypes(m: Manifest, types: readonly DataType[]): string[] {
  return m.tables.filter((t) => types.includes(t.type)).map((t) => t.name);
}

/**
 * Puts the rebuilt snapshot of `m` into the live database in one transaction: the tables of
 * `types` only, or everything when null. Returns the warnings of a selective restore.
 */
function applySnapshot(
  liveDb: string,
  rebuilt: string,
  m: Manifest,
  what: {
    types: readonly DataType[] | null;
    records: readonly RecordRef[] | null;
    keepNew: readonly DataType[] | null;
  },
  force: boolean,
  onProgress?: (p: RestoreProgress) => void,
): { warnings: string[]; records: PutBack[] | null; kept: KeptResult | null } {
  const { types, records, keepNew } = what;
  const db = lockLiveDatabase(liveDb, force);
  try {
    db.pragma('foreign_keys = OFF');
    db.prepare('ATTACH DATABASE ? AS snap').run(rebuilt);
    let put: PutBack[] | null = null;
    let kept: KeptResult | null = null;
    const warnings = db
      .transaction(() => {
        if (records) {
          // Foreign keys stay off as for types: rows are put back whole, parents where missing.
          put = putBackRecords(db, records);
          return [];
        }
        const held = keepNew
          ? holdNewRows(
              db,
              m.tables.filter((t) => keepNew.includes(t.type)),
            )
          : null;
        let notes: string[] = [];
        if (types) notes = replaceSomeTables(db, m, types);
        else replaceAll(db);
        if (!held || !keepNew) return notes;
        const typeOf = (table: string): DataType | undefined =>
          m.tables.find((t) => t.name.toLowerCase() === table.toLowerCase())?.type;
        kept = putNewRowsBack(db, held, typeOf, keepNew);
        return [...notes, ...kept.warnings];
      })
      .immediate();
    db.exec('DETACH DATABASE snap');
    onProgress?.({ phase: 'check', done: 0, total: 1 });
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') {
      throw new TillvaultError(
        'DAMAGED',
        `The database failed its integrity check after the restore: ${String(check)}`,
      );
    }
    return { warnings, records: put, kept };
  } finally {
    db.close();
  }
}

export async function restoreInto(opts: RestoreIntoOptions): Promise<RestoreIntoResult> {
  const liveDb = path.resolve(opts.liveDb);
  await readSourceHeader(liveDb);
  const sidecars = sidecarsOf(liveDb);
  try {
    return await restoreIntoLive(opts, liveDb);
  } finally {
    // Every connection to the live database is closed here, on success and failure alike.
    closeNewSidecars(liveDb, sidecars);
  }
}

async function restoreIntoLive(
  opts: RestoreIntoOptions,
  liveDb: string,
): Promise<RestoreIntoResult> {
  const started = Date.now();
  const dest = path.resolve(opts.dest);
  const force = opts.force ?? false;
  const repo = await Repository.open(dest, opts.credential);
  const records = opts.records && opts.records.length > 0 ? opts.records : null;
  if (records && opts.types) {
    throw new TillvaultError('BAD_INPUT', 'Restore either data types or records, not both.');
  }
  const keepNew = opts.keepNew && opts.keepNew.length > 0 ? opts.keepNew : null;
  checkKeepNew(keepNew, records, opts.types ?? null);
  const chosen = await chooseSnapshot(repo, opts.ref, opts.types ?? null);
  const m = chosen.manifest;
  // Records need their tables' data types in the backup; the types are those.
  const types = records ? recordTypes(m, records) : (opts.types ?? null);
  requireNeededData(m, types);
  // Before anything is backed up or changed: a running POS or the wrong database stops here.
  const probe = lockLiveDatabase(liveDb, force);
  try {
    checkSameDatabase(probe, m, liveDb, dest);
  } finally {
    probe.close();
  }

  const work = await makeWorkDir('restore');
  try {
    const rebuilt = opts.rebuilt ? path.resolve(opts.rebuilt) : path.join(work, 'snapshot.db');
    // Rebuilt and hash-checked first, so a damaged backup fails with the live database untouched.
    if (opts.rebuilt) await requireRebuiltOf(rebuilt, m);
    else {
      await withLock(repo.layout, 'restore', false, () =>
        rebuildDatabase(repo, m, rebuilt, { onProgress: opts.onProgress, checkWholeFile: true }),
      );
    }
    if (records) checkRecordsIn(rebuilt, records);
    opts.onProgress?.({ phase: 'safety-backup', done: 0, total: 1 });
    const safetySnapshotId = await safetyBackup(liveDb, dest, opts.credential, m);
    opts.onProgress?.({ phase: 'apply', done: 0, total: 1 });
    const applied = applySnapshot(
      liveDb,
      rebuilt,
      m,
      { types: records ? null : types, records, keepNew },
      force,
      opts.onProgress,
    );
    const warnings = applied.warnings;
    const clashes = applied.kept?.clashes ?? null;
    let csv: string | null = null;
    if (clashes && clashes.length > 0) {
      // After the commit: the restore stands even if the list cannot be saved, and the safety
      // backup holds every row the list would show.
      csv = await writeClashesCsv(opts.clashesCsv ?? clashesCsvPath(liveDb, m.id), clashes).catch(
        (err: unknown) => {
          warnings.push(
            `The list of rows not kept could not be saved (${(err as Error).message}); they are in the safety backup ${safetySnapshotId}.`,
          );
          return null;
        },
      );
    }
    const tables = applied.records
      ? [...new Set(applied.records.map((r) => r.table))]
      : types
        ? tablesOfTypes(m, types)
        : m.tables.map((t) => t.name);
    const passedOver = passedOverWarning(chosen, types);
    if (passedOver) warnings.unshift(passedOver);
    const damaged = damagedSourceWarning(m, 'rows');
    if (damaged) warnings.unshift(damaged);
    if (!types && !records && !keepNew?.includes('sales')) {
      warnings.push(
        `Sales made after ${m.time} are not in the restored database; they are kept in the safety backup ${safetySnapshotId}. Receipt and shift numbers continue from the restored point.`,
      );
    }
    await appendAudit(repo, {
      operation: 'restore',
      result: 'ok',
      actor: opts.actor ?? 'cli',
      snapshotId: m.id,
      summary: `Restored ${records ? `records of ${tables.join(', ')}` : types ? types.join(', ') : 'the whole database'} from ${m.id} into ${path.basename(liveDb)}${keptSummary(applied.kept)}; safety backup ${safetySnapshotId}.`,
      details: {
        into: liveDb,
        types,
        records,
        safetySnapshotId,
        tables,
        keepNew,
        kept: applied.kept?.kept ?? null,
        clashes: clashes?.length ?? null,
        clashesCsv: csv,
      },
    }).catch(() => undefined);
    return {
      snapshotId: m.id,
      safetySnapshotId,
      liveDb,
      tables,
      records: applied.records,
      kept: applied.kept?.kept ?? null,
      clashes,
      clashesCsv: csv,
      warnings,
      durationMs: Date.now() - started,
    };
  } finally {
    await removeWorkDir(work);
  }
}
