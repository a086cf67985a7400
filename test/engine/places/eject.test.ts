import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TillvaultError } from '../../../main/engine/errors.js';
import {
  ejectCommands,
  ejectDrive,
  runCommand,
  type EjectableDrive,
  type RunCommand,
} from '../../../main/engine/places/eject.js';

const stick: EjectableDrive = {
  device: '1A2B-3C4D',
  label: 'SHOP-BACKUP',
  mount: '/media/shop/SHOP-BACKUP',
};

const badInput = (e: unknown): boolean => e instanceof TillvaultError && e.code === 'BAD_INPUT';

/** A runner that records every call and fails the ones `fail` picks, with execFile-like errors. */
function recorder(fail: (file: string, args: string[]) => object | null = () => null) {
  const calls: string[][] = [];
  const run: RunCommand = async (file, args) => {
    calls.push([file, ...args]);
    const error = fail(file, args);
    if (error) throw Object.assign(new Error('Command failed'), error);
  };
  return { calls, run };
}

test('Linux: udisksctl unmounts, then powers off, the partition', () => {
  const withNode = { ...stick, blockDevice: '/dev/sdb1' };
  assert.deepEqual(ejectCommands('linux', withNode), [
    { file: 'udisksctl', args: ['unmount', '--no-user-interaction', '-b', '/dev/sdb1'] },
    { file: 'udisksctl', args: ['power-off', '--no-user-interaction', '-b', '/dev/sdb1'] },
  ]);
  // Without the node, the filesystem UUID reaches the same udisks block through its udev link.
  assert.deepEqual(
    ejectCommands('linux', stick).map((c) => c.args.at(-1)),
    ['/dev/disk/by-uuid/1A2B-3C4D', '/dev/disk/by-uuid/1A2B-3C4D'],
  );
});

test("macOS: diskutil ejects by mount point; Windows: Explorer's Eject verb on a checked letter", () => {
  const mac = { ...stick, mount: '/Volumes/SHOP BACKUP' };
  assert.deepEqual(ejectCommands('darwin', mac), [
    { file: 'diskutil', args: ['eject', '/Volumes/SHOP BACKUP'] },
  ]);
  for (const mount of ['e:', 'E:\\']) {
    const [cmd, ...more] = ejectCommands('win32', { ...stick, mount });
    assert.equal(more.length, 0);
    assert.equal(cmd!.file, 'powershell.exe');
    assert.deepEqual(cmd!.args.slice(0, 3), ['-NoProfile', '-NonInteractive', '-Command']);
    const script = cmd!.args[3]!;
    assert.match(script, /Namespace\(17\)\.ParseName\('E:'\)/);
    assert.match(script, /InvokeVerb\('Eject'\)/);
    assert.match(script, /Test-Path -LiteralPath 'E:\\'/);
  }
});

test('anything that is not plainly a drive is refused before a command is built', () => {
  const refused: [NodeJS.Platform, Partial<EjectableDrive>][] = [
    ['win32', { mount: "E:'); Remove-Item C:\\ -Recurse; ('" }],
    ['win32', { mount: 'E:\\Backups' }],
    ['win32', { mount: 'EE:' }],
    ['win32', { mount: '\\\\server\\share' }],
    ['win32', { mount: 'E:\n' }],
    ['darwin', { mount: '/Volumes/X\n-force' }],
    ['darwin', { mount: '-force' }],
    ['darwin', { mount: 'Volumes/X' }],
    ['linux', { mount: '/media/x\nother' }],
    ['linux', { device: '1A2B\n3C4D' }],
    ['linux', { device: '../../sda1' }],
    ['linux', { device: '-p' }],
    ['linux', { blockDevice: '/dev/../etc/passwd' }],
    ['linux', { blockDevice: 'sdb1' }],
    ['linux', { blockDevice: '/dev/sdb1 --force' }],
    ['freebsd', {}],
  ];
  for (const [platform, change] of refused) {
    assert.throws(
      () => ejectCommands(platform, { ...stick, ...change }),
      badInput,
      `${platform} ${JSON.stringify(change)}`,
    );
  }
});

