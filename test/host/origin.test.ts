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

async function jobCount(token: string): Promise<number> {
  const r = await request(
    'POST',
    '/__ipc/status:get',
    { ...own(), ...json, 'x-tillvault-token': token },
    '{}',
  );
  assert.equal(r.status, 200, r.body);
  const envelope = JSON.parse(r.body) as { ok: boolean; value: { jobs: unknown[] } };
  assert.ok(envelope.ok, r.body);
  return envelope.value.jobs.length;
}

test('the page itself works: its secret, JSON, its own Host', async () => {
  const token = await pageToken();
  assert.equal(await jobCount(token), 0);
  const shim = await request('GET', '/__shim.js', own());
  assert.equal(shim.status, 200);
  assert.ok(!shim.body.includes(token), 'the shim, which any site may load, holds no secret');
  const page = await request('GET', '/', own());
  assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
  assert.equal(page.headers['access-control-allow-origin'], undefined);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
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
    // No secret at all, and a wrong one.
    { ...own(), ...json },
    { ...own(), ...json, 'x-tillvault-token': token.slice(1) + 'x' },
  ];
  for (const headers of attempts) {
    const r = await request('POST', '/__ipc/jobs:create', headers, hostileJob);
    assert.equal(r.status, 403, JSON.stringify(headers));
    const envelope = JSON.parse(r.body) as { ok: boolean; error: { code: string } };
    assert.equal(envelope.ok, false);
    assert.equal(envelope.error.code, 'INVALID_REQUEST');
  }
  const events = await request('GET', '/__events', own());
  assert.equal(events.status, 403, 'the event stream needs the secret too');
  assert.equal(await jobCount(token), 0, 'no job was created');
});

test('a forged Host (DNS rebinding) is refused, even for the page and with the secret', async () => {
  const token = await pageToken();
  for (const name of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`]) {
    const page = await request('GET', '/', { host: name });
    assert.equal(page.status, 403, name);
    assert.ok(!page.body.includes(token), 'the page and its secret are not served');
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
  const headers = { ...own(), ...json, 'x-tillvault-token': token };
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
  const headers = { ...own(), ...json, 'x-tillvault-token': token };
  for (const hook of ['dialog', 'desktop', 'state']) {
    const r = await request('POST', `/__test/${hook}`, headers, '{"answer":"/etc/shadow"}');
    assert.equal(r.status, 404, hook);
  }
  const at = Number(new URL(hooked.url).port);
  const hookedHeaders = { host: `127.0.0.1:${at}`, ...json };
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
