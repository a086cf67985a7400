/**
 * Stands in for Electron's main process during a backup: runs one backup the way the app does
 * (the engine on a worker thread, progress events coming back) and measures this thread's
 * event-loop delay meanwhile. The window stays responsive only if this stays low.
 *
 *   node bench/main-loop.ts ENGINE_OUT DB REPO   (prints one JSON line)
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [engineOut, db, repo] = process.argv.slice(2);
if (!engineOut || !db || !repo) throw new Error('usage: main-loop.ts ENGINE_OUT DB REPO');
const thread = (await import(
  pathToFileURL(path.join(engineOut, 'main', 'app', 'engine-thread.js')).href
)) as typeof import('../main/app/engine-thread.js');

const histogram = monitorEventLoopDelay({ resolution: 5 });
let events = 0;
const started = performance.now();
histogram.enable();
await thread.backupInWorker(
  {
    source: db,
    destinations: [repo],
    credential: { kind: 'passphrase', value: process.env['TILLVAULT_PASSPHRASE'] ?? '' },
    actor: 'staff',
  },
  () => {
    events += 1;
  },
  new AbortController().signal,
);
histogram.disable();
const ms = (ns: number): number => ns / 1e6;
process.stdout.write(
  `${JSON.stringify({
    ms: performance.now() - started,
    progressEvents: events,
    p50Ms: ms(histogram.percentile(50)),
    p99Ms: ms(histogram.percentile(99)),
    maxMs: ms(histogram.max),
  })}\n`,
);
