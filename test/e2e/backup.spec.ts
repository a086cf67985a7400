/**
 * The shop owner's first day, in a real Chromium against the real engine: setup on the demo
 * shop, "Back up now" with its progress, the result and History; then a backup place that
 * vanished, and nothing lost.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, recordProgress, snap, test, type HostHandle } from './fixtures.js';

const PASSPHRASE = 'paper lantern orchard 42';

/** Walks the wizard on the demo shop into two places: Documents and `second`. */
async function setUpDemoShop(page: Page, host: HostHandle, second: string): Promise<void> {
  await page.goto(host.url);
  await expect(page.getByRole('heading', { name: /Welcome to Tillvault/ })).toBeVisible();
  await snap(page, '01-setup-source');

  await page.getByTestId('use-demo').click();
  const types = page.getByTestId('types-table');
  await expect(types).toBeVisible();
  await expect(types.getByRole('checkbox', { name: 'Members' })).toBeChecked();
  await expect(types.getByRole('checkbox', { name: 'Sales and transactions' })).toBeChecked();
  await expect(types).toContainText('members');
  // The owner may sort a table into another data type; the summary follows at once.
  await page.getByTestId('sort-tables').click();
  await page.getByTestId('type-of-shifts').selectOption('staff');
  await expect(types.getByRole('row', { name: /Staff and settings/ })).toContainText('shifts');
  await expect(types.getByRole('row', { name: /Sales and transactions/ })).not.toContainText(
    'shifts',
  );
  await snap(page, '02-setup-types');
  await page.getByTestId('setup-next').click();

  await expect(page.getByText('Tillvault Backups', { exact: false }).first()).toBeVisible();
  await host.answerDialog(second);
  await page.getByTestId('add-folder').click();
  await expect(page.getByText(second)).toBeVisible();
  // Both folders sit on the database's own disk here: the owner is told what that means.
  await expect(page.getByTestId('same-disk').first()).toContainText(
    'does not protect against a disk failure',
  );
  await snap(page, '03-setup-places');
  await page.getByTestId('setup-next').click();

  await page.getByTestId('passphrase').fill('short');
  await expect(page.getByText('Use at least 10 characters.')).toBeVisible();
  await page.getByTestId('passphrase').fill(PASSPHRASE);
  await page.getByTestId('passphrase-again').fill(PASSPHRASE);
  await expect(page.getByTestId('strength')).not.toContainText('weak');
  await page.getByTestId('create-protection').click();
  const key = page.getByTestId('recovery-key');
  await expect(key).toBeVisible();
  expect((await key.textContent())?.replace(/[^0-9A-Z]/g, '').length).toBeGreaterThanOrEqual(26);
  await snap(page, '04-setup-recovery-key');
  // "Print" puts only the key on paper.
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId('nav-home')).toBeHidden();
  await expect(key).toBeVisible();
  await snap(page, '04b-recovery-key-printed');
  await page.emulateMedia({ media: 'screen' });
  await expect(page.getByTestId('setup-next')).toBeDisabled();
  await page.getByTestId('key-stored').check();
  await page.getByTestId('setup-next').click();

  await expect(page.getByText('Nightly after closing')).toBeVisible();
  // A custom schedule that is not cron is explained and refused by main.
  await page.getByRole('radio', { name: 'Custom' }).check();
  await page.getByLabel('Cron expression').fill('every night');
  await expect(page.getByTestId('cron-in-words')).toHaveText(
    'This is not a schedule Tillvault understands yet.',
  );
  await page.getByTestId('setup-next').click();
  await expect(page.getByRole('alert')).toContainText('That did not look right');
  await page.getByLabel('Cron expression').fill('30 22 * * 1-6');
  await expect(page.getByTestId('cron-in-words')).toContainText('22:30');
  await page.getByRole('radio', { name: 'Nightly after closing' }).check();
  await snap(page, '05-setup-when');
  await page.getByTestId('setup-next').click();
  await expect(page.getByTestId('run-first-backup')).toBeVisible();
  await snap(page, '06-setup-review');
}