test('commands run in order; a refused drive runs nothing and says why', async () => {
  const { calls, run } = recorder();
  const drive = { ...stick, blockDevice: '/dev/sdb1' };
  assert.deepEqual(await ejectDrive(drive, { platform: 'linux', run }), { ok: true });
  assert.deepEqual(
    calls.map((c) => c[1]),
    ['unmount', 'power-off'],
  );

  const bad = recorder();
  const refusals: [string, string][] = [
    ['E:\\Backups', 'it is not a drive letter'],
    ['E:\nx', 'its name contains control characters'],
  ];
  for (const [mount, why] of refusals) {
    const result = await ejectDrive({ ...stick, mount }, { platform: 'win32', run: bad.run });
    assert.deepEqual(result, { ok: false, message: `Could not eject SHOP-BACKUP: ${why}.` });
  }
  assert.equal(bad.calls.length, 0);
});

test('a failed unmount stops there; a failed power-off after it still counts as ejected', async () => {
  const busy = recorder((_f, args) =>
    args[0] === 'unmount'
      ? {
          code: 1,
          stderr:
            'Error unmounting /dev/sdb1: GDBus.Error:org.freedesktop.UDisks2.Error.DeviceBusy: target is busy\n',
        }
      : null,
  );
  assert.deepEqual(await ejectDrive(stick, { platform: 'linux', run: busy.run }), {
    ok: false,
    message:
      'Could not eject SHOP-BACKUP: it is still in use. Close any window or program showing files on it and try again.',
  });
  assert.equal(busy.calls.length, 1);

  const noPower = recorder((_f, args) =>
    args[0] === 'power-off'
      ? { code: 1, stderr: 'Error powering off drive: Not authorized' }
      : null,
  );
  assert.deepEqual(await ejectDrive(stick, { platform: 'linux', run: noPower.run }), { ok: true });
  assert.equal(noPower.calls.length, 2);
});

test('failures become plain English', async () => {
  const cases: [NodeJS.Platform, object, RegExp][] = [
    [
      'darwin',
      {
        code: 1,
        stderr:
          'Unmount of disk2 failed: at least one volume could not be unmounted\nUnmount was dissented by PID 412 (Finder)',
      },
      /still in use/,
    ],
    [
      'linux',
      {
        code: 1,
        stderr:
          'Error unmounting /dev/sdb1: GDBus.Error:org.freedesktop.UDisks2.Error.NotAuthorizedCanObtain: Not authorized to perform operation',
      },
      /did not allow it/,
    ],
    [
      'linux',
      { code: 1, stderr: 'Error looking up object for device /dev/disk/by-uuid/1A2B-3C4D' },
      /not connected any more/,
    ],
    [
      'darwin',
      { code: 1, stderr: 'Unable to find disk for /Volumes/SHOP-BACKUP' },
      /not connected any more/,
    ],
    [
      'linux',
      { code: 1, stderr: 'Error connecting to the udisks daemon: Could not connect' },
      /udisks\) is not running/,
    ],
    ['linux', { code: 'ENOENT' }, /the udisksctl tool is not available/],
    ['darwin', { killed: true, signal: 'SIGTERM' }, /did not finish within 30 seconds/],
    ['win32', { code: 3 }, /still in use/],
    ['win32', { code: 2 }, /not connected any more/],
    [
      'darwin',
      { code: 1, stderr: 'Something unexpected\nmore' },
      /the system said "Something unexpected"\.$/,
    ],
    ['darwin', { code: 1, stderr: '' }, /: diskutil failed\.$/],
  ];
  for (const [platform, error, expected] of cases) {
    const { run } = recorder(() => error);
    const result = await ejectDrive(
      { ...stick, mount: platform === 'win32' ? 'E:' : stick.mount },
      { platform, run },
    );
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /^Could not eject SHOP-BACKUP: /);
    assert.match(!result.ok ? result.message : '', expected, JSON.stringify(error));
  }
});

test(
  'the real runner: a failing command and a missing tool are failures, never throws',
  { skip: process.platform === 'win32' },
  async () => {
    await runCommand('true', []);
    await assert.rejects(
      runCommand('false', []),
      (e: unknown) => (e as { code?: unknown }).code === 1,
    );
    const failing = await ejectDrive(stick, {
      platform: 'darwin',
      run: () => runCommand('false', []),
    });
    assert.deepEqual(failing, {
      ok: false,
      message: 'Could not eject SHOP-BACKUP: diskutil failed.',
    });
    const missing = await ejectDrive(stick, {
      platform: 'linux',
      run: (_file, args) => runCommand('tillvault-no-such-tool', args),
    });
    assert.deepEqual(missing, {
      ok: false,
      message: 'Could not eject SHOP-BACKUP: the udisksctl tool is not available on this computer.',
    });
  },
);
