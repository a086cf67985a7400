/** The recovery plan's facts: the RPO of every schedule preset, the RTO of the last check, the places by kind. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_JOB_STATE, type JobState } from '../../main/app/run-state.js';
import { buildRecoverySheet, longestGapMs } from '../../main/app/recovery-sheet.js';
import { DEFAULT_CHECK_SCHEDULE, type Job } from '../../main/app/settings.js';

const now = new Date('2026-11-23T12:00:00Z');
const HOUR = 3600_000;

const job: Job = {
  id: 'p',
  name: 'Shop data',
  source: '/pos/shop.db',
  types: ['members', 'sales'],
  typeOverrides: {},
  destinations: [
    { id: 'c', kind: 'cloud', label: 'Dropbox', path: '/home/o/Dropbox/Tillvault' },
    {
      id: 'u',
      kind: 'removable',
      label: 'USB',
      path: '/media/usb',
      sticks: [
        { device: 'a', label: 'Monday' },
        { device: 'b', label: 'Friday' },
      ],
    },
    { id: 'f', kind: 'folder', label: 'Documents', path: '/home/o/Documents/Tillvault' },
  ],
  schedule: { preset: 'nightly', time: '23:00' },
  checkSchedule: DEFAULT_CHECK_SCHEDULE,
  createdAt: '2026-11-01T00:00:00Z',
};

test('RPO: the longest wait between backups of each preset', () => {
  assert.equal(longestGapMs({ preset: 'manual' }, now), null);
  assert.equal(longestGapMs({ preset: 'nightly', time: '23:00' }, now), 24 * HOUR);
  // 22:00 to 02:00 is the shortest night; 02:00 to 08:00 is the longest gap.
  assert.equal(longestGapMs({ preset: 'five-a-day' }, now), 6 * HOUR);
  // Monday to Saturday 09:00–21:00 every 3 h: Saturday 21:00 to Monday 09:00.
  const openingHours = {
    preset: 'opening-hours' as const,
    everyHours: 3,
    opens: '09:00',
    closes: '21:00',
    days: [1, 2, 3, 4, 5, 6],
  };
  assert.equal(longestGapMs(openingHours, now), 36 * HOUR);
  assert.equal(longestGapMs({ preset: 'custom', cron: '0 3 * * 0' }, now), 7 * 24 * HOUR);
});

test('RTO: the slowest good drill of the last check, or not measured yet', () => {
  const none = buildRecoverySheet(job, EMPTY_JOB_STATE, now, 'till-1', false);
  assert.equal(none.rto, null);
  const checked: JobState = {
    ...EMPTY_JOB_STATE,
    lastCheck: {
      at: '2026-11-22T03:00:00Z',
      places: [
        { destinationId: 'f', label: 'Documents', ok: true, restoreMs: 4_000, code: null },
        { destinationId: 'u', label: 'USB', ok: true, restoreMs: 9_000, code: null },
        // Unreachable or damaged places took no measure that holds.
        { destinationId: 'c', label: 'Dropbox', ok: null, restoreMs: null, code: 'DEST_MISSING' },
      ],
    },
  };
  const sheet = buildRecoverySheet(job, checked, now, 'till-1', false);
  assert.deepEqual(sheet.rto, { restoreMs: 9_000, measuredAt: '2026-11-22T03:00:00Z' });
  const allFailed: JobState = {
    ...EMPTY_JOB_STATE,
    lastCheck: {
      at: '2026-11-22T03:00:00Z',
      places: [{ destinationId: 'f', label: 'Documents', ok: false, restoreMs: 1_000, code: 'X' }],
    },
  };
  assert.equal(buildRecoverySheet(job, allFailed, now, 'till-1', false).rto, null);
});

test('places by kind, sticks by label, and the rest of the facts', () => {
  const sheet = buildRecoverySheet(job, EMPTY_JOB_STATE, now, 'till-1', true);
  assert.deepEqual(
    sheet.places.map((p) => [p.kind, p.label, p.sticks]),
    [
      ['folder', 'Documents', []],
      ['removable', 'USB', ['Monday', 'Friday']],
      ['cloud', 'Dropbox', []],
    ],
  );
  assert.equal(sheet.cron, '0 23 * * *');
  assert.equal(sheet.rpoMs, 24 * HOUR);
  assert.equal(sheet.madeAt, now.toISOString());
  assert.equal(sheet.computer, 'till-1');
  assert.equal(sheet.encrypted, true);
  assert.equal(sheet.canSavePdf, true);
  assert.deepEqual(sheet.retention, { everyForDays: 30, monthlyFor: 12, yearlyFor: 5 });
});
