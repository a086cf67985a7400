/**
 * The audit log inside a place: entries written before `actor` and `event` existed still read,
 * the new ones keep them, and an entry that is not one of ours is listed as damaged.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { appendAudit, readAudit } from '../../../main/engine/repository/audit.js';
import { newTimeId } from '../../../main/engine/repository/manifest.js';
import { Repository } from '../../../main/engine/repository/repository.js';
import { tempDir } from '../../helpers.js';

const PASS = 'audit log passphrase';

async function place(): Promise<Repository> {
  const root = path.join(tempDir('tv-audit-'), 'place');
  return (await Repository.init(root, PASS)).repo;
}

/** Writes an entry as a version before this one did: sealed the same way, without new fields. */
function writeRaw(repo: Repository, entry: unknown, at: Date): void {
  const id = newTimeId(at);
  fs.mkdirSync(repo.layout.dir('log'), { recursive: true });
  fs.writeFileSync(
    repo.layout.log(id),
    repo.sealFile(`log:${id}`, Buffer.from(JSON.stringify(entry))),
  );
}

test('old entries without actor or event read; new ones keep both; foreign ones are damaged', async () => {
  const repo = await place();
  const old = {
    time: '2026-01-05T22:00:00.000Z',
    operation: 'backup',
    result: 'ok',
    user: 'shop',
    host: 'till',
    summary: 'Backed up shop.db (4096 new bytes).',
    snapshotId: '20260105T220000000Z-aaaaaaaa',
    details: { source: '/pos/shop.db', trigger: 'scheduled' },
  };
  writeRaw(repo, old, new Date(old.time));
  writeRaw(repo, { ...old, actor: 'robot' }, new Date('2026-01-06T00:00:00Z'));
  await appendAudit(
    repo,
    {
      operation: 'plan',
      result: 'ok',
      snapshotId: null,
      summary: 'Plan "Shop" changed: schedule.',
      details: { change: 'updated', jobId: 'j1', plan: 'Shop', fields: ['schedule'] },
      actor: 'staff',
      event: 'e-1',
    },
    new Date('2026-01-07T09:00:00Z'),
  );

  const entries = await Repository.open(repo.root, { kind: 'passphrase', value: PASS }).then(
    readAudit,
  );
  assert.equal(entries.length, 3);
  const [first, second, third] = entries;
  assert.ok(first && !('damaged' in first));
  assert.equal(first.actor, undefined);
  assert.equal(first.operation, 'backup');
  assert.ok(second && 'damaged' in second, 'an actor that is not one of ours');
  assert.ok(third && !('damaged' in third));
  assert.equal(third.operation, 'plan');
  assert.equal(third.actor, 'staff');
  assert.equal(third.event, 'e-1');
  assert.equal(third.time, '2026-01-07T09:00:00.000Z');
});
