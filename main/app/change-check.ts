/**
 * A finished backup next to the one before it of the same database, for the run's result: what
 * looks wrong (engine/backup/anomaly.ts) and which backup to go back to. Reads two manifests of
 * one place (the passphrase's key is derived once per process), so the result is not held up.
 */
import path from 'node:path';
import { compareBackups, type ChangeThresholds } from '../engine/backup/anomaly.js';
import type { Credential } from '../engine/repository/config.js';
import type { Manifest } from '../engine/repository/manifest.js';
import { Repository } from '../engine/repository/repository.js';
import type { RunRecord } from '../ipc/contract.js';

/** The backup `snapshotId` and the newest one before it of the same database, in one place. */
async function withBefore(
  place: string,
  credential: Credential,
  snapshotId: string,
): Promise<{ now: Manifest; before: Manifest } | null> {
  const repo = await Repository.open(path.resolve(place), credential);
  try {
    // Ids sort by time.
    const ids = (await repo.listSnapshotIds()).filter((id) => id < snapshotId).sort();
    const now = await repo.readManifest(snapshotId);
    for (const id of ids.reverse()) {
      const m = await repo.readManifest(id).catch(() => null);
      if (m?.source.path === now.source.path) return { now, before: m };
    }
    return null;
  } finally {
    await repo.closeHandles();
  }
}

/**
 * What is wrong with the backup next to the one before it, in the first of `places` (those that
 * took it, the plan's order) that has one before; null for a normal day or a first backup. Never
 * fails: a place that cannot be read now only leaves the result as the backup itself reported.
 */
export async function changeSinceBefore(
  places: readonly string[],
  credential: Credential,
  snapshotId: string,
  thresholds: ChangeThresholds,
): Promise<RunRecord['change'] | null> {
  for (const place of places) {
    const pair = await withBefore(place, credential, snapshotId).catch(() => null);
    if (!pair) continue;
    const findings = compareBackups(pair.before, pair.now, thresholds);
    return findings.length === 0
      ? null
      : { before: { snapshotId: pair.before.id, time: pair.before.time }, findings };
  }
  return null;
}
