/**
 * Retention: which snapshots a prune keeps and which it may remove.
 *
 * Pure and deterministic: the caller passes the snapshot list, the policy, the clock and the time
 * zone. The policy part follows restic's `forget` semantics (internal/restic/snapshot_policy.go):
 * snapshots are walked newest first, `keepLast` keeps the N newest, every bucket rule
 * (hourly/daily/weekly/monthly/yearly) keeps the newest snapshot of each distinct bucket until N
 * buckets have been used, and `keepWithin` keeps everything newer than `now` minus a calendar
 * duration. As in restic, if a bucket rule still has unused buckets when the walk reaches the
 * oldest snapshot, the oldest snapshot is kept too (it maximises the history kept).
 *
 * Snapshots taken of a database that was already damaged (`sourceDamaged`) count toward no rule
 * but `keepWithin`: `keepLast` and the buckets keep the newest good snapshots as if the damaged
 * ones did not exist, so a run of damaged backups cannot age the last good ones out.
 *
 * On top of the policy come safety rules that only ever keep more: the newest snapshot, the newest
 * snapshot not dated in the future, the newest good snapshot while damaged ones are newer, the
 * newest verified snapshot, the newest verified non-anomalous snapshot, and — when anything is
 * flagged anomalous — everything from the oldest anomalous snapshot on plus the last snapshot
 * before it.
 *
 * Buckets and calendar arithmetic use local calendar time in `opts.timeZone` (default: the
 * process's zone), obtained with Intl.DateTimeFormat; no date library.
 */
import { TillvaultError } from '../errors.js';

export interface RetentionPolicy {
  /** Keep the N newest snapshots. */
  keepLast?: number;
  /** Keep every snapshot newer than now minus this duration, e.g. '30d', '12m', '5y', '2w', '36h', '1y6m'. */
  keepWithin?: string;
  keepHourly?: number;
  keepDaily?: number;
  /** ISO weeks (Monday first; the week belongs to the year of its Thursday). */
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
}

/** Every backup for 30 days, one a month for 12 months, one a year for 5 years. */
export const DEFAULT_POLICY: RetentionPolicy = Object.freeze({
  keepWithin: '30d',
  keepMonthly: 12,
  keepYearly: 5,
});

export interface Duration {
  years: number;
  months: number;
  /** Weeks are folded into days (1w = 7d). */
  days: number;
  hours: number;
}

export interface RetentionSnapshot {
  id: string;
  /** ISO 8601 timestamp. */
  time: string;
  verified?: boolean;
  anomalous?: boolean;
  /** Taken of a database that was already damaged (its manifest's sourceCheck failed). */
  sourceDamaged?: boolean;
}

export interface RetentionOptions {
  /** IANA zone used for buckets and calendar arithmetic. Default: the process's zone. */
  timeZone?: string;
}

export interface RetentionResult {
  /** Newest first. Every kept snapshot has at least one reason. */
  keep: { id: string; reasons: string[] }[];
  /** Newest first. */
  remove: { id: string }[];
}

// ---------------------------------------------------------------------------------------------
// Durations

const DURATION_PART = /(\d{1,6})\s*([ymwdh])\s*/y;

/**
 * Parses '30d', '12m', '5y', '2w', '36h', '1y6m', '1y 6m'. Units: y years, m months, w weeks
 * (stored as 7 days), d days, h hours; each unit at most once, in any order, lower case only
 * ('m' is months, never minutes). Throws BAD_INPUT for anything else.
 */
export function parseDuration(text: string): Duration {
  if (typeof text !== 'string') {
    throw new TillvaultError('BAD_INPUT', 'A duration must be text such as "30d" or "1y6m".');
  }
  const src = text.trim();
  const bad = (): TillvaultError =>
    new TillvaultError(
      'BAD_INPUT',
      `"${text}" is not a duration. Use a number and a unit: y (years), m (months), w (weeks), d (days), h (hours), e.g. "30d" or "1y6m".`,
    );
  if (src === '') throw bad();
  const out: Duration = { years: 0, months: 0, days: 0, hours: 0 };
  const seen = new Set<string>();
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < src.length) {
    const m = DURATION_PART.exec(src);
    if (!m) throw bad();
    const n = Number(m[1]);
    const unit = m[2]!;
    if (seen.has(unit)) throw bad();
    seen.add(unit);
    switch (unit) {
      case 'y':
        out.years = n;
        break;
      case 'm':
        out.months = n;
        break;
      case 'w':
        out.days += 7 * n;
        break;
      case 'd':
        out.days += n;
        break;
      case 'h':
        out.hours = n;
        break;
    }
  }
  DURATION_PART.lastIndex = 0;
  return out;
}

