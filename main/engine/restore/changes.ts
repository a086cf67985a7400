/**
 * What changed between each backup and the one before it, in rows per table and data type and
 * in the business summary: how an owner finds "the last backup before the mistake" ("38 fewer
 * members", "3,503 product prices changed"). Each backup is rebuilt once, walking oldest to
 * newest with at most two rebuilt files on disk; two backups with the same file hash are the
 * same and need no rebuild at all.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DATA_TYPES, type DataType } from '../data-types.js';
import { TillvaultError } from '../errors.js';
import { makeWorkDir, removeWorkDir } from '../fs/work-dirs.js';
import type { Credential } from '../repository/config.js';
import { withLock } from '../repository/lock.js';
import type { Manifest } from '../repository/manifest.js';
import { Repository } from '../repository/repository.js';
import { shadowOwners, virtualTables } from '../source/virtual-tables.js';
import { diffTable, type TableDiff } from './diff.js';
import { rebuildDatabase } from './rebuild.js';
import { findSnapshot } from './restore.js';

export interface TypeChanges {
  readonly type: DataType;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

export interface SnapshotChanges {
  readonly snapshotId: string;
  readonly time: string;
  /** The backup before it of the same database, or null for the first one. */
  readonly previousId: string | null;
  readonly summary: Manifest['summary'];
  /** Members and sales now minus then; null where either side could not count them. */
  readonly delta: { members: number | null; sales: number | null };
  /** Per data type both backups hold, in the usual order; empty for the first backup. */
  readonly types: TypeChanges[];
  /** Only the tables where something changed. */
  readonly tables: TableDiff[];
}

const minus = (a: number | null, b: number | null): number | null =>
  a === null || b === null ? null : a - b;

/** Backups of the same database as `m`, oldest first (ids are times). */
function sameDatabase(all: readonly Manifest[], m: Manifest): Manifest[] {
  return all
    .filter((x) => x.source.path === m.source.path)
    .sort((a, b) => a.id.localeCompare(b.id));
}

function compare(newer: string, older: string, now: Manifest, then: Manifest): TableDiff[] {
  const db = new Database(newer, { readonly: true, fileMustExist: true });
  try {
    db.prepare('ATTACH DATABASE ? AS snap').run(older);
    const shared = new Set(then.types.filter((t) => now.types.includes(t)));
    const virtual = [...virtualTables(db, 'main'), ...virtualTables(db, 'snap')];
    const shadows = shadowOwners(virtual);
    // A search index over another table changes with it: counting both says a member twice.
    const mirrors = new Set(virtual.filter((v) => v.contentTable).map((v) => v.name.toLowerCase()));
    const counted = (name: string): boolean =>
      !shadows.has(name.toLowerCase()) && !mirrors.has(name.toLowerCase());
    const tables = new Map<string, DataType>();
    for (const t of [...then.tables, ...now.tables]) {
      if (shared.has(t.type) && counted(t.name)) tables.set(t.name, t.type);
    }
    return [...tables].map(([name, type]) => diffTable(db, name, type));
  } finally {
    db.close();
  }
}

function byType(tables: readonly TableDiff[], now: Manifest, then: Manifest): TypeChanges[] {
  return DATA_TYPES.filter((t) => now.types.includes(t) && then.types.includes(t)).map((type) => {
    const of = tables.filter((t) => t.type === type);
    const sum = (k: 'added' | 'removed' | 'changed'): number => of.reduce((n, t) => n + t[k], 0);
    return { type, added: sum('added'), removed: sum('removed'), changed: sum('changed') };
  });
}

function entry(
  now: Manifest,
  then: Manifest | null,
  tables: readonly TableDiff[],
): SnapshotChanges {
  const changed = tables.filter((t) => t.added + t.removed + t.changed > 0);
  return {
    snapshotId: now.id,
    time: now.time,
    previousId: then?.id ?? null,
    summary: now.summary,
    delta: {
      members: then ? minus(now.summary.members, then.summary.members) : null,
      sales: then ? minus(now.summary.sales, then.summary.sales) : null,
    },
    types: then ? byType(tables, now, then) : [],
    tables: changed,
  };
}

/**
 * For `ref` (an id, `latest`) the change from the backup before it; without `ref`, for every
 * backup of the newest backup's database, newest first.
 */
export async function changes(
  dest: string,
  credential: Credential,
  ref?: string,
): Promise<SnapshotChanges[]> {
  const repo = await Repository.open(path.resolve(dest), credential);
  const { manifests } = await repo.readAllManifests();
  if (manifests.length === 0) {
    throw new TillvaultError('SNAPSHOT_NOT_FOUND', `There are no backups in ${repo.root}.`);
  }
  const target = ref ? await findSnapshot(repo, ref) : manifests.at(-1)!;
  const line = sameDatabase(manifests, target);
  const at = line.findIndex((m) => m.id === target.id);
  const walk = ref ? line.slice(Math.max(0, at - 1), at + 1) : line;
  const work = await makeWorkDir('changes');
  try {
    return await withLock(repo.layout, 'diff', false, async () => {
      const out: SnapshotChanges[] = [];
      let previous: { manifest: Manifest; file: string } | null = null;
      for (const [i, m] of walk.entries()) {
        const then = previous?.manifest ?? null;
        if (then && then.database.sha256 === m.database.sha256) {
          out.push(entry(m, then, []));
          previous = { manifest: m, file: previous!.file };
          continue;
        }
        const file = path.join(work, `${i}.db`);
        await rebuildDatabase(repo, m, file);
        if (previous) {
          out.push(entry(m, then, compare(file, previous.file, m, then!)));
          await fs.rm(previous.file, { force: true });
        } else if (!ref || walk.length === 1) {
          out.push(entry(m, null, []));
        }
        previous = { manifest: m, file };
      }
      return out.reverse();
    });
  } finally {
    await removeWorkDir(work);
  }
}
