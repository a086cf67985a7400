/**
 * The worst day, in the window: the restore wizard on the demo shop, one test per path — a
 * deleted member put back from the timeline, a wrong price change undone for products while
 * today's sales stay, a deleted database restored whole, undo (from the result and from
 * History), and "only look" saved as a copy. Each checks the database file itself afterwards.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { deleteDemoMemberSql } from '../helpers.js';
import { expect, snap, test, type HostHandle } from './fixtures.js';

const shopDb = (host: HostHandle): string => path.join(host.dataDir, 'demo', 'shop.db');

function withDb<T>(host: HostHandle, use: (db: Database.Database) => T): T {
  const db = new Database(shopDb(host));
  try {
    return use(db);
  } finally {
    db.close();
  }
}

const one = <T>(host: HostHandle, sql: string, ...args: unknown[]): T =>
  withDb(host, (db) => db.prepare(sql).get(...args) as T);

/** Sales rung up after the backup: orders with one line each, as the till writes them. */
function sellAfter(host: HostHandle, count: number): number[] {
  return withDb(host, (db) =>
    db.transaction(() => {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        const id = Number(
          db
            .prepare(
              `INSERT INTO orders (receipt_no, member_id, staff_id, shift_id, coupon_id, created_at,
                 discount_cents, total_cents)
               SELECT 'E2E-' || (MAX(id) + 1), NULL, staff_id, shift_id, NULL,
                 strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 0, 1250 FROM orders`,
            )
            .run().lastInsertRowid,
        );
        db.prepare(
          'INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES (?, 1, 1, 1250)',
        ).run(id);
        ids.push(id);
      }
      return ids;
    })(),
  );
}

/** "Back up now" on Home, waiting for that run's own result (its notification). */
async function backUpNow(page: Page, host: HostHandle): Promise<void> {
  const before = (await host.state()).notifications.length;
  await page.getByTestId('nav-home').click();
  await page.getByTestId('back-up-now').click();
  await expect.poll(async () => (await host.state()).notifications.length).toBe(before + 1);
  await expect(page.getByTestId('run-result')).toHaveAttribute('data-outcome', 'ok');
}

const next = (page: Page) => page.getByTestId('restore-next').click();

/**
 * Path (a): a member deleted by mistake, found on the timeline and put back as one record;
 * the sale rung up after the mistake stays. `english` adds the checks of the words themselves.
 */
