/**
 * A new or repaired computer, in the window: the shop's backups are on a USB stick (made by
 * the real CLI on "the old computer", which is then gone), the stick is plugged in (a scripted
 * drive list), and the owner walks "I already have backups": found on the stick, a wrong key
 * refused, the printed recovery key typed from paper, the database put back where they choose
 * and checked, then "Keep backing up here" with a new passphrase and a backup that adds only
 * new pages to the same chain. The files on disk are checked afterwards with the CLI. Backups
 * made without encryption are said to be so, open without a passphrase, and go on without one.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import Database from 'better-sqlite3';
import { expect, snap, test, type FakeDrive, type HostHandle } from './fixtures.js';

const OLD_PASS = 'the old till passphrase';
const NEW_PASS = 'copper kettle harbour 58';

interface Snapshot {
  id: string;
  complete: boolean;
  newBytes: number;
}

/** The real `tillvault` command, as an owner's helper would run it; its one JSON document. */
function tillvault(args: string[], passphrase: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['bin/tillvault.mjs', '--json', ...args], {
    encoding: 'utf8',
    env: { ...process.env, TILLVAULT_PASSPHRASE: passphrase, TILLVAULT_TEST_FAST_KDF: '1' },
  });
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

interface OldComputer {
  stick: FakeDrive;
  backups: string;
  recoveryKey: string;
  /** The newest backup, of the whole database (the one before it holds members only). */
  newest: string;
}

/**
 * The old computer's shop, backed up three times onto the stick (the middle one of members
 * only), then gone with its folder: on the new computer there is nowhere "where it was".
 */
function oldComputer(host: HostHandle): OldComputer {
  const old = path.join(host.dir, 'old-computer');
  fs.mkdirSync(old);
  const db = path.join(old, 'shop.db');
  tillvault(['demo', 'create', db, '--members', '200', '--days', '5'], OLD_PASS);
  const mount = path.join(host.dir, 'media', 'SHOPSTICK');
  const backups = path.join(mount, 'Tillvault Backups');
  fs.mkdirSync(backups, { recursive: true });
  const first = tillvault(['backup', db, '--to', backups], OLD_PASS);
  const recoveryKey = first['recoveryKey'];
  if (typeof recoveryKey !== 'string') throw new Error(`no recovery key: ${JSON.stringify(first)}`);
  tillvault(['backup', db, '--to', backups, '--types', 'members'], OLD_PASS);
  const third = tillvault(['backup', db, '--to', backups], OLD_PASS);
  fs.rmSync(old, { recursive: true });
  return {
    stick: {
      device: 'uuid-SHOPSTICK',
      label: 'SHOPSTICK',
      mount,
      sizeBytes: 16e9,
      freeBytes: 15e9,
      removable: true,
    },
    backups,
    recoveryKey,
    newest: String(third['snapshotId']),
  };
}

/** A stick with backups the old computer made without encryption (`--no-encryption`). */
function plainStick(host: HostHandle): { stick: FakeDrive; backups: string } {
  const old = path.join(host.dir, 'old-plain');
  fs.mkdirSync(old);
  const db = path.join(old, 'shop.db');
  tillvault(['demo', 'create', db, '--members', '120', '--days', '2'], '');
  const mount = path.join(host.dir, 'media', 'PLAINSTICK');
  const backups = path.join(mount, 'Tillvault Backups');
  fs.mkdirSync(backups, { recursive: true });
  tillvault(['backup', db, '--to', backups, '--no-encryption'], '');
  fs.rmSync(old, { recursive: true });
  return {
    stick: {
      device: 'uuid-PLAINSTICK',
      label: 'PLAINSTICK',
      mount,
      sizeBytes: 8e9,
      freeBytes: 7e9,
      removable: true,
    },
    backups,
  };
}

/**
 * Found, said to be not encrypted, opened without a passphrase, put back and taken up again
 * with none asked for; the stick's backups stay unencrypted.
 */
async function recoverPlain(page: Page, host: HostHandle, shot: string): Promise<void> {
  const plain = plainStick(host);
  await host.desktop({ drives: [plain.stick] });
  await page.goto(host.url);
  await page.getByTestId('have-backups').click();
  const found = page.getByTestId('recover-found');
  await expect(found).toHaveAttribute('data-path', plain.backups);
  await expect(found.getByTestId('recover-not-encrypted')).toBeVisible();
  await snap(page, `${shot}-01-found`);
  await found.getByTestId('recover-use').click();

  await expect(page.getByTestId('recover-plain')).toBeVisible();
  await expect(page.getByTestId('recover-secret')).toHaveCount(0);
  await expect(page.getByTestId('recover-with-key')).toHaveCount(0);
  await snap(page, `${shot}-02-unlock`);
  await page.getByTestId('recover-unlock').click();
  await expect(page.getByTestId('recover-point')).toHaveCount(1);

  const target = path.join(host.dir, 'new-plain', 'shop.db');
  fs.mkdirSync(path.dirname(target));
  await host.answerDialog(target);
  await page.getByTestId('recover-choose').click();
  await expect(page.getByTestId('recover-checks').locator('[data-ok="true"]')).toHaveCount(3);
  await page.getByTestId('recover-next').click();

  await expect(page.getByTestId('recover-pass-none')).toBeVisible();
  await expect(page.getByTestId('recover-new-passphrase')).toHaveCount(0);
  await expect(page.getByTestId('recover-adopt')).toBeEnabled();
  await snap(page, `${shot}-03-keep`);
  await page.getByTestId('recover-adopt').click();
  await expect(page.getByTestId('recover-adopted')).toBeVisible();
  await snap(page, `${shot}-04-done`);
  // Opened by the CLI with no passphrase at all: still not encrypted, nothing changed there.
  const listing = tillvault(['snapshots', plain.backups], '');
  expect(listing['error']).toBeUndefined();
  expect(listing['snapshots']).toHaveLength(1);
}

