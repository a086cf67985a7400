/**
 * Work folders hold an unencrypted copy of the shop's database: a dead process's are swept by
 * the next run, a live process's and anything not ours are left alone, and Ctrl-C on the CLI
 * removes its own.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { makeWorkDir, sweepDeadWorkDirs } from '../../../main/engine/fs/work-dirs.js';
import { CLI, PASSPHRASE, cli, tempDir } from '../../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// One shop and its backup for the interrupted restores: big enough (~20 MB) that a restore is
// still writing pages when the signal arrives, a few milliseconds after it says it is.
const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');
before(() => {
  assert.equal(cli(['demo', 'create', db, '--members', '3000', '--days', '60']).code, 0);
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
});

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

test('the sweep removes only the work folders of processes that are gone', async () => {
  const parent = path.join(dir, 'tmp');
  fs.mkdirSync(parent);
  const sleeper = spawn('sleep', ['30']);
  try {
    const dead = path.join(parent, `tillvault-backup-${deadPid()}-aB3dE9`);
    const alive = path.join(parent, `tillvault-restore-${sleeper.pid}-Zz0099`);
    const notOurs = path.join(parent, 'tillvault-notes');
    for (const d of [dead, alive, notOurs]) {
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'snapshot.db'), 'shop data');
    }
    // A lock note a killed process left behind.
    fs.writeFileSync(path.join(parent, `tillvault-lock-${deadPid()}-0123456789abcdef`), '');
    await sweepDeadWorkDirs(parent);
    assert.deepEqual(fs.readdirSync(parent).sort(), ['tillvault-notes', path.basename(alive)]);
    const own = await makeWorkDir('diff', parent);
    assert.match(path.basename(own), new RegExp(`^tillvault-diff-${process.pid}-`));
  } finally {
    sleeper.kill();
  }
});

test('Ctrl-C during a restore leaves no half-written file and no work folder', async () => {
  const target = path.join(dir, 'restored.db');
  const tmp = path.join(dir, 'restore-tmp');
  fs.mkdirSync(tmp);
  const child = spawn(process.execPath, [CLI, 'restore', dest, '--to', target], {
    env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE, TMPDIR: tmp },
  });
  // Interrupted as soon as pages are being written.
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      if (/rebuild/.test(d.toString())) resolve();
    });
  });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('restored.db')),
    [],
  );
  assert.deepEqual(fs.readdirSync(tmp), []);
});

test('a restore killed outright leaves a half-written file that the next restore there removes', async () => {
  const target = path.join(dir, 'killed.db');
  const child = spawn(process.execPath, [CLI, 'restore', dest, '--to', target], {
    env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE },
  });
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      if (/rebuild/.test(d.toString())) resolve();
    });
  });
  // A power cut: no handler runs.
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('close', resolve));
  const beside = (): string[] => fs.readdirSync(dir).filter((f) => f.startsWith('killed.db'));
  assert.equal(beside().length, 1);
  assert.notEqual(beside()[0], 'killed.db');

  assert.equal(cli(['restore', dest, '--to', target]).code, 0);
  assert.deepEqual(beside(), ['killed.db']);
});
