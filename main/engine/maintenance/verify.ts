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
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { appendAudit, type Actor } from '../repository/audit.js';
import { ChunkPool } from '../repository/chunk-pool.js';
import type { BlobIndex } from '../repository/blob-index.js';
import { sha256 } from '../repository/crypto.js';
import { toTillvaultError } from '../errors.js';
import { withLock } from '../repository/lock.js';
import type { Manifest } from '../repository/manifest.js';
import type { Credential } from '../repository/config.js';
import { Repository } from '../repository/repository.js';
import { rebuildDatabase } from '../restore/rebuild.js';
import { findSnapshot } from '../restore/restore.js';
import { quoteIdent, sqliteCode } from '../source/sqlite-source.js';
import { checkFindings } from '../source/snapshot.js';
import { newestSound } from '../backup/backup.js';
import { makeWorkDir, removeWorkDir } from '../fs/work-dirs.js';

/** Stored bytes per message to the worker pool during a full check. */
const VERIFY_SLICE_BYTES = 2 * 1024 * 1024;
const SLICES_IN_FLIGHT = 4;

export const VERIFY_LEVELS = ['quick', 'full', 'drill'] as const;
export type VerifyLevel = (typeof VERIFY_LEVELS)[number];

export interface Problem {
  /** 'source': the backup is whole, but of a database that was already damaged (SOURCE_DAMAGED). */
  readonly kind: 'snapshot' | 'index' | 'pack' | 'chunk' | 'source';
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
  /**
   * Checked backups taken of a database that was already damaged: marked so when taken, or found
   * by the drill. Only the drill fails for it (quick and full check the backups themselves).
   */
  readonly sourceDamaged: string[];
  readonly problems: Problem[];
  readonly chunksChecked: number;
  readonly drill: DrillResult | null;
  readonly durationMs: number;
}

export interface VerifyOptions {
  readonly level: VerifyLevel;
  readonly snapshot?: string;
  readonly onProgress?: (p: { phase: string; done: number; total: number }) => void;
  /** Who asked, for the audit log; by default the command line. */
  readonly actor?: Actor;
}

/**
 * Reads every pack in full. Returns a test for "this chunk has a good copy" that keeps only the
 * exceptions in memory: chunks with a failed copy, and good copies of chunks stored twice.
 */
async function checkPacks(
  repo: Repository,
  index: BlobIndex,
  problems: Problem[],
  onProgress?: VerifyOptions['onProgress'],
): Promise<{ isGood: (id: string) => boolean; checked: number }> {
  const failed = new Set<string>();
  const goodTwin = new Set<string>();
  // Per pack, what is stored where: a chunk sealed alone or a frame, with the chunks it holds.
  type Unit = { offset: number; length: number; ids: string[]; slots: number[] };
  const byPack = new Map<string, Map<number, Unit>>();
  for (const id of index.ids()) {
    for (const loc of index.locations(id)) {
      let units = byPack.get(loc.pack);
      if (!units) byPack.set(loc.pack, (units = new Map()));
      let unit = units.get(loc.offset);
      if (!unit) units.set(loc.offset, (unit = { ...loc, ids: [], slots: [] }));
      // The same entry in two index files (a crash between writing one and removing the other).
      if (unit.ids.some((other, i) => other === id && unit.slots[i] === loc.slot)) continue;
      unit.ids.push(id);
      unit.slots.push(loc.slot);
    }
  }
  let done = 0;
  let checked = 0;
  const pool = new ChunkPool(repo.masterKeys);
  try {
    for (const [pack, units] of byPack) {
      // A missing or irregular pack was already reported by presentCopies.
      const data = await repo.readPack(pack).catch(() => null);
      if (data) {
        if (sha256(data).toString('hex') !== pack) {
          problems.push({ kind: 'pack', id: pack, problem: 'content does not match its name' });
        }
        const whole = [...units.values()].filter((u) => u.offset + u.length <= data.length);
        // Every chunk is decrypted and its plaintext hashed against its name, on the workers.
        let slices: Promise<void>[] = [];
        for (let at = 0, end = 0; at < whole.length; at = end) {
          for (let bytes = 0; end < whole.length && bytes < VERIFY_SLICE_BYTES; end++) {
            bytes += whole[end]!.length;
          }
          const slice = whole.slice(at, end);
          if (slices.length >= SLICES_IN_FLIGHT) {
            await Promise.all(slices);
            slices = [];
          }
          const ids = slice.flatMap((u) => u.ids);
          slices.push(
            pool
              .check(
                slice.map((u) => data.subarray(u.offset, u.offset + u.length)),
                slice.map((u) => u.ids.length),
                ids,
                slice.flatMap((u) => u.slots),
              )
              .then((good) => {
                good.forEach((ok, i) => {
                  const id = ids[i]!;
                  if (!ok) failed.add(id);
                  else if (index.locations(id).length > 1) goodTwin.add(id);
                });
              }),
          );
        }
        await Promise.all(slices);
        for (const u of units.values()) checked += u.ids.length;
      }
      onProgress?.({ phase: 'read', done: ++done, total: byPack.size });
      await tick();
    }
  } finally {
    await pool.close();
  }
  return { isGood: (id) => !failed.has(id) || goodTwin.has(id), checked };
}