/** The first sale on the new computer: an order with one line, as the till writes it. */
function sellOne(file: string): void {
  const db = new Database(file);
  try {
    db.transaction(() => {
      const id = db
        .prepare(
          `INSERT INTO orders (receipt_no, member_id, staff_id, shift_id, coupon_id, created_at,
             discount_cents, total_cents)
           SELECT 'NEW-' || (MAX(id) + 1), NULL, staff_id, shift_id, NULL,
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 0, 1250 FROM orders`,
        )
        .run().lastInsertRowid;
      db.prepare(
        'INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES (?, 1, 1, 1250)',
      ).run(id);
    })();
  } finally {
    db.close();
  }
}

/** Found on the stick → a wrong passphrase refused → the recovery key typed from paper. */
async function unlockFound(page: Page, old: OldComputer, shot: string): Promise<void> {
  const found = page.getByTestId('recover-found');
  await expect(found).toHaveCount(1);
  await expect(found).toHaveAttribute('data-path', old.backups);
  await snap(page, `${shot}-01-found`);
  await found.getByTestId('recover-use').click();

  await page.getByTestId('recover-secret').fill('not the passphrase at all');
  await page.getByTestId('recover-unlock').click();
  await expect(page.getByTestId('recover-wrong')).toBeVisible();
  await snap(page, `${shot}-02-wrong`);

  await page.getByTestId('recover-with-key').check();
  // Typed from paper: lower case, spaces where the dashes were.
  await page.getByTestId('recover-secret').fill(old.recoveryKey.toLowerCase().replace(/-/g, ' '));
  await snap(page, `${shot}-03-recovery-key`);
  await page.getByTestId('recover-secret').press('Enter');
  await expect(page.getByTestId('recover-timeline')).toBeVisible();
}

