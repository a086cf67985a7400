/**
 * The shop owner's first day, in a real Chromium against the real engine: setup on the demo
 * shop, "Back up now" with its progress, the result and History; then a backup place that
 * vanished, and nothing lost.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, recordProgress, setUpDemoShop, snap, test } from './fixtures.js';

test('first-time setup on the demo shop, Back up now with progress, then History', async ({
  page,
  host,
}) => {
  const second = path.join(host.dir, 'usb-stick');
  await fs.mkdir(second);
  await setUpDemoShop(page, host, { folder: second });
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
  await setUpDemoShop(page, host, { folder: drive });
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
