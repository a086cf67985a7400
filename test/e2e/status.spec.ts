/**
 * The status rule on Home, in English and Arabic: a plan without a schedule is amber and says
 * where to choose one (green once it has one); a backup handed to a Dropbox folder whose client
 * is not running is amber and has no green tick. The Dropbox folder is a real one in the test
 * host's home folder, and no Dropbox client runs on a test machine.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, snap, test as base } from './fixtures.js';

const PASSPHRASE = 'paper lantern orchard 42';

const test = base.extend<{ cloudHome: boolean; homeWithDropbox: string | null }>({
  /** The test host gets a home folder of its own, with a Dropbox folder in it. */
  cloudHome: [false, { option: true }],
  // The host inherits this process's environment when it starts: HOME is set before it (auto
  // fixtures come first) and put back after. Asking for the browser starts it with the real one.
  homeWithDropbox: [
    async ({ cloudHome, browser }, use) => {
      void browser;
      if (!cloudHome) return use(null);
      const home = await fs.mkdtemp(path.join(os.tmpdir(), 'tillvault-home-'));
      await fs.mkdir(path.join(home, 'Dropbox'));
      const before = process.env['HOME'];
      process.env['HOME'] = home;
      try {
        await use(home);
      } finally {
        if (before === undefined) delete process.env['HOME'];
        else process.env['HOME'] = before;
        await fs.rm(home, { recursive: true, force: true });
      }
    },
    { auto: true },
  ],
});

/** Setup by test ids, so it reads the same in any language: demo shop, Documents and Dropbox. */
async function setUpWithDropbox(page: Page): Promise<void> {
  await page.getByTestId('use-demo').click();
  await expect(page.getByTestId('types-table')).toBeVisible();
  await page.getByTestId('setup-next').click();
  await page.getByRole('checkbox', { name: /Dropbox/ }).check();
  await expect(page.getByTestId('sync-stopped')).toBeVisible();
  await page.getByTestId('setup-next').click();
  await page.getByTestId('passphrase').fill(PASSPHRASE);
  await page.getByTestId('passphrase-again').fill(PASSPHRASE);
  await page.getByTestId('setup-no-pin').check();
  await page.getByTestId('create-protection').click();
  await page.getByTestId('key-stored').check();
  await page.getByTestId('setup-next').click();
  // "Nightly after closing" is the schedule setup offers first.
  await page.getByTestId('setup-next').click();
  await page.getByTestId('run-first-backup').click();
  await expect(page.getByTestId('run-result')).toHaveAttribute('data-outcome', 'ok');
}

test.describe('a plan without a schedule, in English', () => {
  test.use({ demoShop: true });

  test('is amber and says where to choose one; green once it has one', async ({ page, host }) => {
    await page.goto(host.url);
    await page.getByTestId('back-up-now').click();
    await expect(page.getByTestId('run-result')).toHaveAttribute('data-outcome', 'ok');
    const headline = page.getByTestId('headline');
    await expect(headline).toHaveAttribute('data-level', 'warn');
    const reason = page.getByTestId('headline-reason');
    await expect(reason).toHaveAttribute('data-reason', 'no-schedule');
    await expect(reason).toContainText('No automatic backups.');
    await expect(reason).toContainText('Choose when in Settings.');
    await expect(headline).not.toContainText('is safe');
    await expect(page.getByTestId('headline-plan')).toHaveText(/on 1 of 1 place\.$/);
    await snap(page, 'status-01-no-schedule');

    await page.getByTestId('reason-settings').click();
    await page.getByRole('radio', { name: 'Nightly after closing' }).check();
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await expect(page.getByRole('button', { name: 'Save schedule' })).toBeHidden();
    await page.getByTestId('nav-home').click();
    await expect(headline).toHaveAttribute('data-level', 'ok');
    await expect(headline).toContainText('Your shop data is safe.');
    await expect(page.getByTestId('headline-reason')).toHaveCount(0);
    await snap(page, 'status-02-scheduled');
    // Only the backup itself was notified, and as Home says it: finished, but amber.
    const { notifications } = await host.state();
    expect(notifications.map((n) => n.title)).toEqual(['Backup finished — one thing needs a look']);
    expect(notifications[0]?.body).toMatch(/No automatic backups\.$/);
  });
});

test.describe('a plan without a schedule, in Arabic', () => {
  test.use({ demoShop: true, lang: 'ar-SA' });

  test('is amber, in Arabic', async ({ page, host }) => {
    await page.goto(host.url);
    await page.getByTestId('back-up-now').click();
    await expect(page.getByTestId('run-result')).toHaveAttribute('data-outcome', 'ok');
    await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'warn');
    const reason = page.getByTestId('headline-reason');
    await expect(reason).toHaveAttribute('data-reason', 'no-schedule');
    await expect(reason).toContainText('لا يوجد نسخ احتياطي تلقائي');
    await snap(page, 'ar-status-01-no-schedule');
  });
});

for (const [lang, shot] of [
  ['en-US', 'status-03-dropbox-not-running'],
  ['ar-SA', 'ar-status-02-dropbox-not-running'],
] as const) {
  test.describe(`a Dropbox copy whose client is not running (${lang})`, () => {
    test.use({ cloudHome: true, lang });

    test('is amber, with no green tick and nothing counted as away', async ({ page, host }) => {
      await page.goto(host.url);
      await setUpWithDropbox(page);
      const result = page.getByTestId('run-result');
      const dropbox = result.getByTestId('result-place-ok').filter({ hasText: 'Dropbox' });
      await expect(dropbox).toHaveAttribute('data-uploaded', 'no');
      await expect(dropbox.getByTestId('sync-stopped')).toBeVisible();
      await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'warn');
      await expect(page.getByTestId('headline-reason')).toHaveAttribute(
        'data-reason',
        'not-uploaded',
      );
      await expect(page.getByTestId('place-not-uploaded')).toBeVisible();
      if (lang === 'en-US') {
        await expect(page.getByTestId('headline-reason')).toContainText(
          'The last backup has not left the shop yet.',
        );
        await expect(page.getByTestId('headline-reason')).toContainText(
          'Start \u2068Dropbox\u2069 on this computer',
        );
        await expect(page.getByTestId('headline-plan')).toContainText('on 2 of 2 places');
        await expect(page.getByTestId('rule-321')).toContainText('None is away from the shop yet');
      }
      await snap(page, shot);
    });
  });
}

test.describe('two plans', () => {
  test.use({ cloudHome: true, demoShop: true });

  test('one line each, with its own places counted', async ({ page, host }) => {
    await page.goto(host.url);
    await page.getByTestId('back-up-now').click();
    await expect(page.getByTestId('run-result')).toHaveAttribute('data-outcome', 'ok');
    // A second plan of the same shop, to Documents and Dropbox.
    await page.getByTestId('nav-setup').click();
    await setUpWithDropbox(page);
    await page.getByTestId('nav-home').click();
    const lines = page.getByTestId('headline-plan');
    await expect(lines).toHaveCount(2);
    await expect(lines.first()).toContainText('Demo shop');
    await expect(lines.first()).toContainText('on 1 of 1 place.');
    await expect(lines.nth(1)).toContainText('on 2 of 2 places.');
    await expect(lines.nth(1)).toContainText('The last backup has not left the shop yet.');
    // Both amber: the missing schedule matters more than a copy not uploaded yet.
    await expect(page.getByTestId('headline-reason')).toHaveAttribute('data-reason', 'no-schedule');
    await expect(page.getByTestId('headline-reason')).toContainText('Demo shop');
    await snap(page, 'status-04-two-plans');
  });
});
