/**
 * The command-line contract: with --json exactly one JSON document on stdout, usage errors
 * included; exit codes 0/1/2/3; a failed backup never reads like a backup; each destination
 * once and in the order given.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CLI, PASSPHRASE, ROOT, cli, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const db = path.join(dir, 'shop.db');
before(() => {
  const r = cli(['demo', 'create', db, '--members', '200', '--days', '20']);
  assert.equal(r.code, 0, r.stderr);
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI exactly as typed (no --json added), in `cwd`, like a person at a terminal. */
function typed(args: string[], env: Record<string, string> = {}, cwd = dir): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE, ...env },
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Parses stdout as one JSON document; fails the test with the output when it is not. */
function onlyJson(r: Run): unknown {
  try {
    return JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not one JSON document:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
}

interface ErrorDoc {
  error: { code: string; message: string };
}

function assertErrorDoc(r: Run, code: string, message: RegExp): void {
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const doc = onlyJson(r) as ErrorDoc;
  assert.deepEqual(Object.keys(doc), ['error']);
  assert.deepEqual(Object.keys(doc.error), ['code', 'message']);
  assert.equal(doc.error.code, code);
  assert.match(doc.error.message, message);
}

interface DestinationJson {
  path: string;
  ok: boolean;
  snapshotId: string | null;
  error: { code: string; message: string } | null;
}

interface BackupJson {
  snapshotId: string | null;
  complete: boolean;
  types: string[];
  tables: unknown[];
  destinations: DestinationJson[];
  duplicates: { path: string; sameAs: string }[];
  error: { code: string; message: string } | null;
}

interface SnapshotsJson {
  snapshots: { id: string; time: string; types: string[]; complete: boolean; label: string }[];
}

function snapshotCount(dest: string): number {
  return (cli(['snapshots', dest]).json as SnapshotsJson).snapshots.length;
}

describe('usage errors with --json', () => {
  const cases: [string, string[], RegExp][] = [
    ['missing --to', ['backup', 'shop.db'], /--to/],
    ['an unknown option', ['backup', 'shop.db', '--to', 'd1', '--passphrase', 'x'], /--passphrase/],
    ['a value not among the choices', ['verify', 'd1', '--level', 'bogus'], /bogus/],
    ['a missing argument', ['types'], /db/],
    ['an argument too many', ['types', 'a', 'b'], /argument/],
    ['missing --snapshot', ['diff', 'dl', '--against', 'live.db'], /--snapshot/],
    ['missing --from', ['repair', 'c1'], /--from/],
    ['an unknown command', ['bogus'], /bogus/],
    ['no command', [], /command/],
  ];
  for (const [name, args, message] of cases) {
    test(`${name}: one BAD_USAGE document, exit 2 (--json last or first)`, () => {
      assertErrorDoc(typed([...args, '--json']), 'BAD_USAGE', message);
      assertErrorDoc(typed(['--json', ...args]), 'BAD_USAGE', message);
    });
  }

  test('without --json commander still explains on stderr, stdout stays empty', () => {
    const r = typed(['backup', 'shop.db', '--to', 'd1', '--passphrase', 'x']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /unknown option '--passphrase'/);
  });

  test('--version --json prints the version as JSON; --help --json the help text', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const v = typed(['--version', '--json']);
    assert.equal(v.code, 0);
    assert.deepEqual(onlyJson(v), { version: pkg.version });
    const h = typed(['backup', '--help', '--json']);
    assert.equal(h.code, 0);
    assert.match((onlyJson(h) as { help: string }).help, /^Usage: tillvault backup/);
  });

  test('an empty --types is bad input, not "all types", for every command that takes it', () => {
    for (const args of [
      ['backup', db, '--to', path.join(dir, 'never'), '--types', ''],
      ['restore', path.join(dir, 'd1'), '--into', db, '--types', ''],
      ['diff', path.join(dir, 'd1'), '--snapshot', 'latest', '--against', db, '--types', ''],
    ]) {
      assertErrorDoc(typed([...args, '--json']), 'BAD_INPUT', /No data types given/);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'never')));
  });
});

