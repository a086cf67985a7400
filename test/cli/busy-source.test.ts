/**
 * A rollback-journal database that another program is writing: the backup waits for the
 * writer's lock (never making the writer wait), gives up with DB_IN_USE when the lock is held
 * too long rather than storing an empty copy, and rolls back a write a crashed till left behind
 * so the backup holds the last committed state.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { ROOT, cli, sqliteValue, tempDir } from '../helpers.js';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const ROWS = 3000;
const SUM = `SELECT sum(qty) FROM items`;

/** A shop-like database in rollback-journal (DELETE) mode, every qty 1. */
function makeSource(name: string): string {
  const file = path.join(dir, name);
  const db = new Database(file);
  db.pragma('journal_mode = DELETE');
  db.exec('CREATE TABLE items (id INTEGER PRIMARY KEY, qty INTEGER NOT NULL, note TEXT)');
  const insert = db.prepare('INSERT INTO items (qty, note) VALUES (1, ?)');
  db.transaction(() => {
    for (let i = 0; i < ROWS; i++) insert.run(`item ${i} `.padEnd(200, '.'));
  })();
  db.close();
  return file;
}

/**
 * Another program (a child process) that takes the write lock, sets every qty to 2 and says
 * "locked" once readers are shut out; it commits after `holdMs`, or never when killed first.
 * A tiny page cache makes SQLite write the changed pages into the file before the commit, as a
 * large transaction does, so a kill leaves a hot journal.
 */
function writer(file: string, holdMs: number): { child: ChildProcess; locked: Promise<void> } {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(file)});
    db.pragma('cache_size = 5');
    db.exec('BEGIN EXCLUSIVE');
    db.prepare('UPDATE items SET qty = 2').run();
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${holdMs});
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: 'pipe' });
  const locked = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the writer exited (${code}) before locking`)));
  });
  return { child, locked };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.on('exit', () => resolve()));
}

test('a backup waits for a write in progress and stores the committed result', async () => {
  const db = makeSource('waits.db');
  const dest = path.join(dir, 'waits-backups');
  const w = writer(db, 2500);
  try {
    await w.locked;
    const started = Date.now();
    const r = cli(['backup', db, '--to', dest]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(Date.now() - started >= 2000, 'the backup did not wait for the writer');
    const out = path.join(dir, 'waits-restored.db');
    assert.equal(cli(['restore', dest, '--to', out]).code, 0);
    assert.equal(sqliteValue(out, SUM), String(2 * ROWS));
    assert.equal(sqliteValue(out, 'PRAGMA integrity_check'), 'ok');
  } finally {
    w.child.kill();
    await exited(w.child);
  }
});

test('a write lock held for too long ends in DB_IN_USE, not in an empty backup', async () => {
  const db = makeSource('stuck.db');
  const dest = path.join(dir, 'stuck-backups');
  const w = writer(db, 120_000);
  try {
    await w.locked;
    const r = cli(['backup', db, '--to', dest]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const { error } = r.json as { error: { code: string; message: string } };
    assert.equal(error.code, 'DB_IN_USE');
    assert.match(error.message, /stuck\.db is busy: another program has been writing to it/);
    assert.match(error.message, /Try again when the till is idle/);
  } finally {
    w.child.kill();
    await exited(w.child);
  }
  // Nothing half made stays behind: the next backup starts the place afresh and restores.
  assert.ok(!fs.existsSync(path.join(dest, 'tillvault.json')));
  const again = cli(['backup', db, '--to', dest]);
  assert.equal(again.code, 0, again.stdout + again.stderr);
  const out = path.join(dir, 'stuck-restored.db');
  assert.equal(cli(['restore', dest, '--to', out]).code, 0);
  // The writer never committed: the last committed state has every qty at 1.
  assert.equal(sqliteValue(out, SUM), String(ROWS));
});

test('a write cut off by a crashed till is rolled back and the backup holds what was committed', async () => {
  const db = makeSource('crashed.db');
  const dest = path.join(dir, 'crashed-backups');
  const w = writer(db, 120_000);
  await w.locked;
  w.child.kill('SIGKILL');
  await exited(w.child);
  assert.ok(fs.statSync(`${db}-journal`).size > 0, 'the crash left no hot journal');

  const r = cli(['backup', db, '--to', dest]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((r.json as { tables: unknown[] }).tables.length, 1);
  const out = path.join(dir, 'crashed-restored.db');
  assert.equal(cli(['restore', dest, '--to', out]).code, 0);
  assert.equal(sqliteValue(out, SUM), String(ROWS));
  assert.equal(sqliteValue(out, 'PRAGMA integrity_check'), 'ok');
  // The shop's own file is back at its last committed state too, as the till would leave it.
  assert.equal(sqliteValue(db, SUM), String(ROWS));
  assert.ok(!fs.existsSync(`${db}-journal`));
});
