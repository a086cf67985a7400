/**
 * The restore wizard's timeline: the backups of a plan from every place, merged so that a
 * backup held by several places (one run writes the same snapshot to each) appears once, with
 * where it is, newest first. A place that could not be read is named, never silently left out.
 */
import type { HistoryPlace, RestorePoint } from '../ipc/contract.js';

export interface RestorePoints {
  points: RestorePoint[];
  unreachable: { destinationId: string; label: string; code: string; message: string }[];
}

export function mergeRestorePoints(places: readonly HistoryPlace[]): RestorePoints {
  const byId = new Map<string, RestorePoint>();
  for (const place of places) {
    for (const s of place.snapshots) {
      const where = { destinationId: place.destinationId, label: place.label };
      const known = byId.get(s.id);
      if (known) {
        known.places.push(where);
      } else {
        const { bytes: _bytes, newBytes: _new, ...point } = s;
        byId.set(s.id, { ...point, places: [where] });
      }
    }
  }
  return {
    points: [...byId.values()].sort((a, b) => b.id.localeCompare(a.id)),
    unreachable: places.flatMap((p) =>
      p.error
        ? [
            {
              destinationId: p.destinationId,
              label: p.label,
              code: p.error.code,
              message: p.error.message,
            },
          ]
        : [],
    ),
  };
}

/** The newest restore point taken before `time` ("the last backup before Tuesday 18:00"). */
export function lastBefore(points: readonly RestorePoint[], time: Date): RestorePoint | null {
  return points
    .filter((p) => Date.parse(p.time) < time.getTime())
    .reduce<RestorePoint | null>((best, p) => (!best || p.id > best.id ? p : best), null);
}