test('first-time setup on the demo shop, Back up now with progress, then History', async ({
  page,
  host,
}) => {
  const second = path.join(host.dir, 'usb-stick');
  await fs.mkdir(second);
  await setUpDemoShop(page, host, second);
  const progress = await recordProgress(page);
  await page.getByTestId('run-first-backup').click();

  // Home shows the run while it goes, then the result in shop words.
  await expect(page.getByTestId('run-progress')).toBeVisible();
  await expect(page.getByTestId('run-percent')).toContainText('%');
  await snap(page, '07-home-progress');
  const result = page.getByTestId('run-result');
  await expect(result).toHaveAttribute('data-outcome', 'ok');
  const fractions = await progress();
  expect(fractions.length).toBeGreaterThan(2);
  expect(fractions.at(-1)).toBeGreaterThan(0.9);
  expect([...fractions].sort((a, b) => a - b)).toEqual(fractions);
  await expect(result.getByTestId('saved-summary')).toHaveText(/^1,200 members, [\d,]+ sales$/);
  await expect(result.getByTestId('result-place-ok')).toHaveCount(2);
  await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'ok');
  await expect(page.getByTestId('headline')).toContainText('on 2 of 2 places');
  // The schedule chosen in setup is armed: Home says when the next automatic backup runs.
  await expect(page.getByTestId('next-run')).toContainText('11:00 PM');
  await expect(result.getByTestId('result-place-ok').first()).toContainText('checked');
  await expect(page.getByTestId('rule-321')).toContainText(
    '2 recent copies, on one kind of storage.',
  );
  await expect(page.getByTestId('rule-321')).toContainText('None is away from the shop yet');
  await snap(page, '08-home-result');

  // "Back up now" a second time: the run is incremental and History shows both.
  await page.getByTestId('back-up-now').click();
  await expect(result).toHaveAttribute('data-outcome', 'ok');
  await page.getByTestId('nav-history').click();
  const places = page.getByTestId('history-place');
  await expect(places).toHaveCount(2);
  for (const place of await places.all()) {
    await expect(place.getByTestId('history-row')).toHaveCount(2);
    await expect(place.getByTestId('history-row').first()).toContainText('1,200 members');
    await expect(place.getByTestId('history-row').first()).toContainText('Back up now');
  }
  await snap(page, '09-history');

  const state = await host.state();
  expect(state.notifications.map((n) => n.title)).toEqual(['Backup finished', 'Backup finished']);
  expect(state.awake).toBe(0);

  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('job-card')).toContainText('Shop data (shop.db)');
  await snap(page, '10-settings');
});

test('a backup place that vanished is reported, and nothing is lost', async ({ page, host }) => {
  const drive = path.join(host.dir, 'media', 'SHOP-BACKUP');
  await fs.mkdir(drive, { recursive: true });
  await setUpDemoShop(page, host, drive);
  await page.getByTestId('run-first-backup').click();
  const result = page.getByTestId('run-result');
  await expect(result).toHaveAttribute('data-outcome', 'ok');

  // The USB stick is pulled out: its mount point is gone.
  await fs.rm(path.join(host.dir, 'media'), { recursive: true });
  await page.getByTestId('back-up-now').click();
  await expect(result).toHaveAttribute('data-outcome', 'partial');
  await expect(result.getByTestId('result-place-ok')).toHaveCount(1);
  const skipped = result.getByTestId('result-place-skipped');
  await expect(skipped).toContainText('SHOP-BACKUP');
  await expect(skipped).toContainText('If it is a USB drive, is it connected?');
  await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'warn');
  await expect(page.getByTestId('headline')).toContainText('on 1 of 2 places');
  await expect(page.getByTestId('places')).toContainText('SHOP-BACKUP');
  await snap(page, '11-home-place-missing');
  // Nothing was written where the stick was: no empty mount point filled on the system disk.
  await expect(fs.stat(path.join(host.dir, 'media'))).rejects.toThrow();

  await page.getByTestId('nav-history').click();
  const places = page.getByTestId('history-place');
  await expect(places.first().getByTestId('history-row')).toHaveCount(2);
  await expect(places.nth(1)).toContainText('The backup place is not available');
  await snap(page, '12-history-place-missing');

  const { notifications } = await host.state();
  expect(notifications.at(-1)?.title).toBe('Backup finished, but a place was skipped');
  expect(notifications.at(-1)?.body).toContain('SHOP-BACKUP');
});

test('the window cannot name paths main did not give it, nor send bad requests', async ({
  page,
  host,
}) => {
  await page.goto(host.url);
  await expect(page.getByRole('heading', { name: /Welcome/ })).toBeVisible();
  const results = await page.evaluate(async () => {
    const t = window.tillvault;
    return {
      notGranted: await t.invoke('setup:describe-source', { path: '/etc/passwd' }),
      badShape: await t.invoke('jobs:update', { jobId: '../../x', schedule: { preset: 'hourly' } }),
      extraKey: await t.invoke('status:get', { evil: true }),
      unknown: await t.invoke('fs:read' as never, {}),
      createElsewhere: await t.invoke('jobs:create', {
        name: 'x',
        source: '/etc/passwd',
        types: ['members'],
        destinations: [{ kind: 'folder', label: 'x', path: '/tmp' }],
        passphrase: 'long enough passphrase',
      }),
    };
  });
  expect(results.notGranted).toEqual({
    ok: false,
    error: { code: 'PATH_NOT_GRANTED', message: 'Choose the file or folder again.' },
  });
  for (const r of [results.badShape, results.extraKey, results.unknown]) {
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('INVALID_REQUEST');
  }
  expect(!results.createElsewhere.ok && results.createElsewhere.error.code).toBe(
    'PATH_NOT_GRANTED',
  );
});
