/**
 * Where the desktop app keeps its settings, in a module of its own: the CLI names it in its
 * options, and loading the app core for that would slow every command's start.
 */
import os from 'node:os';
import path from 'node:path';

/** Where Electron keeps the app's files (userData of the app named "Tillvault"). */
export function defaultConfigDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  if (platform === 'win32')
    return path.join(env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), 'Tillvault');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Tillvault');
  return path.join(env['XDG_CONFIG_HOME'] ?? path.join(home, '.config'), 'Tillvault');
}
