/**
 * A repository in one destination folder: config and keys, chunk sealing, the index, packs,
 * manifests. The folder alone plus the passphrase (or recovery key) is enough to restore.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  SINGLE,
  chunkId,
  frameMember,
  openChunk,
  openFrame,
  openStored,
  sealFrame,
} from './chunk.js';
import { open, seal, sha256, type MasterKeys } from './crypto.js';
import {
  BlobIndex,
  encodeIndex,
  indexVersion,
  type BlobLocation,
  type PackEntries,
} from './blob-index.js';
import { TillvaultError, toTillvaultError } from '../errors.js';
import { manifestProblem, manifestSchema, type Manifest } from './manifest.js';
import { writeOnce, TEMP_MARK } from '../fs/atomic-file.js';
import {
  FORMAT_VERSION,
  createRepoConfig,
  parseRepoConfig,
  unlockRepoConfig,
  type Credential,
  type RepoConfig,
  type RepoFormat,
} from './config.js';
import { DIRS, RepoLayout, isHex64, isSnapshotId } from './layout.js';
import { makeFolder } from '../fs/folders.js';
import {
  checkPlaceFolder,
  makePlaceFolder,
  openPlaceFile,
  readPlaceFile,
} from '../fs/place-files.js';

/** Pack files kept open at once; well under every OS's default descriptor limit. */
const MAX_OPEN_PACKS = 64;

export type RepoState = 'repository' | 'empty' | 'missing' | 'foreign';

/** What a destination folder holds, without unlocking anything. */
export async function inspectDestination(root: string): Promise<RepoState> {
  const entries = await fs.readdir(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw toTillvaultError(err, root);
  });
  if (entries === null) return 'missing';
  if (entries.includes('tillvault.json')) return 'repository';
  const visible = entries.filter((e) => !e.startsWith('.') && e !== 'desktop.ini');
  if (await isUnfinishedStart(root, visible)) return 'empty';
  // Another run may have finished setting the place up while its folders were looked at.
  const now = await fs.readdir(root).catch(() => [] as string[]);
  return now.includes('tillvault.json') ? 'repository' : 'foreign';
}

/**
 * Nothing, or only what a first backup killed while it set the place up leaves: our empty
 * folders and a half-written settings file. Such a place is taken as empty, not as someone
 * else's files the owner would have to clear by hand.
 */
async function isUnfinishedStart(root: string, entries: readonly string[]): Promise<boolean> {
  for (const e of entries) {
    if (e.startsWith(`tillvault.json${TEMP_MARK}`)) continue;
    if (!(DIRS as readonly string[]).includes(e)) return false;
    const inside = await fs.readdir(path.join(root, e)).catch(() => null);
    if (inside === null || inside.length > 0) return false;
  }
  return true;
}

export class Repository {
  readonly layout: RepoLayout;
  private index: BlobIndex | null = null;
  /** Open packs, shared by concurrent reads; `users` keeps a handle open while it is read. */
  private readonly handles = new Map<string, { handle: Promise<fs.FileHandle>; users: number }>();

  private constructor(
    root: string,
    readonly config: RepoConfig,
    readonly configText: string,
    private readonly keys: MasterKeys | null,
  ) {
    this.layout = new RepoLayout(root);
  }

  get root(): string {
    return this.layout.root;
  }

  get id(): string {
    return this.config.id;
  }

  get encrypted(): boolean {
    return this.keys !== null;
  }

  /** The repository format: 1 seals every chunk alone, 2 seals frames of chunks (chunk.ts). */
  get format(): number {
    return this.config.version;
  }

