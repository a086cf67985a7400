/**
 * Which backup a restore uses. Backups made with `--types` hold only some tables; "latest" must
 * not quietly rebuild a shop without its products, so it means the newest backup that holds
 * what this restore needs, and says which newer partial backups it passed over.
 */
import type { DataType } from '../data-types.js';
import { TillvaultError } from '../errors.js';
import type { Manifest } from '../repository/manifest.js';
import type { Repository } from '../repository/repository.js';

/** The data types a restore puts back, or null for the whole database. */
export type NeededTypes = readonly DataType[] | null;

export interface ChosenSnapshot {
  readonly manifest: Manifest;
  /** Newer partial backups that "latest" skipped, newest first. */
  readonly passedOver: readonly Manifest[];
}

export function holdsNeeded(m: Manifest, needed: NeededTypes): boolean {
  return m.complete || (needed !== null && needed.every((t) => m.types.includes(t)));
}

function whatIsNeeded(needed: NeededTypes): string {
  return needed ? `all of ${needed.join(', ')}` : 'all the data';
}

/**
 * The newest backup holding what is needed; what `latest` means for a restore. Safety backups
 * taken before a restore count only when no other backup qualifies.
 */
export async function newestHolding(
  repo: Repository,
  needed: NeededTypes,
): Promise<ChosenSnapshot> {
  const ids = await repo.listSnapshotIds();
  if (ids.length === 0)
    throw new TillvaultError('SNAPSHOT_NOT_FOUND', `There are no backups in ${repo.root}.`);
  const passedOver: Manifest[] = [];
  let safety: ChosenSnapshot | null = null;
  for (const id of [...ids].reverse()) {
    const m = await repo.readManifest(id);
    if (!holdsNeeded(m, needed)) passedOver.push(m);
    // The state a restore replaced is kept to undo it by id; as "latest" it would undo it.
    else if (m.trigger === 'pre-restore') safety ??= { manifest: m, passedOver: [...passedOver] };
    else return { manifest: m, passedOver };
  }
  if (safety) return safety;
  throw new TillvaultError(
    'SNAPSHOT_NOT_FOUND',
    `None of the backups in ${repo.root} holds ${whatIsNeeded(needed)}: they are partial backups (made with --types). Choose one with --snapshot ID, or make a full backup first.`,
  );
}

function describePartial(m: Manifest): string {
  return `${m.id} (only ${m.types.join(', ') || 'no data'})`;
}

/**
 * Said when "latest" skipped newer partial backups; null when it skipped none. `used` says what
 * was done with the chosen backup instead.
 */
export function passedOverWarning(
  chosen: ChosenSnapshot,
  needed: NeededTypes,
  used: 'Restored' | 'Compared with' = 'Restored',
): string | null {
  const { manifest: m, passedOver } = chosen;
  if (passedOver.length === 0) return null;
  const which = passedOver.length === 1 ? 'backup holds' : `${passedOver.length} backups hold`;
  return `The newer ${which} only part of the data and ${passedOver.length === 1 ? 'was' : 'were'} passed over: ${passedOver.map(describePartial).join('; ')}. ${used} backup ${m.id} of ${m.time} instead, the newest with ${whatIsNeeded(needed)}.`;
}

/** Said when a partial backup, chosen by id, is rebuilt as a whole new database file. */
export function partialFileWarning(m: Manifest, file: string): string | null {
  if (m.complete) return null;
  return `Backup ${m.id} is a partial backup: it holds only ${m.types.join(', ') || 'no data'}. Everything else is missing from ${file}.`;
}
