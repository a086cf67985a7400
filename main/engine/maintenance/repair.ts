/**
 * Repair from another destination of the same repository: damaged or missing chunks get good
 * copies (sealed bytes are identical in meaning across destinations, since keys and chunk names
 * are shared), damaged manifests are replaced, then the destination is verified again.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { appendAudit, type Actor } from '../repository/audit.js';
import { writeOnce } from '../fs/atomic-file.js';
import { TillvaultError, toTillvaultError } from '../errors.js';
import { withLock } from '../repository/lock.js';
import { PackWriter } from '../repository/pack-writer.js';
import type { Credential } from '../repository/config.js';
import { Repository } from '../repository/repository.js';
import { samePlace } from '../places/same-place.js';
import { verifyRepository, type VerifyResult } from './verify.js';

export interface RepairResult {
  /** The settings file (tillvault.json) was damaged or gone and was copied from the other. */
  readonly settingsReplaced: boolean;
  readonly chunksReplaced: number;
  readonly snapshotsReplaced: string[];
  readonly unrepairable: string[];
  readonly packsRemoved: number;
  readonly after: VerifyResult;
}

/**
 * A good stored copy of chunk `id`, with the other chunks `wanted` that the same frame holds, or
 * null.
 */
async function goodCopy(
  repo: Repository,
  id: string,
  wanted: (id: string) => boolean,
): Promise<{ stored: Buffer; members: { id: string; slot: number }[] } | null> {
  const index = await repo.getIndex();
  for (const loc of index.locations(id)) {
    const stored = await repo.readAt(loc).catch(() => null);
    const copy = stored && repo.extract(id, stored, loc.slot, (m) => m === id || wanted(m));
    if (copy?.members.some((m) => m.id === id)) return copy;
  }
  return null;
}

const MAX_ROUNDS = 4;

/** Whether a backup record at `view` opens with the other copy's keys and says the same. */
async function holdsSameBackups(view: Repository, other: Repository): Promise<boolean> {
  for (const id of await view.listSnapshotIds().catch(() => [])) {
    const [mine, theirs] = await Promise.all([
      view.readManifest(id).catch(() => null),
      other.readManifest(id).catch(() => null),
    ]);
    if (mine && theirs && isDeepStrictEqual(mine, theirs)) return true;
  }
  return false;
}

/**
 * Opens the copy to repair. One whose settings file is damaged or gone cannot be opened on its
 * own; it is taken as a copy of `other` only when one of its backup records proves it (an
 * encrypted record opens only with the same keys), and its settings file is then put back.
 */
async function openToRepair(
  dest: string,
  other: Repository,
  credential: Credential,
): Promise<{ repo: Repository; settingsDamaged: boolean }> {
  try {
    return { repo: await Repository.open(dest, credential), settingsDamaged: false };
  } catch (err) {
    const e = toTillvaultError(err, dest);
    if (e.code !== 'DAMAGED' && e.code !== 'NOT_A_REPOSITORY') throw e;
    const view = other.viewAt(dest);
    if (!(await holdsSameBackups(view, other))) throw e;
    return { repo: view, settingsDamaged: true };
  }
}

