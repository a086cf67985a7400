/**
 * Electron's npm package (since 45) has no install script: `npm install` does not download its
 * binary, which otherwise comes on first use. `npm start` fetches it here when it is missing and
 * says so; it stops only where the download really fails, with the error and the way on.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** @typedef {{ ok: true, downloaded: boolean } | { ok: false, message: string }} EnsureResult */
/** @typedef {{ ok: boolean, error: string }} DownloadResult */

/**
 * The binary of this package's version is in `dist/` (what Electron's own install.js checks).
 * @param {string} electronDir
 * @returns {boolean}
 */
export function electronInstalled(electronDir) {
  try {
    const version = JSON.parse(
      fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8'),
    ).version;
    const dist = path.join(electronDir, 'dist');
    const built = fs.readFileSync(path.join(dist, 'version'), 'utf8').trim().replace(/^v/, '');
    const executable = fs.readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim();
    return built === version && fs.existsSync(path.join(dist, executable));
  } catch {
    return false;
  }
}

/**
 * Electron's own download step (`install.js`, as `npx install-electron` runs it).
 * @param {string} electronDir
 * @returns {DownloadResult}
 */
export function downloadWithInstallScript(electronDir) {
  const r = spawnSync(process.execPath, [path.join(electronDir, 'install.js')], {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
  });
  const error = (r.error?.message ?? r.stderr ?? '').trim();
  return { ok: r.status === 0, error };
}

/** @param {string | undefined} value */
const isSet = (value) => value !== undefined && value !== '' && value !== '0' && value !== 'false';

const WAY_ON =
  'Tillvault can still be used without Electron: `npm run host` serves the same window to a ' +
  'browser at http://127.0.0.1:5173/.';

/**
 * @param {{
 *   electronDir: string,
 *   env: Record<string, string | undefined>,
 *   download?: (electronDir: string) => DownloadResult,
 *   log?: (line: string) => void,
 * }} options
 * @returns {EnsureResult}
 */
export function ensureElectron({
  electronDir,
  env,
  download = downloadWithInstallScript,
  log = (line) => console.error(line),
}) {
  if (electronInstalled(electronDir)) return { ok: true, downloaded: false };
  if (isSet(env['ELECTRON_SKIP_BINARY_DOWNLOAD'])) {
    return {
      ok: false,
      message:
        "Electron's binary is not downloaded, and ELECTRON_SKIP_BINARY_DOWNLOAD is set, so " +
        `npm start does not fetch it. Unset it and run npm start again. ${WAY_ON}`,
    };
  }
  const version = JSON.parse(
    fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8'),
  ).version;
  log(`Electron ${version} is not downloaded yet: fetching it now (about 100 MB, only this once)…`);
  const r = download(electronDir);
  if (r.ok && electronInstalled(electronDir)) {
    log(`Electron ${version} is ready.`);
    return { ok: true, downloaded: true };
  }
  const detail = r.error || 'the download step ended without installing the binary';
  return {
    ok: false,
    message:
      `Electron ${version} could not be downloaded: ${detail}\n` +
      'Check the network connection (behind a proxy, set ELECTRON_GET_USE_PROXY=1 and ' +
      `HTTPS_PROXY), then run npm start again. ${WAY_ON}`,
  };
}
