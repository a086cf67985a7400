/**
 * Free space in the backup places: measured before a run (a place that cannot take the backup
 * is skipped with a clear reason instead of filling up halfway), after a run (for Home and the
 * low-space alert), and turned into "about N days left at the current rate". The outlook is
 * pure so it tests without disks or clocks.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

const DAY = 86_400_000;
/** Bytes a place added per good run, kept to estimate the rate; a month of nightly runs. */
export const GROWTH_SAMPLES = 40;
/** Below this many days left at the current rate, Home turns amber and the owner is told. */
export const LOW_DAYS = 14;
/** Below this, red: the place will be full within days. */
export const CRITICAL_DAYS = 3;
/** Head room on top of an estimate: indexes, the manifest, the audit log, a bigger day. */
const MARGIN = 2;
/** Whatever the estimate, a place with less than this is treated as full. */
const FLOOR_BYTES = 16 * 1024 * 1024;
/** zstd keeps a SQLite database at about 0.4 of its size; a first backup stores all of it. */
const FIRST_BACKUP_SHARE = 0.6;

export interface GrowthSample {
  readonly at: string;
  readonly newBytes: number;
}

export interface PlaceSpace {
  readonly freeBytes: number;
  readonly measuredAt: string;
  /** The place holds a good backup: the next one only adds what changed. */
  readonly stored: boolean;
  /** What each later good run added (never the first, full backup). */
  readonly samples: GrowthSample[];
}

/** Bytes the current user may still write where `dir` is (or would be created). */
export async function freeBytesAt(dir: string): Promise<number | null> {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    const stat = await fs.statfs(at).catch(() => null);
    if (stat) return stat.bavail * stat.bsize;
    if (path.dirname(at) === at) return null;
  }
}

/** About how much the next backup will write to a place. */
export function expectedBytes(space: PlaceSpace | undefined, sourceBytes: number): number {
  if (!space?.stored) return Math.max(FLOOR_BYTES, sourceBytes * FIRST_BACKUP_SHARE);
  const recent = space.samples.slice(-7).map((s) => s.newBytes);
  return Math.max(FLOOR_BYTES, ...recent.map((b) => b * MARGIN));
}

/** Bytes added per day over the recorded runs; null until they span a day. */
export function bytesPerDay(samples: readonly GrowthSample[]): number | null {
  if (samples.length < 2) return null;
  const span = Date.parse(samples.at(-1)!.at) - Date.parse(samples[0]!.at);
  // Runs within one day say little about a daily rate (a burst of "Back up now").
  if (span < DAY) return null;
  // What the first sample added happened before the span began.
  const added = samples.slice(1).reduce((sum, s) => sum + s.newBytes, 0);
  return (added / span) * DAY;
}

export type SpaceLevel = 'ok' | 'low' | 'full';

export interface SpaceOutlook {
  readonly freeBytes: number;
  /** At the current rate; null when there is no rate yet (or nothing is being added). */
  readonly daysLeft: number | null;
  readonly level: SpaceLevel;
}

export function spaceOutlook(space: PlaceSpace, sourceBytes: number): SpaceOutlook {
  const rate = bytesPerDay(space.samples);
  const daysLeft = rate && rate > 0 ? Math.floor(space.freeBytes / rate) : null;
  const next = expectedBytes(space, sourceBytes);
  const level: SpaceLevel =
    space.freeBytes < next || (daysLeft !== null && daysLeft < CRITICAL_DAYS)
      ? 'full'
      : space.freeBytes < next * 3 || (daysLeft !== null && daysLeft < LOW_DAYS)
        ? 'low'
        : 'ok';
  return { freeBytes: space.freeBytes, daysLeft, level };
}

/** The place's space record after a run that added `newBytes` (null when it failed there). */
export function nextSpace(
  prev: PlaceSpace | undefined,
  freeBytes: number,
  at: string,
  newBytes: number | null,
): PlaceSpace {
  const samples = prev?.samples ?? [];
  const grew = newBytes !== null && prev?.stored === true;
  return {
    freeBytes,
    measuredAt: at,
    stored: (prev?.stored ?? false) || newBytes !== null,
    samples: grew ? [...samples, { at, newBytes }].slice(-GROWTH_SAMPLES) : samples,
  };
}
