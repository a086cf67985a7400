/**
 * Fuzzing everything Tillvault reads from a place: settings, keys, index, packs, backup
 * records, locks and the log, with random byte damage and structured changes. Whatever the
 * mutation, a command ends within a time bound, with exit 0 (harmless), 2 or 3 and a message;
 * nothing is written outside the place; and a restore that succeeds gives exactly the
 * database that was backed up. `npm test` runs a small seeded budget;
 * `TILLVAULT_FUZZ_RUNS=2000 node bin/test.mjs test/cli/place-fuzz.test.ts` runs longer, and
 * `TILLVAULT_FUZZ_SEED=n` replays a run.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { seededRandom } from '../../main/engine/demo/demo-shop.js';
import { cli, cliWithin, dump, tempDir } from '../helpers.js';

const RUNS = Number(process.env['TILLVAULT_FUZZ_RUNS'] ?? 30);
const SEED = Number(process.env['TILLVAULT_FUZZ_SEED'] ?? 20261207);
const LIMIT_MS = 30_000;
const COMMANDS = ['snapshots', 'verify', 'verify-full', 'restore', 'backup', 'log'] as const;

const dir = tempDir();
const db = path.join(dir, 'shop.db');
const good = path.join(dir, 'good');
/** What each backup in the good place holds, by id: what a restore of it must give. */
const expected = new Map<string, string>();

before(() => {
  assert.equal(cli(['demo', 'create', db, '--members', '200', '--days', '10']).code, 0);
  for (let i = 0; i < 2; i++) {
    if (i > 0) execFileSync('sqlite3', [db, 'UPDATE members SET points = points + 7']);
    const r = cli(['backup', db, '--to', good]);
    assert.equal(r.code, 0, r.stdout);
    expected.set((r.json as { snapshotId: string }).snapshotId, dump(db));
  }
  fs.mkdirSync(path.join(good, 'locks'), { recursive: true });
  fs.writeFileSync(
    path.join(good, 'locks', '00112233445566aa.json'),
    JSON.stringify({
      host: 'till-2',
      pid: 77,
      time: '2020-01-01T00:00:00.000Z',
      exclusive: true,
      operation: 'backup',
    }),
  );
});

function files(root: string): string[] {
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

type Rand = () => number;
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

/** Changes one JSON value somewhere in the document to something of another kind. */
function mutateJson(rand: Rand, value: unknown): unknown {
  const odd = [null, 0, -1, 2 ** 53, 1e308, '', 'x'.repeat(5000), [], {}, true, '../../etc'];
  if (Array.isArray(value)) {
    if (value.length === 0 || rand() < 0.2) return pick(rand, odd);
    const i = Math.floor(rand() * value.length);
    const copy = [...(value as unknown[])];
    if (rand() < 0.3) copy.splice(i, 1);
    else copy[i] = mutateJson(rand, copy[i]);
    return copy;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 || rand() < 0.15) return pick(rand, odd);
    const [key, inner] = pick(rand, entries);
    if (rand() < 0.2) return Object.fromEntries(entries.filter(([k]) => k !== key));
    return { ...(value as Record<string, unknown>), [key]: mutateJson(rand, inner) };
  }
  if (typeof value === 'number' && rand() < 0.5) return pick(rand, [value * 2 ** 8, -value, 0.5]);
  return pick(rand, odd);
}

interface Mutation {
  readonly what: string;
  apply(place: string, outside: string): void;
}

