/**
 * "No backup for too long" with a fixed clock, from the status rule: once per episode; a plan
 * backed up by hand only once it is red (a month without a backup).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { staleAlerts } from '../../main/app/alerts.js';
import { staleNotification } from '../../main/app/messages.js';
import type { JobState } from '../../main/app/run-state.js';
import { DEFAULT_CHECK_SCHEDULE, type Job } from '../../main/app/settings.js';

const now = new Date('2026-11-23T12:00:00Z');
const hoursAgo = (h: number): string => new Date(now.getTime() - h * 3600_000).toISOString();

const job = (id: string, preset: 'nightly' | 'manual', createdHoursAgo = 1000): Job => ({
  id,
  name: `Plan ${id}`,
  source: '/pos/shop.db',
  types: ['members'],
  typeOverrides: {},
  destinations: [],
  schedule: preset === 'manual' ? { preset } : { preset, time: '23:00' },
  checkSchedule: DEFAULT_CHECK_SCHEDULE,
  createdAt: hoursAgo(createdHoursAgo),
});

const state = (lastSuccessHoursAgo: number | null): JobState => ({
  lastRun: null,
  lastSuccessAt: lastSuccessHoursAgo === null ? null : hoursAgo(lastSuccessHoursAgo),
  placesOkAt: {},
  lastDueAt: null,
  lastCheck: null,
  space: {},
  sticksOkAt: {},
  lastChange: null,
});

test('a nightly plan 31 hours behind is alerted, 29 hours is fine; by hand only after a month', () => {
  const alerts = staleAlerts(
    [
      job('late', 'nightly'),
      job('fine', 'nightly'),
      job('hand', 'manual'),
      job('forgotten', 'manual'),
    ],
    new Map([
      ['late', state(31)],
      ['fine', state(29)],
      ['hand', state(8 * 24)],
      ['forgotten', state(31 * 24)],
    ]),
    now,
  );
  assert.deepEqual(
    alerts.map((a) => a.key),
    [`stale:late:${hoursAgo(31)}`, `stale:forgotten:${hoursAgo(31 * 24)}`],
  );
});

test('a plan that never succeeded is alerted once it is older than its interval', () => {
  assert.deepEqual(staleAlerts([job('new', 'nightly', 2)], new Map(), now), []);
  const [alert] = staleAlerts([job('old', 'nightly', 40)], new Map(), now);
  assert.equal(alert?.key, 'stale:old:never');
});

test('the notification counts days in the owner language', () => {
  const j = job('late', 'nightly');
  assert.equal(staleNotification('en', j, hoursAgo(75), now).title, 'No backup for 3 days');
  assert.equal(staleNotification('en', j, null, now).title, 'No backup has been made yet');
  assert.notEqual(staleNotification('sv', j, hoursAgo(75), now).title, 'No backup for 3 days');
});
