/**
 * The printable recovery plan in Chromium over the real engine: opened from the plan's card in
 * Settings after a backup and a restore test, every section on the sheet (places, schedule in
 * words, RPO, the RTO the test measured, the steps, who holds the keys, the key box), printed
 * to an A4 PDF with page.pdf() whose text has every section, and rendered to PNG with pdftoppm
 * to look at. Then the same in Arabic, right to left; and from setup, the one time the new
 * recovery key is printed on it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, setUpDemoShop, snap, test, type HostHandle } from './fixtures.js';

const SCREENS = 'test-results/screens';
const SECTIONS = ['what', 'where', 'when', 'times', 'steps', 'people', 'key'];

async function invoke<T>(page: Page, channel: string, request: unknown): Promise<T> {
  const r = await page.evaluate(([c, q]) => window.tillvault.invoke(c as never, q), [
    channel,
    request,
  ] as const);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}

interface TestedPlan {
  jobId: string;
  /** The recovery key setup made, and the two places' folders. */
  recoveryKey: string;
  places: string[];
}

/** A nightly plan of the demo shop into two folders, backed up and restore-tested once. */
async function testedPlan(page: Page, host: HostHandle): Promise<TestedPlan> {
  await page.goto(host.url);
  const granted: string[] = [];
  for (const name of ['docs', 'office']) {
    const folder = path.join(host.dir, name);
    fs.mkdirSync(folder);
    await host.answerDialog(folder);
    granted.push((await invoke<{ path: string }>(page, 'dialog:pick-folder', {})).path);
  }
  const { job, recoveryKey } = await invoke<{ job: { id: string }; recoveryKey: string }>(
    page,
    'jobs:create',
    {
      name: 'Corner shop 会员',
      source: path.join(host.dataDir, 'demo', 'shop.db'),
      types: ['members', 'sales', 'products'],
      destinations: [
        { kind: 'folder', label: 'Documents', path: granted[0] },
        { kind: 'folder', label: 'مكتب', path: granted[1] },
      ],
      passphrase: 'paper lantern orchard 42',
    },
  );
  await invoke(page, 'jobs:update', {
    jobId: job.id,
    schedule: { preset: 'nightly', time: '23:00' },
  });
  await invoke(page, 'backup:run', { jobId: job.id });
  // backup:run answers when the backup has started; the sheet names it once it is done.
  const sheet = () =>
    invoke<{ lastBackupAt: string | null }>(page, 'plan:recovery-sheet', { jobId: job.id });
  await expect.poll(async () => (await sheet()).lastBackupAt).not.toBeNull();
  await invoke(page, 'check:run', { jobId: job.id });
  return { jobId: job.id, recoveryKey, places: granted };
}

/** Whether the printed key opens the backups in a place: the command line, as on paper. */
function keyOpens(dir: string, place: string, key: string): boolean {
  const file = path.join(dir, 'key.txt');
  fs.writeFileSync(file, key, { mode: 0o600 });
  try {
    execFileSync(
      process.execPath,
      [path.resolve('bin/tillvault.mjs'), 'snapshots', place, '--recovery-key-file', file],
      { stdio: 'pipe', env: { ...process.env, TILLVAULT_TEST_FAST_KDF: '1' } },
    );
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(file);
  }
}

/** "Make a new recovery key" in the plan's card: confirmed, then the sheet with the new key. */
async function newKey(page: Page, plan: TestedPlan, host: HostHandle, shot: string) {
  await page.reload();
  await page.getByTestId('nav-settings').click();
  const card = page.getByTestId('job-card').filter({ hasText: 'Corner shop' });
  await card.getByTestId('new-recovery-key').click();
  await snap(page, `${shot}-confirm`);
  await page.getByTestId('new-recovery-key-confirm').click();
  const box = page.getByTestId('plan-key-box');
  await expect(box.locator('code')).toBeVisible();
  await snap(page, `${shot}-sheet`);
  const key = ((await box.textContent()) ?? '').trim();
  expect(key.replace(/[^0-9A-Z]/g, '')).not.toBe(plan.recoveryKey.replace(/[^0-9A-Z]/g, ''));
  for (const place of plan.places) {
    expect(keyOpens(host.dir, place, key), `new key, ${place}`).toBe(true);
    expect(keyOpens(host.dir, place, plan.recoveryKey), `old key, ${place}`).toBe(false);
  }
  // The audit log says it, and who did it, once for both places.
  await page.getByTestId('nav-audit').click();
  await expect(
    page.getByTestId('audit-row').filter({ hasText: /recovery key|مفتاح استرداد/ }),
  ).toHaveCount(1);
}

async function openSheet(page: Page): Promise<void> {
  await page.reload();
  await page.getByTestId('nav-settings').click();
  // The demo shop's own plan has a card too.
  await page
    .getByTestId('job-card')
    .filter({ hasText: 'Corner shop' })
    .getByTestId('open-plan')
    .click();
  await expect(page.getByTestId('recovery-plan')).toBeVisible();
  for (const s of SECTIONS) await expect(page.getByTestId(`plan-${s}`)).toBeVisible();
}

/** The sheet as paper: an A4 PDF, its text, and its pages as PNGs to look at. */
async function printed(page: Page, name: string): Promise<{ text: string; pages: string[] }> {
  fs.mkdirSync(SCREENS, { recursive: true });
  const pdf = path.join(SCREENS, `${name}.pdf`);
  // As paper, whatever media the page was left emulating (setup emulates screen again).
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: pdf, format: 'A4', preferCSSPageSize: true, printBackground: true });
  await page.emulateMedia({ media: null });
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  for (const f of fs.readdirSync(SCREENS).filter((f) => f.startsWith(`${name}-page`))) {
    fs.rmSync(path.join(SCREENS, f));
  }
  execFileSync('pdftoppm', ['-png', '-r', '70', pdf, path.join(SCREENS, `${name}-page`)]);
  const pages = fs.readdirSync(SCREENS).filter((f) => f.startsWith(`${name}-page`));
  return { text, pages };
}

