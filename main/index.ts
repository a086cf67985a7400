/**
 * Electron's main process: the window, the tray, the OS services, and the IPC handlers wired to
 * the app core. Thin on purpose; what Tillvault does lives in app/ and engine/.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  Notification,
  powerMonitor,
  powerSaveBlocker,
  safeStorage,
  session,
  shell,
  Tray,
} from 'electron';
import Store from 'electron-store';
import { createAppCore } from './app/core.js';
import { ensureDemoJob } from './app/demo-job.js';
import { resolveLanguage, trayLabels } from './app/messages.js';
import type { Platform } from './app/platform.js';
import {
  CHANNELS,
  type Channel,
  type EventName,
  type EventPayload,
  type StatusView,
} from './ipc/contract.js';
import { dispatch } from './ipc/dispatch.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.join(here, '../renderer/index.html');

// Tests and portable setups keep the app's files elsewhere; must happen before anything reads it.
const userData = process.env['TILLVAULT_USER_DATA'];
if (userData) app.setPath('userData', userData);
// The weaker scrypt cost of the test suites never reaches a shop's backups.
delete process.env['TILLVAULT_TEST_FAST_KDF'];

if (!app.requestSingleInstanceLock()) {
  app.quit();
  process.exit(0);
}

let window: BrowserWindow | null = null;
let tray: Tray | null = null;
let quitting = false;

const file = (name: string): Store<Record<string, unknown>> =>
  new Store<Record<string, unknown>>({ name, clearInvalidConfig: false });

function language(): ReturnType<typeof resolveLanguage> {
  const chosen = core.settings.read().language;
  return chosen === 'system' ? resolveLanguage(app.getPreferredSystemLanguages()) : chosen;
}

/** A native open dialog, attached to the window when there is one. */
async function pick(options: Electron.OpenDialogOptions): Promise<string | null> {
  const r = window
    ? await dialog.showOpenDialog(window, options)
    : await dialog.showOpenDialog(options);
  return r.canceled ? null : (r.filePaths[0] ?? null);
}

const platform: Platform = {
  pickDatabase: () =>
    pick({
      properties: ['openFile'],
      filters: [
        { name: 'SQLite', extensions: ['db', 'sqlite', 'sqlite3', 'db3', 's3db'] },
        { name: '*', extensions: ['*'] },
      ],
    }),
  pickFolder: () => pick({ properties: ['openDirectory', 'createDirectory'] }),
  async pickSaveFile(suggestedName) {
    const options: Electron.SaveDialogOptions = {
      defaultPath: path.join(app.getPath('documents'), suggestedName),
      filters: suggestedName.endsWith('.csv')
        ? [{ name: 'CSV', extensions: ['csv'] }]
        : suggestedName.endsWith('.pdf')
          ? [{ name: 'PDF', extensions: ['pdf'] }]
          : [{ name: 'SQLite', extensions: ['db', 'sqlite', 'sqlite3'] }],
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    };
    const r = window
      ? await dialog.showSaveDialog(window, options)
      : await dialog.showSaveDialog(options);
    return r.canceled ? null : (r.filePath ?? null);
  },
  async printToPdf() {
    if (!window) throw new Error('No window to print.');
    // The print CSS lays the sheet out; its @page rule sets A4 and the margins.
    return window.webContents.printToPDF({
      pageSize: 'A4',
      printBackground: true,
      preferCSSPageSize: true,
    });
  },
  showInFolder: (file) => shell.showItemInFolder(file),
  keepAwake() {
    const id = powerSaveBlocker.start('prevent-app-suspension');
    return () => powerSaveBlocker.stop(id);
  },
  notify(text) {
    if (Notification.isSupported()) new Notification(text).show();
  },
  setStartAtLogin(on) {
    app.setLoginItemSettings({ openAtLogin: on, args: ['--hidden'] });
  },
  preferredLanguages: () => app.getPreferredSystemLanguages(),
  dataDir: app.getPath('userData'),
  documentsDir: app.getPath('documents'),
};

function send<E extends EventName>(event: E, payload: EventPayload<E>): void {
  if (window && !window.isDestroyed()) window.webContents.send(event, payload);
  if (event === 'status:changed') refreshTray();
}

const { core, handlers, checkAlerts } = createAppCore({
  files: { settings: file('settings'), state: file('state'), secrets: file('secrets') },
  protector: {
    // Electron 45 deprecates the synchronous calls. On Linux without a keyring Chromium falls
    // back to a fixed password (basic_text): that protects nothing, so it is not used.
    async protection() {
      if (!(await safeStorage.isAsyncEncryptionAvailable())) return 'none';
      if (
        process.platform === 'linux' &&
        safeStorage.getSelectedStorageBackend() === 'basic_text'
      ) {
        return 'basic_text';
      }
      return 'os';
    },
    protect: (plain) => safeStorage.encryptStringAsync(plain),
    unprotect: async (sealed) => {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(sealed);
      return { plain: result, reseal: shouldReEncrypt };
    },
  },
  platform,
  events: { emit: send },
});

