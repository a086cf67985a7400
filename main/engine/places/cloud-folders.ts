/**
 * Cloud sync folders on this computer (Dropbox, OneDrive, Google Drive, iCloud Drive, Nutstore,
 * Baidu Netdisk), found from the clients' own config files or their well-known locations, so a
 * backup place inside one can be labelled "handed to Dropbox" and the user told when the client
 * that would upload it is not running. Plain Node: no Electron, no network.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runningProcessNames } from './processes.js';

export const CLOUD_PROVIDERS = [
  'dropbox',
  'onedrive',
  'google-drive',
  'icloud',
  'nutstore',
  'baidu',
] as const;
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];

export interface CloudFolder {
  provider: CloudProvider;
  /** "Dropbox", "OneDrive - Contoso", "Google Drive", "iCloud Drive", "Nutstore (坚果云)", ... */
  name: string;
  path: string;
  /** Whether the client that uploads this folder is running; null when it cannot be known. */
  clientRunning: boolean | null;
}

export interface CloudEnvironment {
  platform: NodeJS.Platform;
  home: string;
  env: Record<string, string | undefined>;
  /** names of running processes, lower-case, when known */
  processes?: readonly string[] | null;
}

const NUTSTORE = 'Nutstore (坚果云)';
const BAIDU = 'Baidu Netdisk sync (百度网盘同步空间)';

/** Process names of each client across Windows, macOS and Linux. */
const CLIENT_PROCESSES: Record<CloudProvider, readonly string[]> = {
  dropbox: ['dropbox', 'dropbox.exe'],
  onedrive: ['onedrive', 'onedrive.exe'],
  'google-drive': ['googledrivefs.exe', 'google drive', 'googledrivefs'],
  // bird is the macOS daemon that syncs iCloud Drive; there is no "iCloud Drive" app process.
  icloud: ['icloud drive', 'iclouddrive.exe', 'bird'],
  nutstore: ['nutstore', 'nutstore.exe', 'nutstoreclient'],
  baidu: ['baidunetdisk.exe', 'baidunetdisk'],
};

interface Candidate {
  provider: CloudProvider;
  name: string;
  path: string;
}

/**
 * The path rules for a folder of the target OS. A Windows environment simulated on a POSIX host
 * (tests) hands in POSIX-absolute folders; win32 rules would turn "/tmp/x" into "\tmp\x", which
 * this host cannot open, so such a base keeps POSIX rules. On real Windows nothing changes.
 */
function rulesFor(platform: NodeJS.Platform, base: string): path.PlatformPath {
  if (platform !== 'win32') return path.posix;
  return base.startsWith('/') && process.platform !== 'win32' ? path.posix : path.win32;
}

/** Windows environment names are case-insensitive, but a copied env object is not. */
function envValue(e: CloudEnvironment, name: string): string | null {
  let value = e.env[name];
  if (value === undefined && e.platform === 'win32') {
    const key = Object.keys(e.env).find((k) => k.toLowerCase() === name.toLowerCase());
    value = key === undefined ? undefined : e.env[key];
  }
  // A relative folder would be resolved against our own working directory: never what was meant.
  return value && rulesFor(e.platform, value).isAbsolute(value) ? value : null;
}

function join(e: CloudEnvironment, base: string, ...parts: string[]): string {
  return rulesFor(e.platform, base).join(base, ...parts);
}

function baseName(e: CloudEnvironment, p: string): string {
  return rulesFor(e.platform, p).basename(p);
}

/** The user's home folders: on Windows %USERPROFILE% too, which may differ from `home`. */
function homes(e: CloudEnvironment): string[] {
  const list = [e.home, e.platform === 'win32' ? envValue(e, 'USERPROFILE') : null];
  const absolute = list.filter((h): h is string => !!h && rulesFor(e.platform, h).isAbsolute(h));
  return [...new Set(absolute)];
}

function underHomes(
  e: CloudEnvironment,
  provider: CloudProvider,
  name: string,
  ...relative: string[][]
): Candidate[] {
  return homes(e).flatMap((h) => relative.map((r) => ({ provider, name, path: join(e, h, ...r) })));
}

