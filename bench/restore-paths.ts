/**
 * The restore wizard's paths on the bench's shop, through the CLI the window's engine is:
 *
 *   - backups up to 30 (small changes between them: a member's balance, a few sales);
 *   - the preview of a whole restore from the backup before the newest (`restore --dry-run`),
 *     the backup rebuilt and compared with the live database, nothing written;
 *   - one member's values in every backup (`record`);
 *   - a new computer: find the backups, restore the newest to a new file with the printed
 *     recovery key, check it (`PRAGMA integrity_check`), make it a plan again with a new
 *     passphrase (`adopt`), and the first backup after that (`run`), timed as one path.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export interface Child {
  readonly ms: number;
  readonly stdout: string;
}

export interface RestorePathDeps {
  /** The frozen CLI with --json, the bench's passphrase in its environment. */
  tillvault<T>(args: readonly string[]): Promise<Child & { json: T }>;
  must(cmd: string, args: readonly string[]): Promise<Child>;
  db: string;
  repo: string;
  work: string;
  recoveryKey: string;
}

export interface RestorePathResults {
  readonly backups: number;
  readonly extraBackupsMs: number;
  readonly previewMs: number;
  readonly previewTables: number;
  readonly recordMs: number;
  readonly recordBackups: number;
  readonly newComputer: {
    readonly findMs: number;
    readonly restoreMs: number;
    readonly checkMs: number;
    readonly adoptMs: number;
    readonly backupMs: number;
    readonly totalMs: number;
    readonly newBytes: number;
  };
}

const BACKUPS = 30;
const MEMBER = 7;

/** A few minutes of the till: member 7's balance moves, three sales are rung up. */
function trade(file: string, i: number): void {
  const db = new Database(file);
  try {
    db.transaction(() => {
      db.prepare('UPDATE members SET stored_value_cents = stored_value_cents + ? WHERE id = ?').run(
        100 + i,
        MEMBER,
      );
      for (let n = 0; n < 3; n++) {
        db.prepare(
          "INSERT INTO orders (receipt_no, member_id, staff_id, shift_id, created_at, total_cents) VALUES (?, ?, 1, 1, datetime('now'), 990)",
        ).run(`B-${i}-${n}`, MEMBER);
      }
    })();
  } finally {
    db.close();
  }
}

export async function measureRestorePaths(d: RestorePathDeps): Promise<RestorePathResults> {
  const listed = await d.tillvault<{ snapshots: { id: string }[] }>(['snapshots', d.repo]);
  let backups = listed.json.snapshots.length;
  let extraBackupsMs = 0;
  console.error(`Restore paths: backups up to ${BACKUPS}…`);
  for (let i = 0; backups < BACKUPS; i++, backups++) {
    trade(d.db, i);
    extraBackupsMs += (await d.tillvault(['backup', d.db, '--to', d.repo])).ms;
  }
  const ids = (await d.tillvault<{ snapshots: { id: string }[] }>(['snapshots', d.repo])).json
    .snapshots;
  const beforeNewest = ids.at(-2)!.id;

  console.error('Restore paths: preview, record…');
  const preview = await d.tillvault<{ tables: unknown[] }>([
    'restore',
    d.repo,
    '--snapshot',
    beforeNewest,
    '--into',
    d.db,
    '--dry-run',
  ]);
  const record = await d.tillvault<{ backups: unknown[] }>([
    'record',
    d.repo,
    '--table',
    'members',
    '--key',
    String(MEMBER),
  ]);

  console.error('Restore paths: a new computer…');
  const here = path.join(d.work, 'new-computer');
  fs.rmSync(here, { recursive: true, force: true });
  fs.mkdirSync(here, { recursive: true });
  const keyFile = path.join(here, 'recovery-key.txt');
  fs.writeFileSync(keyFile, d.recoveryKey.toLowerCase().replace(/-/g, ' '));
  const passFile = path.join(here, 'new-passphrase.txt');
  fs.writeFileSync(passFile, 'the new computer passphrase');
  const restored = path.join(here, 'shop.db');
  const config = path.join(here, 'config');
  const key = ['--recovery-key-file', keyFile];
  const find = await d.tillvault<{ found: { path: string }[] }>(['find', path.dirname(d.repo)]);
  if (!find.json.found.some((f) => f.path === d.repo)) throw new Error('find missed the backups');
  const restore = await d.tillvault(['restore', d.repo, '--to', restored, ...key]);
  const check = await d.must('sqlite3', [restored, 'PRAGMA integrity_check']);
  if (check.stdout.trim() !== 'ok') throw new Error(`restored file: ${check.stdout}`);
  const adopt = await d.tillvault<{ job: { id: string } }>([
    'adopt',
    d.repo,
    '--database',
    restored,
    '--new-passphrase-file',
    passFile,
    '--config',
    config,
    ...key,
  ]);
  const first = await d.tillvault<{ destinations: { ok: boolean; newBytes: number }[] }>([
    'run',
    adopt.json.job.id,
    '--config',
    config,
    '--passphrase-file',
    passFile,
  ]);
  if (!first.json.destinations[0]?.ok) throw new Error(`backup after adopt: ${first.stdout}`);
  const steps = [find, restore, check, adopt, first];
  return {
    backups,
    extraBackupsMs,
    previewMs: preview.ms,
    previewTables: preview.json.tables.length,
    recordMs: record.ms,
    recordBackups: record.json.backups.length,
    newComputer: {
      findMs: find.ms,
      restoreMs: restore.ms,
      checkMs: check.ms,
      adoptMs: adopt.ms,
      backupMs: first.ms,
      totalMs: steps.reduce((n, s) => n + s.ms, 0),
      newBytes: first.json.destinations[0].newBytes,
    },
  };
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export function restorePathRows(r: RestorePathResults): string[][] {
  const n = r.newComputer;
  return [
    [
      'Preview of a whole restore (rebuild + compare)',
      sec(r.previewMs),
      `${r.previewTables} tables`,
    ],
    ['One member in every backup (record)', sec(r.recordMs), `${r.recordBackups} backups`],
    [
      'New computer: find, restore, check, adopt, first backup',
      sec(n.totalMs),
      `${sec(n.findMs)} + ${sec(n.restoreMs)} + ${sec(n.checkMs)} + ${sec(n.adoptMs)} + ${sec(n.backupMs)}; ${(n.newBytes / 1e6).toFixed(1)} MB new`,
    ],
  ];
}

export function restorePathTargets(
  r: RestorePathResults,
): { name: string; ok: boolean; detail: string }[] {
  return [
    {
      name: 'preview of a whole restore under 15 s',
      ok: r.previewMs < 15_000,
      detail: sec(r.previewMs),
    },
    {
      name: `a record across ${BACKUPS} backups under 5 s`,
      ok: r.recordMs < 5_000 && r.recordBackups >= BACKUPS,
      detail: `${sec(r.recordMs)} over ${r.recordBackups} backups`,
    },
    {
      name: 'new computer back and backing up again in under 2 minutes',
      ok: r.newComputer.totalMs < 120_000,
      detail: sec(r.newComputer.totalMs),
    },
  ];
}
