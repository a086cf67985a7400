/**
 * Languages: the window follows the computer's language at first, Arabic lays out right to left
 * with its own digits, and Settings switches language at once and keeps it.
 */
import { expect, snap, test } from './fixtures.js';

test.describe('on an Arabic computer', () => {
  test.use({ lang: 'ar-SA', demoShop: true });

  test('the window is right to left and in Arabic, numbers included', async ({ page, host }) => {
    await page.goto(host.url);
    const html = page.locator('html');
    await expect(html).toHaveAttribute('dir', 'rtl');
    await expect(html).toHaveAttribute('lang', 'ar');
    await expect(page.getByTestId('nav-home')).not.toHaveText('Home');
    await page.getByTestId('back-up-now').click();
    const result = page.getByTestId('run-result');
    await expect(result).toHaveAttribute('data-outcome', 'ok');
    // Numbers and lists through Intl in Arabic: the Arabic comma between the parts.
    await expect(result.getByTestId('saved-summary')).toContainText('،');
    await expect(result.getByTestId('saved-summary')).not.toContainText('members');
    // The side bar sits on the right.
    const nav = await page.getByTestId('nav-home').boundingBox();
    const main = await page.getByTestId('headline').boundingBox();
    expect(nav!.x).toBeGreaterThan(main!.x);
    await snap(page, 'ar-01-home');
    await page.getByTestId('nav-history').click();
    await expect(page.getByTestId('history-row')).toHaveCount(1);
    await snap(page, 'ar-02-history');
    await page.getByTestId('nav-setup').click();
    await snap(page, 'ar-03-setup');
    const { notifications } = await host.state();
    expect(notifications[0]?.title).not.toBe('Backup finished');
  });
});

test.describe('setting up on an Arabic computer', () => {
  test.use({ lang: 'ar-SA' });

  test('the data types say why in Arabic, with table names kept left to right', async ({
    page,
    host,
  }) => {
    await page.goto(host.url);
    await page.getByTestId('use-demo').click();
    await expect(page.getByTestId('types-table')).toBeVisible();
    await page.getByTestId('sort-tables').click();
    const why = page.getByTestId('why-member_search');
    await expect(why).toHaveText('يبحث في \u2068members\u2069');
    await expect(page.getByTestId('why-members')).toContainText('\u2068member\u2069');
    await snap(page, 'ar-06-setup-types-why');
  });
});

test.describe('on an English computer with the demo shop', () => {
  test.use({ demoShop: true });

  test('Settings changes the language at once, and it stays', async ({ page, host }) => {
    await page.goto(host.url);
    await expect(page.getByTestId('nav-home')).toHaveText('Home');
    await page.getByTestId('nav-settings').click();
    await snap(page, 'en-settings');
    await page.getByTestId('language').click();
    await page.getByRole('option', { name: 'Svenska' }).click();
    await expect(page.getByTestId('nav-home')).not.toHaveText('Home');
    await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('lang', 'sv');
    await page.getByTestId('nav-settings').click();
    await page.getByTestId('language').click();
    await page.getByRole('option', { name: 'العربية' }).click();
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    await snap(page, 'ar-04-settings');
    await page.getByTestId('language').click();
    await page.getByRole('option', { name: '简体中文' }).click();
    await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
    await page.getByTestId('nav-home').click();
    await snap(page, 'zh-01-home');
  });
});
