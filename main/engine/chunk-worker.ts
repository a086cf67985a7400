/**
 * Worker thread that seals and opens chunks in batches, so compression and encryption use every
 * core and never hold up the thread that talks to the window.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openChunk, sealChunk } from './chunk.js';
import type { MasterKeys } from './crypto.js';
import { joinForTransfer, type PoolReply, type PoolRequest } from './chunk-pool.js';

const raw = workerData as { encKey: Uint8Array; idKey: Uint8Array } | null;
const keys: MasterKeys | null = raw
  ? { encKey: Buffer.from(raw.encKey), idKey: Buffer.from(raw.idKey) }
  : null;

parentPort!.on('message', (req: PoolRequest) => {
  const input = Buffer.from(req.data);
  const parts: (Buffer | null)[] = [];
  let at = 0;
  for (let i = 0; i < req.ids.length; i++) {
    const len = req.lengths[i]!;
    const piece = input.subarray(at, at + len);
    at += len;
    parts.push(
      req.op === 'seal' ? sealChunk(keys, req.ids[i]!, piece) : openChunk(keys, req.ids[i]!, piece),
    );
  }
  const out = joinForTransfer(parts);
  const reply: PoolReply = { job: req.job, ...out };
  parentPort!.postMessage(reply, [out.data]);
});
