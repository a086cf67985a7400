/**
 * Change awareness, in the window: a mass delete of members between two backups turns the
 * result amber, says how many members went, notifies, and leads to the restore wizard at the
 * backup before it; in English and in Arabic (right to left, its own digits).
 */
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { expect, snap, test, type HostHandle } from './fixtures.js';

const shopDb = (host: HostHandle): string => path.join(host.dataDir, 'demo', 'shop.db');

function exec(host: HostHandle, sql: string): number {
  const db = new Database(shopDb(host));
  try {
    db.exec(sql);
    return (db.prepare('SELECT count(*) AS n FROM members').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** "Back up now" on Home, waiting for that run's own result (its notification). */
async function backUpNow(page: Page, host: HostHandle): Promise<void> {
  const before = (await host.state()).notifications.length;
  await page.getByTestId('back-up-now').click();
  await expect.poll(async () => (await host.state()).notifications.length).toBe(before + 1);
}

/** `words` checks the amber part's text, given how many members went. */
async function massDelete(
  page: Page,
  host: HostHandle,
  shot: string,
  words: (change: Locator, gone: number) => Promise<void>,
): Promise<void> {
  await page.goto(host.url);
  await backUpNow(page, host);
  const result = page.getByTestId('run-result');
  await expect(result).toHaveAttribute('data-outcome', 'ok');
  await expect(result.getByTestId('run-change')).toHaveCount(0);
  const before = exec(host, 'SELECT 1');
  // Someone at the till "cleans up" a third of the members.
  const after = exec(host, 'PRAGMA foreign_keys = OFF; DELETE FROM members WHERE id % 3 = 0;');
  await backUpNow(page, host);

  const change = result.getByTestId('run-change');
  await expect(change).toBeVisible();
  await expect(result).toHaveAttribute('data-change', 'true');
  await expect(change.getByTestId('change-members')).toBeVisible();
  await words(change, before - after);
  await snap(page, `${shot}-01-result`);
  await change.getByTestId('change-restore').click();

  // The wizard opens at "when", the backup before the delete chosen.
  await expect(page.getByTestId('restore')).toBeVisible();
  const points = page.getByTestId('restore-point');
  await expect(points).toHaveCount(2);
  await expect(points.nth(1)).toHaveAttribute('aria-checked', 'true');
  await expect(points.first()).toHaveAttribute('aria-checked', 'false');
  await snap(page, `${shot}-02-wizard`);
}

test.describe('in English', () => {
  test.use({ demoShop: true });

  test('a mass delete turns the result amber and leads to the wizard at the backup before', async ({
    page,
    host,
  }) => {
    let members = '';
    await massDelete(page, host, 'anomaly-en', async (change, gone) => {
      members = gone.toLocaleString('en');
      await expect(change).toContainText(
        `This backup has ${members} fewer members than the one before.`,
      );
      await expect(change).toContainText('is kept. If this was a mistake, restore from it.');
    });
    const note = (await host.state()).notifications.at(-1);
    expect(note?.title).toMatch(/: this backup is unlike the one before$/);
    expect(note?.body).toContain(`This backup has ${members} fewer members`);

    // Home stays amber about it after later backups, until the owner says it was meant.
    await page.goto(host.url);
    await backUpNow(page, host);
    const reason = page.getByTestId('headline-reason');
    await expect(reason).toHaveAttribute('data-reason', 'changed');
    await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'warn');
    await expect(reason).toContainText(`This backup has ${members} fewer members`);
    await snap(page, 'anomaly-en-03-home');
    await reason.getByTestId('reason-changed-restore').click();
    await expect(page.getByTestId('restore')).toBeVisible();
    await expect(page.getByTestId('restore-point').nth(2)).toHaveAttribute('aria-checked', 'true');
    await page.goto(host.url);
    await page.getByTestId('reason-changed-dismiss').click();
    await expect(page.getByTestId('headline-reason')).not.toHaveAttribute('data-reason', 'changed');
  });
});

test.describe('in Arabic', () => {
  test.use({ demoShop: true, lang: 'ar-SA' });

  test('the same, right to left', async ({ page, host }) => {
    await massDelete(page, host, 'anomaly-ar', async (change, gone) => {
      await expect(change).toContainText('أقل من النسخة السابقة');
      await expect(change).toContainText(gone.toLocaleString('ar'));
      await expect(change).not.toContainText('members');
    });
    const note = (await host.state()).notifications.at(-1);
    expect(note?.body).toContain('أقل من النسخة السابقة');
    await page.goto(host.url);
    await expect(page.getByTestId('headline-reason')).toHaveAttribute('data-reason', 'changed');
    await expect(page.getByTestId('headline-reason')).toContainText('أقل من النسخة السابقة');
    await snap(page, 'anomaly-ar-03-home');
  });
});
