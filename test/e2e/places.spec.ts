/**
 * Unattended-backup places in the window: USB sticks taking turns as one place and ejected when
 * done, a place running out of room turning Home amber, and "Test restore now". The sticks are
 * a scripted drive list (a test machine has none); their folders and the backups are real.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, setUpDemoShop, snap, test, type FakeDrive } from './fixtures.js';

test('Monday and Friday sticks take turns; low space and a restore test show on Home and Settings', async ({
  page,
  host,
}) => {
  const stick = async (label: string): Promise<FakeDrive> => {
    const mount = path.join(host.dir, 'media', label);
    await fs.mkdir(mount, { recursive: true });
    return {
      device: `uuid-${label}`,
      label,
      mount,
      sizeBytes: 16e9,
      freeBytes: 15e9,
      removable: true,
    };
  };
  const monday = await stick('MONDAY');
  const friday = await stick('FRIDAY');
  await host.desktop({ drives: [monday] });
  await setUpDemoShop(page, host, { usb: 'MONDAY' });
  await page.getByTestId('run-first-backup').click();
  const result = page.getByTestId('run-result');
  await expect(result).toHaveAttribute('data-outcome', 'ok');
  await expect(result).toContainText('on stick MONDAY');

  // Friday's stick joins the place from Settings, and the stick is ejected after each backup.
  await host.desktop({ drives: [monday, friday] });
  await page.getByTestId('nav-settings').click();
  const usbPlace = page.getByTestId('place-settings').filter({ hasText: 'MONDAY' });
  await usbPlace.getByTestId('add-stick').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByRole('button', { name: /MONDAY/ })).toBeDisabled();
  await dialog.getByRole('button', { name: /FRIDAY/ }).click();
  await expect(dialog).toBeHidden();
  await expect(usbPlace.getByTestId('place-sticks')).toHaveText(
    'Takes turns between 2 USB sticks: MONDAY and FRIDAY. Whichever is plugged in gets the backup.',
  );
  // The switch shows what main saved: it turns on once the change is stored.
  const eject = usbPlace.getByRole('switch', { name: 'Eject the stick when the backup is done' });
  await eject.click();
  await expect(eject).toBeChecked();
  await snap(page, '20-settings-usb-rotation');

  // Friday: only Friday's stick is in, and that disk is nearly full.
  await host.desktop({ drives: [friday], free: { [friday.mount]: 40e6 } });
  await page.getByTestId('nav-home').click();
  await page.getByTestId('back-up-now').click();
  await expect(result).toHaveAttribute('data-outcome', 'ok');
  await expect(result).toContainText('MONDAY / FRIDAY: saved');
  await expect(result).toContainText('on stick FRIDAY');
  await expect(result).toContainText('ejected: safe to unplug');
  expect((await host.state()).ejected).toEqual(['FRIDAY']);
  const places = page.getByTestId('places');
  await expect(places.getByTestId('place-sticks')).toContainText(/MONDAY: .*FRIDAY: /);
  const usbSpace = places.getByRole('listitem').filter({ hasText: 'MONDAY / FRIDAY' });
  await expect(usbSpace.getByTestId('place-space')).toContainText('40 MB free');
  await expect(usbSpace.getByTestId('place-space')).toContainText('Running out of room');
  await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'warn');
  await snap(page, '21-home-rotation-low-space');
  const { notifications } = await host.state();
  expect(notifications.map((n) => n.title)).toContain('"MONDAY / FRIDAY" is running out of room');
  await expect(page.getByTestId('headline-space')).toHaveText(
    '"MONDAY / FRIDAY" is running out of room',
  );

  // Sunday's restore test, now.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('test-restore').click();
  await expect(page.getByTestId('test-restore-result')).toContainText('Every place passed', {
    timeout: 60_000,
  });
  await snap(page, '22-settings-restore-test');

  // Bit rot in the Documents copy: the restore test finds it, and the stick's copy repairs it.
  const data = path.join(host.documentsDir, 'Tillvault Backups', 'data');
  const entries = await fs.readdir(data, { recursive: true, withFileTypes: true });
  const pack = entries.find((e) => e.isFile())!;
  const file = path.join(pack.parentPath, pack.name);
  const bytes = await fs.readFile(file);
  bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
  await fs.writeFile(file, bytes);
  await page.getByTestId('test-restore').click();
  await expect(page.getByTestId('test-restore-result')).toContainText('Damage found in Documents', {
    timeout: 60_000,
  });
  await page.getByTestId('nav-home').click();
  await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'bad');
  const damaged = page.getByTestId('place-damaged');
  await expect(damaged).toContainText('Repair it with good copies from another place');
  await snap(page, '24-home-damaged-place');
  await damaged.getByRole('button', { name: 'Repair from another place' }).click();
  await expect(page.getByText('Repaired with copies from MONDAY / FRIDAY')).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByTestId('place-damaged')).toHaveCount(0);
  await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'warn');
});

test.describe('with the demo shop', () => {
  test.use({ demoShop: true });

  test('a flipped byte found by "Test restore now" turns Home red and is notified', async ({
    page,
    host,
  }) => {
    await page.goto(host.url);
    await page.getByTestId('back-up-now').click();
    await expect(page.getByTestId('run-result')).toHaveAttribute('data-outcome', 'ok');

    // Bit rot on the backup disk: one byte of one pack flipped.
    const data = path.join(host.dataDir, 'demo', 'backups', 'data');
    const entries = await fs.readdir(data, { recursive: true, withFileTypes: true });
    const pack = entries.find((e) => e.isFile());
    expect(pack, 'a pack file').toBeTruthy();
    const file = path.join(pack!.parentPath, pack!.name);
    const bytes = await fs.readFile(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await fs.writeFile(file, bytes);

    await page.getByTestId('nav-settings').click();
    await page.getByTestId('test-restore').click();
    await expect(page.getByTestId('test-restore-result')).toContainText(
      'Damage found in Demo backups',
      { timeout: 60_000 },
    );
    await page.getByTestId('nav-home').click();
    await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'bad');
    await expect(page.getByTestId('last-check')).toContainText('found damage');
    // One place only: nothing to repair from, and the owner is told what to do.
    await expect(page.getByTestId('place-damaged')).toContainText('Add another place');
    await snap(page, '23-home-damage-found');
    const { notifications } = await host.state();
    expect(notifications.at(-1)?.title).toBe('Backup check found damage');
  });

  test('two days without a backup turn Home amber and say so', async ({ page, host }) => {
    await page.goto(host.url);
    await page.getByTestId('nav-settings').click();
    await page.getByRole('radio', { name: 'Nightly after closing' }).check();
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await expect(page.getByRole('button', { name: 'Save schedule' })).toBeHidden();
    await page.getByTestId('nav-home').click();
    await page.getByTestId('back-up-now').click();
    await expect(page.getByTestId('run-result')).toHaveAttribute('data-outcome', 'ok');
    await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'ok');

    // The computer stays off for two days: both clocks move on.
    const later = Date.now() + 49 * 3600_000;
    await host.desktop({ clockOffsetMs: 49 * 3600_000 });
    await page.clock.setFixedTime(later);
    await page.reload();
    await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'warn');
    await expect(page.getByTestId('headline')).toContainText('2 days ago');
    await snap(page, '25-home-two-days-without-backup');
    const { notifications } = await host.state();
    expect(notifications.at(-1)).toEqual({
      title: 'No backup for 2 days',
      body: 'Demo shop is behind its schedule. Open Tillvault and press "Back up now".',
    });
  });
});
