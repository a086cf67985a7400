/**
 * `tillvault log`: what the command line did is the command line's, in --json and in the words a
 * person at a terminal reads ("by command line").
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { before, test } from 'node:test';
import { CLI, PASSPHRASE, chinook, cli, tempDir } from '../helpers.js';

const dir = tempDir();
const a = path.join(dir, 'usb');
const b = path.join(dir, 'cloud');

before(() => {
  const db = chinook(dir);
  const backup = cli(['backup', db, '--to', a, '--to', b]);
  assert.equal(backup.code, 0, backup.stdout + backup.stderr);
});

test('a backup, check, prune and repair from the command line are logged as its own', () => {
  for (const args of [
    ['verify', a, '--level', 'quick'],
    ['prune', a, '--keep-last', '1'],
    ['repair', a, '--from', b],
  ]) {
    const r = cli(args);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }
  const log = cli(['log', a]);
  assert.equal(log.code, 0, log.stderr);
  const { entries } = log.json as { entries: { operation: string; actor?: string }[] };
  assert.deepEqual(
    entries.map((e) => [e.operation, e.actor]),
    [
      ['backup', 'cli'],
      ['verify', 'cli'],
      ['prune', 'cli'],
      ['repair', 'cli'],
    ],
  );

  const human = spawnSync(process.execPath, [CLI, 'log', a], {
    encoding: 'utf8',
    env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE },
  });
  assert.equal(human.status, 0, human.stderr);
  const lines = human.stdout.trim().split('\n');
  assert.equal(lines.length, 4, human.stdout);
  for (const line of lines) assert.match(line, / by command line /);
  assert.match(lines[1]!, /verify\s+ok\s+by command line\s+\S+@\S+\s+quick check passed/);
});
