/**
 * The passphrase typed again on Home: after a restart on a computer that cannot keep it, the
 * plan is red and asks for it (a wrong one is refused, the right one lets the backups go on);
 * every 90 days the owner is asked whether they still know it. In English and Arabic.
 */
import type { Page } from '@playwright/test';
import { expect, snap, test, type HostHandle } from './fixtures.js';

const DEMO_PASSPHRASE = 'tillvault-demo';
const DAY = 86_400_000;

async function typePassphrase(page: Page, value: string): Promise<void> {
  await page.getByTestId('passphrase-ask-input').fill(value);
  await page.getByTestId('passphrase-ask-submit').click();
}

async function forgotten(page: Page, host: HostHandle, shot: string, wrongText: string) {
  await page.goto(host.url);
  await page.getByTestId('back-up-now').click();
  await expect(page.getByTestId('run-result')).toHaveAttribute('data-outcome', 'ok');
  await host.desktop({ forgetPassphrases: true });
  await page.reload();
  await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'bad');
  await expect(page.getByTestId('headline-reason')).toHaveAttribute('data-reason', 'no-passphrase');
  const ask = page.getByTestId('passphrase-missing');
  await expect(ask).toBeVisible();
  await typePassphrase(page, 'not the passphrase');
  await expect(ask).toContainText(wrongText);
  await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'bad');
  await snap(page, `${shot}-01-missing`);
  // By keyboard: the field, Enter.
  await page.getByTestId('passphrase-ask-input').fill(DEMO_PASSPHRASE);
  await page.getByTestId('passphrase-ask-input').press('Enter');
  await expect(ask).toHaveCount(0);
  await expect(page.getByTestId('headline-reason')).not.toHaveAttribute(
    'data-reason',
    'no-passphrase',
  );
  await page.getByTestId('back-up-now').click();
  await expect(page.getByTestId('run-result')).toHaveAttribute('data-outcome', 'ok');
}

async function ninetyDays(page: Page, host: HostHandle, shot: string, okText: string) {
  await page.goto(host.url);
  await page.getByTestId('back-up-now').click();
  await expect(page.getByTestId('run-result')).toHaveAttribute('data-outcome', 'ok');
  await expect(page.getByTestId('passphrase-check')).toHaveCount(0);
  await host.desktop({ clockOffsetMs: 91 * DAY });
  await page.reload();
  const ask = page.getByTestId('passphrase-check');
  await expect(ask).toBeVisible();
  await snap(page, `${shot}-02-check`);
  await typePassphrase(page, DEMO_PASSPHRASE);
  await expect(page.getByTestId('passphrase-check-ok')).toContainText(okText);
  await snap(page, `${shot}-03-checked`);
  await page.reload();
  await expect(page.getByTestId('headline')).toBeVisible();
  await expect(page.getByTestId('passphrase-check')).toHaveCount(0);
}

test.describe('in English', () => {
  test.use({ demoShop: true });

  test('a forgotten passphrase stops the backups until it is typed; a wrong one is refused', async ({
    page,
    host,
  }) => {
    await forgotten(page, host, 'passphrase-en', 'That is not the passphrase.');
  });

  test('after 90 days the owner is asked whether they still know the passphrase', async ({
    page,
    host,
  }) => {
    await ninetyDays(page, host, 'passphrase-en', 'you still know your backup passphrase');
  });
});

test.describe('in Arabic', () => {
  test.use({ demoShop: true, lang: 'ar-SA' });

  test('the same, right to left', async ({ page, host }) => {
    await forgotten(page, host, 'passphrase-ar', 'هذه ليست عبارة المرور');
    await ninetyDays(page, host, 'passphrase-ar', 'ما زلت تتذكّر');
  });
});
