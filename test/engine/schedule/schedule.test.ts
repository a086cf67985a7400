/** Schedules with a fixed clock: every preset's next runs across DST, and one catch-up only. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cronOf,
  isValidCron,
  missedRun,
  nextRuns,
} from '../../../main/engine/schedule/schedule.js';

const TZ = 'Europe/Stockholm';
/** "2026-03-29 03:00" in Stockholm, for readable expectations. */
const local = (d: Date): string =>
  new Intl.DateTimeFormat('sv-SE', { timeZone: TZ, dateStyle: 'short', timeStyle: 'short' }).format(
    d,
  );
const at = (iso: string): Date => new Date(iso);

test('each preset is one cron expression', () => {
  assert.equal(cronOf({ preset: 'manual' }), null);
  assert.equal(cronOf({ preset: 'nightly', time: '23:00' }), '0 23 * * *');
  assert.equal(cronOf({ preset: 'five-a-day' }), '0 2,8,12,18,22 * * *');
  assert.equal(
    cronOf({
      preset: 'opening-hours',
      everyHours: 3,
      opens: '09:30',
      closes: '21:00',
      days: [6, 1, 2],
    }),
    '30 9,12,15,18 * * 1,2,6',
  );
  assert.equal(cronOf({ preset: 'custom', cron: ' 30 22 * * 1-6 ' }), '30 22 * * 1-6');
});

test('nightly after closing stays at 23:00 local across both DST changes', () => {
  const spring = nextRuns({ preset: 'nightly', time: '23:00' }, at('2026-03-27T12:00:00Z'), 3, TZ);
  assert.deepEqual(spring.map(local), ['2026-03-27 23:00', '2026-03-28 23:00', '2026-03-29 23:00']);
  // The UTC gap is 23 h across the spring change, not 24.
  assert.equal(spring[2]!.getTime() - spring[1]!.getTime(), 23 * 3600_000);
  const autumn = nextRuns({ preset: 'nightly', time: '23:00' }, at('2026-10-24T12:00:00Z'), 2, TZ);
  assert.deepEqual(autumn.map(local), ['2026-10-24 23:00', '2026-10-25 23:00']);
  assert.equal(autumn[1]!.getTime() - autumn[0]!.getTime(), 25 * 3600_000);
});

test('five a day: the 02:00 run that DST skips runs at 03:00; the doubled hour runs once', () => {
  const spring = nextRuns({ preset: 'five-a-day' }, at('2026-03-28T20:00:00Z'), 4, TZ);
  assert.deepEqual(spring.map(local), [
    '2026-03-28 22:00',
    '2026-03-29 03:00',
    '2026-03-29 08:00',
    '2026-03-29 12:00',
  ]);
  const autumn = nextRuns({ preset: 'five-a-day' }, at('2026-10-24T20:00:00Z'), 3, TZ);
  assert.deepEqual(autumn.map(local), ['2026-10-25 02:00', '2026-10-25 08:00', '2026-10-25 12:00']);
});

test('every 3 hours while open, Monday to Saturday, skips Sunday', () => {
  const runs = nextRuns(
    {
      preset: 'opening-hours',
      everyHours: 3,
      opens: '09:00',
      closes: '21:00',
      days: [1, 2, 3, 4, 5, 6],
    },
    at('2026-11-21T19:30:00Z'), // Saturday 20:30 in Stockholm
    3,
    TZ,
  );
  assert.deepEqual(runs.map(local), ['2026-11-21 21:00', '2026-11-23 09:00', '2026-11-23 12:00']);
});

test('custom cron expressions are checked', () => {
  assert.equal(isValidCron('30 22 * * 1-6'), true);
  assert.equal(isValidCron('61 22 * * *'), false);
  assert.equal(isValidCron('every night'), false);
  assert.equal(isValidCron('0 0 * * * *'), false);
  assert.throws(() => nextRuns({ preset: 'custom', cron: 'not a cron at all' }, new Date(), 1), {
    code: 'BAD_INPUT',
  });
});

test('a computer that was off for three nights owes one catch-up run, the latest', () => {
  const nightly = { preset: 'nightly', time: '23:00' } as const;
  const lastRun = at('2026-11-19T22:00:05Z'); // 23:00:05 local on the 19th
  const wake = at('2026-11-23T07:00:00Z'); // 08:00 local on the 23rd
  assert.equal(local(missedRun(nightly, lastRun, wake, TZ)!), '2026-11-22 23:00');
  // After that catch-up ran, nothing more is owed until tonight.
  assert.equal(
    missedRun(nightly, at('2026-11-23T07:00:30Z'), at('2026-11-23T12:00:00Z'), TZ),
    null,
  );
  // A run due exactly now counts as due.
  assert.equal(
    missedRun(nightly, lastRun, at('2026-11-20T22:00:00Z'), TZ)?.toISOString(),
    '2026-11-20T22:00:00.000Z',
  );
  // Nothing is owed to a job that was made after the last due time, nor to a manual one.
  assert.equal(
    missedRun(nightly, at('2026-11-22T23:30:00Z'), at('2026-11-23T07:00:00Z'), TZ),
    null,
  );
  assert.equal(missedRun({ preset: 'manual' }, lastRun, wake, TZ), null);
});
