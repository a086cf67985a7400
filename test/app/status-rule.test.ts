/** The one status rule, as a table of cases with a fixed clock: colour and the one reason. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunRecord, StatusReason } from '../../main/ipc/contract.js';
import { EMPTY_JOB_STATE, type JobState } from '../../main/app/run-state.js';
import { DEFAULT_CHECK_SCHEDULE, type Job } from '../../main/app/settings.js';
import { nextSpace } from '../../main/app/space.js';
import { passphraseCheckDue, planFindings, planVerdict } from '../../main/app/status-rule.js';

const now = new Date('2026-11-23T12:00:00Z');
const hoursAgo = (h: number): string => new Date(now.getTime() - h * 3600_000).toISOString();

type Kind = 'folder' | 'removable' | 'cloud';

function plan(schedule: Job['schedule'], places: Kind[] = ['folder', 'removable']): Job {
  return {
    id: 'p',
    name: 'Shop data',
    source: '/pos/shop.db',
    types: ['members'],
    typeOverrides: {},
    destinations: places.map((kind, i) => ({
      id: `d${i}`,
      kind,
      label: { folder: 'Documents', removable: 'USB', cloud: 'Dropbox' }[kind],
      path: `/place/${i}`,
    })),
    schedule,
    checkSchedule: DEFAULT_CHECK_SCHEDULE,
    createdAt: hoursAgo(2000),
  };
}

const NIGHTLY: Job['schedule'] = { preset: 'nightly', time: '23:00' };
const MANUAL: Job['schedule'] = { preset: 'manual' };

interface Outcome {
  ok?: boolean;
  verified?: boolean | null;
  syncing?: boolean;
}

/** The state after one run `h` hours ago, each place's outcome as given (default: took it). */
function after(job: Job, h: number, outcomes: Outcome[] = [], extra: Partial<RunRecord> = {}) {
  const destinations = job.destinations.map((d, i) => {
    const o = outcomes[i] ?? {};
    const ok = o.ok ?? true;
    return {
      destinationId: d.id,
      label: d.label,
      ok,
      newBytes: 0,
      code: ok ? null : 'DEST_MISSING',
      message: null,
      removed: 0,
      verified: o.verified === undefined ? (ok ? true : null) : o.verified,
      ...(o.syncing === undefined ? {} : { syncing: o.syncing }),
    };
  });
  const anyOk = destinations.some((d) => d.ok);
  const run: RunRecord = {
    runId: 'r1',
    jobId: job.id,
    startedAt: hoursAgo(h),
    finishedAt: hoursAgo(h),
    outcome: destinations.every((d) => d.ok) ? 'ok' : anyOk ? 'partial' : 'failed',
    snapshotId: null,
    summary: null,
    bytes: 0,
    destinations,
    error: null,
    ...extra,
  };
  const good = anyOk && !run.sourceDamage;
  return {
    ...EMPTY_JOB_STATE,
    lastRun: run,
    lastSuccessAt: good ? run.finishedAt : null,
    placesOkAt: Object.fromEntries(
      destinations.filter((d) => d.ok).map((d) => [d.destinationId, run.finishedAt]),
    ),
  } satisfies JobState;
}

const nightly = plan(NIGHTLY);
const withCloud = plan(NIGHTLY, ['folder', 'cloud']);
const weekdays = plan({
  preset: 'opening-hours',
  everyHours: 2,
  opens: '09:00',
  closes: '18:00',
  days: [1, 2, 3, 4, 5],
});