/** One pass: find damaged or missing chunks, copy good ones from `other`, drop damaged packs. */
async function repairRound(
  repo: Repository,
  other: Repository,
  unrepairable: string[],
): Promise<{ chunksReplaced: number; packsRemoved: number }> {
  const before = await verifyRepository(repo, { level: 'full' });
  const badChunks = before.problems.filter((p) => p.kind === 'chunk').map((p) => p.id);
  const badPacks = new Set(before.problems.filter((p) => p.kind === 'pack').map((p) => p.id));
  const writer = new PackWriter(repo);
  const added = new Set<string>();
  /** Stores a good copy of each chunk of `ids` not added yet, from the first place that has one. */
  const copy = async (ids: readonly string[], from: readonly Repository[]): Promise<string[]> => {
    const wanted = new Set(ids);
    const missed: string[] = [];
    for (const id of ids) {
      if (added.has(id)) continue;
      // A frame brings its neighbours: the other chunks of it that are wanted come along.
      const more = (m: string): boolean => wanted.has(m) && !added.has(m);
      let found = null;
      for (const r of from) if ((found = await goodCopy(r, id, more))) break;
      if (!found) {
        missed.push(id);
        continue;
      }
      await writer.add(found.stored, found.members);
      for (const m of found.members) added.add(m.id);
    }
    return missed;
  };
  for (const id of await copy(badChunks, [other])) {
    if (!unrepairable.includes(`chunk ${id}`)) unrepairable.push(`chunk ${id}`);
  }
  const chunksReplaced = badChunks.filter((id) => added.has(id)).length;
  // Good chunks that live only in a damaged pack move to a new pack before it goes.
  const index = await repo.getIndex();
  const stranded: string[] = [];
  for (const id of index.ids()) {
    const locs = index.locations(id);
    if (locs.some((l) => badPacks.has(l.pack)) && locs.every((l) => badPacks.has(l.pack))) {
      stranded.push(id);
    }
  }
  await copy(stranded, [repo, other]);
  await writer.finish();
  await repo.closeHandles();
  const damagedIndexes = before.problems.some((p) => p.kind === 'index');
  if (badPacks.size === 0 && !damagedIndexes && chunksReplaced === 0) {
    return { chunksReplaced, packsRemoved: 0 };
  }
  // Damaged index files drop out because they were never loaded; so do entries of bad packs.
  await repo.rewriteIndex((_id, loc) => !badPacks.has(loc.pack));
  for (const pack of badPacks) await fs.rm(repo.layout.pack(pack), { force: true });
  return { chunksReplaced, packsRemoved: badPacks.size };
}

export async function repair(
  dest: string,
  from: string,
  credential: Credential,
  actor: Actor = 'cli',
): Promise<RepairResult> {
  // Otherwise the second lock would find the first and blame "another repair".
  if (await samePlace(dest, from)) {
    throw new TillvaultError(
      'BAD_INPUT',
      `${dest} and ${from} are the same place; repair needs another destination of the same backups.`,
    );
  }
  const other = await Repository.open(path.resolve(from), credential);
  const { repo, settingsDamaged } = await openToRepair(path.resolve(dest), other, credential);
  if (repo.id !== other.id) {
    throw new TillvaultError(
      'DEST_FOREIGN',
      `${from} holds a different set of backups; it cannot repair ${dest}.`,
    );
  }
  return withLock(repo.layout, 'repair', true, () =>
    withLock(other.layout, 'repair (source)', false, async () => {
      if (settingsDamaged) {
        await fs.rm(repo.layout.config(), { force: true });
        await writeOnce(repo.layout.config(), other.configText);
      }
      // Damaged manifests first: their chunks are only known once they are readable again.
      const snapshotsReplaced: string[] = [];
      const unrepairable: string[] = [];
      const { damaged } = await repo.readAllManifests();
      for (const d of damaged) {
        try {
          await other.readManifest(d.id);
          const bytes = await other.readManifestBytes(d.id);
          await fs.rm(repo.layout.snapshot(d.id), { force: true });
          await writeOnce(repo.layout.snapshot(d.id), bytes);
          snapshotsReplaced.push(d.id);
        } catch {
          unrepairable.push(`snapshot ${d.id}`);
        }
      }
      // A page list that was itself missing names its pages only once it is back: repeat.
      await other.loadIndex(() => undefined);
      let chunksReplaced = 0;
      let packsRemoved = 0;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const r = await repairRound(repo, other, unrepairable);
        chunksReplaced += r.chunksReplaced;
        packsRemoved += r.packsRemoved;
        if (r.chunksReplaced === 0 && r.packsRemoved === 0) break;
      }
      await repo.closeHandles();
      await other.closeHandles();
      const after = await verifyRepository(repo, { level: 'full' });
      await appendAudit(repo, {
        operation: 'repair',
        result: after.ok ? 'ok' : 'damaged',
        actor,
        snapshotId: null,
        summary: `Repaired from ${from}: ${settingsDamaged ? 'the settings file, ' : ''}${chunksReplaced} chunk(s), ${snapshotsReplaced.length} backup record(s) replaced.`,
        details: { from: path.resolve(from), chunksReplaced, snapshotsReplaced, unrepairable },
      }).catch(() => undefined);
      return {
        settingsReplaced: settingsDamaged,
        chunksReplaced,
        snapshotsReplaced,
        unrepairable,
        packsRemoved,
        after,
      };
    }),
  );
}
