/**
 * Worker thread that seals and opens chunks in batches, so compression and encryption use every
 * core and never hold up the thread that talks to the window.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { chunkIdBytes, openChunk, sealChunk, unsealChunk } from './chunk.js';
import type { MasterKeys } from './crypto.js';
import { joinForTransfer, type PoolReply, type PoolRequest } from './chunk-pool.js';

const raw = workerData as { encKey: Uint8Array; idKey: Uint8Array } | null;
const keys: MasterKeys | null = raw
  ? { encKey: Buffer.from(raw.encKey), idKey: Buffer.from(raw.idKey) }
  : null;

function work(op: PoolRequest['op'], id: string | undefined, piece: Buffer): Buffer | null {
  switch (op) {
    case 'ids':
      return chunkIdBytes(keys, piece);
    case 'seal':
      return sealChunk(keys, id!, piece);
    case 'unseal':
      return unsealChunk(keys, id!, piece);
    case 'open':
      return openChunk(keys, id!, piece);
  }
}

parentPort!.on('message', (req: PoolRequest) => {
  const input = Buffer.from(req.data);
  const parts: (Buffer | null)[] = [];
  let at = 0;
  for (let i = 0; i < req.lengths.length; i++) {
    const len = req.lengths[i]!;
    const piece = input.subarray(at, at + len);
    at += len;
    parts.push(work(req.op, req.ids[i], piece));
  }
  const out = joinForTransfer(parts);
  const reply: PoolReply = { job: req.job, ...out };
  parentPort!.postMessage(reply, [out.data]);
});
