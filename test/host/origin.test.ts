/**
 * The browser-served window (`npm run host`) obeys only its own page: other sites' pages, by a
 * plain POST, a forged Host (DNS rebinding) or a guessed secret, get nothing done, and bodies
 * that are too large or not JSON are refused, never run as `{}`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startHost, type Host } from './host.js';
import { ROOT, tempDir } from '../helpers.js';

const renderer = path.join(ROOT, 'out', 'app', 'renderer');
const dir = tempDir();
let host: Host;
let hooked: Host;
let port: number;

before(async () => {
  assert.ok(fs.existsSync(renderer), 'needs the built renderer (npm run build)');
  const start = (name: string, testHooks: boolean): Promise<Host> =>
    startHost({
      dataDir: path.join(dir, name, 'data'),
      documentsDir: path.join(dir, name, 'Documents'),
      rendererDir: renderer,
      testHooks,
    });
  for (const name of ['user', 'e2e']) {
    fs.mkdirSync(path.join(dir, name, 'data'), { recursive: true });
    fs.mkdirSync(path.join(dir, name, 'Documents'), { recursive: true });
  }
  host = await start('user', false);
  hooked = await start('e2e', true);
  port = Number(new URL(host.url).port);
});
after(async () => {
  await host.close();
  await hooked.close();
});

interface Answer {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A raw request, so Host and Origin can be whatever an attacker's page would send. */
function request(
  method: string,
  pathname: string,
  headers: Record<string, string>,
  body?: string | Buffer,
  at = port,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: at, method, path: pathname, headers },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const own = (): Record<string, string> => ({ host: `127.0.0.1:${port}` });
const json = { 'content-type': 'application/json' };
/** What the page's own fetch sends besides the secret. */
const page = (): Record<string, string> => ({
  ...own(),
  ...json,
  origin: `http://127.0.0.1:${port}`,
  'sec-fetch-site': 'same-origin',
});

/** The status line and headers of a request whose answer may never end (the event stream). */
function head(pathname: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      resolve({ status: res.statusCode ?? 0, body: '', headers: res.headers });
      res.destroy();
    });
    req.on('error', reject);
    req.end();
  });
}

/** What the served page holds: the secret is in its index.html, and only there. */
async function pageToken(): Promise<string> {
  const page = await request('GET', '/', own());
  assert.equal(page.status, 200);
  const m = /<meta name="tillvault-token" content="([A-Za-z0-9_-]+)">/.exec(page.body);
  assert.ok(m, 'the page carries its secret');
  return m[1]!;
}

/** A job that would back up any file somewhere else: what an attacker's page would send. */
const hostileJob = JSON.stringify({
  name: 'exfiltrate',
  source: '/etc/passwd',
  destinations: ['/tmp/attacker'],
  passphrase: 'attacker passphrase 123',
});

/** A legitimate call, as the page makes it. */
async function call<T>(token: string, channel: string, body: unknown = {}): Promise<T> {
  const r = await request(
    'POST',
    `/__ipc/${channel}`,
    { ...page(), 'x-tillvault-token': token },
    JSON.stringify(body),
  );
  assert.equal(r.status, 200, r.body);
  const envelope = JSON.parse(r.body) as { ok: boolean; value: T };
  assert.ok(envelope.ok, r.body);
  return envelope.value;
}

const jobCount = async (token: string): Promise<number> =>
  (await call<{ jobs: unknown[] }>(token, 'status:get')).jobs.length;
const startsAtLogin = async (token: string): Promise<boolean> =>
  (await call<{ startAtLogin: boolean }>(token, 'settings:get')).startAtLogin;

test('the page itself works: its secret, JSON, its own Host', async () => {
  const token = await pageToken();
  assert.equal(await jobCount(token), 0);
  const shim = await request('GET', '/__shim.js', own());
  assert.equal(shim.status, 200);
  assert.ok(!shim.body.includes(token), 'the shim, which any site may load, holds no secret');
  const index = await request('GET', '/', own());
  assert.match(String(index.headers['content-security-policy']), /frame-ancestors 'none'/);
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  assert.equal(index.headers['referrer-policy'], 'no-referrer');
  assert.equal(index.headers['cross-origin-resource-policy'], 'same-origin');
  assert.equal(index.headers['cache-control'], 'no-store');
  // No CORS header on anything, even when another site asks: its page cannot read answers.
  const asked = await request(
    'POST',
    '/__ipc/status:get',
    { ...page(), origin: 'https://evil.example', 'x-tillvault-token': token },
    '{}',
  );
  for (const answer of [index, shim, asked]) {
    const cors = Object.keys(answer.headers).filter((h) => h.startsWith('access-control-'));
    assert.deepEqual(cors, []);
  }
  const events = await head(`/__events?token=${token}`, {
    ...own(),
    'sec-fetch-site': 'same-origin',
  });
  assert.equal(events.status, 200);
  assert.match(String(events.headers['content-type']), /text\/event-stream/);
  // A change the page makes goes through (the refusals below are refusals, not breakage).
  await call(token, 'settings:update', { startAtLogin: true });
  assert.equal(await startsAtLogin(token), true);
  await call(token, 'settings:update', { startAtLogin: false });
});

