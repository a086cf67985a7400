import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import si from 'systeminformation';
import { runningProcessNames } from '../../../main/engine/places/processes.js';

const posix = { skip: process.platform === 'win32' ? 'needs sleep(1)' : false };

test('lists this node process and a child started just now', posix, async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await once(child, 'spawn');
    // On macOS systeminformation hands out its previous list for 500 ms after a call.
    await sleep(600);
    const names = await runningProcessNames();
    assert.ok(names, 'the list is known');
    assert.ok(names.includes('node'), 'node is running');
    assert.ok(names.includes('sleep'), 'the child is listed');
    assert.ok(
      names.every((n) => n === n.toLowerCase()),
      'names are lower-case',
    );
    assert.equal(new Set(names).size, names.length, 'each name once');
  } finally {
    child.kill();
  }
});

test('systeminformation, used off Linux, names processes the same way', posix, async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await once(child, 'spawn');
    await sleep(600);
    const names = await runningProcessNames({ list: async () => (await si.processes()).list });
    assert.ok(names?.includes('node') && names.includes('sleep'), String(names));
  } finally {
    child.kill();
  }
});

test('names are lower-cased and deduplicated, nameless entries dropped', async () => {
  const list = async () => [
    { name: 'Dropbox.exe' },
    { name: 'dropbox.exe' },
    { name: '' },
    { name: 'Google Drive' },
  ];
  assert.deepEqual(await runningProcessNames({ list }), ['dropbox.exe', 'google drive']);
});

test('unknown, never a throw, when the listing fails, hangs or comes back empty', async () => {
  const fails = () => Promise.reject(new Error('ps: not found'));
  assert.equal(await runningProcessNames({ list: fails }), null);
  const throws = () => {
    throw new Error('thrown before any promise');
  };
  assert.equal(await runningProcessNames({ list: throws }), null);
  const hangs = () => new Promise<never>(() => {});
  assert.equal(await runningProcessNames({ list: hangs, timeoutMs: 50 }), null);
  assert.equal(await runningProcessNames({ list: async () => [] }), null);
});
