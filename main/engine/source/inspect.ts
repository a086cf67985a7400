/**
 * Read-only questions every front end asks: what a database holds (tables by data type, rows,
 * sizes) and what backups a destination holds.
 */
import path from 'node:path';
import type { DataType } from '../data-types.js';
import { classifyTables } from './classify/classify.js';
import type { Why } from './classify/why.js';
import type { Manifest } from '../repository/manifest.js';
import type { Credential } from '../repository/config.js';
import { Repository } from '../repository/repository.js';
import { describeTables } from './schema.js';
import { openReadOnly, readSourceHeader } from './sqlite-source.js';
import { bindVirtualTables, virtualTables } from './virtual-tables.js';

export interface TypedTable {
  table: string;
  type: DataType;
  rows: number;
  bytes: number | null;
  why: Why;
}

export async function describeDatabase(file: string): Promise<TypedTable[]> {
  await readSourceHeader(file);
  const db = openReadOnly(file);
  try {
    const tables = describeTables(db);
    const classified = bindVirtualTables(classifyTables(tables), virtualTables(db));
    const types = new Map(classified.map((c) => [c.table, c]));
    return tables.map((t) => ({
      table: t.name,
      type: types.get(t.name)!.type,
      rows: t.rows,
      bytes: t.bytes,
      why: types.get(t.name)!.why,
    }));
  } finally {
    db.close();
  }
}

export interface SnapshotListing {
  destination: string;
  repositoryId: string;
  encrypted: boolean;
  snapshots: {
    id: string;
    time: string;
    label: string | null;
    trigger: Manifest['trigger'];
    source: string;
    types: DataType[];
    complete: boolean;
    tables: Manifest['tables'];
    summary: Manifest['summary'];
    bytes: number;
    sha256: string;
    newBytes: number;
    /** SQLite's check of the copy when it was taken; null for backups made before the check. */
    sourceCheck: Manifest['sourceCheck'] | null;
  }[];
  damaged: { id: string; error: string }[];
}

export async function listSnapshots(
  dest: string,
  credential: Credential,
): Promise<SnapshotListing> {
  const repo = await Repository.open(path.resolve(dest), credential);
  const { manifests, damaged } = await repo.readAllManifests();
  return {
    destination: repo.root,
    repositoryId: repo.id,
    encrypted: repo.encrypted,
    snapshots: manifests.map((m) => ({
      id: m.id,
      time: m.time,
      label: m.label,
      trigger: m.trigger,
      source: m.source.path,
      types: m.types,
      complete: m.complete,
      tables: m.tables,
      summary: m.summary,
      bytes: m.database.bytes,
      sha256: m.database.sha256,
      newBytes: m.stats.newBytes,
      sourceCheck: m.sourceCheck ?? null,
    })),
    damaged,
  };
}
