/** Home's status from plans, last runs and a fixed clock: the headline plan and one line each. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../main/ipc/contract.js';
import type { JobState } from '../../main/app/run-state.js';
import { DEFAULT_CHECK_SCHEDULE, type Job } from '../../main/app/settings.js';
import { computeStatus } from '../../main/app/status.js';

const now = new Date('2026-11-23T12:00:00Z');
const hoursAgo = (h: number): string => new Date(now.getTime() - h * 3600_000).toISOString();

function job(id: string, preset: 'manual' | 'nightly' = 'nightly', places = 2): Job {
  return {
    id,
    name: `Plan ${id}`,
    source: `/pos/${id}.db`,
    types: ['members'],
    typeOverrides: {},
    destinations: Array.from({ length: places }, (_, i) => ({
      id: `${id}-${i}`,
      kind: 'folder' as const,
      label: `Place ${i}`,
      path: `/${id}/${i}`,
    })),
    schedule: preset === 'manual' ? { preset } : { preset, time: '23:00' },
    checkSchedule: DEFAULT_CHECK_SCHEDULE,
    createdAt: hoursAgo(1000),
  };
}

/** The state after one run `h` hours ago that reached the places marked true. */
function state(j: Job, h: number, ok: boolean[]): JobState {
  const destinations = j.destinations.map((d, i) => ({
    destinationId: d.id,
    label: d.label,
    ok: ok[i] ?? false,
    newBytes: 0,
    code: ok[i] ? null : 'DEST_MISSING',
    message: null,
    removed: 0,
    verified: ok[i] ? true : null,
  }));
  const reached = destinations.filter((d) => d.ok);
  const run: RunRecord = {
    runId: `r${h}`,
    jobId: j.id,
    startedAt: hoursAgo(h),
    finishedAt: hoursAgo(h),
    outcome: reached.length === destinations.length ? 'ok' : reached.length ? 'partial' : 'failed',
    snapshotId: null,
    summary: null,
    bytes: 0,
    destinations,
    error: null,
  };
  return {
    lastRun: run,
    lastSuccessAt: reached.length ? run.finishedAt : null,
    placesOkAt: Object.fromEntries(reached.map((d) => [d.destinationId, run.finishedAt])),
    lastDueAt: null,
    lastCheck: null,
    space: {},
    sticksOkAt: {},
    lastChange: null,
  };
}

test('no plan: grey, no reason; a plan never run: amber, no backup yet', () => {
  const none = computeStatus([], new Map(), null, now);
  assert.deepEqual([none.level, none.reason, none.plans], ['none', null, []]);
  const fresh = { ...job('a'), createdAt: hoursAgo(1) };
  const s = computeStatus([fresh], new Map(), null, now);
  assert.deepEqual([s.level, s.reason], ['warn', { kind: 'never' }]);
});

test('the headline counts the places of its own plan, not of the newest run', () => {
  const a = job('a', 'nightly', 2);
  const s = computeStatus([a], new Map([['a', state(a, 2, [true, true])]]), null, now);
  assert.deepEqual(
    [s.level, s.reason, s.placesOk, s.placesTotal, s.lastSuccessAt],
    ['ok', null, 2, 2, hoursAgo(2)],
  );
  // A failed run after a good one: the good one is still on both places, and Home is red.
  const failed = { ...state(a, 20, [true, true]), lastRun: state(a, 1, [false, false]).lastRun };
  const f = computeStatus([a], new Map([['a', failed]]), null, now);
  assert.deepEqual([f.level, f.placesOk, f.placesTotal], ['bad', 2, 2]);
  assert.equal(f.reason?.kind, 'failed');
});

test('several plans: one line each with its own counts; the worst is the headline', () => {
  const shop = job('shop', 'nightly', 5);
  const office = job('office', 'manual', 1);
  const s = computeStatus(
    [shop, office],
    new Map([
      ['shop', state(shop, 2, [true, true, true, true, true])],
      ['office', state(office, 1, [true])],
    ]),
    null,
    now,
  );
  assert.deepEqual(
    s.plans.map((p) => [p.name, p.level, p.reason?.kind ?? null, p.placesOk, p.placesTotal]),
    [
      ['Plan shop', 'ok', null, 5, 5],
      ['Plan office', 'warn', 'no-schedule', 1, 1],
    ],
  );
  assert.deepEqual(
    [s.level, s.reason, s.placesOk, s.placesTotal, s.lastSuccessAt],
    ['warn', { kind: 'no-schedule' }, 1, 1, hoursAgo(1)],
  );
  // The newest run of any plan is still the one described as the last run.
  assert.equal(s.lastRun?.jobId, 'office');
});

test('of two amber plans, the one whose reason matters most is the headline', () => {
  const a = job('a', 'manual', 2);
  const b = job('b', 'nightly', 2);
  const s = computeStatus(
    [a, b],
    new Map([
      ['a', state(a, 1, [true, true])],
      ['b', state(b, 40, [true, true])],
    ]),
    null,
    now,
  );
  assert.deepEqual(s.reason, { kind: 'stale', lastSuccessAt: hoursAgo(40) });
  assert.equal(s.lastSuccessAt, hoursAgo(40));
});

test('a quick check that found damage marks the place and turns Home red', () => {
  const a = job('a');
  const st = state(a, 1, [true, true]);
  const damaged: JobState = {
    ...st,
    lastRun: st.lastRun && {
      ...st.lastRun,
      destinations: st.lastRun.destinations.map((d, i) => ({ ...d, verified: i !== 0 })),
    },
  };
  const s = computeStatus([a], new Map([['a', damaged]]), null, now);
  assert.deepEqual(s.reason, { kind: 'damaged', places: ['Place 0'] });
  assert.deepEqual(
    s.places.map((p) => p.damaged),
    [true, false],
  );
});
