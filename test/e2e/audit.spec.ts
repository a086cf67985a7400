/**
 * The audit log screen in Chromium over the real engine: reached from the side bar by keyboard,
 * every place's log merged (a plan made, a backup with its check and clean-up, a schedule
 * changed, each once for both places, with who did it), filtered by kind and by day, and
 * exported as a CSV that parses back to what the screen shows: Chinese and Arabic names intact,
 * a plan name that looks like a formula neutralised. Then the same in Arabic, right to left.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { parse } from 'csv/sync';
import { expect, snap, test, type HostHandle } from './fixtures.js';

const PLAN = '=SUM(1+1) 会员店';
const DAY_MS = 86_400_000;

/** The IPC as the window calls it; for the set-up the other specs test through the screens. */
async function invoke<T>(page: Page, channel: string, request: unknown): Promise<T> {
  const r = await page.evaluate(([c, q]) => window.tillvault.invoke(c as never, q), [
    channel,
    request,
  ] as const);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

/**
 * A plan of the demo shop into two folders (a Chinese and an Arabic label), made ten days ago
 * by the clock of main, then backed up now.
 */
async function planWithTwoPlaces(page: Page, host: HostHandle): Promise<string> {
  await page.goto(host.url);
  const folders = ['docs', 'stick'].map((n) => path.join(host.dir, n));
  const granted: string[] = [];
  for (const f of folders) {
    fs.mkdirSync(f);
    await host.answerDialog(f);
    granted.push((await invoke<{ path: string }>(page, 'dialog:pick-folder', {})).path);
  }
  await host.desktop({ clockOffsetMs: -10 * DAY_MS });
  const { job } = await invoke<{ job: { id: string } }>(page, 'jobs:create', {
    name: PLAN,
    source: path.join(host.dataDir, 'demo', 'shop.db'),
    types: ['members', 'sales', 'products', 'staff', 'logs', 'other'],
    destinations: [
      { kind: 'folder', label: '文件夹', path: granted[0] },
      { kind: 'folder', label: 'مفتاح USB', path: granted[1] },
    ],
    passphrase: 'paper lantern orchard 42',
  });
  await host.desktop({ clockOffsetMs: 0 });
  const before = (await host.state()).notifications.length;
  await invoke(page, 'backup:run', { jobId: job.id });
  await expect.poll(async () => (await host.state()).notifications.length).toBe(before + 1);
  return job.id;
}

const plain = (s: string): string => s.replace(/[\u2068\u2069]/g, '');

/** Exports what the screen shows now and reads the file back with the same CSV library. */
async function exportCsv(page: Page, host: HostHandle, name: string): Promise<string[][]> {
  const file = path.join(host.dir, name);
  await host.answerDialog(file);
  await page.getByTestId('audit-export').click();
  await expect(page.getByTestId('audit-exported')).toContainText(name);
  const bytes = fs.readFileSync(file);
  // The BOM that makes Excel read UTF-8.
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return parse(bytes, { bom: true }) as string[][];
}

test.describe('in English', () => {
  test.use({ demoShop: true });

  test('merged, filtered by kind and day, exported as a CSV that round-trips', async ({
    page,
    host,
  }) => {
    await planWithTwoPlaces(page, host);
    await page.reload();
    await page.getByTestId('nav-home').waitFor();

    // Settings: the plan's schedule changed at the window (staff: no PIN set here).
    await page.getByTestId('nav-settings').click();
    const card = page.getByTestId('job-card').filter({ hasText: '会员店' });
    await card.getByRole('radio', { name: 'Nightly after closing' }).check();
    await card.getByRole('button', { name: 'Save schedule' }).click();
    await expect(card.getByRole('button', { name: 'Save schedule' })).toBeHidden();

    // The side bar by keyboard: from History, Tab reaches the audit log, Enter opens it.
    await page.getByTestId('nav-history').focus();
    await page.keyboard.press('Tab');
    await expect(page.getByTestId('nav-audit')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();

    const rows = page.getByTestId('audit-row');
    await expect(rows).toHaveCount(5);
    await expect(rows.nth(0)).toHaveAttribute('data-kind', 'plan');
    await expect(rows.nth(0).getByTestId('audit-what')).toHaveText(
      'Changed the plan “\u2068=SUM(1+1) 会员店\u2069”: when it backs up',
    );
    await expect(rows.nth(0).getByTestId('audit-actor')).toHaveText('Staff');
    const backup = page.locator('[data-testid="audit-row"][data-kind="backup"]');
    await expect(backup.getByTestId('audit-what')).toHaveText('Backed up \u2068shop.db\u2069');
    await expect(backup.getByTestId('audit-result')).toHaveText('Done');
    // Each event once, held by both places.
    for (let i = 0; i < 5; i++) {
      await expect(rows.nth(i)).toContainText('\u2068文件夹\u2069 and \u2068مفتاح USB\u2069');
    }
    await expect(rows.nth(4).getByTestId('audit-what')).toHaveText(
      'Created the plan “\u2068=SUM(1+1) 会员店\u2069”',
    );
    await snap(page, 'audit-01-all');

    // Only plan changes (the kinds are checkboxes: Space picks one).
    await page.getByTestId('audit-kind-plan').press('Space');
    await expect(rows).toHaveCount(2);
    await snap(page, 'audit-02-plan-changes');
    // And only from today: the plan was made ten days ago.
    const today = new Date();
    const day = (d: Date): string =>
      `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    await page.getByTestId('audit-from').fill(day(today));
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('when it backs up');
    // Until a week ago: only the plan's creation.
    await page.getByTestId('audit-from').fill('');
    await page.getByTestId('audit-to').fill(day(new Date(today.getTime() - 7 * DAY_MS)));
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('Created the plan');
    await page.getByTestId('audit-to').fill(day(new Date(today.getTime() - 12 * DAY_MS)));
    await expect(page.getByTestId('audit-empty')).toBeVisible();
    await page.getByTestId('audit-clear').click();
    await expect(rows).toHaveCount(5);

    // The CSV holds what the screen shows, in the same words, newest first.
    const csv = await exportCsv(page, host, 'audit-log.csv');
    expect(csv[0]).toEqual(['When', 'Who', 'Kind', 'What', 'Result', 'Plan', 'Places', 'Computer']);
    expect(csv.length).toBe(6);
    const shown = (await rows.getByTestId('audit-what').allTextContents()).map(plain);
    expect(csv.slice(1).map((r) => r[3])).toEqual(shown);
    for (const r of csv.slice(1)) {
      // A cell that starts with "=" is text in a spreadsheet, never a formula.
      expect(r[5]).toBe(`'${PLAN}`);
      expect(r[6]).toBe('文件夹 and مفتاح USB');
    }
    expect(csv[1]?.[3]).toBe(`Changed the plan “${PLAN}”: when it backs up`);
    expect(csv.slice(1).map((r) => r[4])).toEqual(['Done', 'Done', 'Done', 'Done', 'Done']);
    await snap(page, 'audit-03-exported');
    await page.getByTestId('audit-show-csv').click();
    await expect
      .poll(async () => (await host.state()).shown)
      .toContain(path.join(host.dir, 'audit-log.csv'));
  });
});

test.describe('in Arabic', () => {
  test.use({ lang: 'ar-SA', demoShop: true });

  test('right to left, names isolated, the CSV in Arabic', async ({ page, host }) => {
    await planWithTwoPlaces(page, host);
    await page.reload();
    await page.getByTestId('nav-audit').click();
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    await expect(page.getByRole('heading', { name: 'سجل التدقيق' })).toBeVisible();
    const rows = page.getByTestId('audit-row');
    await expect(rows).toHaveCount(4);
    await expect(page.locator('[data-testid="audit-row"][data-kind="backup"]')).toContainText(
      'نُسخ \u2068shop.db\u2069 احتياطيًا',
    );
    await expect(rows.last().getByTestId('audit-what')).toHaveText(
      'أُنشئت الخطة «\u2068=SUM(1+1) 会员店\u2069»',
    );
    await snap(page, 'audit-04-arabic');
    await page.getByTestId('audit-kind-backup').press('Space');
    await expect(rows).toHaveCount(1);

    const csv = await exportCsv(page, host, 'سجل.csv');
    expect(csv[0]).toEqual([
      'الوقت',
      'مَن',
      'النوع',
      'ماذا',
      'النتيجة',
      'الخطة',
      'الأماكن',
      'الكمبيوتر',
    ]);
    expect(csv.slice(1).map((r) => r[3])).toEqual(['نُسخ shop.db احتياطيًا']);
    expect(csv[1]?.[5]).toBe(`'${PLAN}`);
    await snap(page, 'audit-05-arabic-exported');
  });
});
