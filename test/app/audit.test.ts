/**
 * The audit log screen's channels over the real engine and real places: a backup and plan and
 * settings changes once each, naming every place that holds them, with who did it and never a
 * secret; checks, clean-ups and repairs with who did them too; a removed plan stays in the log;
 * an unplugged place is named; the CSV in the app's language opens as UTF-8 with its formulas
 * neutralised, and parses back to what was listed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { parse } from 'csv/sync';
import { auditWritten, recordPin } from '../../main/app/audit-writer.js';
import { checkIdOf } from '../../main/app/checks.js';
import { createDemoShop } from '../../main/engine/demo/demo-shop.js';
import { verify } from '../../main/engine/maintenance/verify.js';
import { readAudit } from '../../main/engine/repository/audit.js';
import { Repository } from '../../main/engine/repository/repository.js';
import { CHANNELS } from '../../main/ipc/contract.js';
import { tempDir } from '../helpers.js';
import { inMemoryCore } from './in-memory-core.js';

const PASS = 'audit screen passphrase';
let dir: string;
let db: string;

before(() => {
  dir = tempDir('tillvault-audit-');
  db = path.join(dir, '会员数据.db');
  createDemoShop(db, { members: 50, days: 2, seed: 3 });
});

async function shop() {
  const app = inMemoryCore(dir);
  const { core, handlers } = app;
  core.grants.grant(db);
  const stamp = `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const docs = core.grants.grant(path.join(dir, `docs-${stamp}`));
  const usb = core.grants.grant(path.join(dir, `usb-${stamp}`));
  const created = await handlers['jobs:create']({
    name: '=HYPERLINK("http://x","会员店")',
    source: db,
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: [
      { kind: 'folder', label: '文件夹', path: docs },
      { kind: 'folder', label: 'مفتاح USB', path: usb },
    ],
    passphrase: PASS,
  });
  const job = core.settings.read().jobs.find((j) => j.id === created.job.id)!;
  return { ...app, job, docs, usb };
}

async function rawLog(place: string) {
  const repo = await Repository.open(place, { kind: 'passphrase', value: PASS });
  return readAudit(repo);
}

test('a backup and plan and settings changes: once each, every place, who, no secret', async () => {
  const { core, handlers, job, docs, usb } = await shop();
  assert.equal((await core.runner.start(job, 'manual').done).outcome, 'ok');
  await handlers['jobs:update']({ jobId: job.id, schedule: { preset: 'nightly', time: '22:30' } });
  // Saved again unchanged: nothing to record.
  await handlers['jobs:update']({ jobId: job.id, schedule: { preset: 'nightly', time: '22:30' } });
  await handlers['settings:update']({ language: 'ar', notifications: false });
  // Two events in one millisecond have no order: the log's ids sort by their random part.
  await new Promise((resolve) => setTimeout(resolve, 5));
  recordPin(core, 'failed', 'staff');

  const { entries, unreachable, truncated } = await handlers['audit:list']({});
  assert.deepEqual(unreachable, []);
  assert.equal(truncated, false);
  assert.deepEqual(
    entries.map((e) => [e.kind, e.what.message, e.actor, e.places.length]),
    [
      ['pin', 'pinFailed', 'staff', 2],
      ['settings', 'settings', 'staff', 2],
      ['plan', 'planUpdated', 'staff', 2],
      // The run's own quick check and clean-up, in each place: whoever started the backup.
      ['check', 'check', 'staff', 2],
      ['prune', 'prune', 'staff', 2],
      // Started by hand at the window without a PIN: staff.
      ['backup', 'backup', 'staff', 2],
      ['plan', 'planCreated', 'staff', 2],
    ],
  );
  assert.deepEqual(entries[1]?.what.fields, ['language', 'notifications']);
  assert.deepEqual(entries[2]?.what.fields, ['schedule']);
  assert.equal(entries[5]?.what.file, '会员数据.db');
  assert.equal(entries[6]?.plan?.name, job.name);
  assert.equal(entries[0]?.result, 'failed');
  assert.ok(CHANNELS['audit:list'].response.safeParse({ entries, unreachable, truncated }).success);

  // The same entries are in each place, sealed; the passphrase is in none of them.
  for (const place of [docs, usb]) {
    const raw = await rawLog(place);
    assert.equal(raw.length, 7);
    assert.ok(!JSON.stringify(raw).includes(PASS));
  }

  const kinds = await handlers['audit:list']({ kinds: ['plan'] });
  assert.deepEqual(
    kinds.entries.map((e) => e.what.message),
    ['planUpdated', 'planCreated'],
  );
  const later = new Date(Date.now() + 3_600_000).toISOString();
  assert.equal((await handlers['audit:list']({ from: later })).entries.length, 0);
  assert.equal((await handlers['audit:list']({ to: later, jobId: job.id })).entries.length, 7);
});

/** Flips one byte in the middle of the biggest pack of a place. */
function damagePack(place: string): void {
  const files = fs.readdirSync(path.join(place, 'data'), { recursive: true, withFileTypes: true });
  const packs = files.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  const pack = packs.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
  const bytes = fs.readFileSync(pack);
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  fs.writeFileSync(pack, bytes);
}

