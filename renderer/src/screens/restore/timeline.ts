/**
 * The "When?" timeline, pure: restore points grouped by day (the computer's own day), newest
 * first; "the last backup before Tuesday 18:00"; the newest backup a whole restore can use.
 */
import type { RestorePoint } from '../../../../main/ipc/contract.js';

export interface Day {
  /** The local date, YYYY-MM-DD. */
  key: string;
  points: RestorePoint[];
}

const two = (n: number): string => String(n).padStart(2, '0');

export function localDay(iso: string): string {
  const d = new Date(iso);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

const newestFirst = (a: RestorePoint, b: RestorePoint): number =>
  Date.parse(b.time) - Date.parse(a.time) || b.id.localeCompare(a.id);

export function byDay(points: readonly RestorePoint[]): Day[] {
  const days: Day[] = [];
  for (const p of [...points].sort(newestFirst)) {
    const key = localDay(p.time);
    const last = days.at(-1);
    if (last?.key === key) last.points.push(p);
    else days.push({ key, points: [p] });
  }
  return days;
}

/** The native date and time inputs' values as a local moment; null until the date is set. */
export function localMoment(date: string, time: string): Date | null {
  const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!d) return null;
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  // A date alone means "before that day is over".
  const [h, m] = t ? [Number(t[1]), Number(t[2])] : [24, 0];
  return new Date(Number(d[1]), Number(d[2]) - 1, Number(d[3]), h, m);
}

export function takenBefore(points: readonly RestorePoint[], moment: Date): RestorePoint[] {
  return points.filter((p) => Date.parse(p.time) < moment.getTime());
}

/** The newest restore point taken before `moment` ("the last backup before Tuesday 18:00"). */
export function lastBefore(points: readonly RestorePoint[], moment: Date): RestorePoint | null {
  return [...takenBefore(points, moment)].sort(newestFirst)[0] ?? null;
}

/**
 * The newest backup a whole restore should start from: of every data type, and not the safety
 * backup a restore made (that one is for undoing).
 */
export function newestGood(points: readonly RestorePoint[]): RestorePoint | null {
  return (
    [...points].sort(newestFirst).find((p) => p.complete && p.trigger !== 'pre-restore') ?? null
  );
}
