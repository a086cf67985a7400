/**
 * Finds SQLite files on this computer that look like a POS / membership-cashier database, so the
 * first-time setup wizard can say "we found these databases" instead of asking a shop owner to
 * know where their till keeps its data. Plain Node (no Electron): the main process and the test
 * host both use it.
 *
 * Everything here only reads: directories are listed, 16 header bytes are read, and candidate
 * files are opened read-only with query_only set, for a schema read that takes milliseconds.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { classifyTables } from '../engine/source/classify/classify.js';
import { readTableShapes, type TableShape } from '../engine/source/schema.js';
import { DATA_TYPES, type DataType } from '../engine/data-types.js';

export interface CandidateSearch {
  roots: string[];
  /** Directory levels below each root that are listed (the root itself is level 0); default 4. */
  maxDepth?: number;
  /** Stop scanning after this many directory entries, over all roots together; default 20000. */
  maxFiles?: number;
  /**
   * Aborting stops the scan and resolves with the candidates scored so far (it never rejects),
   * so `AbortSignal.timeout(ms)` works as a time budget for the wizard.
   */
  signal?: AbortSignal;
}

export interface Candidate {
  path: string;
  name: string;
  bytes: number;
  /** Last modification, ISO 8601. */
  modified: string;
  score: number;
  /** User tables in the database. */
  tables: number;
  /** The data types found, in the usual order: 'members', 'sales', 'products', 'staff', 'logs'. */
  reasons: string[];
}

export interface CandidateEnvironment {
  platform: NodeJS.Platform;
  home: string;
  env: Record<string, string | undefined>;
}

const DEFAULT_MAX_DEPTH = 4;
const DEFAULT_MAX_FILES = 20_000;
const MAX_RESULTS = 10;
/** SQLite's own minimum is one 512-byte page, but anything this small holds no shop. */
const MIN_BYTES = 4096;
const MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const EXTENSIONS = ['.db', '.sqlite', '.sqlite3', '.db3', '.s3db'];
const SIDE_FILES = ['-wal', '-shm', '-journal'];

/**
 * Folders never worth entering, compared lower-cased: tooling, operating-system and cache trees
 * are large and never hold the till's live database.
 */
const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  'windows',
  'program files',
  'program files (x86)',
  '$recycle.bin',
  'system volume information',
  'proc',
  'sys',
  'dev',
  'temp',
  'cache',
  'caches',
  'code cache',
  'gpucache',
]);
/** Hidden folders that are where Linux programs keep their data (the AppData of Linux). */
const HIDDEN_ALLOWED = new Set(['.local', '.config', '.var']);

/** A live till's file changes daily; old copies of the same schema should rank below it. */
const DAY_MS = 86_400_000;
function recencyBonus(modifiedMs: number, nowMs: number): number {
  const age = nowMs - modifiedMs;
  if (age <= 7 * DAY_MS) return 2;
  if (age <= 30 * DAY_MS) return 1;
  return 0;
}

const WEIGHTS: Record<DataType, number> = {
  sales: 3,
  members: 3,
  products: 2,
  staff: 1,
  logs: 0,
  other: 0,
};
/** Only these make a file POS-like; users/settings/log tables alone are in every other app. */
const POS_TYPES: ReadonlySet<DataType> = new Set(['members', 'sales', 'products']);

/**
 * The usual places a POS keeps its database, per OS. Pure (the caller passes platform, home and
 * environment) so it is testable anywhere; missing folders are simply skipped by the scan.
 * Whole drives (C:\) are not included: too slow, and installers put data in the folders below.
 */
