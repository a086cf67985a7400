/**
 * Finds Tillvault repositories by themselves, for a shop owner on a new or repaired computer
 * with the backup stick plugged in: under the given roots (removable drives, cloud folders, a
 * folder the owner picks, or the repository's own tillvault.json), a few levels deep. Reads only
 * what needs no key: the settings file's id and whether it is encrypted, and the backups' names,
 * which are their times. A stick is anyone's: nothing found there is followed as a link, no
 * file is read past its size limit, and the walk stops at a budget of folder entries.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { readPlaceFile } from '../fs/place-files.js';
import { repoConfigSchema } from '../repository/config.js';
import { CONFIG_FILE, isSnapshotId } from '../repository/layout.js';

export interface FoundRepository {
  /** The folder holding tillvault.json. */
  readonly path: string;
  readonly repositoryId: string;
  readonly encrypted: boolean;
  readonly backups: number;
  /** The newest backup's time (ISO 8601), from its name; null when it has none yet. */
  readonly newestAt: string | null;
}

export interface FindOptions {
  /** Folder levels below each root that are looked into; default 4. */
  maxDepth?: number;
  /** Folder entries looked at over all roots together; default 20000. */
  maxEntries?: number;
}

/** Trees that never hold backups and are large: system and tool folders. */
const SKIP = new Set([
  'node_modules',
  '.git',
  '$recycle.bin',
  'system volume information',
  '.trash',
  '.trashes',
  '.spotlight-v100',
  '.fseventsd',
  'windows',
  'program files',
  'program files (x86)',
  'proc',
  'sys',
  'dev',
]);

/** "20261207T110302159Z-…" → "2026-12-07T11:03:02.159Z". */
function timeOfId(id: string): string {
  const s = id.slice(0, 18);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`;
}

async function repositoryAt(dir: string): Promise<FoundRepository | null> {
  const text = await readPlaceFile(path.join(dir, CONFIG_FILE), 'config').then(
    (b) => b.toString('utf8'),
    () => null,
  );
  if (text === null) return null;
  let parsed;
  try {
    parsed = repoConfigSchema.safeParse(JSON.parse(text));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const ids = (await fs.readdir(path.join(dir, 'snapshots')).catch(() => [] as string[]))
    .filter(isSnapshotId)
    .sort();
  return {
    path: dir,
    repositoryId: parsed.data.id,
    encrypted: parsed.data.encryption !== null,
    backups: ids.length,
    newestAt: ids.length > 0 ? timeOfId(ids.at(-1)!) : null,
  };
}

/**
 * Every repository under the roots, newest backup first; the same repository reached twice (a
 * root inside another) once. A root may be the repository itself or its tillvault.json.
 */
export async function findRepositories(
  roots: readonly string[],
  opts: FindOptions = {},
): Promise<FoundRepository[]> {
  const maxDepth = opts.maxDepth ?? 4;
  let budget = opts.maxEntries ?? 20_000;
  const found = new Map<string, FoundRepository>();
  const queue: { dir: string; depth: number }[] = roots.map((r) => {
    const resolved = path.resolve(r);
    return {
      dir: path.basename(resolved) === CONFIG_FILE ? path.dirname(resolved) : resolved,
      depth: 0,
    };
  });
  while (queue.length > 0 && budget > 0) {
    const { dir, depth } = queue.shift()!;
    const repo = await repositoryAt(dir);
    if (repo) {
      found.set(repo.path, repo);
      continue;
    }
    if (depth >= maxDepth) continue;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => [] as Dirent[]);
    for (const e of entries.slice(0, budget)) {
      // Links are not followed: a stick's link to / must not walk the computer.
      if (e.isDirectory() && !SKIP.has(e.name.toLowerCase())) {
        queue.push({ dir: path.join(dir, e.name), depth: depth + 1 });
      }
    }
    budget -= entries.length;
  }
  return [...found.values()].sort((a, b) => (b.newestAt ?? '').localeCompare(a.newestAt ?? ''));
}