test('checks, clean-ups and repairs say who: the schedule, staff, the owner at the click, the command line', async () => {
  const { core, handlers, job, usb } = await shop();
  // A scheduled backup: its clean-up and quick check afterwards are the schedule's too.
  await core.scheduler.due(job.id, new Date());
  assert.equal(core.state.get(job.id).lastRun?.outcome, 'ok');
  // The weekly check, when its time comes.
  await core.scheduler.due(checkIdOf(job.id), new Date());
  assert.ok(core.state.get(job.id).lastCheck?.places.every((p) => p.ok));
  // "Check now" with no PIN set: staff.
  await handlers['check:run']({ jobId: job.id });
  // With the PIN unlocked at the click: the owner's, though the window locks while it runs.
  await core.owner.setPin('2468');
  const checking = handlers['check:run']({ jobId: job.id });
  core.owner.lock();
  await checking;
  // A check of one place from the command line stays its own event: the window's check in the
  // same words just after does not merge into it.
  await verify(usb, { kind: 'passphrase', value: PASS }, { level: 'drill' });
  // Locked: staff may check, and it is staff's.
  await handlers['check:run']({ jobId: job.id });
  // A repair from the window, asked for with the PIN unlocked.
  damagePack(usb);
  await core.owner.unlock('2468');
  const repairing = handlers['places:repair']({
    jobId: job.id,
    destinationId: job.destinations[1]!.id,
  });
  core.owner.lock();
  const repaired = await repairing;
  assert.equal(repaired.ok, true);
  assert.ok(repaired.chunksReplaced >= 1);

  const { entries } = await handlers['audit:list']({});
  assert.deepEqual(
    entries.map((e) => [e.kind, e.actor, e.places.map((p) => p.label).join('+')]),
    [
      ['repair', 'owner', 'مفتاح USB'],
      ['check', 'staff', '文件夹+مفتاح USB'],
      ['check', 'cli', 'مفتاح USB'],
      ['check', 'owner', '文件夹+مفتاح USB'],
      ['check', 'staff', '文件夹+مفتاح USB'],
      ['check', 'schedule', '文件夹+مفتاح USB'],
      // The backup's own quick check and clean-up.
      ['check', 'schedule', '文件夹+مفتاح USB'],
      ['prune', 'schedule', '文件夹+مفتاح USB'],
      ['backup', 'schedule', '文件夹+مفتاح USB'],
      ['plan', 'staff', '文件夹+مفتاح USB'],
    ],
  );
  assert.equal(entries[0]?.what.from, '文件夹');
  // The engine wrote it so in each place: the window does not guess.
  const usbLog = await rawLog(usb);
  assert.deepEqual(
    usbLog.flatMap((e) => ('damaged' in e || e.operation === 'plan' ? [] : [e.actor])),
    ['schedule', 'schedule', 'schedule', 'schedule', 'staff', 'owner', 'cli', 'staff', 'owner'],
  );
});