function isZeroDuration(d: Duration): boolean {
  return d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function joinEnglish(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "1 year and 6 months", "30 days", "36 hours". */
export function formatDuration(d: Duration): string {
  const parts: string[] = [];
  if (d.years) parts.push(plural(d.years, 'year'));
  if (d.months) parts.push(plural(d.months, 'month'));
  if (d.days) parts.push(plural(d.days, 'day'));
  if (d.hours) parts.push(plural(d.hours, 'hour'));
  return parts.length ? joinEnglish(parts) : '0 days';
}

/**
 * `from` minus `d` in calendar terms, in the local calendar of `timeZone`: years and months move
 * the month (a day that does not exist in the target month is clamped to its last day, so
 * 31 March minus 1m is 28/29 February), days move the calendar day keeping the wall-clock time
 * (so across a DST change a day can be 23 or 25 hours), and hours are then subtracted as real
 * elapsed hours. A wall-clock time that falls in a DST gap or overlap resolves to the earliest
 * matching instant.
 */
export function subtractDuration(from: Date, d: Duration, timeZone?: string): Date {
  const t = from.getTime();
  if (Number.isNaN(t)) throw new TillvaultError('BAD_INPUT', 'Invalid date.');
  const zone = resolveZone(timeZone);
  const p = partsInZone(t, zone);
  const monthIndex = p.year * 12 + (p.month - 1) - (d.years * 12 + d.months);
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12; // 0-based
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(p.day, lastDay) - d.days;
  const ms = ((t % 1000) + 1000) % 1000;
  const wall = Date.UTC(year, month, day, p.hour, p.minute, p.second, ms);
  const instant = wallToInstant(wall, zone) - d.hours * 3_600_000;
  return new Date(instant);
}

// ---------------------------------------------------------------------------------------------
// Time zones

interface ZonedParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function resolveZone(timeZone: string | undefined): string {
  const zone = timeZone ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
  formatterFor(zone);
  return zone;
}

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (err) {
      throw new TillvaultError('BAD_INPUT', `Unknown time zone "${zone}".`, { cause: err });
    }
    formatters.set(zone, f);
  }
  return f;
}

function partsInZone(ms: number, zone: string): ZonedParts {
  const out: ZonedParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  let bc = false;
  for (const part of formatterFor(zone).formatToParts(ms)) {
    switch (part.type) {
      case 'era':
        bc = part.value.startsWith('B');
        break;
      case 'year':
      case 'month':
      case 'day':
      case 'hour':
      case 'minute':
      case 'second':
        out[part.type] = Number(part.value);
        break;
    }
  }
  if (bc) out.year = 1 - out.year;
  if (out.hour === 24) out.hour = 0; // defensive: some ICU versions print midnight as 24
  return out;
}

