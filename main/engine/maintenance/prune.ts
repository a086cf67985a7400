/**
 * Forgetting old snapshots by the retention policy and reclaiming the space of chunks no
 * snapshot needs. Crash-safe by order: manifests go first; new packs and a new index are on disk
 * before any old index or pack is removed, so every needed chunk always has a listed copy. Packs
 * nothing needs go before any is rewritten, so a full place can still be pruned.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { appendAudit, readAudit, type Actor } from '../repository/audit.js';
import { TEMP_MARK } from '../fs/atomic-file.js';
import { TillvaultError, toTillvaultError } from '../errors.js';
import { withLock } from '../repository/lock.js';
import type { BlobLocation } from '../repository/blob-index.js';
import type { Manifest } from '../repository/manifest.js';
import { PackWriter } from '../repository/pack-writer.js';
import type { Credential } from '../repository/config.js';
import { Repository } from '../repository/repository.js';
import { applyRetention, isEmptyPolicy, type RetentionPolicy } from './retention.js';
import {
  ANOMALY_HOLD_DAYS,
  compareBackups,
  describeFinding,
  type ChangeFinding,
  type ChangeThresholds,
} from '../backup/anomaly.js';

/** Packs with more unused bytes than this share are rewritten. */
const REPACK_UNUSED_SHARE = 0.2;

export interface PruneResult {
  readonly dryRun: boolean;
  readonly keep: { id: string; reasons: string[] }[];
  readonly remove: string[];
  readonly packsDeleted: number;
  readonly packsRewritten: number;
  readonly bytesFreed: number;
}

/**
 * What looks wrong in each backup next to the one before it of the same database (anomaly.ts),
 * by id; backups with nothing wrong are not listed. Backups of a damaged database are left out:
 * their counts say nothing, and retention has its own rule for them.
 */
export function findAnomalies(
  manifests: readonly Manifest[],
  thresholds?: ChangeThresholds,
): Map<string, ChangeFinding[]> {
  const out = new Map<string, ChangeFinding[]>();
  const bySource = new Map<string, Manifest[]>();
  for (const m of manifests) {
    if (m.sourceCheck?.ok === false) continue;
    const list = bySource.get(m.source.path) ?? [];
    list.push(m);
    bySource.set(m.source.path, list);
  }
  for (const list of bySource.values()) {
    list.sort((a, b) => a.time.localeCompare(b.time));
    for (let i = 1; i < list.length; i++) {
      const found = compareBackups(list[i - 1]!, list[i]!, thresholds);
      if (found.length > 0) out.set(list[i]!.id, found);
    }
  }
  return out;
}

async function verifiedSnapshots(repo: Repository): Promise<Set<string>> {
  const out = new Set<string>();
  for (const e of await readAudit(repo)) {
    if ('damaged' in e || e.operation !== 'verify') continue;
    const ids = e.details['verifiedSnapshots'];
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') out.add(id);
  }
  return out;
}

