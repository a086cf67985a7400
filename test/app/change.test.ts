/**
 * The app's side of the change guard: a run whose backup is unlike the one before carries what
 * was found and the backup to go back to, keeps it through the state file, and notifies in the
 * owner's language; a normal busy day does not; the plan's thresholds count, and settings
 * written before them still load.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { Notifier, changeNotification } from '../../main/app/notifier.js';
import type { Platform } from '../../main/app/platform.js';
import { RunState } from '../../main/app/run-state.js';
import { Runner } from '../../main/app/runner.js';
import { ProtectedSecretStore } from '../../main/app/secrets.js';
import {
  DEFAULT_CHECK_SCHEDULE,
  SettingsStore,
  changeThresholds,
  migrateSettings,
  type Job,
} from '../../main/app/settings.js';
import { DEFAULT_THRESHOLDS } from '../../main/engine/backup/anomaly.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import type { RunRecord } from '../../main/ipc/contract.js';
import { CLI, deleteDemoMemberSql, tempDir } from '../helpers.js';

const dir = tempDir('tillvault-change-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function exec(file: string, sql: string): void {
  const db = new Database(file);
  try {
    db.exec(sql);
  } finally {
    db.close();
  }
}

const platform: Platform = {
  pickDatabase: async () => null,
  pickFolder: async () => null,
  pickSaveFile: async () => null,
  showInFolder: () => undefined,
  keepAwake: () => () => undefined,
  notify: () => undefined,
  setStartAtLogin: () => undefined,
  preferredLanguages: () => ['en'],
  dataDir: dir,
  documentsDir: dir,
};

function plan(id: string, db: string, changeAlarm?: Job['changeAlarm']): Job {
  fs.mkdirSync(path.join(dir, id), { recursive: true });
  return {
    id,
    name: 'Corner shop',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    typeOverrides: {},
    destinations: [
      { id: 'd0', kind: 'folder', label: 'Backups', path: path.join(dir, id, 'a') },
      { id: 'd1', kind: 'folder', label: 'Second', path: path.join(dir, id, 'b') },
    ],
    schedule: { preset: 'manual' },
    checkSchedule: DEFAULT_CHECK_SCHEDULE,
    ...(changeAlarm ? { changeAlarm } : {}),
    createdAt: new Date().toISOString(),
  };
}

function harness(job: Job) {
  const notified: RunRecord[] = [];
  const stateFile = { store: {} as Record<string, unknown> };
  const state = new RunState(stateFile);
  const secrets = new ProtectedSecretStore({ store: {} }, null);
  secrets.set(job.id, 'change test passphrase');
  const runner = new Runner({
    state,
    secrets,
    platform,
    notifier: { run: (_job, run) => void notified.push(run) },
    events: { emit: () => undefined },
  });
  const run = async (): Promise<RunRecord> => {
    const record = await runner.start(job, 'manual').done;
    assert.equal(record.outcome, 'ok', JSON.stringify(record.error ?? record.destinations));
    return record;
  };
  return { run, state, stateFile, notified };
}

let db: string;
before(() => {
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 800, days: 30, seed: 5 });
});

test('a busy day is a plain result; a mass delete turns it into a change, kept and notified', async () => {
  const h = harness(plan('job1', db));
  const first = await h.run();
  assert.equal(first.change, undefined);
  // The till sells in its own process; two members leave, one joins, two prices are set.
  execFileSync(process.execPath, [CLI, 'demo', 'sell', db, '--seconds', '2', '--rate', '40'], {
    stdio: 'ignore',
  });
  exec(
    db,
    `${deleteDemoMemberSql(10)} ${deleteDemoMemberSql(11)}
     INSERT INTO members (card_no, name, joined_at) VALUES ('N-1', 'New One', '2025-03-10');
     UPDATE products SET price_cents = 1990 WHERE id IN (3, 4);`,
  );
  const busy = await h.run();
  assert.equal(busy.change, undefined, JSON.stringify(busy.change));
  assert.equal(busy.summary?.members, 799);
  // Only the counts travel: the price sample stays in the manifest.
  assert.deepEqual(Object.keys(busy.summary!).sort(), ['lastSaleAt', 'members', 'sales']);

  exec(db, 'PRAGMA foreign_keys = OFF; DELETE FROM members WHERE id % 3 = 0;');
  const deleted = await h.run();
  const gone = 799 - deleted.summary!.members!;
  assert.ok(gone > 250, `${gone} members deleted`);
  assert.deepEqual(deleted.change, {
    before: { snapshotId: busy.snapshotId, time: deleted.change?.before.time },
    findings: [{ kind: 'members', before: 799, now: 799 - gone }],
  });
  assert.ok(Date.parse(deleted.change!.before.time) < Date.parse(deleted.startedAt));
  assert.equal(h.notified.at(-1), deleted);
  // Home reads it back from the state file after a restart.
  assert.deepEqual(new RunState(h.stateFile).get('job1').lastRun?.change, deleted.change);

  const job = plan('job1', db);
  const text = changeNotification('en', job, deleted, new Date(deleted.finishedAt));
  assert.equal(text?.title, '\u2068Corner shop\u2069: this backup is unlike the one before');
  assert.match(
    text!.body,
    new RegExp(
      `^This backup has ${gone} fewer members than the one before\\. The backup from .+ is kept\\. Open Tillvault to check\\.$`,
    ),
  );
  const ar = changeNotification('ar', job, deleted, new Date(deleted.finishedAt));
  assert.ok(ar!.title.startsWith('\u2068Corner shop\u2069'), ar!.title);
  assert.match(ar!.body, /أقل من النسخة السابقة/);
  assert.doesNotMatch(ar!.body, /members/);
});

test('the notifier says the change rather than "Backup finished"', () => {
  const shown: { title: string; body: string }[] = [];
  const notifier = new Notifier(new SettingsStore({ store: {} }), {
    ...platform,
    notify: (n) => void shown.push(n),
  });
  const base = plan('job9', db);
  // Scheduled, one place: nothing else for the finished backup to mention.
  const job: Job = {
    ...base,
    destinations: base.destinations.slice(0, 1),
    schedule: { preset: 'nightly', time: '22:00' },
  };
  const record: RunRecord = {
    runId: 'r1',
    jobId: job.id,
    startedAt: '2026-11-03T22:00:00.000Z',
    finishedAt: '2026-11-03T22:01:00.000Z',
    outcome: 'ok',
    snapshotId: '20261103T220000000Z-0000abcd',
    summary: { members: 58, sales: 412, lastSaleAt: null },
    bytes: 1,
    destinations: [
      {
        destinationId: 'd0',
        label: 'Backups',
        ok: true,
        newBytes: 1,
        code: null,
        message: null,
        removed: 0,
        verified: true,
      },
    ],
    error: null,
  };
  const fresh = { ...record, finishedAt: new Date().toISOString() };
  const state = new RunState({ store: {} });
  notifier.run(job, fresh, state.record(fresh));
  const changed: RunRecord = {
    ...fresh,
    change: {
      before: { snapshotId: '20261102T220000000Z-0000abcd', time: '2026-11-02T22:00:00.000Z' },
      findings: [{ kind: 'prices', changed: 3500, of: 3503, exact: false }],
    },
  };
  notifier.run(job, changed, state.record(changed));
  assert.equal(shown[0]?.title, 'Backup finished');
  assert.match(shown[1]!.title, /this backup is unlike the one before/);
  assert.match(shown[1]!.body, /^About 3,500 product prices changed since the backup before\./);
  // A plan backed up by hand only is amber on Home: the notification does not say "finished" alone.
  const byHand = { ...job, schedule: { preset: 'manual' as const } };
  notifier.run(byHand, fresh, new RunState({ store: {} }).record(fresh));
  assert.equal(shown[2]?.title, 'Backup finished — one thing needs a look');
  assert.equal(shown[2]?.body, 'Corner shop was saved to 1 place. No automatic backups.');
});

test('the warning about a changed backup outlives the normal backups after it, until the owner dismisses it', () => {
  const state = new RunState({ store: {} });
  const run = (at: string, change?: RunRecord['change']): RunRecord => ({
    runId: `r${Date.parse(at)}`,
    jobId: 'job8',
    startedAt: at,
    finishedAt: at,
    outcome: 'ok',
    snapshotId: null,
    summary: null,
    bytes: 0,
    destinations: [],
    error: null,
    ...(change ? { change } : {}),
  });
  const change = {
    before: { snapshotId: '20261102T220000000Z-0000abcd', time: '2026-11-02T22:00:00.000Z' },
    findings: [{ kind: 'members' as const, before: 800, now: 500 }],
  };
  state.record(run('2026-11-03T22:00:00.000Z', change));
  const later = state.record(run('2026-11-04T22:00:00.000Z'));
  assert.deepEqual(later.lastChange, { at: '2026-11-03T22:00:00.000Z', ...change });
  state.dismissChange('job8');
  assert.equal(state.get('job8').lastChange, null);
});

test('a plan may allow larger drops; thresholds that do not parse are the defaults', async () => {
  const file = path.join(dir, 'lenient.db');
  createDemoShop(file, { members: 300, days: 10, seed: 6 });
  const h = harness(plan('job2', file, { dropPercent: 50, pricePercent: 25 }));
  await h.run();
  exec(file, 'PRAGMA foreign_keys = OFF; DELETE FROM members WHERE id % 3 = 0;');
  assert.equal((await h.run()).change, undefined, 'a third gone is within 50 %');

  const stored = { ...plan('job3', file), changeAlarm: { dropPercent: 0, pricePercent: 'many' } };
  const settings = migrateSettings({
    version: 2,
    language: 'en',
    startAtLogin: false,
    notifications: true,
    jobs: [stored],
  });
  assert.equal(settings.jobs.length, 1, 'the plan is kept');
  assert.deepEqual(changeThresholds(settings.jobs[0]!), DEFAULT_THRESHOLDS);
  const old = migrateSettings({
    version: 2,
    language: 'en',
    startAtLogin: false,
    notifications: true,
    jobs: [plan('job4', file)],
  });
  assert.deepEqual(changeThresholds(old.jobs[0]!), DEFAULT_THRESHOLDS);
});