test("another site's page is refused: by Origin, by Sec-Fetch-Site, and without the secret", async () => {
  const token = await pageToken();
  const attempts: Record<string, string>[] = [
    // A text/plain form POST from another site: no preflight, no secret.
    { ...own(), 'content-type': 'text/plain', origin: 'https://evil.example' },
    // With the right content type and a guessed secret.
    { ...own(), ...json, origin: 'https://evil.example', 'x-tillvault-token': 'guess' },
    // Even holding the secret, another origin is refused.
    { ...own(), ...json, origin: 'https://evil.example', 'x-tillvault-token': token },
    { ...own(), ...json, 'sec-fetch-site': 'cross-site', 'x-tillvault-token': token },
    // From our own origin, but with no secret, a wrong one, or one of the wrong length.
    page(),
    { ...page(), 'x-tillvault-token': token.slice(1) + 'x' },
    { ...page(), 'x-tillvault-token': token + 'x' },
  ];
  const turnOn = JSON.stringify({ startAtLogin: true });
  for (const headers of attempts) {
    for (const [channel, body] of [
      ['jobs:create', hostileJob],
      ['settings:update', turnOn],
    ] as const) {
      const r = await request('POST', `/__ipc/${channel}`, headers, body);
      assert.equal(r.status, 403, `${channel} ${JSON.stringify(headers)}`);
      const envelope = JSON.parse(r.body) as { ok: boolean; error: { code: string } };
      assert.equal(envelope.ok, false);
      assert.equal(envelope.error.code, 'INVALID_REQUEST');
    }
  }
  const events = await head('/__events', own());
  assert.equal(events.status, 403, 'the event stream needs the secret too');
  const foreignEvents = await head(`/__events?token=${token}`, {
    ...own(),
    'sec-fetch-site': 'cross-site',
  });
  assert.equal(foreignEvents.status, 403);
  assert.equal(await jobCount(token), 0, 'no job was created');
  assert.equal(await startsAtLogin(token), false, 'start at login stayed off');
});

test('a POST naming no origin, or carrying the secret in its address, is refused', async () => {
  const token = await pageToken();
  const turnOn = JSON.stringify({ startAtLogin: true });
  // Every browser names the origin of a POST; a request that does not is no page's.
  const bare = await request(
    'POST',
    '/__ipc/settings:update',
    { ...own(), ...json, 'x-tillvault-token': token },
    turnOn,
  );
  assert.equal(bare.status, 403);
  // Only the event stream, which cannot send headers, may take the secret in its address.
  const inQuery = await request(
    'POST',
    `/__ipc/settings:update?token=${token}`,
    { ...page() },
    turnOn,
  );
  assert.equal(inQuery.status, 403);
  assert.equal(await startsAtLogin(token), false);
});

test('a forged Host (DNS rebinding) is refused, even for the page and with the secret', async () => {
  const token = await pageToken();
  for (const name of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`]) {
    const index = await request('GET', '/', { host: name });
    assert.equal(index.status, 403, name);
    assert.ok(!index.body.includes(token), 'the page and its secret are not served');
    const r = await request(
      'POST',
      '/__ipc/jobs:create',
      { host: name, ...json, 'x-tillvault-token': token },
      hostileJob,
    );
    assert.equal(r.status, 403, name);
  }
  assert.equal(await jobCount(token), 0);
});

test('bodies that are too large or not JSON are refused with a typed error, not run as {}', async () => {
  const token = await pageToken();
  const headers = { ...page(), 'x-tillvault-token': token };
  const big = await request(
    'POST',
    '/__ipc/status:get',
    headers,
    Buffer.alloc(1024 * 1024 + 1, 32),
  );
  assert.equal(big.status, 413);
  assert.equal((JSON.parse(big.body) as { error: { code: string } }).error.code, 'INVALID_REQUEST');
  for (const body of ['{', 'not json', '']) {
    const r = await request('POST', '/__ipc/status:get', headers, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.match(r.body, /not valid JSON/);
  }
  const plain = await request(
    'POST',
    '/__ipc/status:get',
    { ...headers, 'content-type': 'text/plain' },
    '{}',
  );
  assert.equal(plain.status, 415);
});

test("the test hooks exist only where the e2e tests turn them on, and need the page's secret", async () => {
  const token = await pageToken();
  const headers = { ...page(), 'x-tillvault-token': token };
  for (const hook of ['dialog', 'desktop', 'state']) {
    const r = await request('POST', `/__test/${hook}`, headers, '{"answer":"/etc/shadow"}');
    assert.equal(r.status, 404, hook);
  }
  // Nothing can answer the dialogs of `npm run host`: they are cancelled, never scripted.
  for (const channel of ['dialog:pick-database', 'dialog:pick-folder']) {
    assert.deepEqual(await call(token, channel), { path: null });
  }
  const at = Number(new URL(hooked.url).port);
  const hookedHeaders = { host: `127.0.0.1:${at}`, ...json, origin: `http://127.0.0.1:${at}` };
  const without = await request('POST', '/__test/dialog', hookedHeaders, '{"answer":null}', at);
  assert.equal(without.status, 403);
  const withSecret = await request(
    'POST',
    '/__test/dialog',
    { ...hookedHeaders, 'x-tillvault-token': hooked.token },
    '{"answer":null}',
    at,
  );
  assert.equal(withSecret.status, 204);
});