async function reclaim(
  repo: Repository,
  keep: readonly Manifest[],
): Promise<Omit<PruneResult, 'dryRun' | 'keep' | 'remove'>> {
  const index = await repo.loadIndex();
  const used = new Set<string>();
  for (const m of keep) {
    for (const g of m.pageGroups) used.add(g);
    for (const id of await repo.pageIds(m)) used.add(id);
  }
  // What is stored where: a unit is a chunk sealed alone or a frame, with the chunks it holds.
  const units = new Map<
    string,
    {
      pack: string;
      offset: number;
      length: number;
      first: string;
      slot: number;
      listed: number;
      used: number;
    }
  >();
  for (const id of index.ids()) {
    for (const loc of index.locations(id)) {
      const key = `${loc.pack}:${loc.offset}`;
      const unit = units.get(key) ?? { ...loc, first: id, listed: 0, used: 0 };
      unit.listed++;
      if (used.has(id)) unit.used++;
      units.set(key, unit);
    }
  }
  // Per pack: the bytes still needed (a frame's share by its chunks still needed), and all.
  const packs = new Map<string, { usedBytes: number; totalBytes: number }>();
  for (const u of units.values()) {
    const p = packs.get(u.pack) ?? { usedBytes: 0, totalBytes: 0 };
    p.totalBytes += u.length;
    p.usedBytes += (u.length * u.used) / u.listed;
    packs.set(u.pack, p);
  }
  // Packs nothing needs go first: that frees space by writing only an index, which on a full
  // disk is all the room there is for the rewrites after it.
  const onDisk = await repo.packFileNames();
  const unused = new Set<string>(onDisk.filter((p) => !packs.has(p)));
  const rewrite = new Set<string>();
  for (const [pack, p] of packs) {
    if (p.usedBytes === 0) unused.add(pack);
    else if (p.totalBytes - p.usedBytes > p.totalBytes * REPACK_UNUSED_SHARE) rewrite.add(pack);
  }
  await removeTempFiles(repo.root);
  let bytesFreed = await dropPacks(repo, unused);
  const writer = new PackWriter(repo);
  const copied = new Set<string>();
  try {
    for (const u of units.values()) {
      if (u.used === 0 || !rewrite.has(u.pack)) continue;
      // Sealed bytes move as they are (a chunk's name, or a frame's list of names, authenticates
      // them); a frame with chunks no snapshot needs is sealed again without them.
      const stored = await repo.readAt(u);
      const kept = repo.extract(u.first, stored, u.slot, (id) => used.has(id) && !copied.has(id));
      if (!kept) continue;
      await writer.add(kept.stored, kept.members);
      for (const m of kept.members) copied.add(m.id);
    }
    await writer.finish();
  } catch (err) {
    await writer.abandon();
    const e = toTillvaultError(err, repo.root);
    if (e.code !== 'DEST_FULL') throw e;
    // No room to rewrite the packs that are partly needed: they stay whole (every chunk listed
    // where it is) and a later prune, with more room, rewrites them.
    return { packsDeleted: unused.size, packsRewritten: 0, bytesFreed };
  } finally {
    await repo.closeHandles();
  }
  // A needed chunk that could not be copied (damaged) keeps its pack: verify names it and repair
  // can still fix it from another place, which it could not once the pack is gone.
  const rewritten = new Set(rewrite);
  for (const id of used) {
    if (copied.has(id)) continue;
    const locations = index.locations(id);
    if (locations.length > 0 && locations.every((l) => rewrite.has(l.pack))) {
      for (const l of locations) rewritten.delete(l.pack);
    }
  }
  // Chunks no snapshot needs stay listed where their pack stays: a later prune then still counts
  // their bytes (inside a kept frame too) as unused and rewrites the pack when they add up.
  bytesFreed += (await dropPacks(repo, rewritten)) - writer.bytesWritten;
  return {
    packsDeleted: unused.size + rewritten.size,
    packsRewritten: rewrite.size,
    bytesFreed,
  };
}

/**
 * Takes packs out of the index (one fresh index file for what stays, then the old ones go),
 * then deletes them: every chunk still listed keeps its pack. Returns the bytes freed.
 */
async function dropPacks(repo: Repository, drop: ReadonlySet<string>): Promise<number> {
  if (drop.size === 0) return 0;
  const keep = (_id: string, loc: BlobLocation): boolean => !drop.has(loc.pack);
  try {
    await repo.rewriteIndex(keep);
    return await deletePacks(repo, drop);
  } catch (err) {
    if (toTillvaultError(err).code !== 'DEST_FULL') throw err;
    // No room even for the index: the packs go first (no chunk a kept backup needs is only in
    // them), then the index that still lists them. Stopped between the two, verify would name
    // them missing until the next prune.
    const freed = await deletePacks(repo, drop);
    await repo.rewriteIndex(keep);
    return freed;
  }
}

