/**
 * Nothing is left in the temp folder by a test process or by `npm run host` when they are
 * stopped with a signal: their folders hold copies of shop databases.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { test } from 'node:test';
import { ROOT } from '../helpers.js';

/** Starts a Node process under tsx and resolves with the first line it prints. */
async function start(args: string[]): Promise<{ line: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before it was ready`)));
  });
  child.kill('SIGTERM');
  return { line, exited };
}

test('a test process stopped by SIGTERM removes the temp folders it made', async () => {
  const script = [
    "const { tempDir } = await import('./test/helpers.ts');",
    "const dir = tempDir('tv-signal-');",
    "(await import('node:fs')).writeFileSync(dir + '/shop.db', 'x');",
    'console.log(dir);',
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const { line, exited } = await start(['--input-type=module', '-e', script]);
  assert.ok(line.includes('tv-signal-'), line);
  await exited;
  assert.equal(fs.existsSync(line), false, `${line} is still there`);
});

test('`npm run host` stopped by SIGTERM removes the folder it made for its session', async () => {
  const { line, exited } = await start(['test/host/main.ts', '--port', '0']);
  const { dataDir, ...rest } = JSON.parse(line) as { dataDir: string };
  // The page's secret stays in the page: only `--test-hooks` (the e2e tests) prints it.
  assert.equal('token' in rest, false);
  const base = path.dirname(dataDir);
  assert.match(path.basename(base), /^tillvault-host-/);
  assert.equal(await exited, 0);
  assert.equal(fs.existsSync(base), false, `${base} is still there`);
});