  static async open(root: string, credential: Credential): Promise<Repository> {
    const layout = new RepoLayout(root);
    const raw = await readPlaceFile(layout.config(), 'config').catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') {
          throw new TillvaultError('NOT_A_REPOSITORY', `No Tillvault backups in ${root}.`);
        }
        throw toTillvaultError(err, root);
      },
    );
    const text = raw.toString('utf8');
    const config = parseRepoConfig(text);
    const keys = await unlockRepoConfig(config, credential);
    // Files are written into these folders and read from them: a link there would take either
    // out of the place.
    for (const d of DIRS) await checkPlaceFolder(layout.dir(d));
    return new Repository(root, config, text, keys);
  }

  /**
   * A new repository with new keys; returns the recovery key to show once. `format` is for tests
   * that need a repository as an earlier version made it.
   */
  static async init(
    root: string,
    passphrase: string | null,
    format: RepoFormat = FORMAT_VERSION,
  ): Promise<{ repo: Repository; recoveryKey: string | null }> {
    const created = await createRepoConfig(passphrase, format);
    const text = JSON.stringify(created.config, null, 2);
    await Repository.writeSkeleton(root, text);
    return {
      repo: new Repository(root, created.config, text, created.keys),
      recoveryKey: created.recoveryKey,
    };
  }

  /**
   * These keys and settings read at `root`, with nothing written there: how repair looks at a
   * copy whose own settings file is damaged or gone.
   */
  viewAt(root: string): Repository {
    return new Repository(root, this.config, this.configText, this.keys);
  }

  /** Makes `root` another copy of an existing repository (same keys and chunk names). */
  async cloneInto(root: string): Promise<Repository> {
    await Repository.writeSkeleton(root, this.configText);
    return new Repository(root, this.config, this.configText, this.keys);
  }

  private static async writeSkeleton(root: string, configText: string): Promise<void> {
    // Never create missing parents: an unplugged drive leaves an empty mount point or none.
    const layout = new RepoLayout(root);
    try {
      await makeFolder(root);
      for (const d of DIRS) await makePlaceFolder(layout.dir(d));
      await writeOnce(layout.config(), configText);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new TillvaultError(
          'REPO_LOCKED',
          `Another backup set up ${root} at the same moment, with its own keys; this one stored nothing there. Run it again: it will add to those backups.`,
          { cause: err },
        );
      }
      throw toTillvaultError(err, root);
    }
  }

  /**
   * Undoes `init`/`cloneInto` when the run that made the repository failed before storing
   * anything. Only our own files go; the folder the user chose stays.
   */
  async discardNew(): Promise<void> {
    for (const d of DIRS) await fs.rm(this.layout.dir(d), { recursive: true, force: true });
    await fs.rm(this.layout.config(), { force: true });
  }

  // --- chunks -------------------------------------------------------------------------------

  /** The master keys, for the worker threads that seal and open chunks; null when unencrypted. */
  get masterKeys(): MasterKeys | null {
    return this.keys;
  }

  blobId(plain: Buffer): string {
    return chunkId(this.keys, plain);
  }

  /** Opens chunk `id` from the bytes its index entry points at; null when damaged. */
  openBlob(id: string, stored: Buffer, slot: number): Buffer | null {
    return openStored(this.keys, id, stored, slot);
  }

  /**
   * The chunks `keep` wants among those stored where an index entry of `id` at `slot` points:
   * that chunk alone, or the good members of a frame (named by the frame itself). A frame whose
   * other members are not wanted is sealed again without them, so prune frees their space and
   * repair copies no more than it needs. Null when nothing wanted opens.
   */
  extract(
    id: string,
    stored: Buffer,
    slot: number,
    keep: (id: string) => boolean,
  ): { stored: Buffer; members: { id: string; slot: number }[] } | null {
    if (slot === SINGLE) {
      return keep(id) && openChunk(this.keys, id, stored)
        ? { stored, members: [{ id, slot }] }
        : null;
    }
    const frame = openFrame(this.keys, stored);
    if (!frame) return null;
    const ids: Buffer[] = [];
    const plains: Buffer[] = [];
    for (let i = 0; i < frame.count; i++) {
      const name = frame.ids.subarray(i * 32, i * 32 + 32);
      const plain = frameMember(this.keys, frame, name, i, !this.keys);
      if (plain && keep(name.toString('hex'))) {
        ids.push(name);
        plains.push(plain);
      }
    }
    if (ids.length === 0) return null;
    const members = ids.map((name, i) => ({ id: name.toString('hex'), slot: i }));
    if (ids.length === frame.count) return { stored, members };
    return { stored: sealFrame(this.keys, Buffer.concat(ids), plains), members };
  }

  sealFile(aad: string, data: Buffer): Buffer {
    return this.keys ? seal(this.keys.encKey, data, Buffer.from(aad)) : data;
  }

  openFile(aad: string, data: Buffer): Buffer | null {
    return this.keys ? open(this.keys.encKey, data, Buffer.from(aad)) : data;
  }

  // --- index --------------------------------------------------------------------------------

  async listNames(kind: 'index' | 'snapshots' | 'log'): Promise<string[]> {
    const names = await fs.readdir(this.layout.dir(kind)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw toTillvaultError(err, this.root);
    });
    return names.filter((n) => !n.includes(TEMP_MARK)).sort();
  }

  /** An index file's encoded content, checked against its name and opened. */
  async readIndexFile(name: string): Promise<Buffer> {
    const raw = await readPlaceFile(this.layout.index(name), 'index');
    const plain = sha256(raw).toString('hex') === name ? this.openFile('index', raw) : null;
    if (!plain) throw new TillvaultError('DAMAGED', `Index file ${name} is damaged.`);
    return plain;
  }

  /**
   * Loads every index file. A damaged one is reported through `onDamage` and skipped; the
   * chunks it listed then count as missing, which verify reports and repair fixes.
   */
  async loadIndex(onDamage?: (name: string, err: TillvaultError) => void): Promise<BlobIndex> {
    const index = new BlobIndex();
    for (const name of await this.listNames('index')) {
      if (!isHex64(name)) continue;
      try {
        index.addEncoded(await this.readIndexFile(name), name);
      } catch (err) {
        const e = toTillvaultError(err, name);
        if (e.code !== 'DAMAGED' || !onDamage) throw e;
        onDamage(name, e);
      }
    }
    this.index = index;
    return index;
  }

  /**
   * The loaded index, or every index file that opens. A damaged index file must not stop a
   * restore of backups whose chunks are listed elsewhere (a chunk found nowhere is named as
   * missing); prune, which deletes what the index does not list, loads strictly itself.
   */
  async getIndex(): Promise<BlobIndex> {
    return this.index ?? this.loadIndex(() => undefined);
  }

  /**
   * Writes an index file. `remember: false` leaves the loaded index as it was: a backup that
   * ends right after does not need a quarter of a million new entries in memory.
   */
  async writeIndexFile(packs: readonly PackEntries[], remember = true): Promise<string> {
    return this.writeEncodedIndex(encodeIndex(packs, indexVersion(this.format)), remember);
  }

  /** Writes an index file from its encoded content (see blob-index.ts). */
  async writeEncodedIndex(plain: Buffer, remember = true): Promise<string> {
    const sealed = this.sealFile('index', plain);
    const name = sha256(sealed).toString('hex');
    await writeOnce(this.layout.index(name), sealed);
    if (remember) this.index?.addEncoded(plain, name);
    return name;
  }

  /**
   * Replaces all index files by one that lists the entries `keep` accepts. The new file is on
   * disk before any old one goes, so a crash leaves duplicates at worst, never a gap.
   */
  async rewriteIndex(keep: (id: string, loc: BlobLocation) => boolean): Promise<void> {
    const index = await this.getIndex();
    const oldNames = await this.listNames('index');
    const packs = new Map<string, PackEntries['blobs']>();
    for (const id of index.ids()) {
      const locations = index.locations(id);
      for (const [i, loc] of locations.entries()) {
        if (!keep(id, loc)) continue;
        // One entry per place: index files written twice (a crash mid-prune) list some twice.
        const twice = locations
          .slice(0, i)
          .some((l) => l.pack === loc.pack && l.offset === loc.offset && l.slot === loc.slot);
        if (twice) continue;
        const list = packs.get(loc.pack) ?? [];
        list.push({ id, offset: loc.offset, length: loc.length, slot: loc.slot });
        packs.set(loc.pack, list);
      }
    }
    const entries = [...packs].map(([pack, blobs]) => ({ pack, blobs }));
    const fresh = await this.writeIndexFile(entries);
    for (const name of oldNames) {
      if (name !== fresh) await fs.rm(this.layout.index(name), { force: true });
    }
    const rebuilt = new BlobIndex();
    rebuilt.add(entries, fresh);
    this.index = rebuilt;
  }

  async readAt(loc: BlobLocation): Promise<Buffer> {
    let open = this.handles.get(loc.pack);
    if (!open) {
      if (this.handles.size >= MAX_OPEN_PACKS) await this.closeIdleHandles();
      open = { handle: this.openPack(loc.pack), users: 0 };
      this.handles.set(loc.pack, open);
      open.handle.catch(() => this.handles.delete(loc.pack));
    }
    open.users++;
    try {
      const handle = await open.handle;
      const buf = Buffer.allocUnsafe(loc.length);
      const { bytesRead } = await handle.read(buf, 0, loc.length, loc.offset);
      return bytesRead === loc.length ? buf : buf.subarray(0, bytesRead);
    } finally {
      open.users--;
    }
  }

  /** Data folders checked to be real folders, so each is looked at once per operation. */
  private readonly checkedPackFolders = new Set<string>();

  /** Opens a pack file for reading: a regular file, in a data folder that is not a link. */
  async openPack(pack: string): Promise<fs.FileHandle> {
    const file = this.layout.pack(pack);
    const folder = path.dirname(file);
    if (!this.checkedPackFolders.has(folder)) {
      await checkPlaceFolder(folder);
      this.checkedPackFolders.add(folder);
    }
    return openPlaceFile(file, 'pack');
  }

  /** A whole pack file, as verify reads it. */
  async readPack(pack: string): Promise<Buffer> {
    const handle = await this.openPack(pack);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  private async closeIdleHandles(): Promise<void> {
    for (const [pack, open] of this.handles) {
      if (open.users > 0) continue;
      this.handles.delete(pack);
      await open.handle.then((h) => h.close()).catch(() => undefined);
    }
  }

  /** Reads a chunk from the first copy that is intact. */
  async readBlob(id: string): Promise<Buffer> {
    const index = await this.getIndex();
    const locations = index.locations(id);
    // Missing when no copy could even be read (no index entry, or its pack file is gone), as
    // verify names it; damaged when a copy was read and failed its check.
    let read = false;
    for (const loc of locations) {
      const stored = await this.readAt(loc).catch(() => null);
      read ||= stored !== null;
      const plain = stored && this.openBlob(id, stored, loc.slot);
      if (plain) return plain;
    }
    throw new TillvaultError(
      'DAMAGED',
      read
        ? `Chunk ${id.slice(0, 12)} is damaged in ${this.root}.`
        : `Chunk ${id.slice(0, 12)} is missing from ${this.root}.`,
    );
  }

  /** Called when an operation is over, so no read is in flight. */
  async closeHandles(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(all.map((o) => o.handle.then((h) => h.close()).catch(() => undefined)));
  }

  async packFileNames(): Promise<string[]> {
    const out: string[] = [];
    const dataDir = this.layout.dir('data');
    for (const sub of await fs.readdir(dataDir).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      await checkPlaceFolder(path.join(dataDir, sub));
      // A pipe or a link under a pack's name is no pack: its chunks count as not held.
      for (const e of await fs.readdir(path.join(dataDir, sub), { withFileTypes: true })) {
        if (e.isFile() && isHex64(e.name) && e.name.startsWith(sub)) out.push(e.name);
      }
    }
    return out;
  }

  // --- snapshots ----------------------------------------------------------------------------

  async listSnapshotIds(): Promise<string[]> {
    return (await this.listNames('snapshots')).filter(isSnapshotId);
  }

  async readManifest(id: string): Promise<Manifest> {
    const raw = await this.readManifestBytes(id);
    const plain = this.openFile(`snapshot:${id}`, raw);
    if (!plain) throw new TillvaultError('DAMAGED', `The record of backup ${id} is damaged.`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(plain.toString('utf8'));
    } catch {
      throw new TillvaultError('DAMAGED', `The record of backup ${id} is damaged.`);
    }
    const result = manifestSchema.safeParse(parsed);
    if (!result.success || result.data.id !== id) {
      throw new TillvaultError('DAMAGED', `The record of backup ${id} is damaged.`);
    }
    const problem = manifestProblem(result.data);
    if (problem) {
      throw new TillvaultError('DAMAGED', `The record of backup ${id} cannot be used: ${problem}.`);
    }
    return result.data;
  }

  /** A manifest file as stored (sealed), for repair to copy to another place. */
  async readManifestBytes(id: string): Promise<Buffer> {
    return readPlaceFile(this.layout.snapshot(id), 'snapshot').catch(
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') {
          throw new TillvaultError('SNAPSHOT_NOT_FOUND', `There is no backup ${id} here.`);
        }
        throw toTillvaultError(err, this.root);
      },
    );
  }

  async writeManifest(m: Manifest): Promise<void> {
    const data = Buffer.from(JSON.stringify(m));
    await writeOnce(this.layout.snapshot(m.id), this.sealFile(`snapshot:${m.id}`, data));
  }

  /** Reads all manifests; damaged ones are returned separately so listing never fails whole. */
  async readAllManifests(): Promise<{
    manifests: Manifest[];
    damaged: { id: string; error: string }[];
  }> {
    const manifests: Manifest[] = [];
    const damaged: { id: string; error: string }[] = [];
    for (const id of await this.listSnapshotIds()) {
      try {
        manifests.push(await this.readManifest(id));
      } catch (err) {
        const e = toTillvaultError(err, this.root);
        if (e.code !== 'DAMAGED') throw e;
        damaged.push({ id, error: e.message });
      }
    }
    return { manifests, damaged };
  }

  /** The page chunk ids of a snapshot, 32 bytes each, in page order. */
  async pageIdBytes(m: Manifest): Promise<Buffer> {
    const groups: Buffer[] = [];
    for (const group of m.pageGroups) {
      const raw = await this.readBlob(group);
      if (raw.length % 32 !== 0) {
        throw new TillvaultError('DAMAGED', `Page list ${group} is damaged.`);
      }
      groups.push(raw);
    }
    const ids = Buffer.concat(groups);
    if (ids.length !== m.database.pageCount * 32) {
      throw new TillvaultError('DAMAGED', `The page list of backup ${m.id} is incomplete.`);
    }
    return ids;
  }

  /** The page chunk ids of a snapshot as hex, in page order. */
  async pageIds(m: Manifest): Promise<string[]> {
    const raw = await this.pageIdBytes(m);
    const ids: string[] = [];
    for (let i = 0; i < raw.length; i += 32) ids.push(raw.toString('hex', i, i + 32));
    return ids;
  }
}
