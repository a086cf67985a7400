/**
 * The names of the programs running on this computer, for telling the user that the Dropbox (or
 * OneDrive, ...) client that would upload a backup is not running. Plain Node, no Electron.
 */
import fs from 'node:fs/promises';
import si from 'systeminformation';

export type ListProcesses = () => Promise<readonly { name: string }[]>;

/**
 * Linux: the kernel's own name of each process (/proc/PID/comm, the executable's file name cut
 * to 15 characters; every client name detectCloudFolders looks for fits). systeminformation
 * would run ps and then read /proc/PID/stat for each process through a shell: ~1.9 s for 400
 * processes on a 2-core machine, against ~2 ms for this.
 */
async function listProcFs(): Promise<{ name: string }[]> {
  const pids = (await fs.readdir('/proc')).filter((d) => /^\d+$/.test(d));
  // A process may exit between readdir and readFile; it is simply not listed.
  const names = await Promise.all(
    pids.map((pid) => fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')),
  );
  return names.map((n) => ({ name: n.trim() }));
}

/** Elsewhere: systeminformation (one ps on macOS, a PowerShell CIM query on Windows). */
const listSystemProcesses: ListProcesses =
  process.platform === 'linux' ? listProcFs : async () => (await si.processes()).list;

/**
 * Lower-case executable names ("dropbox", "onedrive.exe", "google drive"), each once, as
 * detectCloudFolders matches them; null when the list cannot be had within `timeoutMs`.
 */
export async function runningProcessNames(
  opts: { list?: ListProcesses; timeoutMs?: number } = {},
): Promise<string[] | null> {
  const { list = listSystemProcesses, timeoutMs = 10_000 } = opts;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  try {
    const processes = await Promise.race([list(), timeout]);
    // systeminformation answers an empty list when ps or PowerShell fails, yet this process
    // itself is always running: empty means unknown, not "nothing running".
    if (processes === null || processes.length === 0) return null;
    // A process can be listed without a name (an exited or protected one on Windows).
    const names = processes.flatMap((p) =>
      typeof p.name === 'string' && p.name !== '' ? [p.name.toLowerCase()] : [],
    );
    return [...new Set(names)];
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
