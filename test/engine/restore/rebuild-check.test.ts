/**
 * What a rebuild checks: every page against its name always, and the whole file's SHA-256
 * against the manifest's when asked (restore --into, the drill), before the file gets its name.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { TillvaultError } from '../../../main/engine/errors.js';
import { rebuildDatabase } from '../../../main/engine/restore/rebuild.js';
import { Repository } from '../../../main/engine/repository/repository.js';
import { PASSPHRASE, cli, fileSha256, tempDir } from '../../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the whole-file check refuses a rebuild that differs from what the backup recorded', async () => {
  const db = path.join(dir, 'shop.db');
  const dest = path.join(dir, 'backups');
  assert.equal(cli(['demo', 'create', db, '--members', '300', '--days', '10']).code, 0);
  assert.equal(cli(['backup', db, '--to', dest]).code, 0);
  const repo = await Repository.open(dest, { kind: 'passphrase', value: PASSPHRASE });
  const [m] = (await repo.readAllManifests()).manifests;
  assert.ok(m);

  const good = path.join(dir, 'checked.db');
  await rebuildDatabase(repo, m, good, { checkWholeFile: true });
  assert.equal(fileSha256(good), m.database.sha256);

  // The same pages against a record of other bytes: as a bug between backup and restore would.
  const other = { ...m, database: { ...m.database, sha256: '0'.repeat(64) } };
  const refused = path.join(dir, 'refused.db');
  await assert.rejects(
    rebuildDatabase(repo, other, refused, { checkWholeFile: true }),
    (e: unknown) => e instanceof TillvaultError && e.code === 'DAMAGED',
  );
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('refused')),
    [],
  );
  // Checked page by page only, the pages are all good and the file is written.
  const paged = path.join(dir, 'paged.db');
  await rebuildDatabase(repo, other, paged);
  assert.equal(fileSha256(paged), m.database.sha256);
});
