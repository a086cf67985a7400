/**
 * Worker thread that seals and opens chunks in batches, so compression and encryption use every
 * core and never hold up the thread that talks to the window.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { chunkIdBytes, openChunk, openChunkInto, sealChunk, unsealChunk } from './chunk.js';
import type { MasterKeys } from './crypto.js';
import {
  joinForTransfer,
  type PagesReply,
  type PagesRequest,
  type PoolReply,
  type PoolRequest,
} from './chunk-pool.js';

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

function batch(req: PoolRequest): PoolReply {
  const input = Buffer.from(req.data);
  const parts: (Buffer | null)[] = [];
  let at = 0;
  for (let i = 0; i < req.lengths.length; i++) {
    const len = req.lengths[i]!;
    const piece = input.subarray(at, at + len);
    at += len;
    parts.push(work(req.op, req.ids[i], piece));
  }
  return { job: req.job, ...joinForTransfer(parts) };
}

/** Reused for every run's reads, so a restore does not allocate its packs' size again. */
let scratch = Buffer.alloc(0);

/** Reads are synchronous on purpose: this thread has nothing else to do meanwhile. */
function readRanges(req: PagesRequest): (Buffer | null)[] {
  const total = req.readLength.reduce((a, b) => a + b, 0);
  if (scratch.length < total) scratch = Buffer.allocUnsafeSlow(total);
  let at = 0;
  return req.readFd.map((fd, r) => {
    const length = req.readLength[r]!;
    const into = scratch.subarray(at, at + length);
    at += length;
    try {
      return into.subarray(0, fs.readSync(fd, into, 0, length, req.readOffset[r]!));
    } catch {
      // Left to the caller, which tries the chunk's other copies.
      return null;
    }
  });
}

function pages(req: PagesRequest): PagesReply {
  const reads = readRanges(req);
  const ps = req.pageSize;
  const out = Buffer.from(req.data);
  const ids = Buffer.from(req.ids.buffer, req.ids.byteOffset, req.ids.byteLength);
  const failed: number[] = [];
  for (let i = 0; i < req.pageRead.length; i++) {
    const read = req.pageRead[i]! >= 0 ? reads[req.pageRead[i]!] : null;
    const at = req.pageAt[i]!;
    const end = at + req.pageLength[i]!;
    const ok =
      !!read &&
      end <= read.length &&
      openChunkInto(
        keys,
        ids.subarray(i * 32, i * 32 + 32),
        read.subarray(at, end),
        out.subarray(i * ps, i * ps + ps),
        req.checkNames,
      );
    if (!ok) failed.push(i);
  }
  return { job: req.job, data: req.data, failed };
}

parentPort!.on('message', (req: PoolRequest | PagesRequest) => {
  const reply = req.op === 'pages' ? pages(req) : batch(req);
  parentPort!.postMessage(reply, [reply.data]);
});