async function putBackDeletedMember(
  page: Page,
  host: HostHandle,
  shot: string,
  english: boolean,
): Promise<void> {
  await page.goto(host.url);
  await backUpNow(page, host);
  const member = one<{ name: string; ledger: number }>(
    host,
    'SELECT name, (SELECT COUNT(*) FROM points_ledger WHERE member_id = 42) AS ledger FROM members WHERE id = 42',
  );
  // The time filter works by the minute: the mistake comes in the minute after the backup.
  if (english) await page.waitForTimeout(60_000 - (Date.now() % 60_000) + 500);
  withDb(host, (db) => db.exec(deleteDemoMemberSql(42)));
  const [sale] = sellAfter(host, 1);
  await backUpNow(page, host);

  // Home's way in.
  await page.getByTestId('home-restore').click();
  await page.getByTestId('reason-mistake').click();
  await snap(page, `${shot}-01-reason`);
  await next(page);

  const points = page.getByTestId('restore-point');
  await expect(points).toHaveCount(2);
  // The newest backup says what changed since the one before it: the member who went.
  const changes = points.first().getByTestId('restore-point-changes');
  if (english) {
    await expect(changes).toContainText('1 fewer member');
    await expect(changes).toContainText('1 new sale');
  } else {
    await expect(changes).toBeVisible();
    await expect(changes).not.toContainText('member');
  }
  await snap(page, `${shot}-02a-timeline`);
  if (english) {
    // "Only backups before" the minute of the mistake leaves the backup before it, marked and
    // chosen (the mistake was made in a later minute than the first backup: see above).
    const mistake = new Date(one<{ t: string }>(host, 'SELECT MAX(created_at) AS t FROM orders').t);
    const two = (n: number) => String(n).padStart(2, '0');
    await page
      .getByTestId('restore-before-date')
      .fill(`${mistake.getFullYear()}-${two(mistake.getMonth() + 1)}-${two(mistake.getDate())}`);
    await page
      .getByTestId('restore-before-time')
      .fill(`${two(mistake.getHours())}:${two(mistake.getMinutes())}`);
    await expect(points).toHaveCount(1);
    await expect(page.getByTestId('restore-last-before')).toBeVisible();
    await expect(points.first()).toHaveAttribute('aria-checked', 'true');
  } else {
    await points.nth(1).click();
  }
  await snap(page, `${shot}-02-when`);
  await next(page);

  // What? — chosen records is where a mistake starts; find the member by name.
  await expect(page.getByTestId('what-records')).toBeChecked();
  await page.getByTestId('record-search').fill(member.name);
  await page.getByTestId('record-search').press('Enter');
  // Shops have namesakes: each match shows its number, and the one deleted is number 42.
  const result = page.locator('[data-testid="record-result"][data-key="42"]');
  await expect(result.first()).toBeVisible();
  await result.first().getByTestId('record-show').click();
  await expect(page.getByTestId('record-gone-now')).toBeVisible();
  await expect(page.getByTestId('record-fields')).toContainText(member.name);
  await expect(page.getByTestId('record-history')).toBeVisible();
  await result.first().getByTestId('record-pick').check();
  await expect(page.getByTestId('record-chosen')).toContainText(member.name);
  await snap(page, `${shot}-03-what-records`);
  await next(page);

  // Preview: the member comes back, nothing is taken away.
  const members = page.getByTestId('preview-type-members');
  await expect(members).toBeVisible();
  await expect(members.getByTestId('preview-gone')).toHaveText(/^[0٠]$/);
  await expect(members.getByTestId('preview-back')).not.toHaveText(/^[0٠]$/);
  await snap(page, `${shot}-04-preview`);
  await next(page);

  // Records never take rows away: no "keep today's sales" step; straight to doing it safely.
  await expect(page.getByTestId('till-closed')).toBeVisible();
  await snap(page, `${shot}-05-safely`);
  await page.getByTestId('restore-run').click();
  const headline = page.getByTestId('restore-headline');
  await expect(headline).toBeVisible();
  if (english) await expect(headline).toContainText('1 record is back as it was on');
  // The rows that belong to the member are named with it.
  await expect(page.getByTestId('restore-came-with')).toContainText('points_ledger');
  await expect(page.getByTestId('restore-checks').locator('[data-ok="false"]')).toHaveCount(0);
  await expect(page.getByTestId('undo-restore')).toBeVisible();
  await snap(page, `${shot}-06-result`);

  const back = one<{ name: string; ledger: number } | undefined>(
    host,
    'SELECT name, (SELECT COUNT(*) FROM points_ledger WHERE member_id = 42) AS ledger FROM members WHERE id = 42',
  );
  expect(back).toEqual(member);
  expect(one<{ n: number }>(host, 'SELECT COUNT(*) AS n FROM orders WHERE id = ?', sale).n).toBe(1);
  expect(
    one<{ n: number }>(host, 'SELECT COUNT(*) AS n FROM order_items WHERE order_id = ?', sale).n,
  ).toBe(1);
}

