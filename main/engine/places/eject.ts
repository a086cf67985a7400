/**
 * "Eject when done": safely remove a USB drive after a backup, with the OS's own tools. Every
 * command runs without a shell and every argument is checked first, since mount paths and labels
 * come from whatever is plugged in.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { TillvaultError } from '../errors.js';

export interface EjectableDrive {
  /** Drive.device: on Linux usually the filesystem UUID (systeminformation puts it first). */
  readonly device: string;
  readonly mount: string;
  readonly label?: string;
  /** The partition's device node (/dev/sdb1) on Linux, when known; preferred over `device`. */
  readonly blockDevice?: string;
}

export interface EjectCommand {
  file: string;
  args: string[];
}

export type RunCommand = (file: string, args: string[]) => Promise<void>;

export type EjectResult = { ok: true } | { ok: false; message: string };

const TIMEOUT_MS = 30_000;
const DRIVE_LETTER = /^[A-Za-z]:\\?$/;
const DEVICE_NODE = /^\/dev\/[A-Za-z0-9._:+@/-]+$/;
const FS_UUID = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** Newlines, NUL and other control characters have no business in a path handed to an OS tool. */
function hasControl(text: string): boolean {
  return [...text].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
}

/** How the drive is named to the user: its label, else its mount, quoted when it looks odd. */
function displayName(drive: EjectableDrive): string {
  const name = drive.label || drive.mount;
  return hasControl(name) ? JSON.stringify(name) : name;
}

function refuse(drive: EjectableDrive, why: string): never {
  throw new TillvaultError('BAD_INPUT', `Could not eject ${displayName(drive)}: ${why}.`);
}

/**
 * The udisks device to act on. udisksctl -b matches the block's device node or any of its udev
 * symlinks, so the UUID that Drive.device usually holds works as /dev/disk/by-uuid/UUID.
 */
function linuxDevice(drive: EjectableDrive): string {
  const node = drive.blockDevice;
  if (node !== undefined) {
    if (!DEVICE_NODE.test(node) || node.split('/').includes('..')) {
      refuse(drive, `${JSON.stringify(node)} is not a device path`);
    }
    return node;
  }
  if (!FS_UUID.test(drive.device)) refuse(drive, 'its device node is not known');
  return `/dev/disk/by-uuid/${drive.device}`;
}

/**
 * Windows has no eject command line tool; Explorer's "Eject" (right-click on the drive) is used.
 * The verb returns before the eject is done and reports nothing, so the script waits for the
 * drive letter to go: exit 2 = no such drive, exit 3 = still there (Windows shows "in use").
 */
function windowsEjectScript(letter: string): string {
  return [
    `$item = (New-Object -ComObject Shell.Application).Namespace(17).ParseName('${letter}')`,
    'if ($null -eq $item) { exit 2 }',
    "$item.InvokeVerb('Eject')",
    'for ($i = 0; $i -lt 40; $i++) {',
    `  if (-not (Test-Path -LiteralPath '${letter}\\')) { exit 0 }`,
    '  Start-Sleep -Milliseconds 500',
    '}',
    'exit 3',
  ].join('\n');
}

/** The commands that safely remove `drive` on `platform`, in order; BAD_INPUT when unsafe. */
export function ejectCommands(platform: NodeJS.Platform, drive: EjectableDrive): EjectCommand[] {
  if (hasControl(drive.mount) || hasControl(drive.device)) {
    refuse(drive, 'its name contains control characters');
  }
  switch (platform) {
    case 'linux': {
      const device = linuxDevice(drive);
      // No password prompt: after an unattended backup nobody is there to answer it.
      return [
        { file: 'udisksctl', args: ['unmount', '--no-user-interaction', '-b', device] },
        { file: 'udisksctl', args: ['power-off', '--no-user-interaction', '-b', device] },
      ];
    }
    case 'darwin':
      // diskutil takes a mount point and ejects the whole disk it belongs to.
      if (!path.posix.isAbsolute(drive.mount)) refuse(drive, 'it is not a mount point');
      return [{ file: 'diskutil', args: ['eject', drive.mount] }];
    case 'win32': {
      if (!DRIVE_LETTER.test(drive.mount)) refuse(drive, 'it is not a drive letter');
      // The letter is the only text that reaches the script, and it is one of A-Z.
      const letter = `${drive.mount[0]!.toUpperCase()}:`;
      return [
        {
          file: 'powershell.exe',
          args: ['-NoProfile', '-NonInteractive', '-Command', windowsEjectScript(letter)],
        },
      ];
    }
    default:
      return refuse(drive, `ejecting is not supported on ${platform}`);
  }
}

const execFileAsync = promisify(execFile);

/** Runs one command without a shell; rejects with execFile's error (code, killed, stderr). */
export const runCommand: RunCommand = async (file, args) => {
  await execFileAsync(file, args, { timeout: TIMEOUT_MS, windowsHide: true });
};

function field(error: unknown, key: string): unknown {
  return typeof error === 'object' && error !== null
    ? (error as Record<string, unknown>)[key]
    : undefined;
}

/** Why a command failed, in words for the shop owner, from execFile's error and the tool's text. */
function reason(error: unknown, file: string): string {
  if (field(error, 'code') === 'ENOENT') {
    return `the ${file} tool is not available on this computer.`;
  }
  if (field(error, 'killed') === true) {
    return `the computer did not finish within ${TIMEOUT_MS / 1000} seconds.`;
  }
  const stderr = field(error, 'stderr');
  const text = typeof stderr === 'string' ? stderr.trim() : '';
  const code = field(error, 'code');
  if (/busy|in use|dissent/i.test(text) || (file === 'powershell.exe' && code === 3)) {
    return 'it is still in use. Close any window or program showing files on it and try again.';
  }
  if (/not ?authori[sz]ed|permission|not permitted/i.test(text)) {
    return 'this computer did not allow it.';
  }
  if (
    /looking up object|not mounted|unable to find|could not find|does not exist/i.test(text) ||
    (file === 'powershell.exe' && code === 2)
  ) {
    return 'it is not connected any more.';
  }
  if (/udisks/i.test(text) && /connect|daemon|client/i.test(text)) {
    return 'the disk service (udisks) is not running.';
  }
  const firstLine = text.split('\n')[0]?.trim();
  return firstLine ? `the system said "${firstLine}".` : `${file} failed.`;
}

/**
 * Ejects `drive`, never throwing. On Linux the unmount is what makes the stick safe to pull;
 * powering it off afterwards only turns its light off, so a failure there still counts as ejected.
 */
export async function ejectDrive(
  drive: EjectableDrive,
  opts: { platform?: NodeJS.Platform; run?: RunCommand } = {},
): Promise<EjectResult> {
  let commands: EjectCommand[];
  try {
    commands = ejectCommands(opts.platform ?? process.platform, drive);
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  const run = opts.run ?? runCommand;
  for (const [i, c] of commands.entries()) {
    try {
      await run(c.file, c.args);
    } catch (e) {
      if (i > 0) break; // already unmounted: safe to unplug
      return { ok: false, message: `Could not eject ${displayName(drive)}: ${reason(e, c.file)}` };
    }
  }
  return { ok: true };
}
