import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import {
  detectCloudFolders,
  providerOfPath,
  type CloudFolder,
} from '../../../main/engine/places/cloud-folders.js';
import { tempDir } from '../../helpers.js';

const scratch = (label: string): string => tempDir(`tv-cloud-${label}-`);

/** A real Windows host running these tests may have Google Drive mounted as a drive letter. */
function notDriveLetter(f: CloudFolder): boolean {
  return !/^[G-Z]:\\My Drive$/.test(f.path);
}

function mkdir(...parts: string[]): string {
  const dir = path.join(...parts);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
}

test('linux: Dropbox from info.json (not the stale default), Nutstore and Baidu folders', async () => {
  const home = scratch('linux');
  const elsewhere = scratch('linux-data');
  const personal = mkdir(elsewhere, 'Dropbox');
  const business = mkdir(elsewhere, 'Team Files');
  writeJson(path.join(home, '.dropbox', 'info.json'), {
    personal: { path: personal, host: 1 },
    business: { path: business },
  });
  // A leftover default folder must not become a second Dropbox while info.json names the real one.
  mkdir(home, 'Dropbox');
  const nutstore = mkdir(home, 'Nutstore Files');
  const baidu = mkdir(home, 'BaiduSyncdisk');
  // A file with a cloud folder's name is not a folder.
  fs.writeFileSync(path.join(home, '坚果云'), 'not a folder');

  const folders = await detectCloudFolders({ platform: 'linux', home, env: {} });
  assert.deepEqual(folders, [
    { provider: 'dropbox', name: 'Dropbox', path: personal, clientRunning: null },
    { provider: 'dropbox', name: 'Dropbox (Business)', path: business, clientRunning: null },
    { provider: 'nutstore', name: 'Nutstore (坚果云)', path: nutstore, clientRunning: null },
    {
      provider: 'baidu',
      name: 'Baidu Netdisk sync (百度网盘同步空间)',
      path: baidu,
      clientRunning: null,
    },
  ]);
});

test('darwin: CloudStorage OneDrive and Google Drive, iCloud Drive, legacy symlink counted once', async () => {
  const home = scratch('darwin');
  const storage = mkdir(home, 'Library', 'CloudStorage');
  const contoso = mkdir(storage, 'OneDrive-Contoso');
  const personal = mkdir(storage, 'OneDrive-Personal');
  const myDrive = mkdir(storage, 'GoogleDrive-x@y.com', 'My Drive');
  const noMyDrive = mkdir(storage, 'GoogleDrive-z@w.com');
  const icloud = mkdir(home, 'Library', 'Mobile Documents', 'com~apple~CloudDocs');
  // Microsoft leaves ~/OneDrive as a link to the File Provider folder after migrating.
  fs.symlinkSync(personal, path.join(home, 'OneDrive'));

  const folders = await detectCloudFolders({
    platform: 'darwin',
    home,
    env: {},
    processes: ['onedrive', 'bird', 'finder'],
  });
  assert.deepEqual(folders, [
    { provider: 'onedrive', name: 'OneDrive - Contoso', path: contoso, clientRunning: true },
    { provider: 'onedrive', name: 'OneDrive', path: personal, clientRunning: true },
    { provider: 'google-drive', name: 'Google Drive', path: myDrive, clientRunning: false },
    { provider: 'google-drive', name: 'Google Drive', path: noMyDrive, clientRunning: false },
    { provider: 'icloud', name: 'iCloud Drive', path: icloud, clientRunning: true },
  ]);
});

test('win32: env vars (any case) for OneDrive and Dropbox, USERPROFILE folders', async () => {
  const home = scratch('win-home');
  const profile = scratch('win-profile');
  const appData = scratch('win-appdata');
  const data = scratch('win-data');
  const dropbox = mkdir(data, 'Dropbox');
  const team = mkdir(data, 'Dropbox (Contoso)');
  writeJson(path.join(appData, 'Dropbox', 'info.json'), {
    personal: { path: dropbox },
    business: { path: team },
  });
  const commercial = mkdir(data, 'OneDrive - Contoso');
  const consumer = mkdir(data, 'OneDrive');
  const icloud = mkdir(home, 'iCloudDrive');
  const nutstore = mkdir(profile, 'Nutstore');
  const baidu = mkdir(profile, 'BaiduSyncdisk');

  const folders = (
    await detectCloudFolders({
      platform: 'win32',
      home,
      env: {
        APPDATA: appData,
        LOCALAPPDATA: path.join(data, 'missing'),
        OneDriveCommercial: commercial,
        OneDrive: commercial,
        onedriveconsumer: consumer,
        USERPROFILE: profile,
      },
      processes: ['dropbox.exe', 'explorer.exe', 'baidunetdisk.exe'],
    })
  ).filter(notDriveLetter);
  assert.deepEqual(folders, [
    { provider: 'dropbox', name: 'Dropbox', path: dropbox, clientRunning: true },
    { provider: 'dropbox', name: 'Dropbox (Contoso)', path: team, clientRunning: true },
    { provider: 'onedrive', name: 'OneDrive', path: consumer, clientRunning: false },
    { provider: 'onedrive', name: 'OneDrive - Contoso', path: commercial, clientRunning: false },
    { provider: 'icloud', name: 'iCloud Drive', path: icloud, clientRunning: false },
    { provider: 'nutstore', name: 'Nutstore (坚果云)', path: nutstore, clientRunning: false },
    {
      provider: 'baidu',
      name: 'Baidu Netdisk sync (百度网盘同步空间)',
      path: baidu,
      clientRunning: true,
    },
  ]);
});

