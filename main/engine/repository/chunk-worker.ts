/**
 * Worker thread that seals and opens chunks in batches, so compression and encryption use every
 * core and never hold up the thread that talks to the window.
 */
import fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import {
  SINGLE,
  chunkIdBytes,
  fillFrame,
  frameMember,
  openChunk,
  openChunkInto,
  openFrame,
  openFrameHead,
  sealChunk,
  sealFrame,
  sealedFrameBound,
  type Frame,
  type FrameHead,
} from './chunk.js';
import type { MasterKeys } from './crypto.js';
import {
  joinForTransfer,
  type KeysMessage,
  type PagesReply,
  type PagesRequest,
  type PoolReply,
  type PoolRequest,
} from './chunk-pool.js';

/** Set by the pool's first message (KeysMessage), before any job. */
let keys: MasterKeys | null = null;

/** Frames are opened into this buffer (reused: frames are at most a few hundred KiB). */
let frameScratch: Buffer = Buffer.alloc(0);

function openFrameHere(stored: Buffer): Frame | null {
  const frame = openFrame(keys, stored, frameScratch);
  // A frame bigger than the scratch came in a fresh buffer: keep that one for the next.
  if (frame && frame.plain.buffer !== frameScratch.buffer) frameScratch = frame.plain;
  return frame;
}

/**
 * True when the frame holds exactly the pages `first`, `first + 1`, … of this run, in order,
 * all read from the same place: it can then be opened straight into the run's buffer.
 */
function holdsNextPages(req: PagesRequest, ids: Buffer, first: number, head: FrameHead): boolean {
  if (first + head.count > req.pageRead.length) return false;
  for (let j = 0; j < head.count; j++) {
    const i = first + j;
    const same =
      head.lengths[j] === req.pageSize &&
      req.pageSlot[i] === j &&
      req.pageRead[i] === req.pageRead[first] &&
      req.pageAt[i] === req.pageAt[first] &&
      ids.compare(head.ids, j * 32, j * 32 + 32, i * 32, i * 32 + 32) === 0;
    if (!same) return false;
  }
  return true;
}

/** Opens the frame a page's chunk is in: into the run's buffer where it fits, else the scratch. */
function openFrameFor(
  req: PagesRequest,
  ids: Buffer,
  out: Buffer,
  i: number,
  stored: Buffer,
): Frame | null {
  const head = openFrameHead(keys, stored);
  if (!head) return null;
  if (req.pageSlot[i] === 0 && holdsNextPages(req, ids, i, head)) {
    const ps = req.pageSize;
    return fillFrame(head, out.subarray(i * ps, (i + head.count) * ps));
  }
  if (frameScratch.length < head.total) frameScratch = Buffer.allocUnsafeSlow(head.total);
  return fillFrame(head, frameScratch);
}

const OK = Buffer.alloc(0);

/** The 32-byte name of chunk `i` of a request. */
function nameOf(req: PoolRequest, i: number): Buffer {
  return Buffer.from(req.ids.buffer, req.ids.byteOffset + i * 32, 32);
}

/** Checks the members of one stored piece; one result per member (OK or null). */
function check(req: PoolRequest, piece: Buffer, first: number, count: number): (Buffer | null)[] {
  // Chunks sealed alone: one listed twice at the same place (after a crash mid-prune) is still one.
  if (req.slots[first] === SINGLE) {
    const out: (Buffer | null)[] = [];
    for (let m = first; m < first + count; m++) {
      const ok = req.slots[m] === SINGLE && openChunk(keys, nameOf(req, m).toString('hex'), piece);
      out.push(ok ? OK : null);
    }
    return out;
  }
  const frame = openFrameHere(piece);
  const out: (Buffer | null)[] = [];
  for (let m = first; m < first + count; m++) {
    out.push(frame && frameMember(keys, frame, nameOf(req, m), req.slots[m]!, true) ? OK : null);
  }
  return out;
}

