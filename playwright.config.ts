/**
 * End-to-end tests: the built renderer in a real Chromium against the test host (test/e2e), and
 * a smoke test of the real Electron app where its binary is installed (test/electron).
 */
import fs from 'node:fs';
import { defineConfig } from '@playwright/test';

/** Debian's Chromium on CI; any other local Chromium or Chrome on a developer machine. */
const chromium = [
  process.env['CHROMIUM_PATH'],
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
].find((p) => p && fs.existsSync(p));

export default defineConfig({
  outputDir: 'test-results/playwright',
  timeout: 180_000,
  // Backups in these tests take seconds, but a loaded 2-core CI machine can stretch them.
  expect: { timeout: 90_000 },
  // One at a time: each test runs a host, a backup engine and a browser on two cores.
  workers: 1,
  reporter: [['list']],
  use: {
    viewport: { width: 1200, height: 820 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      ...(chromium ? { executablePath: chromium } : {}),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [
    { name: 'browser', testDir: 'test/e2e' },
    { name: 'electron', testDir: 'test/electron' },
  ],
});
