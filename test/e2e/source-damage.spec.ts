/**
 * The shop's own database is damaged: Home turns red and says which backup is the last good
 * one, in English and in Arabic.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect, snap, test, type HostHandle } from './fixtures.js';
import type { Page } from '@playwright/test';

const sql = (db: string, statement: string): string =>
  execFileSync('sqlite3', [db, statement], { encoding: 'utf8' }).trim();

/** Overwrites one leaf page of the members table, as a failing disk would. */
function damageMembers(db: string): void {
  sql(db, 'PRAGMA wal_checkpoint(TRUNCATE)');
  const page = Number(
    sql(
      db,
      "SELECT pageno FROM dbstat WHERE name = 'members' AND pagetype = 'leaf' LIMIT 1 OFFSET 2",
    ),
  );
  const size = Number(sql(db, 'PRAGMA page_size'));
  const fd = fs.openSync(db, 'r+');
  fs.writeSync(fd, crypto.randomBytes(size), 0, size, (page - 1) * size);
  fs.closeSync(fd);
}

async function backUpDamaged(page: Page, host: HostHandle): Promise<void> {
  await page.goto(host.url);
  await page.getByTestId('back-up-now').click();
  await expect(page.getByTestId('run-result')).toBeVisible();
  damageMembers(path.join(host.dataDir, 'demo', 'shop.db'));
  await page.getByTestId('back-up-now').click();
  await expect(page.getByTestId('run-source-damaged')).toBeVisible();
  await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'bad');
  await expect(page.getByTestId('source-damaged')).toBeVisible();
}

test.describe('in English', () => {
  test.use({ demoShop: true });
  test('a damaged POS database turns Home red and names the last good backup', async ({
    page,
    host,
  }) => {
    await backUpDamaged(page, host);
    await expect(page.getByTestId('source-damaged')).toContainText('The last good backup is');
    await snap(page, '26-home-source-damaged');
    const { notifications } = await host.state();
    expect(notifications.at(-1)?.body).toContain('Your POS database is damaged');
  });
});

test.describe('in Arabic', () => {
  test.use({ demoShop: true, lang: 'ar-SA' });
  test('the same warning, right to left', async ({ page, host }) => {
    await backUpDamaged(page, host);
    await expect(page.getByTestId('source-damaged')).not.toContainText('The last good backup');
    await snap(page, 'ar-05-home-source-damaged');
  });
});