function mutation(rand: Rand, place: string): Mutation {
  const all = files(place);
  const file = pick(rand, all);
  const rel = path.relative(place, file);
  const bytes = fs.readFileSync(file);
  const kinds = ['flip', 'truncate', 'extend', 'empty', 'delete', 'swap', 'fifo', 'link', 'folder'];
  const isJson = rel === 'tillvault.json' || rel.startsWith('locks');
  const kind = isJson && rand() < 0.6 ? 'json' : pick(rand, kinds);
  const at = Math.floor(rand() * Math.max(1, bytes.length));
  const n = 1 + Math.floor(rand() * 16);
  const other = pick(rand, all);
  return {
    what: `${kind} ${rel} at ${at} (${n})`,
    apply(p, outside) {
      const target = path.join(p, rel);
      const replace = (data: Buffer | string): void => fs.writeFileSync(target, data);
      switch (kind) {
        case 'flip': {
          const copy = Buffer.from(bytes);
          for (let i = 0; i < n && copy.length > 0; i++) copy[(at + i * 97) % copy.length]! ^= 0xff;
          return replace(copy);
        }
        case 'truncate':
          return replace(bytes.subarray(0, at));
        case 'extend':
          return replace(Buffer.concat([bytes, crypto.randomBytes(n * 1024)]));
        case 'empty':
          return replace('');
        case 'delete':
          return fs.rmSync(target);
        case 'swap':
          return replace(fs.readFileSync(path.join(p, path.relative(place, other))));
        case 'fifo':
          fs.rmSync(target);
          return void execFileSync('mkfifo', [target]);
        case 'link': {
          // A link out of the place, to a copy of the file: following it would be fooled.
          const copy = path.join(outside, path.basename(target));
          fs.writeFileSync(copy, bytes);
          fs.rmSync(target);
          return fs.symlinkSync(copy, target);
        }
        case 'folder':
          fs.rmSync(target);
          return fs.mkdirSync(target);
        default: {
          let doc: unknown;
          try {
            doc = JSON.parse(bytes.toString('utf8'));
          } catch {
            doc = {};
          }
          return replace(JSON.stringify(mutateJson(rand, doc)));
        }
      }
    },
  };
}

/** Whether a document that reports failure says why, in words. */
function explains(doc: Record<string, unknown> | null): boolean {
  const text = JSON.stringify(doc ?? {});
  return /"(message|error|problem)":"[^"]{8,}/.test(text);
}

function snapshot(root: string): string {
  return files(root)
    .map((f) => `${path.relative(root, f)}:${crypto.hash('sha256', fs.readFileSync(f))}`)
    .join('\n');
}

test(`${RUNS} mutations of a place end in a clear answer, in time, with nothing written outside and no wrong restore (seed ${SEED})`, () => {
  const rand = seededRandom(SEED);
  const outcomes = new Map<string, number>();
  for (let i = 0; i < RUNS; i++) {
    const m = mutation(rand, good);
    const work = path.join(dir, `run-${i}`);
    const place = path.join(work, 'place');
    const outside = path.join(work, 'outside');
    fs.mkdirSync(outside, { recursive: true });
    fs.cpSync(good, place, { recursive: true });
    m.apply(place, outside);
    const before = snapshot(outside);
    const restored = path.join(work, 'restored.db');
    const command = pick(rand, COMMANDS);
    const args: Record<(typeof COMMANDS)[number], string[]> = {
      snapshots: ['snapshots', place],
      verify: ['verify', place],
      'verify-full': ['verify', place, '--level', 'full'],
      restore: ['restore', place, '--to', restored],
      backup: ['backup', db, '--to', place],
      log: ['log', place],
    };
    const r = cliWithin(args[command], LIMIT_MS);
    const where = `#${i} ${m.what}, ${command}: exit ${r.code} ${JSON.stringify(r.json).slice(0, 400)}`;
    assert.ok(r.code !== null, `${where}: killed after ${Math.round(r.ms)} ms`);
    assert.ok([0, 2, 3].includes(r.code), where);
    if (r.code !== 0) assert.ok(explains(r.json), `${where}: no message`);
    assert.equal(snapshot(outside), before, `${where}: wrote outside the place`);
    assert.deepEqual(
      fs.readdirSync(work).sort(),
      fs.existsSync(restored) ? ['outside', 'place', 'restored.db'] : ['outside', 'place'],
      where,
    );
    if (command === 'restore' && r.code === 0) {
      const id = (r.json as { snapshotId: string }).snapshotId;
      assert.equal(dump(restored), expected.get(id), `${where}: restored something else`);
    } else {
      assert.ok(!fs.existsSync(restored), where);
    }
    outcomes.set(`${command} ${r.code}`, (outcomes.get(`${command} ${r.code}`) ?? 0) + 1);
    fs.rmSync(work, { recursive: true, force: true });
  }
  // Seen in the test's output: how the budget was spent.
  console.log(JSON.stringify(Object.fromEntries([...outcomes].sort())));
});
