/**
 * `tillvault schedule` and `tillvault run PLAN`: the app's backup plans run from a server's cron
 * with the app's own settings file, to two places, one of which has gone away.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Conf from 'conf';
import { DEFAULT_CHECK_SCHEDULE, SettingsStore, type Job } from '../../main/app/settings.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import type { RunRecord } from '../../main/ipc/contract.js';
import { cli, tempDir } from '../helpers.js';

let dir: string;
let config: string;
let usb: string;
let local: string;

before(() => {
  dir = tempDir('tv-plans-');
  config = path.join(dir, 'config');
  usb = path.join(dir, 'media', 'SHOP-BACKUP', 'Tillvault');
  local = path.join(dir, 'local-backups');
  fs.mkdirSync(path.dirname(usb), { recursive: true });
  const db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 200, days: 20, seed: 3 });
  // The settings file exactly as the app writes it (electron-store and conf share the format).
  const job: Job = {
    id: 'plan1',
    name: 'Shop',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    typeOverrides: {},
    destinations: [
      { id: 'a', kind: 'folder', label: 'This computer', path: local },
      { id: 'b', kind: 'removable', label: 'SHOP-BACKUP', path: usb },
    ],
    schedule: { preset: 'nightly', time: '23:00' },
    checkSchedule: DEFAULT_CHECK_SCHEDULE,
    createdAt: new Date().toISOString(),
  };
  new SettingsStore(
    new Conf<Record<string, unknown>>({
      projectName: 'tillvault',
      cwd: config,
      configName: 'settings',
    }),
  ).update((s) => ({ ...s, jobs: [job] }));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('schedule lists the plans and their next runs at 23:00 local time', () => {
  const r = cli(['schedule', '--config', config, '--count', '3']);
  assert.equal(r.code, 0, r.stderr);
  const { jobs } = r.json as { jobs: { name: string; cron: string; next: string[] }[] };
  assert.equal(jobs[0]?.name, 'Shop');
  assert.equal(jobs[0]?.cron, '0 23 * * *');
  assert.equal(jobs[0]?.next.length, 3);
  for (const n of jobs[0]!.next) assert.equal(new Date(n).getHours(), 23);
  const human = cli(['schedule', '--config', config]);
  assert.match(JSON.stringify(human.json), /Shop/);
});

test('run backs up, cleans up and checks; a missing USB drive is skipped, not filled in', () => {
  const first = cli(['run', 'Shop', '--config', config]);
  assert.equal(first.code, 0, first.stderr);
  const ok = first.json as RunRecord;
  assert.equal(ok.outcome, 'ok');
  assert.deepEqual(
    ok.destinations.map((d) => [d.label, d.ok, d.verified]),
    [
      ['This computer', true, true],
      ['SHOP-BACKUP', true, true],
    ],
  );

  // The stick is pulled out: its mount point is gone.
  fs.rmSync(path.join(dir, 'media'), { recursive: true });
  const second = cli(['run', 'plan1', '--config', config]);
  assert.equal(second.code, 1, second.stderr);
  const partial = second.json as RunRecord;
  assert.equal(partial.outcome, 'partial');
  assert.equal(partial.destinations[0]?.ok, true);
  assert.equal(partial.destinations[1]?.code, 'DEST_MISSING');
  assert.equal(fs.existsSync(path.join(dir, 'media')), false);

  // The app sees what the CLI did: the last run is in the shared state file.
  const state = JSON.parse(fs.readFileSync(path.join(config, 'state.json'), 'utf8')) as Record<
    string,
    { lastRun: RunRecord; lastSuccessAt: string; lastDueAt: string }
  >;
  assert.equal(state['plan1']?.lastRun.runId, partial.runId);
  assert.ok(state['plan1']?.lastDueAt);
});

test('run refuses an unknown plan and a missing passphrase as bad input', () => {
  const unknown = cli(['run', 'Nope', '--config', config]);
  assert.equal(unknown.code, 2);
  assert.match(
    (unknown.json as { error: { message: string } }).error.message,
    /No backup plan "Nope"/,
  );
  const noPass = cli(['run', 'Shop', '--config', config], { TILLVAULT_PASSPHRASE: undefined });
  assert.equal(noPass.code, 2);
});