/**
 * Arabic as pdftotext gives it back: presentation forms, direction marks, and the lam-alef
 * ligature in visual order ("اال" for "الا") and vowel marks moved; compared without marks,
 * vowels, alef and lam.
 */
const arabicLetters = (s: string): string =>
  s
    .normalize('NFKC')
    .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069\s]/g, '')
    .replace(/[\p{M}اأإآل]/gu, '');

test.describe('in English', () => {
  test.use({ demoShop: true });

  test('every section on the sheet and in the PDF', async ({ page, host }) => {
    const { jobId } = await testedPlan(page, host);
    await openSheet(page);
    const sheet = page.getByTestId('recovery-plan');
    await expect(sheet).toContainText('Corner shop 会员');
    await expect(page.getByTestId('plan-what')).toContainText('Members, Sales');
    await expect(page.getByTestId('plan-where')).toContainText('Documents');
    await expect(page.getByTestId('plan-where')).toContainText(path.join(host.dir, 'office'));
    await expect(page.getByTestId('plan-when')).toContainText('At 23:00');
    await expect(page.getByTestId('plan-when')).toContainText('30 days');
    await expect(page.getByTestId('plan-times')).toContainText('Up to 24 hours');
    await expect(page.getByTestId('plan-times')).toContainText('measured by the restore test');
    await expect(page.getByTestId('plan-steps')).toContainText('I already have backups');
    await expect(page.getByTestId('plan-key-box')).toHaveText(
      'Write the recovery key here, or where it is kept separately.',
    );
    // The test host has no printer of its own: "Save as PDF" is Electron's.
    await expect(page.getByTestId('plan-pdf')).toHaveCount(0);
    await expect(page.getByTestId('plan-print')).toBeVisible();
    await snap(page, 'recovery-plan-01-screen');

    const { text, pages } = await printed(page, 'recovery-plan-en');
    for (const heading of [
      'Recovery plan',
      'Corner shop',
      'What is backed up',
      'Where the copies are',
      'When backups run',
      'RPO',
      'RTO',
      'How to get your data back',
      'On a new or repaired computer',
      'Who holds the keys',
      'Write the recovery key here',
    ]) {
      expect(text, heading).toContain(heading);
    }
    // Only the sheet goes on paper: no side bar, no buttons.
    expect(text).not.toContain('Audit log');
    expect(text).not.toContain('Save as PDF');
    expect(pages.length).toBeGreaterThanOrEqual(1);
    expect(pages.length).toBeLessThanOrEqual(3);

    // The facts main computed: the restore test's time, and a night between backups.
    const sheetFacts = await invoke<{ rto: unknown; rpoMs: number }>(page, 'plan:recovery-sheet', {
      jobId,
    });
    expect(sheetFacts.rto).not.toBeNull();
    expect(sheetFacts.rpoMs).toBe(24 * 3600_000);
  });

  test('a new recovery key in Settings: printed on the sheet, the old one opens no place', async ({
    page,
    host,
  }) => {
    await newKey(page, await testedPlan(page, host), host, 'recovery-plan-en-new-key');
  });
});

test.describe('in Arabic', () => {
  test.use({ lang: 'ar-SA', demoShop: true });

  test('right to left, paths kept left to right, every section in the PDF', async ({
    page,
    host,
  }) => {
    const plan = await testedPlan(page, host);
    await openSheet(page);
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    await expect(page.getByTestId('recovery-plan')).toContainText('خطة الاسترداد');
    await expect(page.getByTestId('plan-where')).toContainText('\u2068مكتب\u2069');
    await snap(page, 'recovery-plan-02-arabic');

    const { text, pages } = await printed(page, 'recovery-plan-ar');
    for (const heading of [
      'ما الذي يُنسخ احتياطيًا',
      'أين توجد النسخ',
      'RPO',
      'RTO',
      'كيف تستعيد بياناتك',
      'من يحمل المفاتيح',
      'مفتاح الاسترداد',
    ]) {
      expect(arabicLetters(text), heading).toContain(arabicLetters(heading));
    }
    expect(pages.length).toBeGreaterThanOrEqual(1);
    await newKey(page, plan, host, 'recovery-plan-ar-new-key');
  });
});

test('from setup, the new recovery key is printed in its box', async ({ page, host }) => {
  const second = path.join(host.dir, 'usb-stick');
  fs.mkdirSync(second);
  await setUpDemoShop(page, host, { folder: second });
  // The wizard shows the key at its step 4 only; here the plan says it is the new one.
  await page.getByTestId('setup-plan').click();
  const box = page.getByTestId('plan-key-box');
  await expect(box.locator('code')).toBeVisible();
  const key = (await box.textContent()) ?? '';
  expect(key.replace(/[^0-9A-Z]/g, '').length).toBeGreaterThanOrEqual(26);
  await snap(page, 'recovery-plan-03-with-key');
  const { text } = await printed(page, 'recovery-plan-key');
  expect(text.replace(/\s/g, '')).toContain(key.replace(/\s/g, ''));
  expect(text).not.toContain('Audit log');
  // Opened again from Settings, the key is no longer there to print.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('open-plan').click();
  await expect(page.getByTestId('plan-key-box')).toHaveText(
    'Write the recovery key here, or where it is kept separately.',
  );
});
