import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { TillvaultError } from '../../../main/engine/errors.js';
import {
  DEFAULT_POLICY,
  applyRetention,
  describePolicy,
  formatDuration,
  isEmptyPolicy,
  parseDuration,
  subtractDuration,
  type RetentionPolicy,
  type RetentionResult,
  type RetentionSnapshot,
} from '../../../main/engine/maintenance/retention.js';

const UTC = { timeZone: 'UTC' };
const STOCKHOLM = { timeZone: 'Europe/Stockholm' };

/** Snapshot whose id is its own ISO time, which keeps expectations readable. */
function snap(time: string, extra: Partial<RetentionSnapshot> = {}): RetentionSnapshot {
  return { id: time, time, ...extra };
}

const keptIds = (r: RetentionResult): string[] => r.keep.map((k) => k.id);
const removedIds = (r: RetentionResult): string[] => r.remove.map((k) => k.id);
const reasonsOf = (r: RetentionResult, id: string): string[] => {
  const k = r.keep.find((x) => x.id === id);
  assert.ok(k, `${id} should be kept`);
  return k.reasons;
};

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TillvaultError, `expected TillvaultError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** Checks that every snapshot is in exactly one list and that keep/remove are newest first. */
function assertPartition(r: RetentionResult, input: RetentionSnapshot[]): void {
  const all = [...keptIds(r), ...removedIds(r)].sort();
  assert.deepEqual(all, input.map((s) => s.id).sort());
  for (const k of r.keep) assert.ok(k.reasons.length > 0, `${k.id} kept without a reason`);
  const time = new Map(input.map((s) => [s.id, Date.parse(s.time)]));
  for (const list of [keptIds(r), removedIds(r)]) {
    for (let i = 1; i < list.length; i++) {
      assert.ok(time.get(list[i - 1]!)! >= time.get(list[i]!)!, 'lists must be newest first');
    }
  }
}

describe('parseDuration', () => {
  it('parses single and combined units', () => {
    assert.deepEqual(parseDuration('30d'), { years: 0, months: 0, days: 30, hours: 0 });
    assert.deepEqual(parseDuration('12m'), { years: 0, months: 12, days: 0, hours: 0 });
    assert.deepEqual(parseDuration('5y'), { years: 5, months: 0, days: 0, hours: 0 });
    assert.deepEqual(parseDuration('2w'), { years: 0, months: 0, days: 14, hours: 0 });
    assert.deepEqual(parseDuration('36h'), { years: 0, months: 0, days: 0, hours: 36 });
    assert.deepEqual(parseDuration('1y6m'), { years: 1, months: 6, days: 0, hours: 0 });
    assert.deepEqual(parseDuration(' 1y 2m 1w 3d 4h '), {
      years: 1,
      months: 2,
      days: 10,
      hours: 4,
    });
    assert.deepEqual(parseDuration('0d'), { years: 0, months: 0, days: 0, hours: 0 });
  });

  it('rejects nonsense with BAD_INPUT', () => {
    for (const bad of [
      '',
      '   ',
      '30',
      'd',
      'd30',
      '3x',
      '1.5d',
      '-1d',
      '1d2d',
      '30 days',
      '1M',
      'soon',
    ]) {
      throwsCode(() => parseDuration(bad), 'BAD_INPUT');
    }
  });

  it('formats durations in English', () => {
    assert.equal(formatDuration(parseDuration('1y6m')), '1 year and 6 months');
    assert.equal(formatDuration(parseDuration('1d36h')), '1 day and 36 hours');
    assert.equal(formatDuration(parseDuration('1y1m1d')), '1 year, 1 month and 1 day');
  });
});

describe('subtractDuration', () => {
  it('clamps to the end of a shorter month', () => {
    const d = (iso: string, text: string): string =>
      subtractDuration(new Date(iso), parseDuration(text), 'UTC').toISOString();
    assert.equal(d('2026-03-31T12:00:00Z', '1m'), '2026-02-28T12:00:00.000Z');
    assert.equal(d('2024-03-31T12:00:00Z', '1m'), '2024-02-29T12:00:00.000Z');
    assert.equal(d('2024-02-29T12:00:00Z', '1y'), '2023-02-28T12:00:00.000Z');
    assert.equal(d('2026-01-15T00:00:00Z', '2m'), '2025-11-15T00:00:00.000Z');
    assert.equal(d('2026-03-31T12:00:00Z', '1y6m'), '2024-09-30T12:00:00.000Z');
    assert.equal(d('2026-03-01T06:00:00Z', '36h'), '2026-02-27T18:00:00.000Z');
    assert.equal(d('2026-03-01T06:00:00Z', '1w'), '2026-02-22T06:00:00.000Z');
  });

  it('keeps the wall-clock time across DST changes in a zone', () => {
    const d = (iso: string, text: string): string =>
      subtractDuration(new Date(iso), parseDuration(text), 'Europe/Stockholm').toISOString();
    // 2026-03-29 12:00 CEST minus one day is 2026-03-28 12:00 CET: only 23 hours.
    assert.equal(d('2026-03-29T10:00:00Z', '1d'), '2026-03-28T11:00:00.000Z');
    // ...but 24h is 24 real hours.
    assert.equal(d('2026-03-29T10:00:00Z', '24h'), '2026-03-28T10:00:00.000Z');
    // 2026-10-26 12:00 CET minus two days is 2026-10-24 12:00 CEST: 49 hours.
    assert.equal(d('2026-10-26T11:00:00Z', '2d'), '2026-10-24T10:00:00.000Z');
    // 02:30 on 2026-03-29 does not exist in Stockholm: resolves to just after the gap.
    assert.equal(d('2026-03-30T00:30:00Z', '1d'), '2026-03-29T01:30:00.000Z');
    // 02:30 on 2026-10-25 happens twice: the earlier one is chosen.
    assert.equal(d('2026-10-26T01:30:00Z', '1d'), '2026-10-25T00:30:00.000Z');
  });
});

describe('policy helpers', () => {
  it('DEFAULT_POLICY is 30 days, 12 monthly, 5 yearly', () => {
    assert.deepEqual({ ...DEFAULT_POLICY }, { keepWithin: '30d', keepMonthly: 12, keepYearly: 5 });
    assert.equal(isEmptyPolicy(DEFAULT_POLICY), false);
  });

  it('isEmptyPolicy', () => {
    assert.equal(isEmptyPolicy({}), true);
    assert.equal(isEmptyPolicy({ keepLast: 0, keepDaily: 0, keepWithin: '' }), true);
    assert.equal(isEmptyPolicy({ keepWithin: '0d' }), true);
    assert.equal(isEmptyPolicy({ keepWithin: '1h' }), false);
    assert.equal(isEmptyPolicy({ keepYearly: 1 }), false);
    assert.equal(isEmptyPolicy({ keepWithin: 'nonsense' }), false);
  });

  it('describePolicy', () => {
    assert.equal(
      describePolicy(DEFAULT_POLICY),
      'every backup for 30 days, one a month for 12 months, one a year for 5 years',
    );
    assert.equal(
      describePolicy({ keepLast: 3, keepDaily: 7, keepWeekly: 1, keepWithin: '1y6m' }),
      'every backup for 1 year and 6 months, the last 3 backups, one a day for 7 days, one a week for 1 week',
    );
    assert.equal(
      describePolicy({ keepLast: 1, keepHourly: 24 }),
      'the last backup, one an hour for 24 hours',
    );
    assert.match(describePolicy({}), /no retention rules/);
  });
});

describe('applyRetention: input checks', () => {
  const now = new Date('2026-11-20T12:00:00Z');
  const list = [snap('2026-11-20T10:00:00Z'), snap('2026-11-19T10:00:00Z')];

  it('throws POLICY_EMPTY for an empty policy', () => {
    throwsCode(() => applyRetention(list, {}, now, UTC), 'POLICY_EMPTY');
    throwsCode(
      () => applyRetention(list, { keepLast: 0, keepWithin: '' }, now, UTC),
      'POLICY_EMPTY',
    );
    throwsCode(() => applyRetention(list, { keepWithin: '0h' }, now, UTC), 'POLICY_EMPTY');
    throwsCode(() => applyRetention([], {}, now, UTC), 'POLICY_EMPTY');
  });

  it('throws BAD_INPUT for malformed input', () => {
    throwsCode(() => applyRetention(list, { keepLast: -1 }, now, UTC), 'BAD_INPUT');
    throwsCode(() => applyRetention(list, { keepLast: 1.5 }, now, UTC), 'BAD_INPUT');
    throwsCode(() => applyRetention(list, { keepDaily: NaN }, now, UTC), 'BAD_INPUT');
    throwsCode(() => applyRetention(list, { keepWithin: 'a while' }, now, UTC), 'BAD_INPUT');
    throwsCode(() => applyRetention(list, { keepLast: 1 }, new Date('nope'), UTC), 'BAD_INPUT');
    throwsCode(
      () => applyRetention(list, { keepLast: 1 }, now, { timeZone: 'Mars/Olympus' }),
      'BAD_INPUT',
    );
    throwsCode(
      () => applyRetention([...list, { id: 'x', time: 'yesterday' }], { keepLast: 1 }, now, UTC),
      'BAD_INPUT',
    );
    throwsCode(
      () => applyRetention([...list, { ...list[0]! }], { keepLast: 1 }, now, UTC),
      'BAD_INPUT',
    );
  });

  it('returns nothing for no snapshots', () => {
    assert.deepEqual(applyRetention([], DEFAULT_POLICY, now, UTC), { keep: [], remove: [] });
  });

  it('works with the process time zone when none is given', () => {
    const r = applyRetention(list, { keepLast: 1 }, now);
    assert.deepEqual(keptIds(r), ['2026-11-20T10:00:00Z']);
  });
});

describe('applyRetention: default policy over six years', () => {
  // Fixed clock; five snapshots a day at 02, 08, 12, 18 and 22 UTC from 2020-11-21 to 2026-11-20.
  const now = new Date('2026-11-20T23:00:00Z');
  const HOURS = [2, 8, 12, 18, 22];
  const iso = (y: number, m: number, d: number, h: number): string =>
    new Date(Date.UTC(y, m - 1, d, h)).toISOString();
  const snapshots: RetentionSnapshot[] = [];
  for (let t = Date.UTC(2020, 10, 21); t <= Date.UTC(2026, 10, 20); t += 86_400_000) {
    const day = new Date(t);
    for (const h of HOURS) {
      snapshots.push(snap(iso(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), h)));
    }
  }

  // Expected, computed by hand from the calendar rather than with the code under test.
  const expected = new Set<string>();
  const cutoff = now.getTime() - 30 * 86_400_000; // UTC: 30 calendar days are 30 * 24 h
  for (const s of snapshots) if (Date.parse(s.time) > cutoff) expected.add(s.id);
  const withinCount = expected.size;
  const monthly: string[] = [iso(2026, 11, 20, 22)]; // current month: its newest snapshot
  for (let k = 1; k < 12; k++) {
    const lastDay = new Date(Date.UTC(2026, 10 - k + 1, 0)); // last day of month (Nov 2026 - k)
    monthly.push(
      iso(lastDay.getUTCFullYear(), lastDay.getUTCMonth() + 1, lastDay.getUTCDate(), 22),
    );
  }
  const yearly = [
    iso(2026, 11, 20, 22),
    iso(2025, 12, 31, 22),
    iso(2024, 12, 31, 22),
    iso(2023, 12, 31, 22),
    iso(2022, 12, 31, 22),
  ];
  for (const id of [...monthly, ...yearly]) expected.add(id);

  const result = applyRetention(snapshots, DEFAULT_POLICY, now, UTC);

  it('keeps exactly the last 30 days, 12 monthly and 5 yearly snapshots', () => {
    assert.equal(snapshots.length, 2191 * 5);
    assert.equal(withinCount, 150);
    assert.equal(monthly[11], iso(2025, 12, 31, 22));
    // 150 within 30 days; of the 12 monthly, Nov and Oct 2026 are inside the window;
    // of the 5 yearly, 2026 and 2025 are already kept as monthly.
    assert.equal(expected.size, 150 + 10 + 3);
    assert.deepEqual(new Set(keptIds(result)), expected);
    assert.equal(result.keep.length, expected.size);
    assertPartition(result, snapshots);
  });

  it('gives readable reasons', () => {
    assert.deepEqual(reasonsOf(result, iso(2026, 11, 20, 22)), [
      'within 30d',
      'monthly 2026-11',
      'yearly 2026',
      'newest',
    ]);
    assert.deepEqual(reasonsOf(result, iso(2026, 11, 20, 18)), ['within 30d']);
    assert.deepEqual(reasonsOf(result, iso(2026, 10, 31, 22)), ['within 30d', 'monthly 2026-10']);
    assert.deepEqual(reasonsOf(result, iso(2026, 9, 30, 22)), ['monthly 2026-09']);
    assert.deepEqual(reasonsOf(result, iso(2025, 12, 31, 22)), ['monthly 2025-12', 'yearly 2025']);
    assert.deepEqual(reasonsOf(result, iso(2022, 12, 31, 22)), ['yearly 2022']);
  });

  it('removes the rest, including the oldest snapshots', () => {
    const removed = new Set(removedIds(result));
    assert.ok(removed.has(iso(2026, 10, 21, 22))); // just outside 30 days
    assert.ok(removed.has(iso(2025, 11, 30, 22))); // 13th month
    assert.ok(removed.has(iso(2021, 12, 31, 22))); // 6th year
    assert.ok(removed.has(iso(2020, 11, 21, 2))); // oldest: every count is used up
  });
});

describe('applyRetention: count rules', () => {
  const now = new Date('2026-11-21T00:00:00Z');

  it('keepLast keeps the N newest', () => {
    const list = [1, 2, 3, 4, 5, 6].map((d) => snap(`2026-11-0${d}T12:00:00Z`));
    const r = applyRetention(list, { keepLast: 3 }, now, UTC);
    assert.deepEqual(keptIds(r), [
      '2026-11-06T12:00:00Z',
      '2026-11-05T12:00:00Z',
      '2026-11-04T12:00:00Z',
    ]);
    assert.deepEqual(reasonsOf(r, '2026-11-06T12:00:00Z'), ['last 1', 'newest']);
    assert.deepEqual(reasonsOf(r, '2026-11-04T12:00:00Z'), ['last 3']);
    assert.deepEqual(removedIds(r), [
      '2026-11-03T12:00:00Z',
      '2026-11-02T12:00:00Z',
      '2026-11-01T12:00:00Z',
    ]);
  });

  it('keepLast larger than the list keeps everything', () => {
    const list = [snap('2026-11-01T12:00:00Z'), snap('2026-11-02T12:00:00Z')];
    const r = applyRetention(list, { keepLast: 10 }, now, UTC);
    assert.equal(r.remove.length, 0);
  });

  it('keepDaily counts only days that have snapshots', () => {
    const list = [
      snap('2026-11-20T18:00:00Z'),
      snap('2026-11-20T08:00:00Z'),
      snap('2026-11-18T22:00:00Z'),
      snap('2026-11-18T12:00:00Z'),
      snap('2026-11-18T02:00:00Z'),
      snap('2026-11-15T09:00:00Z'),
      snap('2026-11-10T20:00:00Z'),
      snap('2026-11-10T10:00:00Z'),
      snap('2026-11-01T23:00:00Z'),
      snap('2026-11-01T01:00:00Z'),
    ];
    const r = applyRetention(list, { keepDaily: 3 }, now, UTC);
    assert.deepEqual(keptIds(r), [
      '2026-11-20T18:00:00Z',
      '2026-11-18T22:00:00Z',
      '2026-11-15T09:00:00Z',
    ]);
    assert.deepEqual(reasonsOf(r, '2026-11-18T22:00:00Z'), ['daily 2026-11-18']);
    assert.deepEqual(reasonsOf(r, '2026-11-15T09:00:00Z'), ['daily 2026-11-15']);
    assert.equal(r.remove.length, 7);

    // With more days asked for than exist, the oldest snapshot is kept too (restic).
    const more = applyRetention(list, { keepDaily: 10 }, now, UTC);
    assert.deepEqual(keptIds(more), [
      '2026-11-20T18:00:00Z',
      '2026-11-18T22:00:00Z',
      '2026-11-15T09:00:00Z',
      '2026-11-10T20:00:00Z',
      '2026-11-01T23:00:00Z',
      '2026-11-01T01:00:00Z',
    ]);
    assert.deepEqual(reasonsOf(more, '2026-11-01T01:00:00Z'), ['oldest (daily rule has room)']);
  });

  it('keepHourly buckets by clock hour', () => {
    const list = [
      snap('2026-11-20T10:59:00Z'),
      snap('2026-11-20T10:01:00Z'),
      snap('2026-11-20T09:30:00Z'),
      snap('2026-11-20T07:30:00Z'),
    ];
    const r = applyRetention(list, { keepHourly: 2 }, now, UTC);
    assert.deepEqual(keptIds(r), ['2026-11-20T10:59:00Z', '2026-11-20T09:30:00Z']);
    assert.deepEqual(reasonsOf(r, '2026-11-20T09:30:00Z'), ['hourly 2026-11-20 09h']);
  });

  it('keepWeekly uses ISO weeks across a year boundary', () => {
    // 2026-01-01 is a Thursday, so ISO week 2026-W01 runs Mon 2025-12-29 .. Sun 2026-01-04.
    const list = [
      snap('2026-01-05T12:00:00Z'), // Mon, 2026-W02
      snap('2026-01-04T12:00:00Z'), // Sun, 2026-W01
      snap('2026-01-01T12:00:00Z'), // Thu, 2026-W01
      snap('2025-12-29T12:00:00Z'), // Mon, 2026-W01
      snap('2025-12-28T12:00:00Z'), // Sun, 2025-W52
      snap('2025-12-22T12:00:00Z'), // Mon, 2025-W52
      snap('2025-12-21T12:00:00Z'), // Sun, 2025-W51
    ];
    const r = applyRetention(list, { keepWeekly: 3 }, new Date('2026-01-06T00:00:00Z'), UTC);
    assert.deepEqual(keptIds(r), [
      '2026-01-05T12:00:00Z',
      '2026-01-04T12:00:00Z',
      '2025-12-28T12:00:00Z',
    ]);
    assert.deepEqual(reasonsOf(r, '2026-01-04T12:00:00Z'), ['weekly 2026-W01']);
    assert.deepEqual(reasonsOf(r, '2025-12-28T12:00:00Z'), ['weekly 2025-W52']);

    // 2020 had 53 ISO weeks: Sun 2021-01-03 and Thu 2020-12-31 are both in 2020-W53.
    const w53 = [
      snap('2021-01-04T12:00:00Z'),
      snap('2021-01-03T12:00:00Z'),
      snap('2020-12-31T12:00:00Z'),
      snap('2020-12-27T12:00:00Z'),
    ];
    const r53 = applyRetention(w53, { keepWeekly: 2 }, new Date('2021-01-05T00:00:00Z'), UTC);
    assert.deepEqual(keptIds(r53), ['2021-01-04T12:00:00Z', '2021-01-03T12:00:00Z']);
    assert.deepEqual(reasonsOf(r53, '2021-01-03T12:00:00Z'), ['weekly 2020-W53']);
  });

  it('keepMonthly and keepYearly skip periods without snapshots', () => {
    const list = [
      snap('2026-11-02T12:00:00Z'),
      snap('2026-08-15T12:00:00Z'),
      snap('2026-08-01T12:00:00Z'),
      snap('2023-05-01T12:00:00Z'),
      snap('2019-01-01T12:00:00Z'),
      snap('2018-06-01T12:00:00Z'),
    ];
    const r = applyRetention(list, { keepMonthly: 2, keepYearly: 3 }, now, UTC);
    assert.deepEqual(keptIds(r), [
      '2026-11-02T12:00:00Z',
      '2026-08-15T12:00:00Z',
      '2023-05-01T12:00:00Z',
      '2019-01-01T12:00:00Z',
    ]);
    assert.deepEqual(reasonsOf(r, '2026-11-02T12:00:00Z'), [
      'monthly 2026-11',
      'yearly 2026',
      'newest',
    ]);
    assert.deepEqual(reasonsOf(r, '2019-01-01T12:00:00Z'), ['yearly 2019']);
  });
});

describe('applyRetention: keepWithin', () => {
  it('subtracts months in calendar terms (31 March minus 1m is 28 February)', () => {
    const now = new Date('2026-03-31T12:00:00Z');
    const list = [
      snap('2026-03-31T11:00:00Z'),
      snap('2026-03-03T12:00:00Z'), // a naive "Feb 31" overflow would put the cutoff here
      snap('2026-02-28T12:00:01Z'),
      snap('2026-02-28T12:00:00Z'), // exactly at the cutoff: not newer, removed
      snap('2026-02-27T12:00:00Z'),
    ];
    const r = applyRetention(list, { keepWithin: '1m' }, now, UTC);
    assert.deepEqual(keptIds(r), [
      '2026-03-31T11:00:00Z',
      '2026-03-03T12:00:00Z',
      '2026-02-28T12:00:01Z',
    ]);
    assert.deepEqual(reasonsOf(r, '2026-03-03T12:00:00Z'), ['within 1m']);
    assert.deepEqual(removedIds(r), ['2026-02-28T12:00:00Z', '2026-02-27T12:00:00Z']);
  });

  it('handles combined years and months', () => {
    const now = new Date('2026-03-31T12:00:00Z');
    const list = [
      snap('2026-03-01T00:00:00Z'),
      snap('2024-10-01T00:00:00Z'),
      snap('2024-09-30T12:00:01Z'),
      snap('2024-09-30T11:59:59Z'),
    ];
    const r = applyRetention(list, { keepWithin: '1y6m' }, now, UTC);
    assert.deepEqual(removedIds(r), ['2024-09-30T11:59:59Z']);
    assert.deepEqual(reasonsOf(r, '2024-09-30T12:00:01Z'), ['within 1y6m']);
  });

  it('measures from now, not from the newest snapshot', () => {
    const now = new Date('2026-11-20T12:00:00Z');
    const list = [snap('2026-11-01T12:00:00Z'), snap('2026-10-31T12:00:00Z')];
    const r = applyRetention(list, { keepWithin: '2w' }, now, UTC);
    // Both are older than 14 days; only the newest-snapshot guard keeps one.
    assert.deepEqual(keptIds(r), ['2026-11-01T12:00:00Z']);
    assert.deepEqual(reasonsOf(r, '2026-11-01T12:00:00Z'), ['newest']);
  });
});

describe('applyRetention: safety rules', () => {
  const days = (n: number, extra: (d: number) => Partial<RetentionSnapshot> = () => ({})) =>
    Array.from({ length: n }, (_, i) => {
      const d = i + 1;
      return snap(`2026-11-${String(d).padStart(2, '0')}T12:00:00Z`, extra(d));
    });
  const id = (d: number): string => `2026-11-${String(d).padStart(2, '0')}T12:00:00Z`;
  const now = new Date('2026-11-21T00:00:00Z');

  it('never removes the newest snapshot', () => {
    const r = applyRetention(days(5), { keepWithin: '1h' }, now, UTC);
    assert.deepEqual(keptIds(r), [id(5)]);
    assert.deepEqual(reasonsOf(r, id(5)), ['newest']);
  });

  it('never removes the newest snapshot that is not in the future', () => {
    const list = [...days(5), snap('2099-01-01T00:00:00Z')];
    const r = applyRetention(list, { keepLast: 1 }, now, UTC);
    assert.deepEqual(keptIds(r), ['2099-01-01T00:00:00Z', id(5)]);
    assert.deepEqual(reasonsOf(r, id(5)), ['newest not in the future']);
  });

  it('never removes the newest verified snapshot', () => {
    const list = days(10, (d) => ({ verified: d === 3 || d === 1 }));
    const r = applyRetention(list, { keepLast: 2 }, now, UTC);
    assert.deepEqual(keptIds(r), [id(10), id(9), id(3)]);
    assert.deepEqual(reasonsOf(r, id(3)), ['newest verified']);
    assert.ok(removedIds(r).includes(id(1)));
  });

  it('also keeps the newest verified snapshot that is not anomalous', () => {
    const list = days(10, (d) => ({ verified: d === 9 || d === 4, anomalous: d === 9 }));
    const r = applyRetention(list, { keepLast: 1 }, now, UTC);
    assert.deepEqual(keptIds(r), [id(10), id(9), id(8), id(4)]);
    assert.deepEqual(reasonsOf(r, id(9)), ['newest verified', 'anomaly guard']);
    assert.deepEqual(reasonsOf(r, id(4)), ['newest verified good']);
  });

  it('keeps everything from the oldest anomaly on, plus the last good one before it', () => {
    const list = days(10, (d) => ({ anomalous: d === 7 || d === 9 }));
    const r = applyRetention(list, { keepLast: 1 }, now, UTC);
    assert.deepEqual(keptIds(r), [id(10), id(9), id(8), id(7), id(6)]);
    assert.deepEqual(reasonsOf(r, id(10)), ['last 1', 'newest', 'anomaly guard']);
    assert.deepEqual(reasonsOf(r, id(8)), ['anomaly guard']);
    assert.deepEqual(reasonsOf(r, id(6)), ['anomaly guard']);
    assert.deepEqual(removedIds(r), [id(5), id(4), id(3), id(2), id(1)]);
  });

  it('the anomaly guard keeps snapshots that share the anomaly time', () => {
    const list = [
      snap('2026-11-05T12:00:00Z'),
      { id: 'z-anomalous', time: '2026-11-04T12:00:00Z', anomalous: true },
      { id: 'a-same-time', time: '2026-11-04T12:00:00Z' },
      snap('2026-11-03T12:00:00Z'),
      snap('2026-11-02T12:00:00Z'),
    ];
    const r = applyRetention(list, { keepLast: 1 }, now, UTC);
    assert.deepEqual(keptIds(r), [
      '2026-11-05T12:00:00Z',
      'a-same-time',
      'z-anomalous',
      '2026-11-03T12:00:00Z',
    ]);
    assert.deepEqual(removedIds(r), ['2026-11-02T12:00:00Z']);
  });

  it('the guards only ever add to what the policy keeps', () => {
    const plain = applyRetention(days(20), { keepDaily: 5 }, now, UTC);
    const guarded = applyRetention(
      days(20, (d) => ({ verified: d === 2, anomalous: d === 12 })),
      { keepDaily: 5 },
      now,
      UTC,
    );
    for (const k of keptIds(plain)) assert.ok(keptIds(guarded).includes(k));
    assert.ok(keptIds(guarded).includes(id(2)));
    assert.ok(keptIds(guarded).includes(id(11)));
  });
});

describe('applyRetention: backups of a damaged database', () => {
  const day = (d: number): string => new Date(Date.UTC(2026, 8, 1 + d, 12)).toISOString();
  /** One snapshot a day from 2026-09-01 (day 0) on; `from` on, each of a damaged database. */
  const daily = (n: number, from: number): RetentionSnapshot[] =>
    Array.from({ length: n }, (_, d) => snap(day(d), d >= from ? { sourceDamaged: true } : {}));

  it('counts only good snapshots toward keepLast', () => {
    const r = applyRetention(daily(10, 6), { keepLast: 3 }, new Date(day(10)), UTC);
    assert.deepEqual(keptIds(r), [day(9), day(5), day(4), day(3)]);
    assert.deepEqual(reasonsOf(r, day(9)), ['newest']);
    assert.deepEqual(reasonsOf(r, day(5)), [
      'last 1',
      'newest good (newer ones damaged at source)',
    ]);
  });

  it('keeps the last good ones of the default policy through weeks of damaged backups', () => {
    // Good until 2026-10-01, then 50 days of backups of a damaged database.
    const list = daily(81, 31);
    const r = applyRetention(list, DEFAULT_POLICY, new Date(day(81)), UTC);
    assertPartition(r, list);
    // The month buckets see the good ones only: September's and October's last good ones stay.
    assert.deepEqual(reasonsOf(r, day(30)), [
      'monthly 2026-10',
      'yearly 2026',
      'newest good (newer ones damaged at source)',
    ]);
    assert.deepEqual(reasonsOf(r, day(29)), ['monthly 2026-09']);
    // The damaged ones are kept for the 30 days only, never by a bucket.
    const keptDamaged = keptIds(r).filter((id) => Date.parse(id) > Date.parse(day(30)));
    for (const id of keptDamaged) assert.deepEqual(reasonsOf(r, id).slice(0, 1), ['within 30d']);
    assert.ok(removedIds(r).includes(day(40)));
  });

  it('keeps the newest good one while every newer one is damaged, whatever the policy', () => {
    const r = applyRetention(daily(10, 2), { keepWithin: '3d' }, new Date(day(10)), UTC);
    assert.deepEqual(keptIds(r), [day(9), day(8), day(1)]);
    assert.deepEqual(reasonsOf(r, day(1)), ['newest good (newer ones damaged at source)']);
  });
});

describe('applyRetention: ordering', () => {
  const now = new Date('2026-11-21T00:00:00Z');

  it('gives the same result for unsorted input', () => {
    const sorted: RetentionSnapshot[] = [];
    for (let d = 20; d >= 1; d--) {
      for (const h of ['22', '12', '03']) {
        sorted.push(snap(`2026-11-${String(d).padStart(2, '0')}T${h}:00:00Z`));
      }
    }
    // Deterministic shuffle (LCG-driven Fisher-Yates).
    const shuffled = [...sorted];
    let seed = 42;
    for (let i = shuffled.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const j = seed % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    assert.notDeepEqual(shuffled, sorted);
    const policy: RetentionPolicy = { keepLast: 2, keepDaily: 4, keepWeekly: 3 };
    const a = applyRetention(sorted, policy, now, UTC);
    const b = applyRetention(shuffled, policy, now, UTC);
    assert.deepEqual(b, a);
    assert.deepEqual(keptIds(a), [
      '2026-11-20T22:00:00Z', // last 1, daily, weekly 2026-W47
      '2026-11-20T12:00:00Z', // last 2
      '2026-11-19T22:00:00Z',
      '2026-11-18T22:00:00Z',
      '2026-11-17T22:00:00Z',
      '2026-11-15T22:00:00Z', // weekly 2026-W46 (Sunday)
      '2026-11-08T22:00:00Z', // weekly 2026-W45
    ]);
    assertPartition(b, shuffled);
  });

  it('handles duplicate times deterministically', () => {
    const list = [
      { id: 'b', time: '2026-11-20T10:00:00Z' },
      { id: 'a', time: '2026-11-20T11:00:00+01:00' }, // the same instant
      { id: 'c', time: '2026-11-19T10:00:00Z' },
    ];
    const r1 = applyRetention(list, { keepDaily: 2 }, now, UTC);
    const r2 = applyRetention([...list].reverse(), { keepDaily: 2 }, now, UTC);
    assert.deepEqual(r1, r2);
    assert.deepEqual(keptIds(r1), ['a', 'c']);
    assert.deepEqual(removedIds(r1), ['b']);
    const both = applyRetention(list, { keepLast: 2 }, now, UTC);
    assert.deepEqual(keptIds(both), ['a', 'b']);
  });
});

describe('applyRetention: local calendar time (Europe/Stockholm)', () => {
  it('puts snapshots in local days across the spring DST change', () => {
    const list = [
      snap('2026-03-29T22:30:00Z'), // 2026-03-30 00:30 CEST
      snap('2026-03-29T21:30:00Z'), // 2026-03-29 23:30 CEST
      snap('2026-03-28T23:30:00Z'), // 2026-03-29 00:30 CET
      snap('2026-03-28T22:30:00Z'), // 2026-03-28 23:30 CET
    ];
    const now = new Date('2026-03-30T12:00:00Z');
    const local = applyRetention(list, { keepDaily: 3 }, now, STOCKHOLM);
    assert.deepEqual(keptIds(local), [
      '2026-03-29T22:30:00Z',
      '2026-03-29T21:30:00Z',
      '2026-03-28T22:30:00Z',
    ]);
    assert.deepEqual(reasonsOf(local, '2026-03-29T22:30:00Z'), ['daily 2026-03-30', 'newest']);
    assert.deepEqual(reasonsOf(local, '2026-03-29T21:30:00Z'), ['daily 2026-03-29']);
    assert.deepEqual(removedIds(local), ['2026-03-28T23:30:00Z']);

    const utc = applyRetention(list, { keepDaily: 2 }, now, UTC);
    assert.deepEqual(keptIds(utc), ['2026-03-29T22:30:00Z', '2026-03-28T23:30:00Z']);
  });

  it('merges the repeated hour when clocks go back', () => {
    const list = [
      snap('2026-10-25T02:15:00Z'), // 03:15 CET
      snap('2026-10-25T01:15:00Z'), // 02:15 CET (second time round)
      snap('2026-10-25T00:15:00Z'), // 02:15 CEST (first time round)
      snap('2026-10-24T23:15:00Z'), // 01:15 CEST
    ];
    const r = applyRetention(list, { keepHourly: 3 }, new Date('2026-10-25T12:00:00Z'), STOCKHOLM);
    assert.deepEqual(keptIds(r), [
      '2026-10-25T02:15:00Z',
      '2026-10-25T01:15:00Z',
      '2026-10-24T23:15:00Z',
    ]);
    assert.deepEqual(reasonsOf(r, '2026-10-25T01:15:00Z'), ['hourly 2026-10-25 02h']);
    assert.deepEqual(removedIds(r), ['2026-10-25T00:15:00Z']);
  });

  it('keepWithin counts calendar days, so one day across the change is 23 hours', () => {
    const now = new Date('2026-03-29T10:00:00Z'); // 12:00 CEST; cutoff 2026-03-28 12:00 CET = 11:00Z
    const list = [
      snap('2026-03-29T09:00:00Z'),
      snap('2026-03-28T11:30:00Z'),
      snap('2026-03-28T10:30:00Z'), // within 24 h, but not within one calendar day
    ];
    const local = applyRetention(list, { keepWithin: '1d' }, now, STOCKHOLM);
    assert.deepEqual(removedIds(local), ['2026-03-28T10:30:00Z']);
    const utc = applyRetention(list, { keepWithin: '1d' }, now, UTC);
    assert.deepEqual(removedIds(utc), []);
  });

  it('uses the local month for monthly buckets', () => {
    const list = [
      snap('2026-10-31T23:30:00Z'), // 2026-11-01 00:30 CET
      snap('2026-10-31T22:30:00Z'), // 2026-10-31 23:30 CET
      snap('2026-10-30T12:00:00Z'),
    ];
    const r = applyRetention(list, { keepMonthly: 2 }, new Date('2026-11-02T00:00:00Z'), STOCKHOLM);
    assert.deepEqual(keptIds(r), ['2026-10-31T23:30:00Z', '2026-10-31T22:30:00Z']);
    assert.deepEqual(reasonsOf(r, '2026-10-31T23:30:00Z'), ['monthly 2026-11', 'newest']);
    assert.deepEqual(reasonsOf(r, '2026-10-31T22:30:00Z'), ['monthly 2026-10']);
  });
});
