/**
 * Which backup a restore uses. Backups made with `--types` hold only some tables; "latest" must
 * not quietly rebuild a shop without its products, so it means the newest backup that holds
 * what this restore needs, and says which newer partial backups it passed over. Nor must it
 * quietly bring back a database that was already damaged when backed up: those are passed over
 * too, and said so, unless no other backup holds what is needed.
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
  /** Newer backups of a damaged database that "latest" skipped, newest first. */
  readonly damagedPassedOver: readonly Manifest[];
}

export function takenDamaged(m: Manifest): boolean {
  return m.sourceCheck?.ok === false;
}

export function holdsNeeded(m: Manifest, needed: NeededTypes): boolean {
  return m.complete || (needed !== null && needed.every((t) => m.types.includes(t)));
}

function whatIsNeeded(needed: NeededTypes): string {
  return needed ? `all of ${needed.join(', ')}` : 'all the data';
}

/**
 * The newest backup holding what is needed; what `latest` means for a restore. Safety backups
 * taken before a restore count only when no other backup qualifies, and backups of a damaged
 * database only when not even a safety backup does.
 */
export async function newestHolding(
  repo: Repository,
  needed: NeededTypes,
): Promise<ChosenSnapshot> {
  const ids = await repo.listSnapshotIds();
  if (ids.length === 0)
    throw new TillvaultError('SNAPSHOT_NOT_FOUND', `There are no backups in ${repo.root}.`);
  const passedOver: Manifest[] = [];
  const damaged: Manifest[] = [];
  let safety: ChosenSnapshot | null = null;
  let damagedOnly: ChosenSnapshot | null = null;
  for (const id of [...ids].reverse()) {
    const m = await repo.readManifest(id);
    const sofar = { manifest: m, passedOver: [...passedOver], damagedPassedOver: [...damaged] };
    if (!holdsNeeded(m, needed)) passedOver.push(m);
    else if (takenDamaged(m)) {
      damagedOnly ??= { ...sofar, damagedPassedOver: [] };
      damaged.push(m);
    }
    // The state a restore replaced is kept to undo it by id; as "latest" it would undo it.
    else if (m.trigger === 'pre-restore') safety ??= sofar;
    else return sofar;
  }
  if (safety) return safety;
  if (damagedOnly) return damagedOnly;
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
  const { manifest: m, passedOver, damagedPassedOver: damaged } = chosen;
  if (passedOver.length === 0 && damaged.length === 0) return null;
  const said: string[] = [];
  if (passedOver.length > 0) {
    const which = passedOver.length === 1 ? 'backup holds' : `${passedOver.length} backups hold`;
    said.push(
      `The newer ${which} only part of the data and ${passedOver.length === 1 ? 'was' : 'were'} passed over: ${passedOver.map(describePartial).join('; ')}.`,
    );
  }
  if (damaged.length > 0) {
    const which = damaged.length === 1 ? 'backup was' : `${damaged.length} backups were`;
    said.push(
      `The newer ${which} taken of a damaged database (SOURCE_DAMAGED) and passed over: ${damaged.map((d) => d.id).join(', ')}; restore one by its id for what it holds.`,
    );
  }
  const sound = damaged.length > 0 ? ' taken before the damage' : '';
  return `${said.join(' ')} ${used} backup ${m.id} of ${m.time} instead, the newest with ${whatIsNeeded(needed)}${sound}.`;
}

/**
 * Said when the backup restored was taken of a database that was already damaged. Rebuilt as a
 * file it has the same damage; its rows copied into the live database (which then passed
 * integrity_check, or the restore would have failed) may still lack what the damage held.
 */
export function damagedSourceWarning(m: Manifest, into: 'file' | 'rows'): string | null {
  if (!takenDamaged(m)) return null;
  const taken = `Backup ${m.id} was taken of a database that was already damaged (SOURCE_DAMAGED; SQLite's check then: ${m.sourceCheck?.detail ?? ''})`;
  return into === 'file'
    ? `${taken}, so the restored file is damaged the same way.`
    : `${taken}. Its readable rows were copied and the database passed its integrity check, but rows on the damaged pages may be missing or wrong: check the data.`;
}

/** Said when a partial backup, chosen by id, is rebuilt as a whole new database file. */
export function partialFileWarning(m: Manifest, file: string): string | null {
  if (m.complete) return null;
  return `Backup ${m.id} is a partial backup: it holds only ${m.types.join(', ') || 'no data'}. Everything else is missing from ${file}.`;
}