export function defaultCandidateRoots({ platform, home, env }: CandidateEnvironment): string[] {
  const roots: string[] = [];
  if (platform === 'win32') {
    const p = path.win32;
    // Windows environment names are case-insensitive (ProgramData vs PROGRAMDATA).
    const lower = new Map(Object.entries(env).map(([k, v]) => [k.toLowerCase(), v]));
    const get = (name: string): string | undefined => lower.get(name.toLowerCase()) || undefined;
    const userHome = home || get('USERPROFILE');
    if (userHome) roots.push(p.join(userHome, 'Documents'), p.join(userHome, 'Desktop'));
    // OneDrive folder backup moves Documents and Desktop there on many new PCs.
    const oneDrive = get('OneDrive');
    if (oneDrive) roots.push(p.join(oneDrive, 'Documents'), p.join(oneDrive, 'Desktop'));
    const local = get('LOCALAPPDATA') ?? (userHome && p.join(userHome, 'AppData', 'Local'));
    const roaming = get('APPDATA') ?? (userHome && p.join(userHome, 'AppData', 'Roaming'));
    const programData =
      get('ProgramData') ??
      get('ALLUSERSPROFILE') ??
      p.join(get('SystemDrive') ?? 'C:', '\\ProgramData');
    const publicDir = get('PUBLIC');
    for (const dir of [local, roaming, programData]) if (dir) roots.push(dir);
    if (publicDir) roots.push(p.join(publicDir, 'Documents'));
    return unique(roots, true);
  }
  const p = path.posix;
  const userHome = p.isAbsolute(home) ? home : null;
  if (userHome) roots.push(p.join(userHome, 'Documents'), p.join(userHome, 'Desktop'));
  if (platform === 'darwin') {
    if (userHome) roots.push(p.join(userHome, 'Library', 'Application Support'));
  } else {
    const dataHome = env['XDG_DATA_HOME'];
    if (dataHome && p.isAbsolute(dataHome)) roots.push(dataHome);
    else if (userHome) roots.push(p.join(userHome, '.local', 'share'));
    roots.push('/var/lib', '/opt');
  }
  return unique(roots, false);
}