/** Offset of `zone` from UTC at instant `ms`, in milliseconds (east positive). */
function offsetAt(ms: number, zone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  const p = partsInZone(whole, zone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

/**
 * The instant at which the clocks in `zone` show `wall` (a wall-clock time encoded as if it were
 * UTC). Overlaps resolve to the earlier instant; gaps to the instant the pre-transition offset
 * gives (which lies just after the gap).
 */
function wallToInstant(wall: number, zone: string): number {
  const DAY = 86_400_000;
  const before = offsetAt(wall - DAY, zone);
  const candidates = [before, offsetAt(wall, zone), offsetAt(wall + DAY, zone)];
  let best: number | undefined;
  for (const off of candidates) {
    const instant = wall - off;
    if (offsetAt(instant, zone) === off && (best === undefined || instant < best)) best = instant;
  }
  return best ?? wall - before;
}

// ---------------------------------------------------------------------------------------------
// Buckets

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = Date.UTC(year, month - 1, day);
  const mondayBased = (new Date(date).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date(date + (3 - mondayBased) * 86_400_000);
  const weekYear = thursday.getUTCFullYear();
  const dayOfYear = Math.round((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / 86_400_000);
  return { year: weekYear, week: Math.floor(dayOfYear / 7) + 1 };
}

type BucketName = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

type CountKey =
  'keepLast' | 'keepHourly' | 'keepDaily' | 'keepWeekly' | 'keepMonthly' | 'keepYearly';

const BUCKET_RULES: readonly { name: BucketName; key: CountKey }[] = [
  { name: 'hourly', key: 'keepHourly' },
  { name: 'daily', key: 'keepDaily' },
  { name: 'weekly', key: 'keepWeekly' },
  { name: 'monthly', key: 'keepMonthly' },
  { name: 'yearly', key: 'keepYearly' },
];

/** Human-readable bucket labels; equal labels mean the same bucket. */
function bucketLabels(p: ZonedParts): Record<BucketName, string> {
  const ymd = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
  const w = isoWeek(p.year, p.month, p.day);
  return {
    hourly: `${ymd} ${pad(p.hour)}h`,
    daily: ymd,
    weekly: `${pad(w.year, 4)}-W${pad(w.week)}`,
    monthly: `${pad(p.year, 4)}-${pad(p.month)}`,
    yearly: pad(p.year, 4),
  };
}

// ---------------------------------------------------------------------------------------------
// Policy

const COUNT_KEYS: readonly CountKey[] = [
  'keepLast',
  'keepHourly',
  'keepDaily',
  'keepWeekly',
  'keepMonthly',
  'keepYearly',
];

function countOf(p: RetentionPolicy, key: CountKey): number {
  const v = p[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

function withinOf(p: RetentionPolicy): Duration | undefined {
  if (p.keepWithin === undefined || p.keepWithin.trim() === '') return undefined;
  return parseDuration(p.keepWithin);
}

/**
 * True when the policy keeps nothing on its own: every count unset or zero and `keepWithin`
 * unset, blank or a zero duration. (A `keepWithin` that does not parse counts as set; applying
 * the policy then fails with BAD_INPUT rather than POLICY_EMPTY.)
 */
export function isEmptyPolicy(p: RetentionPolicy): boolean {
  for (const key of COUNT_KEYS) if (countOf(p, key) !== 0) return false;
  if (p.keepWithin === undefined || p.keepWithin.trim() === '') return true;
  try {
    return isZeroDuration(parseDuration(p.keepWithin));
  } catch {
    return false;
  }
}

function validatePolicy(p: RetentionPolicy): void {
  if (typeof p !== 'object' || p === null) {
    throw new TillvaultError('BAD_INPUT', 'The retention policy is missing.');
  }
  for (const key of COUNT_KEYS) {
    const v = p[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new TillvaultError(
        'BAD_INPUT',
        `${key} must be a whole number of zero or more (got ${String(v)}).`,
      );
    }
  }
  if (p.keepWithin !== undefined && typeof p.keepWithin !== 'string') {
    throw new TillvaultError('BAD_INPUT', 'keepWithin must be a duration such as "30d".');
  }
  withinOf(p); // throws BAD_INPUT when it does not parse
}

/** Short English summary, e.g. "every backup for 30 days, one a month for 12 months, one a year for 5 years". */
export function describePolicy(p: RetentionPolicy): string {
  const parts: string[] = [];
  let within: Duration | undefined;
  try {
    within = withinOf(p);
  } catch {
    parts.push(`every backup within "${p.keepWithin ?? ''}" (not a valid duration)`);
  }
  if (within && !isZeroDuration(within)) parts.push(`every backup for ${formatDuration(within)}`);
  const last = countOf(p, 'keepLast');
  if (last === 1) parts.push('the last backup');
  else if (last > 1) parts.push(`the last ${last} backups`);
  const units: [CountKey, string, string][] = [
    ['keepHourly', 'an hour', 'hour'],
    ['keepDaily', 'a day', 'day'],
    ['keepWeekly', 'a week', 'week'],
    ['keepMonthly', 'a month', 'month'],
    ['keepYearly', 'a year', 'year'],
  ];
  for (const [key, per, unit] of units) {
    const n = countOf(p, key);
    if (n > 0) parts.push(`one ${per} for ${plural(n, unit)}`);
  }
  return parts.length ? parts.join(', ') : 'no retention rules (nothing would be kept)';
}

// ---------------------------------------------------------------------------------------------
// Applying

interface Entry {
  id: string;
  ms: number;
  verified: boolean;
  anomalous: boolean;
  damaged: boolean;
  reasons: string[];
}

function addReason(e: Entry, reason: string): void {
  if (!e.reasons.includes(reason)) e.reasons.push(reason);
}

/**
 * Splits `snapshots` into keep and remove. Throws POLICY_EMPTY for an empty policy (pruning with
 * no policy would delete everything) and BAD_INPUT for a malformed policy, time, clock, zone or
 * duplicate id. The result lists are newest first; snapshots with equal times are ordered by id so
 * the outcome does not depend on input order.
 */
export function applyRetention(
  snapshots: readonly RetentionSnapshot[],
  policy: RetentionPolicy,
  now: Date,
  opts?: RetentionOptions,
): RetentionResult {
  validatePolicy(policy);
  if (isEmptyPolicy(policy)) {
    throw new TillvaultError(
      'POLICY_EMPTY',
      'The retention policy keeps nothing; pruning with it would delete every backup.',
    );
  }
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TillvaultError('BAD_INPUT', 'The current time is not a valid date.');
  }
  const zone = resolveZone(opts?.timeZone);

  const ids = new Set<string>();
  const list: Entry[] = snapshots.map((s) => {
    if (typeof s.id !== 'string' || s.id === '') {
      throw new TillvaultError('BAD_INPUT', 'A snapshot has no id.');
    }
    if (ids.has(s.id)) throw new TillvaultError('BAD_INPUT', `Snapshot ${s.id} is listed twice.`);
    ids.add(s.id);
    const ms = typeof s.time === 'string' ? Date.parse(s.time) : NaN;
    if (Number.isNaN(ms)) {
      throw new TillvaultError('BAD_INPUT', `Snapshot ${s.id} has an invalid time "${s.time}".`);
    }
    return {
      id: s.id,
      ms,
      verified: s.verified === true,
      anomalous: s.anomalous === true,
      damaged: s.sourceDamaged === true,
      reasons: [],
    };
  });
  list.sort((a, b) => b.ms - a.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  // keepWithin: strictly newer than now minus the duration.
  const within = withinOf(policy);
  if (within && !isZeroDuration(within)) {
    const cutoff = subtractDuration(now, within, zone).getTime();
    const reason = `within ${policy.keepWithin!.trim()}`;
    for (const e of list) if (e.ms > cutoff) addReason(e, reason);
  }

  // The counted rules see only good snapshots.
  const good = list.filter((e) => !e.damaged);

  // keepLast
  const keepLast = countOf(policy, 'keepLast');
  good.slice(0, keepLast).forEach((e, i) => addReason(e, `last ${i + 1}`));

  // Bucket rules: newest snapshot of each distinct bucket until the count is used up; if a rule
  // still has room at the oldest snapshot, keep that one too (restic).
  const rules = BUCKET_RULES.map((r) => ({
    name: r.name,
    left: countOf(policy, r.key),
    last: undefined as string | undefined,
  })).filter((r) => r.left > 0);
  if (rules.length > 0) {
    good.forEach((e, i) => {
      const labels = bucketLabels(partsInZone(e.ms, zone));
      const oldest = i === good.length - 1;
      for (const r of rules) {
        if (r.left <= 0) continue;
        const label = labels[r.name];
        if (label !== r.last) {
          addReason(e, `${r.name} ${label}`);
          r.last = label;
          r.left--;
        } else if (oldest) {
          addReason(e, `oldest (${r.name} rule has room)`);
          r.left--;
        }
      }
    });
  }

  // Safety rules: they only ever keep more.
  if (list.length > 0) {
    addReason(list[0]!, 'newest');
    const nowMs = now.getTime();
    const newestPast = list.find((e) => e.ms <= nowMs);
    if (newestPast && newestPast !== list[0]) addReason(newestPast, 'newest not in the future');
    const newestGood = good[0];
    if (newestGood && newestGood !== list[0]) {
      addReason(newestGood, 'newest good (newer ones damaged at source)');
    }
    const verified = list.find((e) => e.verified);
    if (verified) addReason(verified, 'newest verified');
    const verifiedGood = list.find((e) => e.verified && !e.anomalous);
    if (verifiedGood && verifiedGood !== verified) addReason(verifiedGood, 'newest verified good');

    let oldestAnomaly: number | undefined;
    for (const e of list) if (e.anomalous) oldestAnomaly = e.ms;
    if (oldestAnomaly !== undefined) {
      const fromMs = oldestAnomaly;
      for (const e of list) if (e.ms >= fromMs) addReason(e, 'anomaly guard');
      const lastGood = list.find((e) => e.ms < fromMs);
      if (lastGood) addReason(lastGood, 'anomaly guard');
    }
  }

  const result: RetentionResult = { keep: [], remove: [] };
  for (const e of list) {
    if (e.reasons.length > 0) result.keep.push({ id: e.id, reasons: e.reasons });
    else result.remove.push({ id: e.id });
  }
  return result;
}