for (const channel of Object.keys(CHANNELS) as Channel[]) {
  ipcMain.handle(channel, (event, payload: unknown) => {
    // Only our own page may call; a frame that navigated elsewhere gets nothing.
    if (event.senderFrame?.url !== window?.webContents.getURL()) {
      return { ok: false, error: { code: 'INVALID_REQUEST', message: 'Unknown sender.' } };
    }
    return dispatch(handlers, core.owner, channel, payload);
  });
}

function harden(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (e) => e.preventDefault());
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

/** The window, open at a screen (the tray's "Restore…"): a new window reads it from its URL. */
function openScreen(screen: 'restore'): void {
  const open = window !== null && !window.isDestroyed();
  showWindow(screen);
  if (open) send('window:open-screen', { screen });
}

function showWindow(screen?: 'restore'): void {
  if (window && !window.isDestroyed()) {
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    return;
  }
  window = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 760,
    minHeight: 560,
    show: false,
    title: 'Tillvault',
    icon: path.join(assetsDir(), 'icon-256.png'),
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window?.show());
  // Closing the window keeps Tillvault in the tray so scheduled backups still run.
  window.on('close', (e) => {
    if (!quitting) {
      e.preventDefault();
      window?.hide();
    }
  });
  const devUrl = process.env['ELECTRON_RENDERER_URL'];
  if (!app.isPackaged && devUrl) void window.loadURL(screen ? `${devUrl}#${screen}` : devUrl);
  else void window.loadFile(rendererIndex, screen ? { hash: screen } : {});
}

/** Icons: beside app.asar when packaged (extraResources), in the repository's assets/ else. */
function assetsDir(): string {
  return app.isPackaged ? process.resourcesPath : path.join(here, '../../../assets');
}

/** The tray icon in the status rule's colour: a badge when a plan needs a look or is unprotected. */
const TRAY_ICONS = {
  darwin: { ok: 'trayTemplate.png', warn: 'trayWarnTemplate.png', bad: 'trayBadTemplate.png' },
  other: { ok: 'tray.png', warn: 'tray-warn.png', bad: 'tray-bad.png' },
} as const;

function trayIcon(level: StatusView['level'] = 'ok'): Electron.NativeImage {
  const icons = TRAY_ICONS[process.platform === 'darwin' ? 'darwin' : 'other'];
  const image = nativeImage.createFromPath(
    path.join(assetsDir(), icons[level === 'none' ? 'ok' : level]),
  );
  // A badge file missing from a package must not leave the tray blank.
  return image.isEmpty() ? nativeImage.createFromPath(path.join(assetsDir(), icons.ok)) : image;
}

async function backUpAll(): Promise<void> {
  for (const job of core.settings.read().jobs) {
    await dispatch(handlers, core.owner, 'backup:run', { jobId: job.id });
  }
}

function refreshTray(): void {
  if (!tray) return;
  void handlers['status:get']({}).then((status) => {
    const labels = trayLabels(language(), status);
    tray?.setImage(trayIcon(status.level));
    tray?.setToolTip(labels.tooltip);
    tray?.setContextMenu(
      Menu.buildFromTemplate([
        { label: labels.status, enabled: false },
        { type: 'separator' },
        { label: labels.backUpNow, enabled: status.jobs.length > 0, click: () => void backUpAll() },
        {
          label: labels.restore,
          enabled: status.jobs.length > 0,
          click: () => openScreen('restore'),
        },
        { label: labels.open, click: () => showWindow() },
        { type: 'separator' },
        {
          label: labels.quit,
          click: () => {
            quitting = true;
            app.quit();
          },
        },
      ]),
    );
  });
}

app.on('second-instance', () => showWindow());
app.on('before-quit', () => {
  quitting = true;
  core.scheduler.stop();
});
app.on('activate', () => showWindow());
// With the tray, closing the last window is not quitting.
app.on('window-all-closed', () => undefined);

void app.whenReady().then(async () => {
  harden();
  // safeStorage answers only once the app is ready; no passphrase is needed before.
  await core.secrets.load();
  // Scheduled backups run while Tillvault is in the tray; a night missed while the computer
  // slept gets one catch-up run when it wakes.
  powerMonitor.on('resume', () => void core.scheduler.catchUp());
  // `npm start` opens on the demo shop so the app is usable at once.
  if (process.argv.includes('--demo-shop')) await ensureDemoJob(core);
  tray = new Tray(trayIcon());
  tray.on('click', () => showWindow());
  refreshTray();
  if (!process.argv.includes('--hidden')) showWindow();
  await core.scheduler.start();
  // Say so when a plan has fallen behind its schedule, whatever the reason; the tray's colour
  // follows the clock too, not only events.
  checkAlerts();
  setInterval(() => {
    checkAlerts();
    refreshTray();
  }, 30 * 60_000).unref();
});
