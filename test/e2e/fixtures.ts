/**
 * One test host process per test, with its own app folder and "Documents", in the language the
 * test asks for; and helpers for the scripted desktop (native dialogs, notifications).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { expect, test as base, type Page } from '@playwright/test';

export interface HostHandle {
  readonly url: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly documentsDir: string;
  /** What the next native file or folder dialog answers (null: the owner cancels). */
  answerDialog(answer: string | null): Promise<void>;
  state(): Promise<{
    notifications: { title: string; body: string }[];
    awake: number;
    ejected: string[];
    /** Files "Show in folder" opened the file manager at. */
    shown: string[];
  }>;
  /**
   * Plugs in USB sticks (a scripted drive list), makes disks nearly full (path → bytes), moves
   * main's clock forward.
   */
  desktop(change: {
    drives?: FakeDrive[];
    free?: Record<string, number>;
    clockOffsetMs?: number;
    /** A restart without a keychain: the passphrases kept in memory are gone. */
    forgetPassphrases?: boolean;
  }): Promise<void>;
}

export interface FakeDrive {
  device: string;
  label: string;
  mount: string;
  sizeBytes: number;
  freeBytes: number | null;
  removable: boolean;
}

interface HostInfo {
  url: string;
  dataDir: string;
  documentsDir: string;
  /** The page's secret, which the test hooks need too. */
  token: string;
}

async function startHostProcess(
  dir: string,
  lang: string,
  demo: boolean,
): Promise<{ child: ChildProcess; info: HostInfo }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/host/main.ts',
      '--data',
      path.join(dir, 'data'),
      '--documents',
      path.join(dir, 'Documents'),
      '--lang',
      lang,
      ...(demo ? ['--demo-shop'] : []),
      '--test-hooks',
    ],
    // New repositories get a low scrypt cost, as in the unit tests (crypto.ts).
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TILLVAULT_TEST_FAST_KDF: '1' } },
  );
  const lines = readline.createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`test host exited with ${code}`)));
  });
  return {
    child,
    info: JSON.parse(first) as HostInfo,
  };
}

/** A call of the host's test hooks, with the page's secret, as JSON. */
async function hook(info: HostInfo, name: string, body?: unknown): Promise<Response> {
  const r = await fetch(new URL(`__test/${name}`, info.url), {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      'content-type': 'application/json',
      'x-tillvault-token': info.token,
      // What the page itself sends; the host refuses a POST that names no origin.
      origin: new URL(info.url).origin,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!r.ok) throw new Error(`test hook ${name}: ${r.status} ${await r.text()}`);
  return r;
}

export const test = base.extend<{ lang: string; demoShop: boolean; host: HostHandle }>({
  lang: ['en-US', { option: true }],
  demoShop: [false, { option: true }],
  host: async ({ lang, demoShop }, use) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tillvault-e2e-'));
    const { child, info } = await startHostProcess(dir, lang, demoShop);
    await use({
      ...info,
      dir,
      answerDialog: async (answer) => {
        await hook(info, 'dialog', { answer });
      },
      state: async () => (await hook(info, 'state')).json(),
      desktop: async (change) => {
        await hook(info, 'desktop', change);
      },
    });
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await fs.rm(dir, { recursive: true, force: true });
  },
});

export { expect };

/** Saves a screenshot under test-results/screens/ to look at after the run. */
export async function snap(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}

/** Collects the window's `backup:progress` events, as the screens receive them. */
export async function recordProgress(page: Page): Promise<() => Promise<number[]>> {
  await page.evaluate(() => {
    const w = window as unknown as { __progress: number[] };
    w.__progress = [];
    window.tillvault.on('backup:progress', (p) =>
      w.__progress.push((p as { fraction: number }).fraction),
    );
  });
  return () => page.evaluate(() => (window as unknown as { __progress: number[] }).__progress);
}

const PASSPHRASE = 'paper lantern orchard 42';

/**
 * Walks the wizard on the demo shop into two places: Documents and `second`, a folder picked
 * in the (scripted) folder dialog or a USB stick offered from the (scripted) drive list.
 */