async function isDirectory(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function listDir(p: string): Promise<string[]> {
  return fs.readdir(p).catch(() => []);
}

/** "Dropbox (Contoso)" is the client's own name for a team folder; otherwise a generic one. */
function dropboxName(folderName: string, business: boolean): string {
  if (/^Dropbox \(.+\)$/.test(folderName)) return folderName;
  return business ? 'Dropbox (Business)' : 'Dropbox';
}

/** The folders in one Dropbox info.json; anything malformed is ignored, never trusted. */
async function readDropboxInfo(e: CloudEnvironment, file: string): Promise<Candidate[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => null);
  if (text === null) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
  const found: Candidate[] = [];
  for (const account of ['personal', 'business'] as const) {
    const entry: unknown = (parsed as Record<string, unknown>)[account];
    if (typeof entry !== 'object' || entry === null) continue;
    const folder: unknown = (entry as Record<string, unknown>).path;
    if (typeof folder !== 'string' || !rulesFor(e.platform, folder).isAbsolute(folder)) continue;
    const name = dropboxName(baseName(e, folder), account === 'business');
    found.push({ provider: 'dropbox', name, path: folder });
  }
  return found;
}

async function dropboxCandidates(e: CloudEnvironment): Promise<Candidate[]> {
  const infoFiles =
    e.platform === 'win32'
      ? [envValue(e, 'APPDATA'), envValue(e, 'LOCALAPPDATA')]
          .filter((d): d is string => d !== null)
          .map((d) => join(e, d, 'Dropbox', 'info.json'))
      : homes(e).map((h) => join(e, h, '.dropbox', 'info.json'));
  const configured: Candidate[] = [];
  for (const file of infoFiles) configured.push(...(await readDropboxInfo(e, file)));
  const existing = await keepDirectories(configured);
  if (existing.length > 0) return existing;
  // Without a usable info.json, only the default locations are left; a stale ~/Dropbox beside a
  // configured folder elsewhere would otherwise be reported as a second Dropbox.
  const fallback = underHomes(e, 'dropbox', 'Dropbox', ['Dropbox']);
  if (e.platform === 'darwin') {
    fallback.push(...underHomes(e, 'dropbox', 'Dropbox', ['Library', 'CloudStorage', 'Dropbox']));
  }
  return fallback;
}

/** "OneDrive-Personal"/"OneDrive" → "OneDrive"; "OneDrive-Contoso"/"OneDrive - Contoso" → "OneDrive - Contoso". */
function oneDriveName(folderName: string, commercial: boolean): string {
  const suffix = /^OneDrive\s*-\s*(.+)$/.exec(folderName)?.[1]?.trim();
  if (suffix) return suffix === 'Personal' ? 'OneDrive' : `OneDrive - ${suffix}`;
  // A business folder the user renamed still belongs to a business account.
  return commercial && folderName !== 'OneDrive' ? `OneDrive - ${folderName}` : 'OneDrive';
}

async function oneDriveCandidates(e: CloudEnvironment): Promise<Candidate[]> {
  if (e.platform === 'win32') {
    const vars: [string, boolean][] = [
      ['OneDriveConsumer', false],
      ['OneDriveCommercial', true],
      // Points at whichever account signed in first; usually a duplicate of one above.
      ['OneDrive', false],
    ];
    return vars.flatMap(([name, commercial]) => {
      const folder = envValue(e, name);
      if (folder === null) return [];
      return [
        { provider: 'onedrive', name: oneDriveName(baseName(e, folder), commercial), path: folder },
      ];
    });
  }
  const found: Candidate[] = [];
  if (e.platform === 'darwin') {
    for (const h of homes(e)) {
      const storage = join(e, h, 'Library', 'CloudStorage');
      for (const entry of (await listDir(storage)).sort()) {
        if (!entry.startsWith('OneDrive-')) continue;
        found.push({
          provider: 'onedrive',
          name: oneDriveName(entry, true),
          path: join(e, storage, entry),
        });
      }
    }
  }
  // macOS before File Provider, and the Linux onedrive client's default.
  found.push(...underHomes(e, 'onedrive', 'OneDrive', ['OneDrive']));
  return found;
}