/** A test for "this chunk has a copy whose pack is there and long enough"; reports missing packs. */
async function presentCopies(
  repo: Repository,
  index: BlobIndex,
  problems: Problem[],
): Promise<(id: string) => boolean> {
  const sizes = new Map<string, number>();
  for (const pack of index.packs.keys()) {
    // lstat: a link (to /dev/zero, say) or a pipe in a pack's place is damage, not a pack.
    const st = await fs.lstat(repo.layout.pack(pack)).catch(() => null);
    if (st?.isFile()) sizes.set(pack, st.size);
    else problems.push({ kind: 'pack', id: pack, problem: st ? 'not a plain file' : 'missing' });
  }
  return (id) =>
    index.locations(id).some((loc) => loc.offset + loc.length <= (sizes.get(loc.pack) ?? -1));
}

export async function drill(repo: Repository, m: Manifest): Promise<DrillResult> {
  const work = await makeWorkDir('drill');
  try {
    const file = path.join(work, 'drill.db');
    const started = Date.now();
    await rebuildDatabase(repo, m, file, { checkWholeFile: true });
    const restoreMs = Date.now() - started;
    const db = new Database(file, { readonly: true });
    // A damaged database can fail any read, and a drill that threw there ended as
    // SOURCE_UNREADABLE instead of naming the damage: what cannot be read is reported.
    const unreadable: string[] = [];
    const read = <T>(what: string, fn: () => T, otherwise: T): T => {
      try {
        return fn();
      } catch (err) {
        if (!sqliteCode(err).startsWith('SQLITE_CORRUPT')) throw err;
        unreadable.push(
          `${what}: unreadable (${err instanceof Error ? err.message : String(err)})`,
        );
        return otherwise;
      }
    };
    try {
      const integrity = checkFindings(db, 'integrity_check', 20).join('; ');
      const tables = new Set(
        (
          db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
            name: string;
          }[]
        ).map((r) => r.name),
      );
      // A partial snapshot leaves out parent tables on purpose; those references are not damage.
      const violations = read(
        'foreign keys',
        () => db.pragma('foreign_key_check') as { parent: string }[],
        [],
      ).filter((v) => tables.has(v.parent));
      const mismatches: string[] = [];
      for (const t of m.tables) {
        if (!tables.has(t.name)) {
          mismatches.push(`${t.name}: missing rows, expected ${t.rows}`);
          continue;
        }
        const count = (): number =>
          (db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(t.name)}`).get() as { n: number }).n;
        const n = read(t.name, count, null);
        if (n !== null && n !== t.rows) mismatches.push(`${t.name}: ${n} rows, expected ${t.rows}`);
      }
      mismatches.push(...unreadable);
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
    await removeWorkDir(work);
  }
}

/** Said of a backup whose database was already damaged when it was taken. */
function sourceDamageProblem(
  m: Manifest,
  finding: string,
  manifests: readonly Manifest[],
  damaged: ReadonlySet<string>,
): Problem {
  const good = newestSound(
    manifests.filter((o) => !damaged.has(o.id)),
    m.source.path,
    m.id,
  );
  return {
    kind: 'source',
    id: m.id,
    problem:
      `SOURCE_DAMAGED: ${m.source.name} was already damaged when this backup was taken (${finding}); ` +
      `a restore of it has the same damage. ` +
      (good
        ? `The last good backup is ${good.id} of ${good.time}.`
        : 'No earlier good backup is here.'),
  };
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
  const sourceDamaged = new Set(
    manifests.filter((m) => m.sourceCheck?.ok === false).map((m) => m.id),
  );

  const isPresent = await presentCopies(repo, index, problems);
  let isGood: (id: string) => boolean = () => true;
  let checked = 0;
  if (opts.level !== 'quick') {
    const r = await checkPacks(repo, index, problems, opts.onProgress);
    isGood = r.isGood;
    checked = r.checked;
  }
  // Snapshot by snapshot, so only one page list is in memory at a time.
  const badChunks = new Map<string, 'missing' | 'damaged'>();
  const perSnapshot = new Map<string, { missing: number; damaged: number }>();
  for (const m of manifests) {
    let ids: string[];
    try {
      ids = [...m.pageGroups, ...(await repo.pageIds(m))];
    } catch (err) {
      badSnapshots.add(m.id);
      problems.push({ kind: 'snapshot', id: m.id, problem: toTillvaultError(err).message });
      ids = m.pageGroups;
    }
    if (opts.level === 'quick') checked += ids.length;
    const seen = new Set<string>();
    const counts = { missing: 0, damaged: 0 };
    for (const chunk of ids) {
      const known = badChunks.get(chunk);
      const state = known ?? (!isPresent(chunk) ? 'missing' : isGood(chunk) ? null : 'damaged');
      if (!state || seen.has(chunk)) continue;
      seen.add(chunk);
      badChunks.set(chunk, state);
      counts[state]++;
    }
    if (counts.missing + counts.damaged > 0) {
      perSnapshot.set(m.id, counts);
      badSnapshots.add(m.id);
    }
  }
  for (const [chunk, state] of badChunks)
    problems.push({ kind: 'chunk', id: chunk, problem: state });

  let drillResult: DrillResult | null = null;
  if (opts.level === 'drill') {
    const target = manifests[manifests.length - 1];
    if (target && !badSnapshots.has(target.id)) {
      drillResult = await drill(repo, target);
      if (drillResult.integrity !== 'ok') {
        // The rebuilt file matched the backup's hash: it is the copy as it was taken, so the
        // damage was in the shop's database, and repairing this place cannot help.
        sourceDamaged.add(target.id);
        badSnapshots.add(target.id);
        problems.push(
          sourceDamageProblem(
            target,
            `integrity_check: ${drillResult.integrity}`,
            all,
            sourceDamaged,
          ),
        );
      } else if (drillResult.foreignKeyViolations > 0 || !drillResult.rowCountsMatch) {
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
    sourceDamaged: [...sourceDamaged].sort(),
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
    actor: opts.actor ?? 'cli',
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