async function deletePacks(repo: Repository, packs: ReadonlySet<string>): Promise<number> {
  let freed = 0;
  for (const pack of packs) {
    const file = repo.layout.pack(pack);
    const st = await fs.stat(file).catch(() => null);
    freed += st?.size ?? 0;
    await fs.rm(file, { force: true });
  }
  return freed;
}

/** Half-written files from a run that died; only called under the exclusive lock. */
async function removeTempFiles(root: string): Promise<void> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (e.isFile() && e.name.includes(TEMP_MARK))
      await fs.rm(path.join(e.parentPath, e.name), { force: true });
  }
}

export async function prune(
  dest: string,
  credential: Credential,
  policy: RetentionPolicy,
  opts: {
    dryRun?: boolean;
    now?: Date;
    timeZone?: string;
    thresholds?: ChangeThresholds;
    /** Who asked, for the audit log; by default the command line. */
    actor?: Actor;
  } = {},
): Promise<PruneResult> {
  if (isEmptyPolicy(policy)) {
    throw new TillvaultError(
      'POLICY_EMPTY',
      'A retention policy must keep something; nothing was deleted.',
    );
  }
  const repo = await Repository.open(path.resolve(dest), credential);
  return withLock(repo.layout, 'prune', true, async () => {
    const { manifests, damaged } = await repo.readAllManifests();
    const anomalies = findAnomalies(manifests, opts.thresholds);
    const newest = [...manifests].sort((a, b) => b.time.localeCompare(a.time))[0];
    const wrong = newest && anomalies.get(newest.id);
    if (wrong) {
      throw new TillvaultError(
        'INTERNAL',
        `Pruning stopped: the newest backup (${newest.id}) looks like a mistake or an attack: ${wrong.map(describeFinding).join('; ')}. If it was one, older backups are needed; nothing was deleted.`,
      );
    }
    const now = opts.now ?? new Date();
    const holdFrom = now.getTime() - ANOMALY_HOLD_DAYS * 86_400_000;
    const verified = await verifiedSnapshots(repo);
    const plan = applyRetention(
      manifests.map((m) => ({
        id: m.id,
        time: m.time,
        verified: verified.has(m.id),
        anomalous: anomalies.has(m.id) && Date.parse(m.time) >= holdFrom,
        sourceDamaged: m.sourceCheck?.ok === false,
      })),
      policy,
      now,
      opts.timeZone ? { timeZone: opts.timeZone } : undefined,
    );
    const remove = plan.remove.map((r) => r.id);
    // Damaged manifests are never pruned: a repair may still bring them back.
    const kept = manifests.filter((m) => !remove.includes(m.id));
    if (opts.dryRun) {
      return {
        dryRun: true,
        keep: plan.keep,
        remove,
        packsDeleted: 0,
        packsRewritten: 0,
        bytesFreed: 0,
      };
    }
    for (const id of remove) await fs.rm(repo.layout.snapshot(id), { force: true });
    let stats: Awaited<ReturnType<typeof reclaim>>;
    try {
      stats =
        damaged.length === 0
          ? await reclaim(repo, kept)
          : { packsDeleted: 0, packsRewritten: 0, bytesFreed: 0 };
    } catch (err) {
      const e = toTillvaultError(err, repo.root);
      // The backups it removed are gone either way: the log says so, and why space is not freed.
      await appendAudit(repo, {
        operation: 'prune',
        result: 'failed',
        actor: opts.actor ?? 'cli',
        snapshotId: null,
        summary: `Removed ${remove.length} old backup(s); freeing their space failed: ${e.message}`,
        details: { removed: remove, code: e.code },
      }).catch(() => undefined);
      throw e;
    }
    await appendAudit(repo, {
      operation: 'prune',
      result: 'ok',
      actor: opts.actor ?? 'cli',
      snapshotId: null,
      summary: `Removed ${remove.length} old backup(s), freed ${stats.bytesFreed} bytes.`,
      details: { removed: remove, ...stats },
    }).catch(() => undefined);
    return { dryRun: false, keep: plan.keep, remove, ...stats };
  });
}