test('a Dropbox info.json with a relative, non-string or malformed path is ignored', async () => {
  const home = scratch('bad-info');
  const info = path.join(home, '.dropbox', 'info.json');
  // Relative to our working directory this names a real folder: it must still be refused.
  const relative = path.relative(process.cwd(), mkdir(scratch('bad-info-target'), 'Dropbox'));
  const bad: unknown[] = [
    { personal: { path: relative }, business: { path: 42 } },
    { personal: { path: null }, business: 'elsewhere' },
    [{ path: home }],
    'null',
    '{ not json',
  ];
  for (const content of bad) {
    writeJson(info, content);
    const folders = await detectCloudFolders({ platform: 'linux', home, env: {} });
    assert.deepEqual(folders, [], JSON.stringify(content));
  }
  // With nothing usable configured, the default folder is the fallback.
  const fallback = mkdir(home, 'Dropbox');
  const folders = await detectCloudFolders({ platform: 'linux', home, env: {} });
  assert.deepEqual(folders, [
    { provider: 'dropbox', name: 'Dropbox', path: fallback, clientRunning: null },
  ]);
});

test('folders that do not exist are not reported', async () => {
  const root = scratch('missing');
  const gone = path.join(root, 'gone');
  writeJson(path.join(root, 'appdata', 'Dropbox', 'info.json'), {
    personal: { path: path.join(gone, 'Dropbox') },
  });
  for (const platform of ['linux', 'darwin', 'win32'] as const) {
    const folders = await detectCloudFolders({
      platform,
      home: gone,
      env: {
        APPDATA: path.join(root, 'appdata'),
        OneDrive: path.join(gone, 'OneDrive'),
        OneDriveCommercial: 'OneDrive - Relative',
        USERPROFILE: gone,
      },
    });
    assert.deepEqual(folders.filter(notDriveLetter), [], platform);
  }
});

test('clientRunning is true or false from the process list, null without one', async () => {
  const home = scratch('running');
  mkdir(home, 'Nutstore Files');
  const running = async (processes: readonly string[] | null | undefined) => {
    const folders = await detectCloudFolders({ platform: 'linux', home, env: {}, processes });
    assert.equal(folders.length, 1);
    return folders[0]!.clientRunning;
  };
  assert.equal(await running(undefined), null);
  assert.equal(await running(null), null);
  assert.equal(await running([]), false);
  assert.equal(await running(['dropbox', 'onedrive']), false);
  assert.equal(await running(['systemd', 'nutstore']), true);
  assert.equal(await running(['NutstoreClient']), true);
});

test('providerOfPath picks the deepest cloud folder and null outside them all', () => {
  const root = path.resolve('/data');
  const folder = (provider: CloudFolder['provider'], p: string): CloudFolder => ({
    provider,
    name: provider,
    path: p,
    clientRunning: null,
  });
  const dropbox = folder('dropbox', path.join(root, 'Dropbox'));
  const nested = folder('nutstore', path.join(root, 'Dropbox', 'Nutstore'));
  const dropbox2 = folder('baidu', path.join(root, 'Dropbox2'));
  const windows = folder('onedrive', 'C:\\Users\\Ana\\OneDrive - Contoso');
  const folders = [nested, dropbox, dropbox2, windows];

  assert.equal(providerOfPath(folders, path.join(root, 'Dropbox', 'shop', 'backups')), dropbox);
  assert.equal(providerOfPath(folders, path.join(root, 'Dropbox')), dropbox);
  assert.equal(providerOfPath(folders, path.join(root, 'Dropbox', 'Nutstore', 'till')), nested);
  assert.equal(providerOfPath(folders, path.join(root, 'Dropbox2', 'till')), dropbox2);
  assert.equal(providerOfPath(folders, path.join(root, 'Dropbox', '..foo')), dropbox);
  assert.equal(providerOfPath(folders, path.join(root, 'Drop')), null);
  assert.equal(providerOfPath(folders, path.resolve('/elsewhere/till')), null);
  assert.equal(providerOfPath(folders, 'c:\\users\\ana\\onedrive - contoso\\Till'), windows);
  assert.equal(providerOfPath(folders, 'C:\\Users\\Ana\\OneDrive'), null);
  assert.equal(providerOfPath([], path.join(root, 'Dropbox')), null);
});