const CASES: {
  name: string;
  job: Job;
  state: JobState;
  level: 'ok' | 'warn' | 'bad';
  reason: StatusReason | null;
}[] = [
  {
    name: 'all good: scheduled, recent, every place, no damage',
    job: nightly,
    state: after(nightly, 2),
    level: 'ok',
    reason: null,
  },
  {
    name: 'no automatic schedule, though everything else is fine',
    job: plan(MANUAL),
    state: after(plan(MANUAL), 1),
    level: 'warn',
    reason: { kind: 'no-schedule' },
  },
  {
    name: 'no automatic schedule and no backup for over a month',
    job: plan(MANUAL),
    state: after(plan(MANUAL), 31 * 24),
    level: 'bad',
    reason: { kind: 'no-schedule' },
  },
  {
    name: 'a new plan without a backup yet',
    job: { ...nightly, createdAt: hoursAgo(1) },
    state: EMPTY_JOB_STATE,
    level: 'warn',
    reason: { kind: 'never' },
  },
  {
    name: 'a plan that never got a backup within its interval',
    job: { ...nightly, createdAt: hoursAgo(40) },
    state: EMPTY_JOB_STATE,
    level: 'warn',
    reason: { kind: 'stale', lastSuccessAt: null },
  },
  {
    name: 'nightly, 31 hours since the newest backup',
    job: nightly,
    state: after(nightly, 31),
    level: 'warn',
    reason: { kind: 'stale', lastSuccessAt: hoursAgo(31) },
  },
  {
    name: 'nightly, 73 hours since the newest backup',
    job: nightly,
    state: after(nightly, 73),
    level: 'bad',
    reason: { kind: 'stale', lastSuccessAt: hoursAgo(73) },
  },
  {
    name: 'opening hours, a weekend without backups is on schedule',
    job: weekdays,
    state: after(weekdays, 60),
    level: 'ok',
    reason: null,
  },
  {
    name: 'one place missed the newest backup',
    job: nightly,
    state: after(nightly, 2, [{}, { ok: false }]),
    level: 'warn',
    reason: { kind: 'missed', places: ['USB'] },
  },
  {
    name: 'a place added after the newest backup has not taken it',
    job: plan(NIGHTLY, ['folder', 'removable', 'folder']),
    state: after(nightly, 2),
    level: 'warn',
    reason: { kind: 'missed', places: ['Documents'] },
  },
  {
    name: 'the check after the run found damage',
    job: nightly,
    state: after(nightly, 2, [{ verified: false }]),
    level: 'bad',
    reason: { kind: 'damaged', places: ['Documents'] },
  },
  {
    name: 'the weekly check found damage',
    job: nightly,
    state: {
      ...after(nightly, 2),
      lastCheck: {
        at: hoursAgo(1),
        places: [
          { destinationId: 'd0', label: 'Documents', ok: true, restoreMs: 900, code: null },
          { destinationId: 'd1', label: 'USB', ok: false, restoreMs: null, code: 'CORRUPT' },
        ],
      },
    },
    level: 'bad',
    reason: { kind: 'damaged', places: ['USB'] },
  },
  {
    name: 'a check that could not reach a place found no damage',
    job: nightly,
    state: {
      ...after(nightly, 2),
      lastCheck: {
        at: hoursAgo(1),
        places: [
          { destinationId: 'd1', label: 'USB', ok: null, restoreMs: null, code: 'DEST_MISSING' },
        ],
      },
    },
    level: 'ok',
    reason: null,
  },
  {
    name: 'a cloud copy handed to a sync client that was not running',
    job: withCloud,
    state: after(withCloud, 2, [{}, { syncing: false }]),
    level: 'warn',
    reason: { kind: 'not-uploaded', places: ['Dropbox'] },
  },
  {
    name: 'a cloud copy handed to a running sync client',
    job: withCloud,
    state: after(withCloud, 2, [{}, { syncing: true }]),
    level: 'ok',
    reason: null,
  },
  {
    name: 'the last backup failed everywhere',
    job: nightly,
    state: {
      ...after(nightly, 1, [{ ok: false }, { ok: false }]),
      lastSuccessAt: hoursAgo(20),
      placesOkAt: { d0: hoursAgo(20), d1: hoursAgo(20) },
    },
    level: 'bad',
    reason: { kind: 'failed', code: 'DEST_MISSING' },
  },
  {
    name: 'the database itself is damaged',
    job: nightly,
    state: after(nightly, 1, [], { sourceDamage: { detail: 'x', lastGoodAt: hoursAgo(30) } }),
    level: 'bad',
    reason: { kind: 'source-damaged', lastGoodAt: hoursAgo(30) },
  },
  {
    name: 'a place running out of room',
    job: nightly,
    state: { ...after(nightly, 2), space: { d1: nextSpace(undefined, 1e6, hoursAgo(2), 5e6) } },
    level: 'warn',
    reason: { kind: 'space', place: 'USB', full: true },
  },
];

