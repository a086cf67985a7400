/**
 * Worker thread that runs one engine operation. The copy's SQLite steps and the row counts are
 * synchronous calls; here they cannot hold up the thread that answers the window.
 */
import fs from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { backup } from '../engine/backup.js';
import { createDemoShop } from '../engine/demo/demo-shop.js';
import { toTillvaultError } from '../engine/errors.js';
import { describeDatabase } from '../engine/inspect.js';
import type { EngineJob, WorkerMessage } from './engine-thread.js';

const job = workerData as EngineJob;
const port = parentPort!;
const abort = new AbortController();
port.on('message', (m: { type: 'cancel' }) => {
  if (m.type === 'cancel') abort.abort();
});

const post = (m: WorkerMessage): void => port.postMessage(m);

async function run(): Promise<unknown> {
  switch (job.op) {
    case 'backup':
      return backup({
        ...job.options,
        signal: abort.signal,
        onProgress: (p) => post({ type: 'progress', progress: p }),
      });
    case 'describe': {
      const tables = await describeDatabase(job.file);
      const { size } = await fs.stat(job.file);
      return { tables, bytes: size };
    }
    case 'demo':
      return createDemoShop(job.file, job.options);
  }
}

run().then(
  (value) => post({ type: 'done', value }),
  (err: unknown) => {
    const e = toTillvaultError(err);
    post({ type: 'error', code: e.code, message: e.message });
  },
);
