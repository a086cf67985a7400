/** Read-only questions the CLI answers, and the demo run behind `npm start`. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { readAudit } from '../engine/audit.js';
import { backup, type BackupResult } from '../engine/backup.js';
import { classifyTables, type DataType } from '../engine/classify.js';
import { createDemoShop } from '../engine/demo/demo-shop.js';
import type { Manifest } from '../engine/manifest.js';
import type { Credential } from '../engine/repo-config.js';
import { Repository } from '../engine/repository.js';
import { describeTables } from '../engine/schema.js';
import { backupPhase } from './human.js';
import { openReadOnly, readSourceHeader } from '../engine/sqlite-source.js';

export interface TypedTable {
  table: string;
  type: DataType;
  rows: number;
  bytes: number | null;
  reason: string;
}

export async function describeDatabase(file: string): Promise<TypedTable[]> {
  await readSourceHeader(file);
  const db = openReadOnly(file);
  try {
    const tables = describeTables(db);
    const types = new Map(classifyTables(tables).map((c) => [c.table, c]));
    return tables.map((t) => ({
      table: t.name,
      type: types.get(t.name)!.type,
      rows: t.rows,
      bytes: t.bytes,
      reason: types.get(t.name)!.reason,
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
    })),
    damaged,
  };
}

export async function readLog(
  dest: string,
  credential: Credential,
): Promise<Awaited<ReturnType<typeof readAudit>>> {
  const repo = await Repository.open(path.resolve(dest), credential);
  return readAudit(repo);
}

/** The passphrase of the demo shop's backups; a demo has no secrets worth keeping. */
export const DEMO_PASSPHRASE = 'tillvault-demo';

export async function runDemo(
  folder: string,
  progress: (label: string, done: number, total: number) => void,
): Promise<{ database: string; backups: string; passphrase: string; backup: BackupResult }> {
  await fs.mkdir(folder, { recursive: true });
  const database = path.join(folder, 'shop.db');
  if (!(await fs.stat(database).catch(() => null))) {
    createDemoShop(database, { onProgress: (f) => progress('Creating the demo shop', f, 1) });
  }
  const backups = path.join(folder, 'backups');
  const result = await backup({
    source: database,
    destinations: [backups],
    credential: {
      kind: 'passphrase',
      value: process.env['TILLVAULT_PASSPHRASE'] ?? DEMO_PASSPHRASE,
    },
    label: 'demo',
    onProgress: (p) => progress(backupPhase(p.phase), p.done, p.total),
  });
  return {
    database,
    backups,
    passphrase: process.env['TILLVAULT_PASSPHRASE']
      ? '(from TILLVAULT_PASSPHRASE)'
      : DEMO_PASSPHRASE,
    backup: result,
  };
}
