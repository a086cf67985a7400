/**
 * A place is written by others (every computer syncing the cloud folder, whoever had the stick):
 * what is found there must not weaken, hang or fool Tillvault. Each case of issue 14 that is
 * about the place itself, tried through the real CLI.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { newTimeId } from '../../main/engine/repository/manifest.js';
import { Repository } from '../../main/engine/repository/repository.js';
import { PASSPHRASE, cli, cliWithin, spawnCli, tempDir, type BoundedResult } from '../helpers.js';

const dir = tempDir();
const db = path.join(dir, 'shop.db');
/** A place holding two backups of the shop; each test works on a copy of it. */
const good = path.join(dir, 'good');

before(() => {
  const made = cli(['demo', 'create', db, '--members', '300', '--days', '20', '--seed', '3']);
  assert.equal(made.code, 0, made.stderr);
  for (let i = 0; i < 2; i++) assert.equal(cli(['backup', db, '--to', good]).code, 0);
});

let copies = 0;
function placeCopy(): string {
  const to = path.join(dir, `place-${++copies}`);
  fs.cpSync(good, to, { recursive: true });
  return to;
}

/** Every file under `root`, with its bytes' hash, to see that nothing else changed. */
function contents(root: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    const file = path.join(e.parentPath, e.name);
    if (e.isFile()) {
      out.set(path.relative(root, file), crypto.hash('sha256', fs.readFileSync(file)));
    }
  }
  return out;
}

/** Error code and message of a failed command's document. */
function failure(r: BoundedResult): { code?: string; message?: string } {
  return (r.json?.['error'] ?? {}) as { code?: string; message?: string };
}

function latestSnapshot(place: string): string {
  return fs.readdirSync(path.join(place, 'snapshots')).sort().at(-1)!;
}

/** Rewrites the place's settings file as someone without the key could: plain SHA-256 "MAC". */
function rewriteConfig(place: string, change: (c: Record<string, unknown>) => void): void {
  const file = path.join(place, 'tillvault.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  change(config);
  const { format, version, id, createdAt, compression, chunking, encryption } = config;
  config['mac'] = crypto
    .createHash('sha256')
    .update(JSON.stringify({ format, version, id, createdAt, compression, chunking, encryption }))
    .digest('hex');
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
}

test('1. a place whose settings switch encryption off is damage: nothing is written there in plain text, and repair puts it back', () => {
  const tampered = placeCopy();
  const other = placeCopy();
  rewriteConfig(tampered, (c) => {
    c['encryption'] = null;
  });
  const before = contents(tampered);

  const r = cli(['backup', db, '--to', tampered, '--to', other]);
  assert.equal(r.code, 3, r.stdout);
  const doc = r.json as { destinations: { path: string; ok: boolean; error?: { code: string } }[] };
  const bad = doc.destinations.find((d) => d.path === tampered)!;
  assert.equal(bad.ok, false);
  assert.equal(bad.error?.code, 'DAMAGED');
  assert.equal(doc.destinations.find((d) => d.path === other)!.ok, true);
  // Not one byte landed in the tampered place, so no plaintext chunk, index or record.
  assert.deepEqual(contents(tampered), before);

  for (const args of [
    ['snapshots', tampered],
    ['restore', tampered, '--to', path.join(dir, 'x.db')],
  ]) {
    const read = cli(args);
    assert.equal(read.code, 3, `${args[0]}: ${read.stdout}`);
    assert.match(read.stdout, /encryption switched off/);
  }
  assert.ok(!fs.existsSync(path.join(dir, 'x.db')));

  const repaired = cli(['repair', tampered, '--from', other]);
  assert.equal(repaired.code, 0, repaired.stdout);
  assert.notEqual(
    JSON.parse(fs.readFileSync(path.join(tampered, 'tillvault.json'), 'utf8')).encryption,
    null,
  );
  assert.equal(cli(['backup', db, '--to', tampered]).code, 0);
  // Without the passphrase it no longer opens: encrypted again.
  assert.equal(cli(['snapshots', tampered], { TILLVAULT_PASSPHRASE: '' }).code, 2);
});

test('2. a key-derivation cost beyond what Tillvault sets is refused at once, before any work', () => {
  const place = placeCopy();
  const file = path.join(place, 'tillvault.json');
  const config = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const kdf of [
    { N: 2 ** 22, r: 8, p: 16 },
    { N: 2 ** 20, r: 32, p: 1 },
    { N: 2 ** 16, r: 8, p: 2000 },
    { N: 3 * 2 ** 15, r: 8, p: 1 },
  ]) {
    Object.assign(config.encryption.kdf, kdf);
    fs.writeFileSync(file, JSON.stringify(config));
    const r = cliWithin(['snapshots', place], 10_000);
    assert.equal(r.code, 3, JSON.stringify(kdf));
    assert.equal(failure(r).code, 'DAMAGED');
    assert.match(failure(r).message ?? '', /scrypt N=\d+, r=\d+, p=\d+/);
    assert.ok(r.ms < 5000, `${r.ms} ms for ${JSON.stringify(kdf)}`);
  }
});

