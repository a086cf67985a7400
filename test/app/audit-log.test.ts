/**
 * Every place's log read as one (pure): the same event in several places once, with the places
 * that hold it; two events of one place never merged; a restore of a safety backup is an undo;
 * damaged entries listed; who did it, also for logs written before Tillvault recorded it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesFilter, mergeLogs, type PlaceLog } from '../../main/app/audit-log.js';
import type { AuditEntry } from '../../main/engine/repository/audit.js';

const base = { user: 'shop', host: 'till', details: {}, snapshotId: null, result: 'ok' } as const;

function entry(over: Partial<AuditEntry> & Pick<AuditEntry, 'time' | 'operation'>): AuditEntry {
  return { ...base, summary: `${over.operation} done`, ...over };
}

function log(destinationId: string, entries: PlaceLog['entries']): PlaceLog {
  return {
    jobId: 'plan1',
    plan: '会员店',
    destinationId,
    label: destinationId === 'usb' ? 'مفتاح USB' : 'Documents',
    path: `/places/${destinationId}`,
    entries,
  };
}

const backup = (time: string, newBytes: number): AuditEntry =>
  entry({
    time,
    operation: 'backup',
    snapshotId: '20260502T220000000Z-11111111',
    summary: `Backed up 会员数据.db (${newBytes} new bytes).`,
    details: { source: '/pos/会员数据.db', trigger: 'scheduled', newBytes },
  });

test('one backup in two places is one entry naming both; sizes per place do not matter', () => {
  const merged = mergeLogs([
    log('docs', [backup('2026-05-02T22:00:05.000Z', 4096)]),
    log('usb', [backup('2026-05-02T22:00:09.000Z', 880_000)]),
  ]);
  assert.equal(merged.length, 1);
  const [b] = merged;
  assert.deepEqual(
    b?.places.map((p) => p.label),
    ['Documents', 'مفتاح USB'],
  );
  assert.deepEqual(b?.what, { message: 'backup', file: '会员数据.db' });
  assert.equal(b?.time, '2026-05-02T22:00:05.000Z');
  // Written before Tillvault recorded who: a scheduled backup is still the schedule's.
  assert.equal(b?.actor, 'schedule');
  assert.deepEqual(b?.plan, { jobId: 'plan1', name: '会员店' });
});

test('the same words twice in one place are two events; an app event merges by its id', () => {
  const check = (time: string): AuditEntry =>
    entry({
      time,
      operation: 'verify',
      summary: 'quick check passed for 3 backup(s).',
      details: { level: 'quick', verifiedSnapshots: ['a', 'b', 'c'], damagedSnapshots: [] },
    });
  const change = (time: string): AuditEntry =>
    entry({
      time,
      operation: 'settings',
      summary: 'Settings changed: language en → ar.',
      details: { fields: ['language'] },
      actor: 'owner',
      event: 'ev-1',
    });
  const merged = mergeLogs([
    log('docs', [
      check('2026-05-02T10:00:00.000Z'),
      check('2026-05-02T10:05:00.000Z'),
      change('2026-05-03T08:00:00.000Z'),
    ]),
    log('usb', [check('2026-05-02T10:01:00.000Z'), change('2026-05-03T08:00:00.000Z')]),
  ]);
  assert.deepEqual(
    merged.map((e) => [e.kind, e.places.map((p) => p.destinationId)]),
    [
      ['settings', ['docs', 'usb']],
      ['check', ['docs']],
      ['check', ['docs', 'usb']],
    ],
  );
  assert.deepEqual(merged[0]?.what, { message: 'settings', fields: ['language'] });
  assert.equal(merged[0]?.actor, 'owner');
  assert.equal(merged[0]?.plan, null);
  assert.deepEqual(merged[2]?.what, { message: 'check', count: 3 });
  assert.equal(merged[2]?.actor, 'unknown');
});

test('a restore of the safety backup another restore made is an undo', () => {
  const merged = mergeLogs([
    log('docs', [
      entry({
        time: '2026-05-02T11:00:00.000Z',
        operation: 'restore',
        snapshotId: 'S1',
        details: { into: '/pos/shop.db', types: ['members'], safetySnapshotId: 'SAFE' },
      }),
      entry({
        time: '2026-05-02T11:10:00.000Z',
        operation: 'restore',
        snapshotId: 'SAFE',
        details: { into: '/pos/shop.db', types: null, records: null, safetySnapshotId: 'SAFE2' },
      }),
      entry({
        time: '2026-05-02T11:20:00.000Z',
        operation: 'restore',
        snapshotId: 'S1',
        details: { to: '/home/shop/look.db' },
      }),
      entry({
        time: '2026-05-02T11:30:00.000Z',
        operation: 'prune',
        result: 'failed',
        details: { removed: ['x', 'y'] },
      }),
      { damaged: '20260502T113500000Z-abcdef01' },
    ]),
  ]);
  assert.deepEqual(
    merged.map((e) => [e.kind, e.what]),
    [
      ['other', { message: 'unreadable' }],
      ['prune', { message: 'pruneFailed', count: 2 }],
      ['restore', { message: 'restoreCopy', file: 'look.db' }],
      ['undo', { message: 'undo', file: 'shop.db' }],
      ['restore', { message: 'restoreTypes', file: 'shop.db', types: ['members'] }],
    ],
  );
  assert.equal(merged[0]?.time, '2026-05-02T11:35:00.000Z');
  assert.equal(merged[0]?.result, 'damaged');
});

test('details a place altered are never trusted: the engine words are shown instead', () => {
  const [e] = mergeLogs([
    log('docs', [
      entry({
        time: '2026-05-02T11:00:00.000Z',
        operation: 'repair',
        summary: 'Repaired from /places/usb: 3 chunk(s).',
        details: { from: 42 },
      }),
    ]),
  ]);
  assert.deepEqual(e?.what, {
    message: 'other',
    summary: 'Repaired from /places/usb: 3 chunk(s).',
  });
});

test('filters: kinds, and dates from (inclusive) to (exclusive)', () => {
  const merged = mergeLogs([
    log('docs', [
      backup('2026-05-01T22:00:00.000Z', 1),
      entry({
        time: '2026-05-02T00:00:00.000Z',
        operation: 'plan',
        details: { change: 'created', jobId: 'plan1', plan: '会员店' },
        event: 'ev-2',
      }),
    ]),
  ]);
  const kinds = (f: Parameters<typeof matchesFilter>[1]): string[] =>
    merged.filter((e) => matchesFilter(e, f)).map((e) => e.kind);
  assert.deepEqual(kinds({}), ['plan', 'backup']);
  assert.deepEqual(kinds({ kinds: ['backup', 'check'] }), ['backup']);
  assert.deepEqual(kinds({ from: '2026-05-02T00:00:00.000Z' }), ['plan']);
  assert.deepEqual(kinds({ to: '2026-05-02T00:00:00.000Z' }), ['backup']);
  assert.deepEqual(kinds({ kinds: ['plan'], to: '2026-05-01T00:00:00.000Z' }), []);
});