function unique(paths: string[], caseInsensitive: boolean): string[] {
  const seen = new Set<string>();
  return paths.filter((p) => {
    const key = caseInsensitive ? p.toLowerCase() : p;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Walks the roots breadth-first (all roots together, so one huge folder cannot use up the entry
 * budget before the others' top levels are seen) and scores every SQLite file it meets. Sorted
 * best first, at most 10.
 */
export async function findCandidates(search: CandidateSearch): Promise<Candidate[]> {
  const maxDepth = search.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxFiles = search.maxFiles ?? DEFAULT_MAX_FILES;
  const { signal } = search;
  const caseInsensitive = process.platform === 'win32' || process.platform === 'darwin';
  const key = (p: string): string => (caseInsensitive ? p.toLowerCase() : p);
  const visited = new Set<string>();
  const seenFiles = new Set<string>();
  const found: Candidate[] = [];
  const nowMs = Date.now();
  let entries = 0;

  let queue = search.roots.map((root) => ({ dir: path.resolve(root), depth: 0 }));
  scan: while (queue.length > 0) {
    const next: typeof queue = [];
    for (const { dir, depth } of queue) {
      if (signal?.aborted) break scan;
      // Overlapping roots (a folder and its parent) must not be listed or reported twice.
      if (visited.has(key(dir))) continue;
      visited.add(key(dir));
      for await (const entry of entriesOf(dir)) {
        if (signal?.aborted || entries >= maxFiles) break scan;
        entries++;
        const full = path.join(dir, entry.name);
        const kind = await kindOf(entry, full);
        if (kind === 'dir') {
          if (depth < maxDepth && wantDir(entry.name)) next.push({ dir: full, depth: depth + 1 });
        } else if (kind === 'file' && wantFile(entry.name) && !seenFiles.has(key(full))) {
          seenFiles.add(key(full));
          const candidate = await inspect(full, nowMs);
          if (candidate) found.push(candidate);
        }
      }
    }
    queue = next;
  }

  return found
    .sort(
      (a, b) =>
        b.score - a.score || b.modified.localeCompare(a.modified) || a.path.localeCompare(b.path),
    )
    .slice(0, MAX_RESULTS);
}

/**
 * A folder's entries, read lazily so the entry budget also bounds huge folders. A folder that
 * cannot be read yields what it gave so far: missing roots (ENOENT), other users' folders
 * (EACCES/EPERM) and folders vanishing mid-scan are normal on a real disk, not errors.
 */
async function* entriesOf(dir: string): AsyncGenerator<Dirent> {
  try {
    // Breaking out of the caller's loop closes the handle through the for-await below.
    for await (const entry of await fs.opendir(dir)) yield entry;
  } catch (err) {
    if (!isFsError(err)) throw err;
  }
}

function isFsError(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException | null)?.code === 'string';
}

/** Symbolic links (and Windows junctions) are never followed: they loop and leave the roots. */
async function kindOf(entry: Dirent, full: string): Promise<'dir' | 'file' | 'other'> {
  if (entry.isSymbolicLink()) return 'other';
  if (entry.isDirectory()) return 'dir';
  if (entry.isFile()) return 'file';
  // Some network file systems report no type in the listing; ask the file itself.
  if (entry.isBlockDevice() || entry.isCharacterDevice() || entry.isFIFO() || entry.isSocket()) {
    return 'other';
  }
  try {
    const st = await fs.lstat(full);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch {
    return 'other';
  }
}

function wantDir(name: string): boolean {
  const lower = name.toLowerCase();
  if (SKIP_DIRS.has(lower)) return false;
  return !name.startsWith('.') || HIDDEN_ALLOWED.has(lower);
}

/** A SQLite extension, or none at all (many POS name theirs "data" or "POSDB"). */
function wantFile(name: string): boolean {
  const lower = name.toLowerCase();
  if (SIDE_FILES.some((s) => lower.endsWith(s))) return false;
  const ext = path.extname(lower);
  return ext === '' || EXTENSIONS.includes(ext);
}

/** Reads the header and the schema; null for anything that is not a readable POS-like database. */
async function inspect(file: string, nowMs: number): Promise<Candidate | null> {
  let bytes: number;
  let modified: Date;
  try {
    const handle = await fs.open(file, 'r');
    try {
      const st = await handle.stat();
      if (!st.isFile() || st.size < MIN_BYTES) return null;
      const head = Buffer.alloc(MAGIC.length);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      // The extension says nothing: Thumbs.db and many ".db" files are not SQLite.
      if (bytesRead < head.length || !head.equals(MAGIC)) return null;
      bytes = st.size;
      modified = st.mtime;
    } finally {
      await handle.close();
    }
  } catch (err) {
    if (isFsError(err)) return null;
    throw err;
  }

  const shapes = shapesOf(file);
  if (!shapes) return null;
  const classified = classifyTables(shapes);
  const found = new Set(classified.map((c) => c.type));
  if (![...found].some((t) => POS_TYPES.has(t))) return null;
  const tableScore = classified.reduce((sum, c) => sum + WEIGHTS[c.type], 0);
  return {
    path: file,
    name: path.basename(file),
    bytes,
    modified: modified.toISOString(),
    score: tableScore + recencyBonus(modified.getTime(), nowMs),
    tables: shapes.length,
    reasons: DATA_TYPES.filter((t) => t !== 'other' && found.has(t)),
  };
}

/**
 * The schema only (engine/source/schema.ts). Counting rows would read whole indexes and, in
 * rollback-journal mode, hold a read lock that makes the till's writes wait; the schema is all a
 * guess needs. Null when the file cannot be opened or read (locked, encrypted past the header,
 * damaged).
 */
function shapesOf(file: string): TableShape[] | null {
  let db: Database.Database | null = null;
  try {
    // Like any SQLite reader, this leaves empty -wal/-shm files beside a WAL-mode database that
    // had none; they are not removed, because the till may have opened them in the meantime.
    // A short busy timeout: a till holding a write lock should not stall the scan for seconds.
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 500 });
    db.pragma('query_only = 1');
    return readTableShapes(db);
  } catch {
    return null;
  } finally {
    db?.close();
  }
}
