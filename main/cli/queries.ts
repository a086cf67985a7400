/** The audit log and the demo run behind `tillvault demo start`. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { readAudit } from '../engine/repository/audit.js';
import { backup, type BackupResult } from '../engine/backup/backup.js';
import { createDemoShop, DEMO_PASSPHRASE } from '../engine/demo/demo-shop.js';
import type { Credential } from '../engine/repository/config.js';
import { Repository } from '../engine/repository/repository.js';
import { backupPhase } from './human.js';

export async function readLog(
  dest: string,
  credential: Credential,
): Promise<Awaited<ReturnType<typeof readAudit>>> {
  const repo = await Repository.open(path.resolve(dest), credential);
  return readAudit(repo);
}

export async function runDemo(
  folder: string,
  progress: (label: string, done: number, total: number) => void,
): Promise<{ database: string; backups: string; passphrase: string; backup: BackupResult }> {
  await fs.mkdir(folder, { recursive: true });
  const database = path.join(folder, 'shop.db');
  if (!(await fs.stat(database).catch(() => null))) {
    createDemoShop(database, { onProgress: (f) => progress('Creating the demo shop', f, 1) });
  }
  const backups = path.join(folder, 'backups');
  const result = await backup({
    source: database,
    destinations: [backups],
    credential: {
      kind: 'passphrase',
      value: process.env['TILLVAULT_PASSPHRASE'] ?? DEMO_PASSPHRASE,
    },
    label: 'demo',
    onProgress: (p) => progress(backupPhase(p.phase), p.done, p.total),
  });
  return {
    database,
    backups,
    passphrase: process.env['TILLVAULT_PASSPHRASE']
      ? '(from TILLVAULT_PASSPHRASE)'
      : DEMO_PASSPHRASE,
    backup: result,
  };
}
