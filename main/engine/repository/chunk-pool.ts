/**
 * A small pool of worker threads for sealing and opening chunks in batches. Batches keep the
 * per-message cost low; buffers are transferred, not copied.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { MasterKeys } from './crypto.js';
import { startWorker } from '../fs/worker-thread.js';

// A small young generation makes workers collect their many short-lived page buffers early.
const resourceLimits = { maxYoungGenerationSizeMb: 4 };

/**
 * Pieces of `data` (`lengths` each) and what to do with them:
 * - ids: name each piece;
 * - seal: the pieces are chunks named `ids`; seal them in frames of `members[i]` chunks each
 *   (format 2), or each alone (`framed` false, format 1);
 * - check: the pieces are stored chunks or frames; piece i holds the `members[i]` chunks named
 *   by the next `ids` at the next `slots`. Every member is opened and checked against its name.
 */
export interface PoolRequest {
  readonly job: number;
  readonly op: 'ids' | 'seal' | 'check';
  /** The chunks' 32-byte names, one after another (strings cost a clone each). */
  readonly ids: Uint8Array;
  readonly lengths: number[];
  /** Where each piece starts in `data`; without it the pieces follow each other. */
  readonly offsets: number[] | null;
  readonly members: number[];
  readonly slots: number[];
  readonly framed: boolean;
  readonly data: ArrayBuffer;
  /** Send `data` back with the reply (the caller still needs it). */
  readonly giveBack: boolean;
}

export interface PoolReply {
  readonly job: number;
  readonly data: ArrayBuffer;
  /** Per result (a name, a sealed frame, a checked member); -1 for a member that is damaged. */
  readonly lengths: number[];
  /** The request's `data`, when it asked for it back. */
  readonly input: ArrayBuffer | null;
}

/**
 * A run of pages to rebuild: the worker reads each range of a pack (an open descriptor of this
 * process) itself and opens every page's chunk straight into one buffer, in page order.
 */
export interface PagesJob {
  readonly pageSize: number;
  readonly readFd: number[];
  readonly readOffset: number[];
  readonly readLength: number[];
  /** Per page: its read (-1 when the chunk is not listed), offset in that read, length. */
  readonly pageRead: Int32Array;
  readonly pageAt: Uint32Array;
  readonly pageLength: Uint32Array;
  /** Per page: its chunk's slot in the frame read there, or SINGLE. */
  readonly pageSlot: Uint32Array;
  /** The pages' chunk ids, 32 bytes each. */
  readonly ids: Uint8Array;
  /** False where each chunk's GCM tag already proves it (encrypted repositories). */
  readonly checkNames: boolean;
}

export interface PagesRequest extends PagesJob {
  readonly job: number;
  readonly op: 'pages';
  /** Where the pages go (at least pages × pageSize bytes): recycled, so no run allocates. */
  readonly data: ArrayBuffer;
}

export interface PagesReply {
  readonly job: number;
  /** The request's buffer, pages in order; pages listed in `failed` are left unwritten. */
  readonly data: ArrayBuffer;
  readonly failed: number[];
}

/** The first message every worker gets: the keys it seals and opens with. */
export interface KeysMessage {
  readonly op: 'keys';
  readonly keys: { readonly encKey: Uint8Array; readonly idKey: Uint8Array } | null;
}

/** Joins buffers into one fresh ArrayBuffer (one copy), ready to be transferred. */
export function joinForTransfer(parts: readonly (Buffer | null)[]): {
  data: ArrayBuffer;
  lengths: number[];
} {
  const lengths = parts.map((p) => (p ? p.length : -1));
  const data = new ArrayBuffer(lengths.reduce((n, l) => n + Math.max(0, l), 0));
  const view = new Uint8Array(data);
  let at = 0;
  for (const p of parts) {
    if (!p) continue;
    view.set(p, at);
    at += p.length;
  }
  return { data, lengths };
}

const NO_IDS = new Uint8Array(0);

function split(reply: PoolReply): (Buffer | null)[] {
  const all = Buffer.from(reply.data);
  let at = 0;
  return reply.lengths.map((len) => {
    if (len < 0) return null;
    const piece = all.subarray(at, at + len);
    at += len;
    return piece;
  });
}

export class ChunkPool {
  private readonly workers: Worker[] = [];
  private readonly busy = new Map<Worker, number>();
  private readonly waiting = new Map<
    number,
    { resolve: (reply: never) => void; reject: (e: Error) => void }
  >();
  private nextJob = 0;

  /** Resolves once every worker has its keys; jobs are posted after it. */
  private readonly ready: Promise<void>;