for (const c of CASES) {
  test(`status rule: ${c.name}`, () => {
    assert.deepEqual(planVerdict(c.job, c.state, now), { level: c.level, reason: c.reason });
  });
}

test('red outranks amber, and of ambers the one that matters most comes first', () => {
  // No schedule, a stick missed, a cloud copy not sent: the schedule is the reason shown.
  const job = plan(MANUAL, ['folder', 'removable', 'cloud']);
  const state = after(job, 2, [{}, { ok: false }, { syncing: false }]);
  assert.deepEqual(
    planFindings(job, state, now).map((f) => [f.level, f.reason.kind]),
    [
      ['warn', 'no-schedule'],
      ['warn', 'missed'],
      ['warn', 'not-uploaded'],
    ],
  );
  // The same with damage found: red, and the damage is what the owner reads.
  const damaged = after(job, 2, [{ verified: false }, { ok: false }, { syncing: false }]);
  assert.deepEqual(planVerdict(job, damaged, now).reason, {
    kind: 'damaged',
    places: ['Documents'],
  });
});

const CHANGE = {
  before: { snapshotId: '20261120T230000000Z-0000abcd', time: hoursAgo(60) },
  findings: [
    { kind: 'members' as const, before: 800, now: 500 },
    { kind: 'emptied' as const, table: 'coupons', rowsBefore: 40 },
  ],
};

test('a backup unlike the one before is amber, and stays so after normal backups until dismissed', () => {
  const job = plan(NIGHTLY);
  const state = { ...after(job, 2), lastChange: { at: hoursAgo(36), ...CHANGE } };
  assert.deepEqual(planVerdict(job, state, now), {
    level: 'warn',
    reason: {
      kind: 'changed',
      at: hoursAgo(36),
      finding: CHANGE.findings[0],
      before: CHANGE.before,
    },
  });
  // Damage outranks it; it outranks a place that missed the newest backup.
  const missed = { ...after(job, 2, [{}, { ok: false }]), lastChange: state.lastChange };
  assert.deepEqual(
    planFindings(job, missed, now).map((f) => f.reason.kind),
    ['changed', 'missed'],
  );
  // As long as the prune guard keeps the backup before it: 90 days.
  const old = { ...state, lastChange: { at: hoursAgo(91 * 24), ...CHANGE } };
  assert.deepEqual(planVerdict(job, old, now), { level: 'ok', reason: null });
});

test('a passphrase this computer does not keep stops everything: red, before any other reason', () => {
  const job = plan(NIGHTLY);
  const failed = after(job, 2, [{ ok: false }, { ok: false }]);
  assert.deepEqual(
    planFindings(job, failed, now, { passphraseKept: false })
      .slice(0, 2)
      .map((f) => [f.level, f.reason.kind]),
    [
      ['bad', 'no-passphrase'],
      ['bad', 'failed'],
    ],
  );
  assert.deepEqual(planVerdict(job, after(job, 2), now, { passphraseKept: true }), {
    level: 'ok',
    reason: null,
  });
});

test('every 90 days since the passphrase was typed the owner is asked; never for unencrypted backups', () => {
  const job = plan(NIGHTLY);
  assert.equal(passphraseCheckDue({ ...job, createdAt: hoursAgo(89 * 24) }, now), false);
  assert.equal(passphraseCheckDue({ ...job, createdAt: hoursAgo(91 * 24) }, now), true);
  assert.equal(
    passphraseCheckDue(
      { ...job, createdAt: hoursAgo(400 * 24), passphraseCheckedAt: hoursAgo(10 * 24) },
      now,
    ),
    false,
  );
  assert.equal(
    passphraseCheckDue({ ...job, createdAt: hoursAgo(400 * 24), encrypted: false }, now),
    false,
  );
});