/** Path (b): every price ×10 by mistake, then sales; products put back, the sales kept. */
async function undoPriceChange(
  page: Page,
  host: HostHandle,
  shot: string,
  english: boolean,
): Promise<void> {
  await page.goto(host.url);
  await backUpNow(page, host);
  const prices = withDb(host, (db) =>
    db.prepare('SELECT id, price_cents FROM products ORDER BY id').all(),
  );
  withDb(host, (db) => db.exec('UPDATE products SET price_cents = price_cents * 10'));
  const sales = sellAfter(host, 3);

  // The side bar's way in; the backup is found by its time, not by the latest changes.
  await page.getByTestId('nav-restore').click();
  await page.getByTestId('reason-mistake').click();
  await next(page);
  await expect(page.getByTestId('restore-point')).toHaveCount(1);
  await page.getByTestId('restore-point').first().click();
  await next(page);

  await page.getByTestId('what-types').check();
  const types = page.getByTestId('what-types-table');
  // Products, and sales too: put back to the backup, with the sales made since kept.
  await types.getByTestId('what-type-products').check();
  await types.getByTestId('what-type-sales').check();
  await snap(page, `${shot}-01-what-types`);
  await next(page);

  const products = page.getByTestId('preview-type-products');
  await expect(products.getByTestId('preview-changed')).not.toHaveText(/^[0٠]$/);
  if (english) {
    await expect(products.getByTestId('preview-changed')).toHaveText(
      new Intl.NumberFormat('en').format(prices.length),
    );
  }
  await page.getByTestId('preview-table').filter({ hasText: 'products' }).first().click();
  const field = page.getByTestId('preview-field').first();
  await expect(field).toContainText('price_cents');
  if (english) await expect(field).toContainText('back to');
  await snap(page, `${shot}-02-preview`);
  await next(page);

  // Keep today's sales: on, for sales; the preview follows.
  const keep = page.getByTestId('keep-new');
  if (!(await keep.isChecked())) await keep.check();
  await expect(page.getByTestId('keep-type-sales')).toBeChecked();
  await expect(page.getByTestId('preview-type-products')).toBeVisible();
  await snap(page, `${shot}-03-keep`);
  await next(page);

  await page.getByTestId('restore-run').click();
  const headline = page.getByTestId('restore-headline');
  await expect(headline).toBeVisible();
  if (english) await expect(headline).toContainText('are back as they were on');
  // The sales are counted as the owner counts them: receipts, not their lines and payments.
  if (english) await expect(headline).toContainText('3 sales made since were kept.');
  await snap(page, `${shot}-04-result`);

  expect(
    withDb(host, (db) => db.prepare('SELECT id, price_cents FROM products ORDER BY id').all()),
  ).toEqual(prices);
  const kept = withDb(
    host,
    (db) =>
      db
        .prepare(`SELECT COUNT(*) AS n FROM orders WHERE id IN (${sales.map(() => '?').join()})`)
        .get(...sales) as { n: number },
  );
  expect(kept.n).toBe(3);
}

