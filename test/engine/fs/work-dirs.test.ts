/**
 * Work folders hold an unencrypted copy of the shop's database: they are made only in a folder
 * of our own that nobody else can reach, a dead process's are swept when the next command
 * starts (a killed backup's copy included), a live process's and anything not ours are left
 * alone, and Ctrl-C on the CLI removes its own.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  makeWorkDir,
  removeWorkDir,
  sweepDeadWorkDirs,
} from '../../../main/engine/fs/work-dirs.js';
import { CLI, PASSPHRASE, cli, isRoot, sqliteValue, tempDir } from '../../helpers.js';

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

/** `tillvault-<uid>`, the folder of our own that work folders are made in. */
const OWN = `tillvault-${process.getuid?.() ?? 'work'}`;
const linux = process.platform === 'linux';

/** A process's start on Linux, as work folder names carry it: ticks since boot, pid namespace. */
function startOf(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const ticks = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
  const ns = /\d+/.exec(fs.readlinkSync('/proc/self/ns/pid'))![0];
  return `${ticks}n${ns}`;
}

test('the sweep removes only the work folders of processes that are gone', async () => {
  const parent = path.join(dir, 'tmp');
  fs.mkdirSync(parent);
  const sleeper = spawn('sleep', ['30']);
  try {
    // Left by earlier versions, in the temp folder itself.
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
    assert.equal(path.dirname(own), path.join(parent, OWN));
    assert.match(path.basename(own), new RegExp(`^diff-${process.pid}-`));
    assert.equal(fs.statSync(own).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.dirname(own)).mode & 0o777, 0o700);
    await removeWorkDir(own);
    // The folder of our own goes with the last work folder in it.
    assert.equal(fs.existsSync(path.join(parent, OWN)), false);
  } finally {
    sleeper.kill();
  }
});

test(
  'a live process keeps its folder; a dead one, or one whose pid went to another program, does not',
  { skip: !linux && 'process start times are read from /proc' },
  async () => {
    const parent = path.join(dir, 'tmp-start');
    const own = path.join(parent, OWN);
    fs.mkdirSync(own, { recursive: true, mode: 0o700 });
    const sleeper = spawn('sleep', ['30']);
    try {
      const start = startOf(sleeper.pid!);
      const [ticks, ns] = start.split('n');
      const folders = {
        alive: `restore-${sleeper.pid}-${start}-Zz0099`,
        dead: `backup-${deadPid()}-${start}-aB3dE9`,
        // The same pid, started at another time: the folder's process is gone.
        reused: `backup-${sleeper.pid}-${Number(ticks) - 1}n${ns}-Qq1234`,
        // Made in another pid namespace (a container sharing /tmp): not ours to judge.
        elsewhere: `backup-${deadPid()}-${ticks}n1-Ww5678`,
        // Made where start times are not known: the pid alone decides.
        pidOnly: `drill-${sleeper.pid}-x-Ee4321`,
        notAWorkFolder: 'notes',
      };
      for (const name of Object.values(folders)) {
        fs.mkdirSync(path.join(own, name));
        fs.writeFileSync(path.join(own, name, 'snapshot.db'), 'shop data');
      }
      await sweepDeadWorkDirs(parent);
      assert.deepEqual(
        fs.readdirSync(own).sort(),
        [folders.alive, folders.elsewhere, folders.pidOnly, folders.notAWorkFolder].sort(),
      );
    } finally {
      sleeper.kill();
    }
  },
);

