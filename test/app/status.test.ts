/** The traffic light on Home, from jobs, last runs and a fixed clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord } from '../../main/ipc/contract.js';
import type { JobState } from '../../main/app/run-state.js';
import { DEFAULT_CHECK_SCHEDULE, type Job } from '../../main/app/settings.js';
import { computeStatus } from '../../main/app/status.js';

const now = new Date('2026-11-23T12:00:00Z');
const hoursAgo = (h: number): string => new Date(now.getTime() - h * 3600_000).toISOString();

function job(id: string, preset: 'manual' | 'nightly' = 'nightly'): Job {
  return {
    id,
    name: id,
    source: `/pos/${id}.db`,
    types: ['members'],
    typeOverrides: {},
    destinations: [
      { id: `${id}-a`, kind: 'folder', label: 'Disk', path: '/a' },
      { id: `${id}-b`, kind: 'removable', label: 'USB', path: '/b' },
    ],
    schedule: preset === 'manual' ? { preset } : { preset, time: '23:00' },
    checkSchedule: DEFAULT_CHECK_SCHEDULE,
    createdAt: hoursAgo(1000),
  };
}

function run(jobId: string, finishedHoursAgo: number, ok: [boolean, boolean]): RunRecord {
  const outcome = ok.every(Boolean) ? 'ok' : ok.some(Boolean) ? 'partial' : 'failed';
  return {
    runId: `r${finishedHoursAgo}`,
    jobId,
    startedAt: hoursAgo(finishedHoursAgo),
    finishedAt: hoursAgo(finishedHoursAgo),
    outcome,
    snapshotId: null,
    summary: null,
    bytes: 0,
    destinations: ok.map((o, i) => ({
      destinationId: `${jobId}-${i ? 'b' : 'a'}`,
      label: i ? 'USB' : 'Disk',
      ok: o,
      newBytes: 0,
      code: o ? null : 'DEST_MISSING',
      message: null,
      removed: 0,
      verified: o ? true : null,
    })),
    error: null,
  };
}

function state(r: RunRecord | null, lastSuccessHoursAgo: number | null): JobState {
  return {
    lastRun: r,
    lastSuccessAt: lastSuccessHoursAgo === null ? null : hoursAgo(lastSuccessHoursAgo),
    placesOkAt: {},
    lastDueAt: null,
    lastCheck: null,
    space: {},
    sticksOkAt: {},
  };
}

test('no job: grey; a job never run: amber', () => {
  assert.equal(computeStatus([], new Map(), null, now).level, 'none');
  assert.equal(computeStatus([job('a')], new Map(), null, now).level, 'warn');
});

test('a recent good backup on every place is green, with the count of places', () => {
  const s = computeStatus(
    [job('a')],
    new Map([['a', state(run('a', 2, [true, true]), 2)]]),
    null,
    now,
  );
  assert.equal(s.level, 'ok');
  assert.equal(s.placesOk, 2);
  assert.equal(s.placesTotal, 2);
  assert.equal(s.lastSuccessAt, hoursAgo(2));
});

test('a skipped place is amber, a failed run red', () => {
  const partial = computeStatus(
    [job('a')],
    new Map([['a', state(run('a', 2, [true, false]), 2)]]),
    null,
    now,
  );
  assert.equal(partial.level, 'warn');
  assert.equal(partial.placesOk, 1);
  const failed = computeStatus(
    [job('a')],
    new Map([['a', state(run('a', 1, [false, false]), 20)]]),
    null,
    now,
  );
  assert.equal(failed.level, 'bad');
});

test('a nightly job turns amber after 30 hours and red after 72 without a good backup', () => {
  const at = (h: number): string =>
    computeStatus([job('a')], new Map([['a', state(run('a', h, [true, true]), h)]]), null, now)
      .level;
  assert.equal(at(29), 'ok');
  assert.equal(at(31), 'warn');
  assert.equal(at(73), 'bad');
});

test('the worst job decides, and the newest run is the one described', () => {
  const s = computeStatus(
    [job('a'), job('b', 'manual')],
    new Map([
      ['a', state(run('a', 5, [true, true]), 5)],
      ['b', state(run('b', 1, [true, false]), 1)],
    ]),
    null,
    now,
  );
  assert.equal(s.level, 'warn');
  assert.equal(s.lastRun?.jobId, 'b');
  assert.equal(s.lastSuccessAt, hoursAgo(1));
});

test('a quick check that found damage turns Home red', () => {
  const r = run('a', 1, [true, true]);
  const damaged = {
    ...r,
    destinations: r.destinations.map((d, i) => ({ ...d, verified: i === 0 ? false : true })),
  };
  const s = computeStatus([job('a')], new Map([['a', state(damaged, 1)]]), null, now);
  assert.equal(s.level, 'bad');
});
