/**
 * One test host process per test, with its own app folder and "Documents", in the language the
 * test asks for; and helpers for the scripted desktop (native dialogs, notifications).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { test as base, type Page } from '@playwright/test';

export interface HostHandle {
  readonly url: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly documentsDir: string;
  /** What the next native file or folder dialog answers (null: the owner cancels). */
  answerDialog(answer: string | null): Promise<void>;
  state(): Promise<{ notifications: { title: string; body: string }[]; awake: number }>;
}

async function startHostProcess(
  dir: string,
  lang: string,
  demo: boolean,
): Promise<{ child: ChildProcess; info: { url: string; dataDir: string; documentsDir: string } }> {
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
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = readline.createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`test host exited with ${code}`)));
  });
  return {
    child,
    info: JSON.parse(first) as { url: string; dataDir: string; documentsDir: string },
  };
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
        await fetch(new URL('__test/dialog', info.url), {
          method: 'POST',
          body: JSON.stringify({ answer }),
        });
      },
      state: async () => (await fetch(new URL('__test/state', info.url))).json(),
    });
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await fs.rm(dir, { recursive: true, force: true });
  },
});

export { expect } from '@playwright/test';

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