async function googleDriveCandidates(e: CloudEnvironment): Promise<Candidate[]> {
  const name = 'Google Drive';
  const found: Candidate[] = [];
  if (e.platform === 'darwin') {
    for (const h of homes(e)) {
      const storage = join(e, h, 'Library', 'CloudStorage');
      for (const entry of (await listDir(storage)).sort()) {
        if (!entry.startsWith('GoogleDrive-')) continue;
        const account = join(e, storage, entry);
        const myDrive = join(e, account, 'My Drive');
        // "My Drive" may be missing (or localised); the account folder is still the synced one.
        found.push({
          provider: 'google-drive',
          name,
          path: (await isDirectory(myDrive)) ? myDrive : account,
        });
      }
    }
  }
  // Backup and Sync's old folder on Windows; a common rclone/insync mount point on Linux.
  if (e.platform !== 'darwin') found.push(...underHomes(e, 'google-drive', name, ['Google Drive']));
  // Drive for desktop mounts a virtual drive letter. Probing letters only means something on a
  // real Windows host: elsewhere "G:\My Drive" is just a relative file name.
  if (e.platform === 'win32' && process.platform === 'win32') {
    for (let code = 'G'.charCodeAt(0); code <= 'Z'.charCodeAt(0); code++) {
      found.push({
        provider: 'google-drive',
        name,
        path: `${String.fromCharCode(code)}:\\My Drive`,
      });
    }
  }
  return found;
}

function iCloudCandidates(e: CloudEnvironment): Candidate[] {
  const name = 'iCloud Drive';
  if (e.platform === 'darwin') {
    return underHomes(e, 'icloud', name, ['Library', 'Mobile Documents', 'com~apple~CloudDocs']);
  }
  if (e.platform === 'win32') return underHomes(e, 'icloud', name, ['iCloudDrive']);
  return [];
}

async function keepDirectories(candidates: readonly Candidate[]): Promise<Candidate[]> {
  const ok = await Promise.all(candidates.map((c) => isDirectory(c.path)));
  return candidates.filter((_, i) => ok[i]);
}

/** The same folder reached twice (an env var and a default, a legacy symlink) counts once. */
async function identity(e: CloudEnvironment, p: string): Promise<string> {
  const real = await fs.realpath(p).catch(() => rulesFor(e.platform, p).resolve(p));
  return e.platform === 'win32' || e.platform === 'darwin' ? real.toLowerCase() : real;
}

/** The cloud sync folders present on this computer, in CLOUD_PROVIDERS order. */
export async function detectCloudFolders(e: CloudEnvironment): Promise<CloudFolder[]> {
  const groups = await Promise.all([
    dropboxCandidates(e),
    oneDriveCandidates(e),
    googleDriveCandidates(e),
    iCloudCandidates(e),
    underHomes(e, 'nutstore', NUTSTORE, ['Nutstore Files'], ['Nutstore'], ['坚果云']),
    underHomes(e, 'baidu', BAIDU, ['BaiduSyncdisk'], ['百度网盘同步空间']),
  ]);
  const existing = await keepDirectories(groups.flat());
  const running = e.processes == null ? null : new Set(e.processes.map((p) => p.toLowerCase()));
  const seen = new Set<string>();
  const folders: CloudFolder[] = [];
  for (const c of existing) {
    const key = await identity(e, c.path);
    if (seen.has(key)) continue;
    seen.add(key);
    folders.push({
      provider: c.provider,
      name: c.name,
      path: rulesFor(e.platform, c.path).resolve(c.path),
      clientRunning:
        running === null ? null : CLIENT_PROCESSES[c.provider].some((n) => running.has(n)),
    });
  }
  return folders;
}

/** This computer's cloud folders, with whether each one's sync client is running now. */
export async function cloudFoldersHere(): Promise<CloudFolder[]> {
  return detectCloudFolders({
    platform: process.platform,
    home: os.homedir(),
    env: process.env,
    processes: await runningProcessNames(),
  });
}

/** Whether `p` is `folder` or inside it, by whole path segments ("Dropbox2" is not in "Dropbox"). */
function isInside(rules: path.PlatformPath, folder: string, p: string): boolean {
  const rel = rules.relative(rules.resolve(folder), rules.resolve(p));
  if (rel === '') return true;
  return rel !== '..' && !rel.startsWith(`..${rules.sep}`) && !rules.isAbsolute(rel);
}

/** The cloud folder a path is inside (the deepest, when one is nested in another), or null. */
export function providerOfPath(folders: readonly CloudFolder[], p: string): CloudFolder | null {
  let best: CloudFolder | null = null;
  let bestLength = -1;
  for (const f of folders) {
    // Drive-letter and UNC folders compare by Windows rules (case-insensitive) on any host.
    const rules = /^[a-zA-Z]:[\\/]|^\\\\/.test(f.path) ? path.win32 : path;
    if (!isInside(rules, f.path, p)) continue;
    const length = rules.resolve(f.path).length;
    if (length > bestLength) {
      best = f;
      bestLength = length;
    }
  }
  return best;
}