test(
  'work folders never go where another user can reach them',
  { skip: !isRoot() && 'needs root to make folders of another user' },
  async () => {
    const parent = path.join(dir, 'tmp-shared');
    fs.mkdirSync(parent);
    fs.chmodSync(parent, 0o1777);
    // Another user took our folder's name first: a folder of our own is made beside it.
    const squatted = path.join(parent, OWN);
    fs.mkdirSync(squatted, { mode: 0o777 });
    fs.chownSync(squatted, 65534, 65534);
    const one = await makeWorkDir('backup', parent);
    assert.notEqual(path.dirname(one), squatted);
    assert.equal(fs.lstatSync(path.dirname(one)).uid, 0);
    assert.equal(fs.statSync(path.dirname(one)).mode & 0o777, 0o700);
    await removeWorkDir(one);
    assert.deepEqual(fs.readdirSync(squatted), []);
    // Or put a link there to a folder of theirs: nothing is made through it.
    fs.rmSync(squatted, { recursive: true });
    const theirs = path.join(dir, 'theirs');
    fs.mkdirSync(theirs, { mode: 0o777 });
    fs.symlinkSync(theirs, squatted);
    const two = await makeWorkDir('backup', parent);
    assert.notEqual(fs.realpathSync(path.dirname(two)), theirs);
    await removeWorkDir(two);
    assert.deepEqual(fs.readdirSync(theirs), []);
    // Spare folders went with their work folders.
    assert.deepEqual(fs.readdirSync(parent), [OWN]);
    // A temp folder anyone may rename things in (no sticky bit) is refused outright.
    fs.chmodSync(parent, 0o777);
    await assert.rejects(makeWorkDir('backup', parent), { code: 'BAD_INPUT' });
  },
);

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

/** The work folders in a temp folder, and whether each still holds the copy of the database. */
function workFolders(tmp: string): { name: string; copy: boolean }[] {
  const own = path.join(tmp, OWN);
  if (!fs.existsSync(own)) return [];
  return fs.readdirSync(own).map((name) => ({
    name,
    copy: fs.existsSync(path.join(own, name, 'snapshot.db')),
  }));
}

test('a backup killed mid-copy leaves its copy only until the next command starts', async () => {
  const tmp = path.join(dir, 'kill-tmp');
  fs.mkdirSync(tmp);
  const child = spawn(process.execPath, [CLI, 'backup', db, '--to', path.join(dir, 'killed')], {
    env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE, TMPDIR: tmp },
  });
  // Killed at its first word about copying: the copy is being written.
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      if (/consistent copy/.test(d.toString())) resolve();
    });
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('close', resolve));
  const left = workFolders(tmp);
  assert.equal(left.length, 1);
  assert.match(left[0]!.name, new RegExp(`^backup-${child.pid}-`));
  assert.equal(left[0]!.copy, true, 'the plaintext copy is there');
  assert.equal(fs.statSync(path.join(tmp, OWN)).mode & 0o777, 0o700);

  // Any command sweeps it as it starts, even one that needs no work folder.
  const r = cli(['--version'], { TMPDIR: tmp });
  assert.equal(r.code, 0);
  assert.deepEqual(fs.readdirSync(tmp), []);
});

test("a command starting while a backup runs leaves the backup's work folder alone", async () => {
  // A rollback-journal database whose lock another program holds: the backup has made its work
  // folder and waits (it gives up after 30 s) for as long as the lock is held.
  const shop = path.join(dir, 'held.db');
  fs.copyFileSync(db, shop);
  sqliteValue(shop, 'PRAGMA journal_mode = DELETE');
  const holder = new Database(shop);
  holder.exec('BEGIN EXCLUSIVE');
  const tmp = path.join(dir, 'live-tmp');
  fs.mkdirSync(tmp);
  const child = spawn(process.execPath, [CLI, 'backup', shop, '--to', path.join(dir, 'held')], {
    env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE, TMPDIR: tmp },
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    while (workFolders(tmp).length === 0) await sleep(20);
    const running = workFolders(tmp);
    for (const args of [['--version'], ['types', db]]) {
      assert.equal(cli(args, { TMPDIR: tmp }).code, 0);
    }
    // The backup may write its copy meanwhile (seen once under load): the folder, and a copy
    // that was there, must still be.
    const after = workFolders(tmp);
    assert.deepEqual(
      after.map((f) => f.name),
      running.map((f) => f.name),
    );
    if (running[0]!.copy) assert.equal(after[0]!.copy, true);
  } finally {
    holder.exec('COMMIT');
    holder.close();
  }
  assert.equal(await exited, 0);
  assert.deepEqual(fs.readdirSync(tmp), []);
});
