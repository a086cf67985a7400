/**
 * The IPC boundary: every request is checked against the contract before a handler runs, errors
 * cross as codes and plain messages, and paths the window was not given are refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Handlers } from '../../main/app/handlers.js';
import { PathGrants } from '../../main/app/path-grants.js';
import { CHANNELS, type Channel } from '../../main/ipc/contract.js';
import { dispatch } from '../../main/ipc/dispatch.js';
import { TillvaultError } from '../../main/engine/errors.js';

/** Handlers that record what reached them; any call proves validation let it through. */
/** No owner PIN on this computer: the guard lets everything through (owner.test.ts tests it). */
const OPEN = { require: () => undefined };

function recording(): { handlers: Handlers; calls: [Channel, unknown][] } {
  const calls: [Channel, unknown][] = [];
  const handlers = Object.fromEntries(
    (Object.keys(CHANNELS) as Channel[]).map((c) => [
      c,
      async (req: unknown) => {
        calls.push([c, req]);
        if (c === 'backup:run') return { runId: 'abc123' };
        if (c === 'backup:cancel')
          throw new TillvaultError('CANCELLED', 'The backup was cancelled.');
        if (c === 'jobs:remove')
          throw new Error('ENOENT: /home/owner/secret/path at fn (x.js:1:2)');
        if (c === 'status:get') return { level: 'ok' };
        return {};
      },
    ]),
  ) as unknown as Handlers;
  return { handlers, calls };
}

const BAD: [string, unknown][] = [
  ['backup:run', { jobId: '../../etc' }],
  ['backup:run', { jobId: 'a'.repeat(65) }],
  ['backup:run', {}],
  ['backup:run', { jobId: 'ok', extra: 1 }],
  ['backup:run', 'not an object'],
  ['settings:update', { language: 'klingon' }],
  ['settings:update', { startAtLogin: 'yes' }],
  ['jobs:update', { jobId: 'j1', schedule: { preset: 'nightly', time: '25:00' } }],
  [
    'jobs:update',
    {
      jobId: 'j1',
      schedule: {
        preset: 'opening-hours',
        everyHours: 0,
        opens: '09:00',
        closes: '18:00',
        days: [1],
      },
    },
  ],
  ['jobs:update', { jobId: 'j1', types: ['members', 'passwords'] }],
  [
    'jobs:create',
    {
      name: 'x',
      source: '/db',
      types: ['members'],
      destinations: [],
      passphrase: 'long enough phrase',
    },
  ],
  [
    'jobs:create',
    {
      name: 'x',
      source: '/db',
      types: ['members'],
      destinations: [{ kind: 'folder', label: 'a', path: '/b' }],
      passphrase: 'short',
    },
  ],
  [
    'jobs:create',
    {
      name: 'x',
      source: '/db',
      types: [],
      destinations: [{ kind: 'ftp', label: 'a', path: '/b' }],
      passphrase: 'long enough phrase',
    },
  ],
  ['setup:describe-source', { path: '' }],
  ['status:get', { anything: true }],
  ['fs:readFile', {}],
  ['__proto__', {}],
  ['constructor', {}],
  [42 as unknown as string, {}],
];

test('malformed requests are refused before any handler runs', async () => {
  const { handlers, calls } = recording();
  for (const [channel, payload] of BAD) {
    const r = await dispatch(handlers, OPEN, channel, payload);
    assert.equal(r.ok, false, `${String(channel)} ${JSON.stringify(payload)}`);
    assert.equal(!r.ok && r.error.code, 'INVALID_REQUEST');
  }
  assert.deepEqual(calls, []);
});

test('well-formed requests reach their handler, parsed', async () => {
  const { handlers, calls } = recording();
  const r = await dispatch(handlers, OPEN, 'backup:run', { jobId: 'job_1' });
  assert.deepEqual(r, { ok: true, value: { runId: 'abc123' } });
  const none = await dispatch(handlers, OPEN, 'app:info', undefined);
  // app:info answered {} — not what the contract promises, so it becomes an internal error.
  assert.equal(!none.ok && none.error.code, 'INTERNAL');
  assert.deepEqual(
    calls.map(([c]) => c),
    ['backup:run', 'app:info'],
  );
});

test('errors cross as codes with plain messages, never stack traces or paths', async () => {
  const { handlers } = recording();
  const cancelled = await dispatch(handlers, OPEN, 'backup:cancel', { runId: 'r1' });
  assert.deepEqual(cancelled, {
    ok: false,
    error: { code: 'CANCELLED', message: 'The backup was cancelled.' },
  });
  const crashed = await dispatch(handlers, OPEN, 'jobs:remove', { jobId: 'j1' });
  assert.deepEqual(crashed, {
    ok: false,
    error: { code: 'INTERNAL', message: 'Something went wrong inside Tillvault.' },
  });
  // A handler's answer that breaks the contract is not passed on either.
  const wrong = await dispatch(handlers, OPEN, 'status:get', {});
  assert.equal(!wrong.ok && wrong.error.code, 'INTERNAL');
});

test('only paths main handed out may come back', () => {
  const grants = new PathGrants();
  const picked = grants.grant('/home/shop/pos/data.db');
  assert.equal(grants.check(picked), picked);
  for (const p of ['/etc/passwd', '/home/shop/pos/../pos/data.db', 'data.db', '/home/shop/pos']) {
    assert.throws(() => grants.check(p), { code: 'PATH_NOT_GRANTED' });
  }
});