test.describe('in English', () => {
  test('a new computer: found on the stick, opened with the recovery key, put back, and backing up again in the same chain', async ({
    page,
    host,
  }) => {
    const old = oldComputer(host);
    await page.goto(host.url);
    await expect(page.getByRole('heading', { name: /Welcome to Tillvault/ })).toBeVisible();
    await expect(page.getByTestId('have-backups')).toHaveText(
      'I already have backups (new or repaired computer)',
    );
    await snap(page, 'recover-00-welcome');

    // Nothing plugged in yet: said in words, with what to try.
    await page.getByTestId('have-backups').click();
    await expect(page.getByTestId('recover-none')).toContainText('Plug in the backup USB drive');
    await snap(page, 'recover-00b-none');
    // Back leads to the welcome again, and in again.
    await page.getByTestId('recover-back').click();
    await expect(page.getByRole('heading', { name: /Welcome to Tillvault/ })).toBeVisible();
    await page.getByTestId('have-backups').click();
    await expect(page.getByTestId('recover-none')).toBeVisible();

    // The stick is plugged in: "Search again" finds it.
    await host.desktop({ drives: [old.stick] });
    await page.getByTestId('recover-search-again').click();
    await expect(page.getByTestId('recover-found')).toContainText(
      'USB drive \u2068SHOPSTICK\u2069',
    );
    await expect(page.getByTestId('recover-found')).toContainText('3 backups');
    await expect(page.getByTestId('recover-found')).toContainText('Encrypted');
    await unlockFound(page, old, 'recover');

    // The timeline, newest first: the newest (whole) backup is chosen for the owner, and the
    // one before it, of members only, is marked.
    const points = page.getByTestId('recover-point');
    await expect(points).toHaveCount(3);
    await expect(points.nth(1).getByTestId('recover-partial')).toHaveText('Only: Members');
    await expect(page.getByTestId('recover-partial')).toHaveCount(1);
    const chosen = points.first();
    await expect(chosen).toHaveAttribute('data-snapshot', old.newest);
    await expect(chosen).toHaveAttribute('aria-checked', 'true');
    await expect(chosen.getByTestId('recover-newest-good')).toBeVisible();
    await expect(chosen).toContainText('200 members');
    // The old computer's folder is not here: nothing to put it back "where it was".
    await expect(page.getByTestId('recover-put-suggested')).toHaveCount(0);
    await snap(page, 'recover-04-put-back');

    const target = path.join(host.dir, 'new-computer', 'shop.db');
    fs.mkdirSync(path.dirname(target));
    await host.answerDialog(target);
    await page.getByTestId('recover-choose').click();
    const checks = page.getByTestId('recover-checks');
    await expect(checks).toBeVisible();
    await expect(checks.locator('[data-ok="true"]')).toHaveCount(3);
    await expect(checks).toContainText("SQLite's own check passed");
    await expect(page.getByTestId('recover-file')).toHaveText(target);
    await page.getByTestId('recover-show-in-folder').click();
    await expect.poll(async () => (await host.state()).shown).toContain(target);
    await snap(page, 'recover-05-checked');
    await page.getByTestId('recover-next').click();

    // Opened with the recovery key: a new passphrase is required, and said why.
    await expect(page.getByTestId('recover-pass-required')).toBeVisible();
    await expect(page.getByTestId('recover-plan-name')).toHaveValue('Shop data (shop.db)');
    await expect(page.getByTestId('recover-places')).toContainText('SHOPSTICK');
    await expect(page.getByRole('radio', { name: 'Nightly after closing' })).toBeChecked();
    await expect(page.getByTestId('recover-adopt')).toBeDisabled();
    await page.getByTestId('recover-new-passphrase').fill(NEW_PASS);
    await page.getByTestId('recover-new-passphrase-again').fill(NEW_PASS);
    await expect(page.getByTestId('recover-adopt')).toBeEnabled();
    await snap(page, 'recover-06-keep');
    await page.getByTestId('recover-adopt').click();

    await expect(page.getByTestId('recover-adopted')).toContainText('is backing up again');
    await snap(page, 'recover-07-done');
    // The till sells on the new computer; then the first backup here.
    sellOne(target);
    await page.getByTestId('recover-back-up-now').click();
    const result = page.getByTestId('recover-run-result');
    await expect(result).toHaveAttribute('data-outcome', 'ok');
    await expect(result).toContainText('Only what changed since the last backup was stored');
    await snap(page, 'recover-08-backed-up');

    // On disk: the database is whole, and the stick's chain is one backup longer, opened with
    // the new passphrase, the new backup storing only a few new pages.
    const db = new Database(target, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('SELECT COUNT(*) AS n FROM members').get()).toEqual({ n: 200 });
      expect(
        db.prepare("SELECT COUNT(*) AS n FROM orders WHERE receipt_no LIKE 'NEW-%'").get(),
      ).toEqual({
        n: 1,
      });
    } finally {
      db.close();
    }
    expect(tillvault(['snapshots', old.backups], OLD_PASS)['error']).toMatchObject({
      code: 'WRONG_PASSPHRASE',
    });
    const listing = tillvault(['snapshots', old.backups], NEW_PASS);
    const snapshots = listing['snapshots'] as Snapshot[];
    expect(snapshots).toHaveLength(4);
    const newest = snapshots.at(-1)!;
    expect(newest.complete).toBe(true);
    expect(newest.newBytes).toBeGreaterThan(0);
    expect(newest.newBytes).toBeLessThan(64 * 1024);

    await page.getByTestId('recover-home').click();
    await expect(page.getByTestId('headline')).toHaveAttribute('data-level', 'ok');
    await snap(page, 'recover-09-home');
  });

  test('backups made without encryption: said so, opened and taken up again without a passphrase', async ({
    page,
    host,
  }) => {
    await recoverPlain(page, host, 'recover-plain');
    await expect(page.getByTestId('recover-adopted')).toContainText('is backing up again');
  });
});

test.describe('on an Arabic computer', () => {
  test.use({ lang: 'ar-SA' });

  test('the new-computer path reads right to left up to putting the database back', async ({
    page,
    host,
  }) => {
    const old = oldComputer(host);
    await host.desktop({ drives: [old.stick] });
    await page.goto(host.url);
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
    await expect(page.getByTestId('have-backups')).toContainText('لديّ نسخ احتياطية');
    await snap(page, 'ar-recover-00-welcome');
    await page.getByTestId('have-backups').click();
    await unlockFound(page, old, 'ar-recover');
    await expect(page.getByTestId('recover-point')).toHaveCount(3);
    await expect(page.getByTestId('recover-partial')).toContainText('فقط');
    await snap(page, 'ar-recover-04-put-back');

    const target = path.join(host.dir, 'new-computer', 'shop.db');
    fs.mkdirSync(path.dirname(target));
    await host.answerDialog(target);
    await page.getByTestId('recover-choose').click();
    await expect(page.getByTestId('recover-checks').locator('[data-ok="true"]')).toHaveCount(3);
    await snap(page, 'ar-recover-05-checked');
    await page.getByTestId('recover-next').click();
    await expect(page.getByTestId('recover-pass-required')).toBeVisible();
    await snap(page, 'ar-recover-06-keep');
  });

  test('backups made without encryption are said to be so, right to left', async ({
    page,
    host,
  }) => {
    await recoverPlain(page, host, 'ar-recover-plain');
    await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  });
});
