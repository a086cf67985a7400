/**
 * When a job's backups are due, as pure functions of the schedule and a clock: every preset
 * becomes one cron expression, evaluated in the computer's time zone (so "23:00" stays 23:00
 * across daylight-saving changes). node-schedule fires them while the app runs; these functions
 * also answer "what was missed while the computer was off?" and "when are the next runs?".
 */
import cronParser from 'cron-parser';
import { TillvaultError } from '../errors.js';
import { FIVE_A_DAY_HOURS, type Schedule } from './spec.js';

function hm(clock: string): [number, number] {
  const [h, m] = clock.split(':').map(Number);
  return [h!, m!];
}

/** The cron expression of a schedule (minute hour day month weekday); null for manual only. */
export function cronOf(s: Schedule): string | null {
  switch (s.preset) {
    case 'manual':
      return null;
    case 'nightly': {
      const [h, m] = hm(s.time);
      return `${m} ${h} * * *`;
    }
    case 'five-a-day':
      return `0 ${FIVE_A_DAY_HOURS.join(',')} * * *`;
    case 'opening-hours': {
      const [openH, openM] = hm(s.opens);
      const [closeH, closeM] = hm(s.closes);
      const hours: number[] = [];
      for (let h = openH; h * 60 + openM <= closeH * 60 + closeM; h += s.everyHours) hours.push(h);
      const days = [...new Set(s.days)].sort((a, b) => a - b);
      return `${openM} ${hours.length ? hours.join(',') : openH} * * ${days.join(',')}`;
    }
    case 'custom':
      return s.cron.trim();
  }
}

function parse(expr: string, currentDate: Date, timeZone?: string) {
  try {
    return cronParser.parseExpression(expr, { currentDate, ...(timeZone ? { tz: timeZone } : {}) });
  } catch (err) {
    throw new TillvaultError('BAD_INPUT', `"${expr}" is not a schedule Tillvault understands.`, {
      cause: err,
    });
  }
}

/** Checks a custom cron expression: five fields that cron-parser accepts. */
export function isValidCron(expr: string): boolean {
  if (expr.trim().split(/\s+/).length !== 5) return false;
  try {
    parse(expr, new Date(0));
    return true;
  } catch {
    return false;
  }
}

/** The next `count` run times strictly after `from`. */
export function nextRuns(s: Schedule, from: Date, count: number, timeZone?: string): Date[] {
  const expr = cronOf(s);
  if (!expr) return [];
  const it = parse(expr, from, timeZone);
  return Array.from({ length: count }, () => it.next().toDate());
}

/**
 * The one catch-up run owed at `now`: the latest scheduled time after `since` (the last run, or
 * when the job was made) and not after `now`. However many were missed, it is one run.
 */
export function missedRun(s: Schedule, since: Date, now: Date, timeZone?: string): Date | null {
  const expr = cronOf(s);
  if (!expr || now <= since) return null;
  // cron-parser's prev() from a second past `now` includes a run due exactly at `now`.
  const latest = parse(expr, new Date(now.getTime() + 1000), timeZone)
    .prev()
    .toDate();
  return latest > since && latest <= now ? latest : null;
}
