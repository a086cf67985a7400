/**
 * Starting a worker thread from a module beside the caller. Built code runs the `.js` file.
 * Tests run the TypeScript sources under tsx, whose loader a worker does not inherit on
 * Node 20, so there the worker registers it first.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';

export function startWorker(
  besideUrl: string,
  name: string,
  workerData: unknown,
  resourceLimits?: ResourceLimits,
): Worker {
  if (!besideUrl.endsWith('.ts')) {
    // Electron (since 18) starts workers from inside app.asar too.
    return new Worker(new URL(`./${name}.js`, besideUrl), { workerData, resourceLimits });
  }
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL(`./${name}.ts`, besideUrl).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}