function mkfifo(file: string): void {
  fs.rmSync(file, { recursive: true, force: true });
  execFileSync('mkfifo', [file]);
}

test('3. pipes and devices where files should be never hang a command; each ends with a clear code', () => {
  const snapshotFifo = placeCopy();
  mkfifo(path.join(snapshotFifo, 'snapshots', latestSnapshot(snapshotFifo)));
  const indexFifo = placeCopy();
  mkfifo(path.join(indexFifo, 'index', fs.readdirSync(path.join(indexFifo, 'index'))[0]!));
  const configFifo = placeCopy();
  mkfifo(path.join(configFifo, 'tillvault.json'));
  const lockFifo = placeCopy();
  fs.mkdirSync(path.join(lockFifo, 'locks'), { recursive: true });
  mkfifo(path.join(lockFifo, 'locks', '0123456789abcdef.json'));
  const packToZero = placeCopy();
  const sub = fs.readdirSync(path.join(packToZero, 'data')).find((n) => /^[0-9a-f]{2}$/.test(n))!;
  for (const pack of fs.readdirSync(path.join(packToZero, 'data', sub))) {
    const file = path.join(packToZero, 'data', sub, pack);
    fs.rmSync(file);
    fs.symlinkSync('/dev/zero', file);
  }
  const packFifo = placeCopy();
  const packDir = path.join(packFifo, 'data', sub);
  mkfifo(path.join(packDir, fs.readdirSync(packDir)[0]!));
  const restored = path.join(dir, 'r3.db');
  const cases: [string, string[], number[]][] = [
    ['snapshot pipe: snapshots', ['snapshots', snapshotFifo], [3]],
    ['snapshot pipe: verify', ['verify', snapshotFifo], [3]],
    ['index pipe: verify', ['verify', indexFifo, '--level', 'full'], [3]],
    ['index pipe: restore', ['restore', indexFifo, '--to', restored], [0, 3]],
    ['config pipe: snapshots', ['snapshots', configFifo], [3]],
    ['lock pipe: backup', ['backup', db, '--to', lockFifo], [0]],
    ['pack to /dev/zero: verify', ['verify', packToZero, '--level', 'full'], [3]],
    ['pack to /dev/zero: restore', ['restore', packToZero, '--to', `${restored}-2`], [3]],
    ['pack pipe: restore', ['restore', packFifo, '--to', `${restored}-3`], [3]],
    ['pack pipe: verify', ['verify', packFifo, '--level', 'full'], [3]],
  ];
  for (const [what, args, codes] of cases) {
    const r = cliWithin(args, 30_000);
    assert.ok(r.code !== null, `${what}: killed after ${Math.round(r.ms)} ms (it hung)`);
    assert.ok(
      codes.includes(r.code),
      `${what}: exit ${r.code} ${JSON.stringify(r.json)} ${r.stderr}`,
    );
  }
  // Nothing was written through the link to the device, and the pipes are still pipes.
  assert.ok(fs.statSync(path.join(configFifo, 'tillvault.json')).isFIFO());

  const source = path.join(dir, 'source-pipe');
  mkfifo(source);
  const r = cliWithin(['backup', source, '--to', path.join(dir, 'pipe-place')], 30_000);
  assert.equal(r.code, 2, JSON.stringify(r.json));
  assert.equal(failure(r).code, 'NOT_SQLITE');
  assert.match(failure(r).message ?? '', /pipe/);
});

test('4. links inside a place are never followed: nothing lands in their target, in either direction', () => {
  for (const folder of ['log', 'locks', 'index', 'snapshots', 'data']) {
    const place = placeCopy();
    const outside = tempDir('tv-outside-');
    // The link's target holds what the place held, so a reader following it would be fooled.
    fs.cpSync(path.join(place, folder), outside, { recursive: true });
    fs.rmSync(path.join(place, folder), { recursive: true });
    fs.symlinkSync(outside, path.join(place, folder));
    const before = contents(outside);
    const r = cli(['backup', db, '--to', place]);
    assert.equal(r.code, 3, `${folder}: ${r.stdout}`);
    assert.match(r.stdout, /never follows links/);
    assert.deepEqual(contents(outside), before, `${folder}: something was written outside`);
    assert.equal(cli(['snapshots', place]).code, 3, folder);
  }
  // A data subfolder that links elsewhere is refused when read, too.
  const place = placeCopy();
  const sub = fs.readdirSync(path.join(place, 'data')).find((n) => /^[0-9a-f]{2}$/.test(n))!;
  const outside = tempDir('tv-outside-');
  fs.cpSync(path.join(place, 'data', sub), outside, { recursive: true });
  fs.rmSync(path.join(place, 'data', sub), { recursive: true });
  fs.symlinkSync(outside, path.join(place, 'data', sub));
  const r = cli(['verify', place, '--level', 'full']);
  assert.equal(r.code, 3, r.stdout);
});

