#!/usr/bin/env node
/**
 * `npm test`: the engine, CLI and app tests under Node, then the window in Chromium through
 * Playwright. Both suites always run, so a failing unit test never hides whether the window
 * works; the exit code is non-zero when either fails. Every test process gets one temp folder
 * (TMPDIR) that is removed at the end, on Ctrl-C and on SIGTERM too.
 *
 * `node bin/test.mjs [files or folders…]` runs only those unit tests (and no Playwright).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = path.join(ROOT, 'test');
// Most tests wait on child processes (the CLI, a till, SQLite); three files at a time keep two
// cores busy without starving the timing-sensitive ones.
const CONCURRENCY = Number(process.env['TILLVAULT_TEST_CONCURRENCY'] ?? 3);

/** @param {string} dir @returns {string[]} */
function testFiles(dir) {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** @typedef {{ passed: number, failed: number, skipped: number }} Counts */

/**
 * Runs a command with its output passed through, and collects its lines for the counts.
 * @param {string} program
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<{ code: number, lines: string[] }>}
 */
function run(program, args, env) {
  return new Promise((resolve) => {
    const child = spawn(program, args, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    running.add(child);
    /** @type {string[]} */
    const lines = [];
    let rest = '';
    child.stdout.on('data', (/** @type {Buffer} */ chunk) => {
      process.stdout.write(chunk);
      const text = rest + chunk.toString('utf8');
      const parts = text.split('\n');
      rest = parts.pop() ?? '';
      lines.push(...parts);
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      lines.push(rest);
      resolve({ code: code ?? (signal ? 128 : 1), lines });
    });
  });
}

/** node --test's spec reporter ends with "ℹ pass N", "ℹ fail N", … */
/** @param {string[]} lines @returns {Counts | null} */
function nodeCounts(lines) {
  /** @type {Record<string, number>} */
  const n = {};
  for (const line of lines) {
    const m = /^ℹ (pass|fail|cancelled|skipped|todo) (\d+)$/.exec(line.trim());
    if (m) n[m[1] ?? ''] = Number(m[2]);
  }
  if (n['pass'] === undefined) return null;
  return {
    passed: n['pass'],
    failed: (n['fail'] ?? 0) + (n['cancelled'] ?? 0),
    skipped: (n['skipped'] ?? 0) + (n['todo'] ?? 0),
  };
}

/** @param {string} file @returns {Counts | null} */
function playwrightCounts(file) {
  try {
    const stats = JSON.parse(fs.readFileSync(file, 'utf8')).stats;
    return {
      passed: stats.expected + stats.flaky,
      failed: stats.unexpected,
      skipped: stats.skipped,
    };
  } catch {
    return null;
  }
}

/** @type {Set<import('node:child_process').ChildProcess>} */
const running = new Set();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tillvault-tests-'));
const cleanUp = () => fs.rmSync(tmp, { recursive: true, force: true });
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    for (const child of running) child.kill(signal);
    cleanUp();
    process.exit(128 + os.constants.signals[signal]);
  });
}

const env = { ...process.env, TMPDIR: tmp, TEMP: tmp, TMP: tmp };
const only = process.argv.slice(2);
const files = only.length
  ? only.flatMap((p) => (fs.statSync(p).isDirectory() ? testFiles(p) : [path.resolve(p)]))
  : testFiles(TEST_DIR);

/** @type {{ name: string, counts: Counts | null, code: number }[]} */
const suites = [];
const unit = await run(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${CONCURRENCY}`,
    '--test-reporter=spec',
    ...files,
  ],
  env,
);
suites.push({
  name: 'engine, CLI and app (node --test)',
  counts: nodeCounts(unit.lines),
  code: unit.code,
});

if (!only.length) {
  const report = path.join(tmp, 'playwright.json');
  const e2e = await run(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', '@playwright', 'test', 'cli.js'),
      'test',
      '--reporter=list,json',
    ],
    { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: report },
  );
  suites.push({
    name: 'the window (Playwright)',
    counts: playwrightCounts(report),
    code: e2e.code,
  });
}

// tsx keeps its compile cache there.
const leftovers = fs
  .readdirSync(tmp)
  .filter((f) => f !== 'playwright.json' && !f.startsWith('tsx-'));
cleanUp();

console.log('');
/** @type {Counts} */
const total = { passed: 0, failed: 0, skipped: 0 };
let ok = true;
for (const s of suites) {
  if (!s.counts) {
    console.log(`${s.name}: did not finish (exit ${s.code})`);
    ok = false;
    continue;
  }
  const c = s.counts;
  console.log(`${s.name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
  if (s.code !== 0 || c.failed > 0) ok = false;
}
if (leftovers.length) {
  console.log(`left in the temp folder by tests (removed now): ${leftovers.join(', ')}`);
}
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(ok ? 0 : 1);