export async function setUpDemoShop(
  page: Page,
  host: HostHandle,
  second: { folder: string } | { usb: string },
): Promise<void> {
  await page.goto(host.url);
  await expect(page.getByRole('heading', { name: /Welcome to Tillvault/ })).toBeVisible();
  await snap(page, '01-setup-source');

  await page.getByTestId('use-demo').click();
  const types = page.getByTestId('types-table');
  await expect(types).toBeVisible();
  await expect(types.getByRole('checkbox', { name: 'Members' })).toBeChecked();
  await expect(types.getByRole('checkbox', { name: 'Sales and transactions' })).toBeChecked();
  await expect(types).toContainText('members');
  // The owner may sort a table into another data type; the summary follows at once.
  await page.getByTestId('sort-tables').click();
  // Each table says why it got its type, so the owner can judge the guess.
  await expect(page.getByTestId('why-members')).toHaveText(/its name has “\u2068member\u2069”/);
  await expect(page.getByTestId('why-member_search_data')).toHaveText(
    /kept by SQLite for \u2068member_search\u2069/,
  );
  await expect(page.getByTestId('why-member_search')).toHaveText(/searches \u2068members\u2069/);
  await page.getByTestId('type-of-shifts').selectOption('staff');
  await expect(page.getByTestId('why-shifts')).toHaveText('you chose this');
  await expect(types.getByRole('row', { name: /Staff and settings/ })).toContainText('shifts');
  await expect(types.getByRole('row', { name: /Sales and transactions/ })).not.toContainText(
    'shifts',
  );
  await snap(page, '02-setup-types');
  await page.getByTestId('setup-next').click();

  await expect(page.getByText('Tillvault Backups', { exact: false }).first()).toBeVisible();
  if ('folder' in second) {
    await host.answerDialog(second.folder);
    await page.getByTestId('add-folder').click();
    await expect(page.getByText(second.folder)).toBeVisible();
  } else {
    await page.getByRole('checkbox', { name: new RegExp(second.usb) }).check();
  }
  // Both places sit on the database's own disk here: the owner is told what that means.
  await expect(page.getByTestId('same-disk').first()).toContainText(
    'does not protect against a disk failure',
  );
  await snap(page, '03-setup-places');
  await page.getByTestId('setup-next').click();

  await page.getByTestId('passphrase').fill('short');
  await expect(page.getByText('Use at least 10 characters.')).toBeVisible();
  await page.getByTestId('passphrase').fill(PASSPHRASE);
  await page.getByTestId('passphrase-again').fill(PASSPHRASE);
  await expect(page.getByTestId('strength')).not.toContainText('weak');
  await page.getByTestId('setup-pin').fill('2580');
  await page.getByTestId('create-protection').click();
  const key = page.getByTestId('recovery-key');
  await expect(key).toBeVisible();
  expect((await key.textContent())?.replace(/[^0-9A-Z]/g, '').length).toBeGreaterThanOrEqual(26);
  await snap(page, '04-setup-recovery-key');
  // "Print" puts only the key on paper.
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId('nav-home')).toBeHidden();
  await expect(key).toBeVisible();
  await snap(page, '04b-recovery-key-printed');
  await page.emulateMedia({ media: 'screen' });
  await expect(page.getByTestId('setup-next')).toBeDisabled();
  await page.getByTestId('key-stored').check();
  await page.getByTestId('setup-next').click();

  await expect(page.getByText('Nightly after closing')).toBeVisible();
  // A custom schedule that is not cron is explained and refused by main.
  await page.getByRole('radio', { name: 'Custom' }).check();
  await page.getByLabel('Cron expression').fill('every night');
  await expect(page.getByTestId('cron-in-words')).toHaveText(
    'This is not a schedule Tillvault understands yet.',
  );
  await page.getByTestId('setup-next').click();
  await expect(page.getByRole('alert')).toContainText('That did not look right');
  await page.getByLabel('Cron expression').fill('30 22 * * 1-6');
  await expect(page.getByTestId('cron-in-words')).toContainText('22:30');
  await page.getByRole('radio', { name: 'Nightly after closing' }).check();
  await snap(page, '05-setup-when');
  await page.getByTestId('setup-next').click();
  await expect(page.getByTestId('run-first-backup')).toBeVisible();
  await snap(page, '06-setup-review');
}
