/**
 * A shop database with a damaged page (what a failing disk or a crashed POS leaves) is backed
 * up all the same, but never as a good backup: the run says SOURCE_DAMAGED with exit 3, the
 * backup is marked, retention keeps the good ones before it, the drill names the damage and
 * `latest` restores the newest good backup.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { CLI, PASSPHRASE, cli, damagePage, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const db = path.join(dir, 'shop.db');
const dest = path.join(dir, 'backups');
const good: string[] = [];
const damaged: string[] = [];
let damagedJson: Record<string, unknown>;

interface Listed {
  id: string;
  sourceCheck: { ok: boolean; detail: string } | null;
}

function listed(): Listed[] {
  const r = cli(['snapshots', dest]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return (r.json as { snapshots: Listed[] }).snapshots;
}

function backUp(): { code: number; json: Record<string, unknown> } {
  const r = cli(['backup', db, '--to', dest]);
  return { code: r.code, json: r.json as Record<string, unknown> };
}

before(() => {
  // ~2 MB: 1000 members fill a few dozen leaf pages.
  assert.equal(cli(['demo', 'create', db, '--members', '1000', '--days', '20']).code, 0);
  for (let i = 0; i < 2; i++) {
    sqliteValue(db, `UPDATE members SET points = points + ${i + 1}`);
    const r = backUp();
    assert.equal(r.code, 0);
    assert.equal(r.json['sourceDamage'], null);
    good.push(r.json['snapshotId'] as string);
  }
  damagePage(db, 'members');
  for (let i = 0; i < 2; i++) {
    const r = backUp();
    assert.equal(r.code, 3, JSON.stringify(r.json));
    damaged.push(r.json['snapshotId'] as string);
    damagedJson = r.json;
  }
});

test('a backup of a damaged database is stored and marked, names SOURCE_DAMAGED and exits 3', () => {
  const damage = damagedJson['sourceDamage'] as {
    code: string;
    message: string;
    detail: string;
    lastGood: { snapshotId: string; time: string } | null;
  };
  assert.equal(damage.code, 'SOURCE_DAMAGED');
  assert.match(damage.detail, /page \d+/i);
  assert.equal(damage.lastGood?.snapshotId, good.at(-1));
  assert.match(damage.message, new RegExp(`last good backup is ${good.at(-1)!}`));
  // It was stored: every place has it.
  assert.equal(damagedJson['error'], null);
  const byId = new Map(listed().map((s) => [s.id, s]));
  for (const id of damaged) assert.equal(byId.get(id)?.sourceCheck?.ok, false);
  for (const id of good) assert.equal(byId.get(id)?.sourceCheck?.ok, true);

  // And in words, for someone at a terminal.
  const text = spawnSync(process.execPath, [CLI, 'backup', db, '--to', dest], {
    encoding: 'utf8',
    env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE },
  });
  assert.equal(text.status, 3);
  assert.match(
    text.stdout,
    /DAMAGED DATABASE \(SOURCE_DAMAGED\): The database shop\.db is damaged/,
  );
  damaged.push(/^Backup (\S+) of/.exec(text.stdout)![1]!);
});

test('the full check passes the stored backups but names those of the damaged database', () => {
  const r = cli(['verify', dest, '--level', 'full']);
  assert.equal(r.code, 0, r.stdout);
  const v = r.json as { ok: boolean; sourceDamaged: string[] };
  assert.equal(v.ok, true);
  assert.deepEqual(v.sourceDamaged, [...damaged].sort());
});

test('the drill of a backup of a damaged database reports the source damage, exit 3', () => {
  const r = cli(['verify', dest, '--level', 'drill']);
  assert.equal(r.code, 3, r.stdout);
  const v = r.json as {
    ok: boolean;
    sourceDamaged: string[];
    problems: { kind: string; id: string; problem: string }[];
    drill: { integrity: string };
  };
  assert.equal(v.ok, false);
  assert.notEqual(v.drill.integrity, 'ok');
  const problem = v.problems.find((p) => p.kind === 'source');
  assert.equal(problem?.id, damaged.at(-1));
  assert.match(problem!.problem, /SOURCE_DAMAGED: shop\.db was already damaged/);
  assert.match(problem!.problem, new RegExp(`last good backup is ${good.at(-1)!}`));
  assert.doesNotMatch(r.stdout, /SOURCE_UNREADABLE/);
});

test('latest restores the newest good backup and says which were passed over; by id it warns', () => {
  const latest = cli(['restore', dest, '--to', path.join(dir, 'latest.db')]);
  assert.equal(latest.code, 0, latest.stdout);
  const r = latest.json as { snapshotId: string; warnings: string[] };
  assert.equal(r.snapshotId, good.at(-1));
  assert.match(
    r.warnings.join(' '),
    /taken of a damaged database \(SOURCE_DAMAGED\) and passed over/,
  );
  assert.equal(sqliteValue(path.join(dir, 'latest.db'), 'PRAGMA integrity_check'), 'ok');

  const byId = cli(['restore', dest, '--snapshot', damaged[0]!, '--to', path.join(dir, 'bad.db')]);
  assert.equal(byId.code, 0, byId.stdout);
  const w = (byId.json as { warnings: string[] }).warnings.join(' ');
  assert.match(w, /already damaged \(SOURCE_DAMAGED/);
});

test('retention keeps the good backups before the damaged ones', () => {
  // Without the rule, keep-last 2 keeps two damaged backups and loses every good one.
  const r = cli(['prune', dest, '--keep-last', '2']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const kept = listed().map((s) => s.id);
  assert.deepEqual(kept, [...good, damaged.at(-1)!].sort());
});