  /**
   * Keys may come later (a promise): the workers boot meanwhile, e.g. while the passphrase is
   * being stretched, and get the keys in their first message.
   */
  constructor(
    keys: MasterKeys | null | Promise<MasterKeys | null>,
    size = Math.min(4, Math.max(1, os.availableParallelism())),
  ) {
    for (let i = 0; i < size; i++) {
      const w = startWorker(import.meta.url, 'chunk-worker', null, resourceLimits);
      w.on('message', (reply: { job: number }) => {
        this.busy.set(w, (this.busy.get(w) ?? 1) - 1);
        const p = this.waiting.get(reply.job);
        this.waiting.delete(reply.job);
        p?.resolve(reply as never);
      });
      w.on('error', (err) => {
        for (const p of this.waiting.values()) p.reject(err);
        this.waiting.clear();
      });
      this.busy.set(w, 0);
      this.workers.push(w);
    }
    this.ready = Promise.resolve(keys).then((k) => {
      const message: KeysMessage = {
        op: 'keys',
        keys: k ? { encKey: new Uint8Array(k.encKey), idKey: new Uint8Array(k.idKey) } : null,
      };
      for (const w of this.workers) w.postMessage(message);
    });
    // Marked handled now; a failure (a wrong passphrase) surfaces where the keys are awaited.
    this.ready.catch(() => undefined);
  }

  /** Posts to the least busy worker; resolves with its reply. */
  private async post<R>(
    request: (job: number) => PoolRequest | PagesRequest,
    transfer: ArrayBuffer[],
  ): Promise<R> {
    await this.ready;
    const worker = this.workers.reduce((a, b) => (this.busy.get(b)! < this.busy.get(a)! ? b : a));
    this.busy.set(worker, this.busy.get(worker)! + 1);
    const job = this.nextJob++;
    return new Promise<R>((resolve, reject) => {
      this.waiting.set(job, { resolve, reject });
      worker.postMessage(request(job), transfer);
    });
  }

  /**
   * Sends pieces to a worker. Pieces that are all views of `handOver` (a buffer that owns its
   * whole memory) travel without a copy: the buffer is handed over, and given back when asked.
   * Otherwise they are copied into one buffer.
   */
  private async run(
    pieces: readonly Buffer[],
    request: Omit<PoolRequest, 'job' | 'lengths' | 'offsets' | 'data'>,
    handOver?: Buffer,
  ): Promise<{ results: (Buffer | null)[]; input: Buffer | null }> {
    const owned =
      handOver !== undefined &&
      handOver.byteOffset === 0 &&
      handOver.length === handOver.buffer.byteLength &&
      pieces.every((p) => p.buffer === handOver.buffer);
    const { data, lengths } = owned
      ? { data: handOver.buffer as ArrayBuffer, lengths: pieces.map((p) => p.length) }
      : joinForTransfer(pieces);
    const offsets = owned ? pieces.map((p) => p.byteOffset) : null;
    const reply = await this.post<PoolReply>(
      (job) => ({ ...request, job, lengths, offsets, data }),
      [data],
    );
    return { results: split(reply), input: reply.input && Buffer.from(reply.input) };
  }

  /**
   * The 32-byte names of the pages of `batch`, concatenated in page order. The batch is handed
   * to the worker and comes back as `batch` in the result: use that one afterwards.
   */
  async ids(batch: Buffer, pageSize: number): Promise<{ ids: Buffer; batch: Buffer }> {
    const pages: Buffer[] = [];
    for (let at = 0; at < batch.length; at += pageSize)
      pages.push(batch.subarray(at, at + pageSize));
    const named = await this.run(
      pages,
      { op: 'ids', ids: NO_IDS, members: [], slots: [], framed: false, giveBack: true },
      batch,
    );
    return { ids: Buffer.concat(named.results as Buffer[]), batch: named.input ?? batch };
  }

  /**
   * Seals chunks named `ids` (32 bytes each): in frames of `members[i]` chunks each when
   * `framed`, else each alone (then every entry of `members` is 1). One sealed buffer per frame,
   * in order. When the plains are views of `handOver`, it is handed to the worker and comes back
   * as `batch`, for the caller to use again.
   */
  async seal(
    ids: Buffer,
    plains: readonly Buffer[],
    members: number[],
    framed: boolean,
    handOver?: Buffer,
  ): Promise<{ sealed: Buffer[]; batch: Buffer | null }> {
    const giveBack = handOver !== undefined;
    const request = { op: 'seal' as const, ids, members, slots: [], framed, giveBack };
    const { results, input } = await this.run(plains, request, handOver);
    return { sealed: results as Buffer[], batch: input };
  }

  /**
   * Opens stored chunks and frames and checks each listed member against its name (see
   * PoolRequest); true per member that is good.
   */
  async check(
    stored: readonly Buffer[],
    members: number[],
    ids: string[],
    slots: number[],
  ): Promise<boolean[]> {
    const request = {
      op: 'check' as const,
      ids: Buffer.from(ids.join(''), 'hex'),
      members,
      slots,
      framed: true,
      giveBack: false,
    };
    const { results } = await this.run(stored, request);
    return results.map((r) => r !== null);
  }

  /** Rebuilds a run of pages (see PagesJob) into `data`, which is transferred and given back. */
  pages(pages: PagesJob, data: ArrayBuffer): Promise<PagesReply> {
    return this.post<PagesReply>((job) => ({ ...pages, job, op: 'pages', data }), [data]);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
