/** Shared test plumbing: temp folders, the real CLI as a child process, SQLite dumps. */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Databases nobody here wrote, kept in the repository with their licences (see its README). */
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'third-party');
export const CLI = path.join(ROOT, 'bin', 'tillvault.mjs');
export const PASSPHRASE = 'correct horse battery staple';

// Repositories made by tests (and by the CLI processes they start) get a low scrypt cost:
// 12 ms per unlock instead of 0.9 s, with hundreds of unlocks in a run (crypto.ts).
process.env['TILLVAULT_TEST_FAST_KDF'] ??= '1';

const madeDirs: string[] = [];
function removeMadeDirs(): void {
  for (const dir of madeDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
process.on('exit', removeMadeDirs);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    removeMadeDirs();
    process.kill(process.pid, signal);
  });
}

/** A temp folder of this test process, removed when it exits, however it ends but kill -9. */
export function tempDir(prefix = 'tv-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: unknown;
}

/** Runs the built CLI (`npm test` builds first) with --json and parses its one document. */
export function cli(args: string[], env: Record<string, string | undefined> = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, '--json', ...args], {
    encoding: 'utf8',
    env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE, ...env },
    timeout: 300_000,
  });
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = null;
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

export interface BoundedResult {
  /** null when the command had to be killed at the time limit. */
  code: number | null;
  ms: number;
  json: Record<string, unknown> | null;
  stderr: string;
}

/** The CLI with a hard time limit: a command that hangs is killed, and says so by `code`. */
export function cliWithin(args: string[], limitMs: number): BoundedResult {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, '--json', ...args], {
    encoding: 'utf8',
    env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE },
    timeout: limitMs,
    killSignal: 'SIGKILL',
  });
  let json: BoundedResult['json'];
  try {
    json = JSON.parse(r.stdout) as BoundedResult['json'];
  } catch {
    json = null;
  }
  return { code: r.status, ms: performance.now() - t0, json, stderr: r.stderr };
}

export function spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [CLI, '--json', ...args], {
    env: { ...process.env, TILLVAULT_PASSPHRASE: PASSPHRASE, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `sqlite3 .dump`: the logical content, independent of page layout. */
export function dump(db: string): string {
  return execFileSync('sqlite3', [db, '.dump'], { encoding: 'utf8', maxBuffer: 1 << 30 });
}

export function fileSha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Northwind is shipped as SQL; build it once per test process. */
export function northwind(dir: string): string {
  const db = path.join(dir, 'northwind.db');
  if (!fs.existsSync(db)) {
    const sql = fs.readFileSync(path.join(FIXTURES, 'northwind-create.sql'), 'utf8');
    execFileSync('sqlite3', [db], { input: sql, maxBuffer: 1 << 30 });
  }
  return db;
}

export function chinook(dir: string): string {
  const db = path.join(dir, 'chinook.sqlite');
  fs.copyFileSync(path.join(FIXTURES, 'chinook.sqlite'), db);
  fs.chmodSync(db, 0o644);
  return db;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** A tiny tmpfs, to make a real "disk full" or read-only destination (needs root). */
export function mountTmpfs(dir: string, size: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return () => execFileSync('umount', ['-l', dir]);
}

export function sqliteValue(db: string, sql: string): string {
  return execFileSync('sqlite3', [db, sql], { encoding: 'utf8' }).trim();
}

/**
 * Overwrites one leaf page of `table` with garbage, as a failing disk or a crashed POS leaves a
 * database, and returns its page number. SQLite's own integrity_check must then see it.
 */
export function damagePage(db: string, table: string): number {
  sqliteValue(db, 'PRAGMA wal_checkpoint(TRUNCATE)');
  const page = Number(
    sqliteValue(
      db,
      `SELECT pageno FROM dbstat WHERE name = '${table}' AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 2`,
    ),
  );
  const size = Number(sqliteValue(db, 'PRAGMA page_size'));
  assert.ok(page > 1, `a leaf page of ${table}`);
  const fd = fs.openSync(db, 'r+');
  try {
    fs.writeSync(fd, crypto.randomBytes(size), 0, size, (page - 1) * size);
  } finally {
    fs.closeSync(fd);
  }
  // sqlite3 prints the findings, then may stop with an error: only its output counts.
  const check = spawnSync('sqlite3', [db, 'PRAGMA integrity_check'], { encoding: 'utf8' });
  assert.notEqual(check.stdout.trim(), 'ok', 'the page is damaged');
  return page;
}

/** The mistake the restore tests undo: a demo shop member deleted with their ledgers. */
export function deleteDemoMemberSql(id: number): string {
  return `DELETE FROM points_ledger WHERE member_id = ${id};
    DELETE FROM stored_value_ledger WHERE member_id = ${id};
    UPDATE orders SET member_id = NULL WHERE member_id = ${id};
    DELETE FROM members WHERE id = ${id};`;
}
