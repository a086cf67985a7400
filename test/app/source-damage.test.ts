/**
 * The app when the shop's database itself is damaged: the run is kept but not counted as a good
 * backup, Home turns red and names the last good backup, a notification says so in the owner's
 * language, and no backup place is blamed (a repair from another place could not help).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCheck } from '../../main/app/checks.js';
import { inMemoryCore } from './in-memory-core.js';
import { runNotification, weekdayTime } from '../../main/app/messages.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import { listSnapshots } from '../../main/engine/source/inspect.js';
import { LANGUAGES } from '../../main/ipc/contract.js';
import { damagePage, tempDir } from '../helpers.js';

const PASS = 'damaged shop passphrase';
let dir: string;
let db: string;

before(() => {
  dir = tempDir('tillvault-damaged-');
  db = path.join(dir, 'shop.db');
  createDemoShop(db, { members: 1000, days: 10, seed: 3 });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a backup of a damaged database turns Home red and names the last good backup', async () => {
  const { core, handlers, notified: shown } = inMemoryCore(dir);
  core.grants.grant(db);
  const place = core.grants.grant(path.join(dir, 'backups'));
  const { job } = await handlers['jobs:create']({
    name: 'Shop',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: [{ kind: 'folder' as const, label: 'here', path: place }],
    passphrase: PASS,
  });
  const stored = core.settings.read().jobs.find((j) => j.id === job.id)!;
  const good = await core.runner.start(stored, 'manual').done;
  assert.equal(good.outcome, 'ok');
  assert.equal(good.sourceDamage, undefined);
  const goodTime = (await listSnapshots(place, { kind: 'passphrase', value: PASS })).snapshots[0]!
    .time;

  damagePage(db, 'members');
  const bad = await core.runner.start(stored, 'manual').done;
  // Stored (it may be the best there is), checked, but of a damaged database.
  assert.equal(bad.outcome, 'ok');
  assert.equal(bad.destinations[0]?.verified, true);
  assert.match(bad.sourceDamage?.detail ?? '', /page \d+/i);
  assert.equal(bad.sourceDamage?.lastGoodAt, goodTime);

  const status = await handlers['status:get']({});
  assert.equal(status.level, 'bad');
  assert.deepEqual(status.reason, { kind: 'source-damaged', lastGoodAt: goodTime });
  // The last good backup is still the first one; no place is to blame.
  assert.equal(status.lastSuccessAt, good.finishedAt);
  assert.deepEqual(
    status.places.map((p) => p.damaged),
    [false],
  );

  assert.equal(shown.length, 2);
  assert.equal(shown[1]!.title, 'Shop: the database is damaged');
  assert.equal(
    shown[1]!.body,
    `Your POS database is damaged. The last good backup is ${weekdayTime('en', goodTime, new Date())}.`,
  );
  assert.match(shown[1]!.body, /is [A-Z][a-z]+day \d\d:\d\d( [AP]M)?\.$/);
  // In every language, with the time in that language's words.
  for (const lang of LANGUAGES.filter((l) => l !== 'en')) {
    const text = runNotification(lang, stored, bad)!;
    assert.notEqual(text.body, shown[1]!.body, lang);
    assert.ok(text.body.includes(weekdayTime(lang, goodTime, new Date())), `${lang}: ${text.body}`);
  }

  // The weekly restore test finds the newest backup damaged at its source, not the place.
  const check = await runCheck(stored, core, 'schedule');
  assert.deepEqual(
    check?.places.map((p) => p.ok),
    [true],
  );
  const later = await handlers['status:get']({});
  assert.equal(later.level, 'bad');
  assert.deepEqual(
    later.places.map((p) => p.damaged),
    [false],
  );
});

test('with no backup from before the damage, the notification says so', () => {
  const job = {
    id: 'j',
    name: 'Shop',
    source: db,
    types: [],
    typeOverrides: {},
    destinations: [],
    schedule: { preset: 'manual' as const },
    checkSchedule: { preset: 'manual' as const },
    createdAt: new Date().toISOString(),
  };
  const text = runNotification('en', job, {
    runId: 'r',
    jobId: 'j',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: 'ok',
    snapshotId: 's',
    summary: null,
    bytes: 0,
    destinations: [],
    error: null,
    sourceDamage: {
      detail: 'Tree 4 page 27: btreeInitPage() returns error code 11',
      lastGoodAt: null,
    },
  });
  assert.equal(
    text?.body,
    'Your POS database is damaged, and there is no backup from before the damage.',
  );
});