/** Path (e): only look — the backup saved as a copy where the dialog says; the till untouched. */
async function saveCopy(page: Page, host: HostHandle, shot: string): Promise<void> {
  await page.goto(host.url);
  await backUpNow(page, host);
  const live = fs.statSync(shopDb(host)).mtimeMs;

  await page.getByTestId('nav-restore').click();
  await page.getByTestId('reason-look').click();
  await next(page);
  await expect(page.getByTestId('restore-point').first()).toHaveAttribute('aria-checked', 'true');
  await next(page);
  await snap(page, `${shot}-01-copy`);
  const target = path.join(host.dir, 'Desktop', 'shop old.db');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  await host.answerDialog(target);
  await page.getByTestId('copy-save').click();
  await expect(page.getByTestId('copy-result')).toBeVisible();
  await expect(page.getByTestId('copy-file')).toContainText(target);
  await page.getByTestId('copy-file-show').click();
  await expect.poll(async () => (await host.state()).shown).toEqual([target]);
  await snap(page, `${shot}-02-saved`);

  expect(fs.readFileSync(target).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
  const copy = new Database(target, { readonly: true });
  try {
    expect((copy.prepare('SELECT COUNT(*) AS n FROM members').get() as { n: number }).n).toBe(1200);
  } finally {
    copy.close();
  }
  expect(fs.statSync(shopDb(host)).mtimeMs).toBe(live);
}

test.describe('in English', () => {
  test.use({ demoShop: true });

  test('(a) a deleted member put back from the timeline, later sales kept', async ({
    page,
    host,
  }) => {
    await putBackDeletedMember(page, host, 'restore-a', true);
  });

  test('(b) a wrong price change undone for products, today’s sales kept', async ({
    page,
    host,
  }) => {
    await undoPriceChange(page, host, 'restore-b', true);
  });

  test('(c) a deleted database restored whole from the newest good backup', async ({
    page,
    host,
  }) => {
    await page.goto(host.url);
    await backUpNow(page, host);
    const members = one<{ n: number }>(host, 'SELECT COUNT(*) AS n FROM members').n;
    for (const f of ['', '-wal', '-shm']) fs.rmSync(`${shopDb(host)}${f}`, { force: true });

    await page.getByTestId('nav-restore').click();
    await page.getByTestId('reason-damaged').click();
    await next(page);
    // The newest good backup is already chosen.
    await expect(page.getByTestId('restore-point').first()).toHaveAttribute('aria-checked', 'true');
    await next(page);

    await expect(page.getByTestId('live-missing')).toContainText('is not at');
    await expect(page.getByTestId('what-all')).toBeChecked();
    await expect(page.getByTestId('what-records')).toBeDisabled();
    await snap(page, 'restore-c-01-what-missing');
    await next(page);
    await next(page);

    await snap(page, 'restore-c-02-safely');
    await page.getByTestId('restore-run').click();
    await expect(page.getByTestId('restore-headline')).toContainText(
      'The whole database is back as it was on',
    );
    await expect(page.getByTestId('restore-checks').locator('[data-ok="false"]')).toHaveCount(0);
    await snap(page, 'restore-c-03-result');

    expect(fs.readFileSync(shopDb(host)).subarray(0, 16).toString('latin1')).toBe(
      'SQLite format 3\0',
    );
    expect(one<{ n: number }>(host, 'SELECT COUNT(*) AS n FROM members').n).toBe(members);
  });

  test('(d) undo a restore from its result, then undo that from History', async ({
    page,
    host,
  }) => {
    await page.goto(host.url);
    await backUpNow(page, host);
    const name = (): string =>
      one<{ name: string }>(host, 'SELECT name FROM members WHERE id = 5').name;
    const original = name();
    withDb(host, (db) =>
      db.prepare("UPDATE members SET name = 'Changed By Mistake' WHERE id = 5").run(),
    );

    await page.getByTestId('nav-history').click();
    await page.getByTestId('history-restore').first().click();
    // A History row opens the wizard on "When?" with its backup chosen.
    await expect(page.getByTestId('restore-point').first()).toHaveAttribute('aria-checked', 'true');
    await next(page);
    await page.getByTestId('what-all').check();
    await next(page);
    await next(page);
    await next(page);
    await page.getByTestId('restore-run').click();
    await expect(page.getByTestId('restore-headline')).toBeVisible();
    expect(name()).toBe(original);

    await page.getByTestId('undo-restore').click();
    await expect(page.getByTestId('undo-flow')).toBeVisible();
    await snap(page, 'restore-d-01-undo-confirm');
    await page.getByTestId('undo-confirm').click();
    await expect(page.getByTestId('undo-headline')).toContainText(
      'The whole database is back as it was on',
    );
    await snap(page, 'restore-d-02-undo-result');
    expect(name()).toBe('Changed By Mistake');
    await page.keyboard.press('Escape');

    // History: each restore left a safety backup, and the newest one undoes the undo.
    await page.getByTestId('nav-history').click();
    const safety = page
      .getByTestId('history-row')
      .filter({ has: page.getByTestId('undo-restore') });
    await expect(safety).toHaveCount(2);
    await snap(page, 'restore-d-03-history');
    await safety.first().getByTestId('undo-restore').click();
    await page.getByTestId('undo-confirm').click();
    await expect(page.getByTestId('undo-headline')).toBeVisible();
    expect(name()).toBe(original);
  });

  test('(e) only look: a copy saved where the owner chose, the till left alone', async ({
    page,
    host,
  }) => {
    await saveCopy(page, host, 'restore-e');
  });
});

test.describe('in Arabic', () => {
  test.use({ demoShop: true, lang: 'ar-SA' });

  test('(a) the deleted member put back, right to left', async ({ page, host }) => {
    await putBackDeletedMember(page, host, 'ar-restore-a', false);
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    await expect(page.getByTestId('restore-headline')).not.toContainText('record');
  });

  test('(b) prices put back with today’s sales kept, right to left', async ({ page, host }) => {
    await undoPriceChange(page, host, 'ar-restore-b', false);
  });

  test('(e) only look, right to left', async ({ page, host }) => {
    await saveCopy(page, host, 'ar-restore-e');
  });
});
