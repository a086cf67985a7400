/** The scheduler with a fake clock and fake timers: catch-up once, no double runs, queue once. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Scheduler,
  type ScheduledJob,
  type Timers,
} from '../../../main/engine/schedule/scheduler.js';

const TZ = 'Europe/Stockholm';

function harness(jobs: ScheduledJob[], nowIso: string) {
  let now = new Date(nowIso);
  const memory = new Map<string, Date>();
  const armed: { cron: string; fire: (at: Date) => void; cancelled: boolean }[] = [];
  const timers: Timers = {
    arm: (cron, _tz, fire) => {
      const a = { cron, fire, cancelled: false };
      armed.push(a);
      return { cancel: () => void (a.cancelled = true) };
    },
  };
  const runs: string[] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const scheduler = new Scheduler({
    jobs: () => jobs,
    memory: { since: (id) => memory.get(id) ?? null, markDue: (id, at) => void memory.set(id, at) },
    run: async (id) => {
      runs.push(id);
      if (hold) await new Promise<void>((r) => (release = r));
    },
    timeZone: TZ,
    now: () => now,
    timers,
  });
  return {
    scheduler,
    runs,
    armed,
    memory,
    setNow: (iso: string) => void (now = new Date(iso)),
    holdRuns: () => void (hold = true),
    finishRun: () => {
      hold = false;
      release?.();
    },
  };
}

const nightly: ScheduledJob = {
  id: 'shop',
  schedule: { preset: 'nightly', time: '23:00' },
  createdAt: '2026-11-01T10:00:00Z',
};

test('after three nights off, one catch-up run at start, and none at the next start', async () => {
  const h = harness([nightly], '2026-11-23T07:00:00Z');
  h.memory.set('shop', new Date('2026-11-19T22:00:00Z'));
  await h.scheduler.start();
  assert.deepEqual(h.runs, ['shop']);
  assert.equal(h.memory.get('shop')?.toISOString(), '2026-11-22T22:00:00.000Z');
  assert.deepEqual(
    h.armed.filter((a) => !a.cancelled).map((a) => a.cron),
    ['0 23 * * *'],
  );
  // The app restarts an hour later: nothing more is owed, and the old timer is gone.
  h.setNow('2026-11-23T08:00:00Z');
  await h.scheduler.start();
  assert.deepEqual(h.runs, ['shop']);
  assert.equal(h.armed.filter((a) => !a.cancelled).length, 1);
});

test('a job made after the last due time owes nothing; a manual job has no timer', async () => {
  const fresh = { ...nightly, createdAt: '2026-11-23T06:00:00Z' };
  const manual: ScheduledJob = {
    id: 'm',
    schedule: { preset: 'manual' },
    createdAt: nightly.createdAt,
  };
  const h = harness([fresh, manual], '2026-11-23T07:00:00Z');
  await h.scheduler.start();
  assert.deepEqual(h.runs, []);
  assert.equal(h.armed.length, 1);
});

test('due while the same job runs: queued once, however often it fires', async () => {
  const h = harness([nightly], '2026-11-23T07:00:00Z');
  h.memory.set('shop', new Date('2026-11-23T06:00:00Z'));
  await h.scheduler.start();
  h.holdRuns();
  const first = h.scheduler.due('shop', new Date('2026-11-23T22:00:00Z'));
  void h.scheduler.due('shop', new Date('2026-11-23T22:00:01Z'));
  void h.scheduler.due('shop', new Date('2026-11-23T22:00:02Z'));
  assert.deepEqual(h.runs, ['shop']);
  h.finishRun();
  await first;
  assert.deepEqual(h.runs, ['shop', 'shop']);
});

test('the timer firing runs the job; next runs are listed soonest first', async () => {
  const five: ScheduledJob = {
    id: 'five',
    schedule: { preset: 'five-a-day' },
    createdAt: nightly.createdAt,
  };
  const h = harness([nightly, five], '2026-11-23T07:30:00Z');
  h.memory.set('shop', new Date('2026-11-23T07:00:00Z'));
  h.memory.set('five', new Date('2026-11-23T07:00:00Z'));
  await h.scheduler.start();
  assert.deepEqual(h.runs, []);
  const upcoming = h.scheduler.upcoming(3).map((u) => `${u.jobId} ${u.at.toISOString()}`);
  assert.deepEqual(upcoming, [
    'five 2026-11-23T11:00:00.000Z',
    'five 2026-11-23T17:00:00.000Z',
    'five 2026-11-23T21:00:00.000Z',
  ]);
  h.armed[0]!.fire(new Date('2026-11-23T22:00:00Z'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(h.runs, ['shop']);
});

test('plans changing before the front end started the scheduler arm no timers', async () => {
  const h = harness([nightly], '2026-11-23T07:00:00Z');
  await h.scheduler.reload();
  assert.equal(h.armed.length, 0);
  await h.scheduler.start();
  await h.scheduler.reload();
  assert.deepEqual(
    h.armed.map((a) => a.cancelled),
    [true, false],
  );
});
