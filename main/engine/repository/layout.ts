/**
 * Where things live inside a destination folder. Names come only from here, never from a
 * manifest: every name read back is checked against these patterns before it becomes a path.
 */
import path from 'node:path';
import { TillvaultError } from '../errors.js';
import { TIME_ID } from './manifest.js';

export const CONFIG_FILE = 'tillvault.json';
export const DIRS = ['data', 'index', 'snapshots', 'locks', 'log'] as const;

const HEX64 = /^[0-9a-f]{64}$/;
const LOCK_ID = /^[0-9a-f]{16}$/;

export function isHex64(name: string): boolean {
  return HEX64.test(name);
}

export function isSnapshotId(name: string): boolean {
  return TIME_ID.test(name);
}

export function isLogId(name: string): boolean {
  return TIME_ID.test(name);
}

export function isLockId(name: string): boolean {
  return LOCK_ID.test(name);
}

function checked(ok: boolean, what: string, name: string): void {
  if (!ok) throw new TillvaultError('DAMAGED', `Refusing a malformed ${what} name: ${name}`);
}

export class RepoLayout {
  constructor(readonly root: string) {}

  config(): string {
    return path.join(this.root, CONFIG_FILE);
  }
  dir(kind: (typeof DIRS)[number]): string {
    return path.join(this.root, kind);
  }
  /** Packs are spread over 256 folders so no folder grows huge (FAT32, cloud clients). */
  pack(id: string): string {
    checked(isHex64(id), 'pack', id);
    return path.join(this.root, 'data', id.slice(0, 2), id);
  }
  index(id: string): string {
    checked(isHex64(id), 'index', id);
    return path.join(this.root, 'index', id);
  }
  snapshot(id: string): string {
    checked(isSnapshotId(id), 'snapshot', id);
    return path.join(this.root, 'snapshots', id);
  }
  log(id: string): string {
    checked(isLogId(id), 'log entry', id);
    return path.join(this.root, 'log', id);
  }
  lock(id: string): string {
    checked(isLockId(id), 'lock', id);
    return path.join(this.root, 'locks', `${id}.json`);
  }
  /** Space set aside for the lock of a prune on a full place (see lock.ts). */
  reserve(): string {
    return path.join(this.root, 'locks', 'reserve');
  }
}
