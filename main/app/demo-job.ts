/**
 * `npm start` opens the window on the demo shop: a generated shop database and a job that backs
 * it up into the app's own folder, with the demo passphrase (a demo holds no secrets).
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DEMO_PASSPHRASE } from '../engine/demo/demo-shop.js';
import { demoShopInWorker } from './engine-thread.js';
import type { AppCore } from './app-core.js';
import { DEMO_SHOP } from './handlers.js';
import { DEFAULT_CHECK_SCHEDULE } from './settings.js';

export async function ensureDemoJob(core: AppCore): Promise<void> {
  const dir = path.join(core.platform.dataDir, 'demo');
  const database = path.join(dir, 'shop.db');
  const jobs = core.settings.read().jobs;
  if (jobs.length > 0) {
    // Without a keychain the demo's passphrase was in memory only; it is no secret, so it is
    // given again rather than asked for.
    const demo = jobs.find((j) => j.source === database);
    if (demo && core.secrets.get(demo.id) === null) core.secrets.set(demo.id, DEMO_PASSPHRASE);
    return;
  }
  await fs.mkdir(dir, { recursive: true });
  if (!(await fs.stat(database).catch(() => null))) await demoShopInWorker(database, DEMO_SHOP);
  const backups = path.join(dir, 'backups');
  const id = crypto.randomBytes(6).toString('hex');
  core.secrets.set(id, DEMO_PASSPHRASE);
  core.grants.grant(database);
  core.grants.grant(backups);
  core.settings.update((s) => ({
    ...s,
    jobs: [
      {
        id,
        name: 'Demo shop',
        source: database,
        types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
        typeOverrides: {},
        destinations: [{ id: `${id}-1`, kind: 'folder', label: 'Demo backups', path: backups }],
        schedule: { preset: 'manual' },
        checkSchedule: DEFAULT_CHECK_SCHEDULE,
        createdAt: new Date().toISOString(),
      },
    ],
  }));
  core.events.emit('status:changed', {});
}