/** Seals the frames straight into the reply, one after another: no copy per frame. */
function sealFrames(req: PoolRequest, pieces: Buffer[]): { data: ArrayBuffer; lengths: number[] } {
  let bound = 0;
  let first = 0;
  for (const count of req.members) {
    let bytes = 0;
    for (let m = first; m < first + count; m++) bytes += pieces[m]!.length;
    bound += sealedFrameBound(count, bytes);
    first += count;
  }
  const data = new ArrayBuffer(bound);
  const out = Buffer.from(data);
  const lengths: number[] = [];
  let at = 0;
  first = 0;
  for (const count of req.members) {
    const ids = Buffer.from(req.ids.buffer, req.ids.byteOffset + first * 32, count * 32);
    const sealed = sealFrame(keys, ids, pieces.slice(first, first + count), out.subarray(at));
    lengths.push(sealed.length);
    at += sealed.length;
    first += count;
  }
  return { data, lengths };
}

function batch(req: PoolRequest): PoolReply {
  const input = Buffer.from(req.data);
  const pieces: Buffer[] = [];
  let at = 0;
  req.lengths.forEach((len, i) => {
    const start = req.offsets ? req.offsets[i]! : at;
    pieces.push(input.subarray(start, start + len));
    at = start + len;
  });
  const parts: (Buffer | null)[] = [];
  if (req.op === 'ids') {
    for (const piece of pieces) parts.push(chunkIdBytes(keys, piece));
  } else if (req.op === 'seal' && !req.framed) {
    pieces.forEach((piece, i) =>
      parts.push(sealChunk(keys, nameOf(req, i).toString('hex'), piece)),
    );
  } else if (req.op === 'seal') {
    return { job: req.job, ...sealFrames(req, pieces), input: req.giveBack ? req.data : null };
  } else {
    let first = 0;
    pieces.forEach((piece, i) => {
      const count = req.members[i]!;
      parts.push(...check(req, piece, first, count));
      first += count;
    });
  }
  return { job: req.job, ...joinForTransfer(parts), input: req.giveBack ? req.data : null };
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
  // Neighbouring pages usually share a frame: it is opened once for all of them.
  let frame: Frame | null = null;
  let frameRead = -1;
  let frameAt = -1;
  for (let i = 0; i < req.pageRead.length; i++) {
    const r = req.pageRead[i]!;
    const read = r >= 0 ? reads[r] : null;
    const at = req.pageAt[i]!;
    const end = at + req.pageLength[i]!;
    const slot = req.pageSlot[i]!;
    const id = ids.subarray(i * 32, i * 32 + 32);
    const page = out.subarray(i * ps, i * ps + ps);
    let ok = false;
    if (read && end <= read.length && slot === SINGLE) {
      ok = openChunkInto(keys, id, read.subarray(at, end), page, req.checkNames);
    } else if (read && end <= read.length) {
      if (r !== frameRead || at !== frameAt) {
        frame = openFrameFor(req, ids, out, i, read.subarray(at, end));
        frameRead = r;
        frameAt = at;
      }
      const plain = frame && frameMember(keys, frame, id, slot, req.checkNames);
      ok = !!plain && plain.length === ps;
      // Opened in place, the page is already where it belongs.
      if (ok && (plain!.buffer !== page.buffer || plain!.byteOffset !== page.byteOffset)) {
        plain!.copy(page);
      }
    }
    if (!ok) failed.push(i);
  }
  return { job: req.job, data: req.data, failed };
}

parentPort!.on('message', (req: KeysMessage | PoolRequest | PagesRequest) => {
  if (req.op === 'keys') {
    keys = req.keys && { encKey: Buffer.from(req.keys.encKey), idKey: Buffer.from(req.keys.idKey) };
    return;
  }
  if (req.op === 'pages') {
    const reply = pages(req);
    parentPort!.postMessage(reply, [reply.data]);
    return;
  }
  const reply = batch(req);
  parentPort!.postMessage(reply, reply.input ? [reply.data, reply.input] : [reply.data]);
});