test('a removed plan stays in the log of the other plans; an unplugged place is named', async () => {
  const first = await shop();
  const { core, handlers } = first;
  const other = core.grants.grant(path.join(dir, `other-${Date.now()}`));
  const second = await handlers['jobs:create']({
    name: 'Second',
    source: db,
    types: ['members'],
    destinations: [{ kind: 'folder', label: 'Other', path: other }],
    passphrase: PASS,
  });
  const secondJob = core.settings.read().jobs.find((j) => j.id === second.job.id)!;
  assert.equal((await core.runner.start(secondJob, 'manual').done).outcome, 'ok');
  await handlers['jobs:remove']({ jobId: first.job.id });
  const { entries } = await handlers['audit:list']({ jobId: second.job.id });
  const removed = entries.find((e) => e.what.message === 'planRemoved');
  assert.equal(removed?.what.plan, first.job.name);
  assert.deepEqual(removed?.plan, { jobId: first.job.id, name: first.job.name });
  // Its own places keep the entry too: the log travels with the backups.
  const own = await rawLog(first.docs);
  assert.ok(own.some((e) => !('damaged' in e) && e.details['change'] === 'removed'));

  fs.rmSync(other, { recursive: true });
  const gone = await handlers['audit:list']({});
  assert.deepEqual(
    gone.unreachable.map((u) => [u.label, u.code]),
    [['Other', 'DEST_MISSING']],
  );
  await auditWritten(core);
});

test('CSV: UTF-8 with BOM, in the app language, formulas neutralised, parses back', async () => {
  const { core, handlers, job } = await shop();
  assert.equal((await core.runner.start(job, 'manual').done).outcome, 'ok');
  await handlers['settings:update']({ language: 'zh' });
  const file = path.join(dir, `导出-${Date.now()}.csv`);
  // Cancelled: nothing written.
  assert.deepEqual(await handlers['audit:export-csv']({}), { file: null, rows: 0 });
  core.platform.pickSaveFile = async () => file;

  const out = await handlers['audit:export-csv']({ jobId: job.id });
  assert.equal(out.file, file);
  const bytes = fs.readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const rows: string[][] = parse(bytes, { bom: true });
  const listed = (await handlers['audit:list']({ jobId: job.id })).entries;
  assert.equal(out.rows, listed.length);
  assert.equal(rows.length, listed.length + 1);
  assert.deepEqual(rows[0], ['时间', '操作者', '类别', '内容', '结果', '计划', '位置', '电脑']);
  const byKind = new Map(rows.slice(1).map((r) => [r[2], r]));
  const backup = byKind.get('备份')!;
  assert.equal(backup[3], '已备份 会员数据.db');
  assert.equal(backup[4], '完成');
  assert.equal(backup[6], '文件夹和مفتاح USB');
  assert.match(backup[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  // The plan's name starts with "=": a spreadsheet shows it, never runs it.
  assert.equal(backup[5], `'${job.name}`);
  assert.equal(byKind.get('设置')?.[3], '已更改设置：语言');
  // The window may show the file in its folder; it was granted by main, not named by it.
  assert.equal(core.grants.check(file), file);
});

test('the window names no path and no unbounded filter: such requests are refused', () => {
  const { request } = CHANNELS['audit:export-csv'];
  for (const bad of [
    { path: '/etc/cron.d/x.csv' },
    { kinds: ['backup', 'passwords'] },
    { kinds: Array.from({ length: 11 }, () => 'backup') },
    { from: '2026-05-02' },
    { jobId: '../other' },
  ]) {
    assert.equal(request.safeParse(bad).success, false, JSON.stringify(bad));
  }
  assert.ok(request.safeParse({ kinds: ['undo'], from: '2026-05-02T00:00:00.000Z' }).success);
});