describe('a backup no destination stored', () => {
  const d1 = path.join(dir, 'pw1');
  const d2 = path.join(dir, 'pw2');
  before(() => {
    assert.equal(cli(['backup', db, '--to', d1, '--to', d2]).code, 0);
  });

  test('claims no snapshot and is not complete, with the reason as its error (exit 2)', () => {
    const r = cli(['backup', db, '--to', d1, '--to', d2], { TILLVAULT_PASSPHRASE: 'wrong' });
    assert.equal(r.code, 2, r.stdout);
    const b = r.json as BackupJson;
    assert.equal(b.snapshotId, null);
    assert.equal(b.complete, false);
    assert.equal(b.error?.code, 'WRONG_PASSPHRASE');
    assert.match(b.error?.message ?? '', /not stored anywhere/);
    assert.deepEqual(
      b.destinations.map((d) => [d.path, d.ok, d.snapshotId, d.error?.code]),
      [
        [d1, false, null, 'WRONG_PASSPHRASE'],
        [d2, false, null, 'WRONG_PASSPHRASE'],
      ],
    );
    assert.equal(snapshotCount(d1), 1);
  });

  test('the human output leads with the failure', () => {
    const r = typed(['backup', db, '--to', d1, '--to', d2], { TILLVAULT_PASSPHRASE: 'wrong' });
    assert.equal(r.code, 2);
    const [head, ...rest] = r.stdout.trimEnd().split('\n');
    assert.match(head!, /^No backup of .*shop\.db was made/);
    assert.doesNotMatch(r.stdout, /^Backup \d/m);
    assert.deepEqual(
      rest.map((l) => l.slice(0, 4)),
      ['  ✗ ', '  ✗ '],
    );
  });

  test('a backup stored in one place still names its snapshot (exit 1)', () => {
    const gone = path.join(dir, 'unplugged', 'Backups');
    const r = cli(['backup', db, '--to', d1, '--to', gone]);
    assert.equal(r.code, 1);
    const b = r.json as BackupJson;
    assert.match(b.snapshotId ?? '', /^\d{8}T\d{9}Z-[0-9a-f]{8}$/);
    assert.equal(b.complete, true);
    assert.equal(b.error, null);
  });
});

