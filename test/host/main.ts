/**
 * Starts the test host from the command line: for Playwright (one host process per test) and for
 * `npm run host`, which shows the real window in any browser where Electron is not installed.
 * Prints one JSON line with the URL once it listens.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { startHost } from './host.js';

const program = new Command('tillvault-host')
  .option('--data <dir>', 'where the app keeps its files', '')
  .option('--documents <dir>', "the owner's documents folder", '')
  .option('--port <n>', 'port on 127.0.0.1 (0: any free one)', '0')
  .option('--lang <tags>', 'the OS languages, comma separated', 'en-US')
  .option('--demo-shop', 'start with the demo shop set up', false)
  .option('--test-hooks', "the e2e tests' scripted desktop (/__test/…); never for a user", false)
  .parse();
const o = program.opts<{
  data: string;
  documents: string;
  port: string;
  lang: string;
  demoShop: boolean;
  testHooks: boolean;
}>();

const base =
  o.data && o.documents ? null : await fs.mkdtemp(path.join(os.tmpdir(), 'tillvault-host-'));
const dataDir = o.data || path.join(base!, 'data');
const documentsDir = o.documents || path.join(base!, 'Documents');
await fs.mkdir(dataDir, { recursive: true });
await fs.mkdir(documentsDir, { recursive: true });

const host = await startHost({
  dataDir,
  documentsDir,
  rendererDir: path.resolve(import.meta.dirname, '../../out/app/renderer'),
  port: Number(o.port),
  languages: o.lang.split(','),
  demoShop: o.demoShop,
  testHooks: o.testHooks,
});
// The secret stays inside the served page; only the e2e tests, which drive the hooks, get it.
const secret = o.testHooks ? { token: host.token } : {};
process.stdout.write(`${JSON.stringify({ url: host.url, dataDir, documentsDir, ...secret })}\n`);
// A folder made here for the session holds a copy of a shop's data: it goes when the host does.
const stop = (): void =>
  void host
    .close()
    .then(() => (base ? fs.rm(base, { recursive: true, force: true }) : undefined))
    .then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
