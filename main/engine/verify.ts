/**
 * Proving backups restore. Three levels, each including the one before:
 * - quick: every manifest readable and authentic, every chunk it needs listed in an index and
 *   present in its pack with room for its size;
 * - full: every pack read and hashed, every chunk decrypted and checked against its keyed name;
 * - drill: the snapshot rebuilt in a temp folder, then integrity_check, foreign_key_check and
 *   row counts against the manifest, with the time it took (the recovery time).
 * A chunk is good when at least one of its copies is good (repair adds copies).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { appendAudit } from './audit.js';
import type { BlobIndex } from './blob-index.js';
import { sha256 } from './crypto.js';
import { toTillvaultError } from './errors.js';
import { withLock } from './lock.js';
import type { Manifest } from './manifest.js';
import type { Credential } from './repo-config.js';
import { Repository } from './repository.js';
import { rebuildDatabase } from './rebuild.js';
import { findSnapshot } from './restore.js';
import { quoteIdent } from './sqlite-source.js';

export const VERIFY_LEVELS = ['quick', 'full', 'drill'] as const;
export type VerifyLevel = (typeof VERIFY_LEVELS)[number];

export interface Problem {
  readonly kind: 'snapshot' | 'index' | 'pack' | 'chunk';
  readonly id: string;
  readonly problem: string;
}

export interface DrillResult {
  readonly snapshotId: string;
  readonly restoreMs: number;
  readonly integrity: string;
  readonly foreignKeyViolations: number;
  readonly rowCountsMatch: boolean;
  readonly mismatches: string[];
}

export interface VerifyResult {
  readonly level: VerifyLevel;
  readonly ok: boolean;
  readonly snapshots: { id: string; ok: boolean; missingChunks: number; damagedChunks: number }[];
  readonly damagedSnapshots: string[];
  readonly problems: Problem[];
  readonly chunksChecked: number;
  readonly drill: DrillResult | null;
  readonly durationMs: number;
}

export interface VerifyOptions {
  readonly level: VerifyLevel;
  readonly snapshot?: string;
  readonly onProgress?: (p: { phase: string; done: number; total: number }) => void;
}

/** Chunks needed by each readable snapshot; snapshots whose page lists fail are problems. */
async function neededChunks(
  repo: Repository,
  manifests: Manifest[],
  problems: Problem[],
  badSnapshots: Set<string>,
): Promise<Map<string, Set<string>>> {
  const needed = new Map<string, Set<string>>();
  const need = (chunk: string, snap: string): void => {
    let s = needed.get(chunk);
    if (!s) needed.set(chunk, (s = new Set()));
    s.add(snap);
  };
  for (const m of manifests) {
    for (const g of m.pageGroups) need(g, m.id);
    try {
      for (const id of await repo.pageIds(m)) need(id, m.id);
    } catch (err) {
      badSnapshots.add(m.id);
      problems.push({ kind: 'snapshot', id: m.id, problem: toTillvaultError(err).message });
    }
  }
  return needed;
}

/** Bad chunk ids found by reading every pack in full. */
async function checkPacks(
  repo: Repository,
  index: BlobIndex,
  problems: Problem[],
  onProgress?: VerifyOptions['onProgress'],
): Promise<{ goodCopies: Set<string>; checked: number }> {
  const goodCopies = new Set<string>();
  const byPack = new Map<string, { id: string; offset: number; length: number }[]>();
  for (const id of index.ids()) {
    for (const loc of index.locations(id)) {
      let list = byPack.get(loc.pack);
      if (!list) byPack.set(loc.pack, (list = []));
      list.push({ id, offset: loc.offset, length: loc.length });
    }
  }
  let done = 0;
  let checked = 0;
  for (const [pack, blobs] of byPack) {
    // A missing pack was already reported by presentCopies.
    const data = await fs.readFile(repo.layout.pack(pack)).catch(() => null);
    if (data) {
      if (sha256(data).toString('hex') !== pack) {
        problems.push({ kind: 'pack', id: pack, problem: 'content does not match its name' });
      }
      for (const b of blobs) {
        checked++;
        const stored = data.subarray(b.offset, b.offset + b.length);
        if (stored.length === b.length && repo.openBlob(b.id, stored)) goodCopies.add(b.id);
      }
    }
    onProgress?.({ phase: 'read', done: ++done, total: byPack.size });
    await tick();
  }
  return { goodCopies, checked };
}

async function presentCopies(
  repo: Repository,
  index: BlobIndex,
  problems: Problem[],
): Promise<Set<string>> {
  const sizes = new Map<string, number | null>();
  const present = new Set<string>();
  for (const id of index.ids()) {
    for (const loc of index.locations(id)) {
      if (!sizes.has(loc.pack)) {
        const st = await fs.stat(repo.layout.pack(loc.pack)).catch(() => null);
        sizes.set(loc.pack, st ? st.size : null);
        if (!st) problems.push({ kind: 'pack', id: loc.pack, problem: 'missing' });
      }
      const size = sizes.get(loc.pack);
      if (size != null && loc.offset + loc.length <= size) present.add(id);
    }
  }
  return present;
}