describe('one destination given several ways', () => {
  const cc = path.join(dir, 'cc');
  const link = path.join(dir, 'cc-link');
  before(() => fs.symlinkSync('cc', link));

  test('is backed up once, under its first spelling, with the others noted (exit 0)', () => {
    const r = typed([
      'backup',
      db,
      '--to',
      'cc',
      '--to',
      'cc',
      '--to',
      './cc/',
      '--to',
      link,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const b = onlyJson(r) as BackupJson;
    assert.deepEqual(
      b.destinations.map((d) => [d.path, d.ok]),
      [[cc, true]],
    );
    assert.deepEqual(b.duplicates, [
      { path: cc, sameAs: cc },
      { path: cc, sameAs: cc },
      { path: link, sameAs: cc },
    ]);
    assert.equal(b.error, null);
    assert.equal(snapshotCount(cc), 1);
  });

  test('a link given first keeps its spelling; the human output notes the other', () => {
    const r = typed(['backup', db, '--to', link, '--to', cc]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✓ .*cc-link:/);
    assert.match(r.stdout, new RegExp(`= ${cc}: the same place as ${link}, stored once`));
    assert.doesNotMatch(r.stdout, /✗/);
    assert.equal(snapshotCount(cc), 2);
  });

  test('repair from the same place is refused up front (exit 2)', () => {
    for (const from of [cc, link, `${cc}/`]) {
      const r = cli(['repair', cc, '--from', from]);
      assertErrorDoc(r, 'BAD_INPUT', /are the same place/);
    }
  });

  test('a bind mount of the folder is the same place too (stored once, no repair from it)', (t) => {
    const view = path.join(dir, 'cc-view');
    fs.mkdirSync(view);
    try {
      execFileSync('mount', ['--bind', cc, view], { stdio: 'ignore' });
    } catch (err) {
      t.skip(`no bind mount can be made here (needs root): ${String(err)}`);
      return;
    }
    t.after(() => execFileSync('umount', ['-l', view]));
    const r = cli(['backup', db, '--to', cc, '--to', view]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const b = r.json as BackupJson;
    assert.deepEqual(
      b.destinations.map((d) => [d.path, d.ok]),
      [[cc, true]],
    );
    assert.deepEqual(b.duplicates, [{ path: view, sameAs: cc }]);
    assertErrorDoc(cli(['repair', cc, '--from', view]), 'BAD_INPUT', /are the same place/);
  });
});

test('per-destination results come in the order of the --to options', () => {
  const existing = path.join(dir, 'order-existing');
  assert.equal(cli(['backup', db, '--to', existing]).code, 0);
  const fresh = path.join(dir, 'order-fresh');
  const gone = path.join(dir, 'order-unplugged', 'Backups');
  const r = cli(['backup', db, '--to', gone, '--to', fresh, '--to', existing]);
  assert.equal(r.code, 1);
  assert.deepEqual(
    (r.json as BackupJson).destinations.map((d) => [d.path, d.ok]),
    [
      [gone, false],
      [fresh, true],
      [existing, true],
    ],
  );
});

describe('--types', () => {
  const dest = path.join(dir, 'typed');
  before(() => {
    assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  });

  test('types the database does not have are refused, naming the ones it has (exit 2)', () => {
    const r = cli(['backup', db, '--to', dest, '--types', 'other']);
    assertErrorDoc(r, 'BAD_INPUT', /no tables of type other; it has members, sales, products/);
    assert.equal(snapshotCount(dest), 1);
    // A new destination made for the refused backup is taken away again.
    const fresh = path.join(dir, 'typed-fresh');
    assert.equal(cli(['backup', db, '--to', fresh, '--types', 'other']).code, 2);
    assert.deepEqual(fs.existsSync(fresh) ? fs.readdirSync(fresh) : [], []);
  });

  test('a partial backup says which types it holds in `snapshots`, with the time', () => {
    const r = cli(['backup', db, '--to', dest, '--types', 'sales,members', '--label', 'part']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal((r.json as BackupJson).complete, false);
    const listed = (cli(['snapshots', dest]).json as SnapshotsJson).snapshots;
    assert.deepEqual(
      listed.map((s) => [s.complete, s.types]),
      [
        [true, ['members', 'sales', 'products', 'staff', 'logs']],
        [false, ['sales', 'members']],
      ],
    );
    const human = typed(['snapshots', dest]);
    assert.equal(human.code, 0);
    const lines = human.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    for (const [i, line] of lines.entries()) {
      assert.match(line, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} {2}\d{8}T/);
      assert.ok(line.includes(listed[i]!.id));
    }
    assert.doesNotMatch(lines[0]!, /only/);
    assert.match(lines[1]!, /only sales, members.*"part"$/);
  });
});

test('no passphrase: places that already hold unencrypted backups go on; a new place is refused', () => {
  const plain = path.join(dir, 'plain');
  const locked = path.join(dir, 'locked');
  const noSecret = { TILLVAULT_PASSPHRASE: '' };
  assert.equal(cli(['backup', db, '--to', plain, '--no-encryption']).code, 0);
  assert.equal(cli(['backup', db, '--to', locked]).code, 0);
  const again = cli(['backup', db, '--to', plain], noSecret);
  assert.equal(again.code, 0, again.stdout);
  // A new place would be made unencrypted without the owner asking for it.
  const fresh = cli(['backup', db, '--to', plain, '--to', path.join(dir, 'fresh')], noSecret);
  assert.equal(fresh.code, 2);
  assert.equal((fresh.json as ErrorDoc).error.code, 'PASSPHRASE_REQUIRED');
  assert.equal(fs.existsSync(path.join(dir, 'fresh')), false);
  // An encrypted place still needs its passphrase, and says so.
  const both = cli(['backup', db, '--to', plain, '--to', locked], noSecret);
  assert.equal(both.code, 1, both.stdout);
  const dests = (both.json as { destinations: { ok: boolean; error: { code: string } | null }[] })
    .destinations;
  assert.deepEqual(
    dests.map((d) => [d.ok, d.error?.code ?? null]),
    [
      [true, null],
      [false, 'PASSPHRASE_REQUIRED'],
    ],
  );
});

test('a passphrase file saved with a byte-order mark (Windows Notepad) opens the backups', () => {
  const place = path.join(dir, 'bom');
  assert.equal(cli(['backup', db, '--to', place]).code, 0);
  const file = path.join(dir, 'passphrase.txt');
  fs.writeFileSync(file, `\uFEFF${PASSPHRASE}\r\n`);
  const r = cli(['snapshots', place, '--passphrase-file', file], { TILLVAULT_PASSPHRASE: '' });
  assert.equal(r.code, 0, r.stdout);
});

test('when every backup record is damaged, the human listing says so rather than "no backups"', () => {
  const place = path.join(dir, 'all-damaged');
  assert.equal(cli(['backup', db, '--to', place]).code, 0);
  for (const name of fs.readdirSync(path.join(place, 'snapshots'))) {
    fs.truncateSync(path.join(place, 'snapshots', name), 20);
  }
  const r = typed(['snapshots', place]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /DAMAGED/);
  assert.doesNotMatch(r.stdout, /No backups/);
});