test('7. a folder where a file should be, two first backups racing, a vanished source and a lock from the future each get their own code', async () => {
  const folders = placeCopy();
  const snap = path.join(folders, 'snapshots', latestSnapshot(folders));
  fs.rmSync(snap);
  fs.mkdirSync(snap);
  const index = path.join(folders, 'index', fs.readdirSync(path.join(folders, 'index'))[0]!);
  fs.rmSync(index);
  fs.mkdirSync(index);
  const v = cli(['verify', folders]);
  assert.equal(v.code, 3, v.stdout);
  assert.match(v.stdout, /not a plain file/);
  assert.doesNotMatch(v.stdout, /INTERNAL|EISDIR/);

  // Two first backups into one empty place: one sets it up; the other says so and stores
  // nothing, and the place is a whole repository.
  for (let round = 0; round < 4; round++) {
    const place = path.join(dir, `race-${round}`);
    const runs = [0, 1].map(
      () =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          const child = spawnCli(['backup', db, '--to', place]);
          let out = '';
          child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
          child.on('exit', (code) => resolve({ code, out }));
        }),
    );
    for (const r of await Promise.all(runs)) {
      assert.doesNotMatch(r.out, /INTERNAL/, r.out);
      if (r.code !== 0) assert.match(r.out, /REPO_LOCKED/);
    }
    assert.equal(cli(['verify', place]).code, 0);
    assert.equal(cli(['backup', db, '--to', place]).code, 0);
  }

  // The source deleted at moments spread over a backup: it went through, or it is missing.
  const big = path.join(dir, 'big.db');
  assert.equal(cli(['demo', 'create', big, '--members', '2000', '--days', '60']).code, 0);
  const t0 = performance.now();
  assert.equal(cli(['backup', big, '--to', path.join(dir, 'timing')]).code, 0);
  const runMs = performance.now() - t0;
  for (let i = 0; i < 6; i++) {
    const doomed = path.join(dir, `doomed-${i}.db`);
    fs.copyFileSync(big, doomed);
    const child = spawnCli(['backup', doomed, '--to', path.join(dir, `doomed-place-${i}`)]);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, (runMs * (i + 1)) / 7));
    fs.rmSync(doomed);
    const code = await exited;
    if (code !== 0) {
      assert.equal(code, 2, out);
      assert.match(out, /SOURCE_MISSING/);
    }
  }

  // A lock another computer dated ten years ahead does not hold the place; one dated an hour
  // ahead (a clock off by a time zone) does, and the message says who holds it.
  const locked = placeCopy();
  const lock = (ms: number): void =>
    fs.writeFileSync(
      path.join(locked, 'locks', 'aaaaaaaaaaaaaaaa.json'),
      JSON.stringify({
        host: 'till-2',
        pid: 4242,
        time: new Date(Date.now() + ms).toISOString(),
        exclusive: true,
        operation: 'backup',
      }),
    );
  lock(10 * 365 * 24 * 3600 * 1000);
  assert.equal(cli(['backup', db, '--to', locked]).code, 0);
  lock(3600 * 1000);
  const held = cli(['backup', db, '--to', locked]);
  assert.equal(held.code, 1);
  assert.match(held.stdout, /REPO_LOCKED/);
  assert.match(held.stdout, /till-2, process 4242/);
});

test('8. authentic but crafted backup records are refused before they are acted on', async () => {
  const place = placeCopy();
  const repo = await Repository.open(place, { kind: 'passphrase', value: PASSPHRASE });
  const real = await repo.readManifest(latestSnapshot(place));
  const crafted = [
    // 200,000 page groups for a database of a few hundred pages (each one the real first group).
    { ...real, pageGroups: Array.from({ length: 200_000 }, () => real.pageGroups[0]!) },
    { ...real, database: { ...real.database, pageSize: 1000 } },
    { ...real, database: { ...real.database, bytes: real.database.bytes + 1 } },
    {
      ...real,
      database: { ...real.database, pageCount: 2 ** 40, bytes: 2 ** 40 * real.database.pageSize },
    },
  ];
  const ids: string[] = [];
  for (const [i, m] of crafted.entries()) {
    const id = newTimeId(new Date(Date.now() + (i + 1) * 1000));
    ids.push(id);
    await repo.writeManifest({ ...m, id });
  }
  for (const id of ids) {
    for (const args of [
      ['verify', place, '--snapshot', id, '--level', 'full'],
      ['restore', place, '--snapshot', id, '--to', path.join(dir, `${id}.db`)],
    ]) {
      const r = cliWithin(args, 30_000);
      assert.equal(r.code, 3, `${args[0]} ${id}: ${JSON.stringify(r.json)}`);
      assert.match(JSON.stringify(r.json), /cannot be used/);
      assert.ok(r.ms < 10_000, `${args[0]}: ${r.ms} ms`);
    }
    assert.ok(!fs.existsSync(path.join(dir, `${id}.db`)));
  }
  // The real backups are untouched and still restore.
  assert.equal(
    cli(['restore', place, '--snapshot', real.id, '--to', path.join(dir, 'ok.db')]).code,
    0,
  );
});