export async function drill(repo: Repository, m: Manifest): Promise<DrillResult> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tillvault-drill-'));
  try {
    const file = path.join(work, 'drill.db');
    const started = Date.now();
    await rebuildDatabase(repo, m, file);
    const restoreMs = Date.now() - started;
    const db = new Database(file, { readonly: true });
    try {
      const integrity = String(db.pragma('integrity_check', { simple: true }));
      const tables = new Set(
        (
          db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
            name: string;
          }[]
        ).map((r) => r.name),
      );
      // A partial snapshot leaves out parent tables on purpose; those references are not damage.
      const violations = (db.pragma('foreign_key_check') as { parent: string }[]).filter((v) =>
        tables.has(v.parent),
      );
      const mismatches: string[] = [];
      for (const t of m.tables) {
        const row = tables.has(t.name)
          ? (db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`).get() as { n: number })
          : null;
        if (!row || row.n !== t.rows)
          mismatches.push(`${t.name}: ${row?.n ?? 'missing'} rows, expected ${t.rows}`);
      }
      return {
        snapshotId: m.id,
        restoreMs,
        integrity,
        foreignKeyViolations: violations.length,
        rowCountsMatch: mismatches.length === 0,
        mismatches,
      };
    } finally {
      db.close();
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

export async function verifyRepository(
  repo: Repository,
  opts: VerifyOptions,
): Promise<VerifyResult> {
  const started = Date.now();
  const problems: Problem[] = [];
  const index = await repo.loadIndex((name, err) =>
    problems.push({ kind: 'index', id: name, problem: err.message }),
  );
  const { manifests: all, damaged } = await repo.readAllManifests();
  for (const d of damaged) problems.push({ kind: 'snapshot', id: d.id, problem: d.error });
  const manifests = opts.snapshot ? [await findSnapshot(repo, opts.snapshot)] : all;
  const badSnapshots = new Set<string>(opts.snapshot ? [] : damaged.map((d) => d.id));

  const needed = await neededChunks(repo, manifests, problems, badSnapshots);
  const present = await presentCopies(repo, index, problems);
  let good: Set<string> | null = null;
  let checked = needed.size;
  if (opts.level !== 'quick') {
    const r = await checkPacks(repo, index, problems, opts.onProgress);
    good = r.goodCopies;
    checked = r.checked;
  }
  const perSnapshot = new Map<string, { missing: number; damaged: number }>();
  for (const [chunk, snaps] of needed) {
    const missing = !present.has(chunk);
    const bad = !missing && good !== null && !good.has(chunk);
    if (!missing && !bad) continue;
    problems.push({ kind: 'chunk', id: chunk, problem: missing ? 'missing' : 'damaged' });
    for (const s of snaps) {
      const c = perSnapshot.get(s) ?? { missing: 0, damaged: 0 };
      if (missing) c.missing++;
      else c.damaged++;
      perSnapshot.set(s, c);
      badSnapshots.add(s);
    }
  }

  let drillResult: DrillResult | null = null;
  if (opts.level === 'drill') {
    const target = manifests[manifests.length - 1];
    if (target && !badSnapshots.has(target.id)) {
      drillResult = await drill(repo, target);
      if (
        drillResult.integrity !== 'ok' ||
        drillResult.foreignKeyViolations > 0 ||
        !drillResult.rowCountsMatch
      ) {
        badSnapshots.add(target.id);
        problems.push({
          kind: 'snapshot',
          id: target.id,
          problem: `restore drill failed: ${[drillResult.integrity, ...drillResult.mismatches].join('; ')}`,
        });
      }
    }
  }
  await repo.closeHandles();
  const snapshots = manifests.map((m) => ({
    id: m.id,
    ok: !badSnapshots.has(m.id),
    missingChunks: perSnapshot.get(m.id)?.missing ?? 0,
    damagedChunks: perSnapshot.get(m.id)?.damaged ?? 0,
  }));
  return {
    level: opts.level,
    ok: badSnapshots.size === 0 && problems.length === 0,
    snapshots,
    damagedSnapshots: [...badSnapshots].sort(),
    problems,
    chunksChecked: checked,
    drill: drillResult,
    durationMs: Date.now() - started,
  };
}

/** Verifies under a shared lock and records the outcome in the audit log. */
export async function verify(
  dest: string,
  credential: Credential,
  opts: VerifyOptions,
): Promise<VerifyResult> {
  const repo = await Repository.open(path.resolve(dest), credential);
  const result = await withLock(repo.layout, 'verify', false, () => verifyRepository(repo, opts));
  await appendAudit(repo, {
    operation: 'verify',
    result: result.ok ? 'ok' : 'damaged',
    snapshotId: opts.snapshot ?? null,
    summary: result.ok
      ? `${opts.level} check passed for ${result.snapshots.length} backup(s).`
      : `${opts.level} check found damage in ${result.damagedSnapshots.length} backup(s).`,
    details: {
      level: opts.level,
      verifiedSnapshots: result.snapshots.filter((s) => s.ok).map((s) => s.id),
      damagedSnapshots: result.damagedSnapshots,
      restoreMs: result.drill?.restoreMs ?? null,
    },
  }).catch(() => undefined);
  return result;
}
