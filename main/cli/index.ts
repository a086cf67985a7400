/**
 * `tillvault` — the engine without a window, for IT helpers, servers and tests. The command
 * names, options, JSON shapes and exit codes are a contract (see README); keep them stable.
 */
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { backup, type BackupResult } from '../engine/backup/backup.js';
import { DATA_TYPES, parseDataTypes, type DataType } from '../engine/data-types.js';
import { createDemoShop } from '../engine/demo/demo-shop.js';
import { runTill } from '../engine/demo/till.js';
import { diff } from '../engine/restore/diff.js';
import { changes } from '../engine/restore/changes.js';
import { recordHistory } from '../engine/restore/record-history.js';
import { searchBackup } from '../engine/restore/record-search.js';
import type { RecordRef } from '../engine/restore/records.js';
import { findRepositories } from '../engine/places/find.js';
import { cloudFoldersHere } from '../engine/places/cloud-folders.js';
import { listSystemDrives } from '../engine/places/drives.js';
import { TillvaultError } from '../engine/errors.js';
import { prune } from '../engine/maintenance/prune.js';
import { repair } from '../engine/maintenance/repair.js';
import { newRecoveryKey } from '../engine/repository/recovery-key.js';
import { inspectDestination } from '../engine/repository/repository.js';
import { previewFromBackup } from '../engine/restore/preview-backup.js';
import { restoreInto, restoreToFile } from '../engine/restore/restore.js';
import {
  DEFAULT_POLICY,
  describePolicy,
  type RetentionPolicy,
} from '../engine/maintenance/retention.js';
import { VERIFY_LEVELS, verify, type VerifyLevel } from '../engine/maintenance/verify.js';
import { APP_VERSION } from '../engine/version.js';
import { removeWorkDirsNow, sweepAtStart } from '../engine/fs/work-dirs.js';
import { credentialFrom, type SecretOptions } from './credential.js';
import {
  EXIT,
  formatBytes,
  makeOut,
  parserOutput,
  reportError,
  reportParseExit,
  type Out,
} from './output.js';
import { describeWhy } from '../engine/source/classify/why.js';
import { describeDatabase, listSnapshots } from '../engine/source/inspect.js';
import { defaultConfigDir } from './config-dir.js';
import { readLog, runDemo } from './queries.js';
import {
  backupPhase,
  humanBackup,
  humanChanges,
  humanFound,
  humanDiff,
  humanKept,
  humanLog,
  humanPreview,
  humanPrune,
  humanRecordHistory,
  humanRecordSearch,
  humanRecoveryKey,
  humanSnapshots,
  humanTypes,
  humanVerify,
} from './human.js';

type Action = (out: Out, ...args: never[]) => Promise<number>;

function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new TillvaultError('BAD_INPUT', `${value} is not a whole number.`);
  return n;
}

/** `--records members=7,12`, repeatable: the table, and keys as the backup has them. */
function recordsArg(value: string, previous: RecordRef[] = []): RecordRef[] {
  const at = value.indexOf('=');
  const table = value.slice(0, at).trim();
  const keys = value
    .slice(at + 1)
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  if (at <= 0 || table.length === 0 || keys.length === 0) {
    throw new TillvaultError(
      'BAD_INPUT',
      `--records ${value}: give TABLE=KEY[,KEY…], e.g. members=7,12.`,
    );
  }
  return [...previous, { table, keys }];
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--types`, checked while parsing: an empty or unknown list is a mistake, not "all types". */
function typesOption(description: string): Option {
  return new Option('--types <list>', description).argParser((csv: string) => parseDataTypes(csv));
}

/** Destination errors that mean the command line was wrong, not that the backup failed. */
const MISTYPED_DESTINATION = new Set([
  'WRONG_PASSPHRASE',
  'PASSPHRASE_REQUIRED',
  'NOT_A_REPOSITORY',
  'DEST_FOREIGN',
]);

/**
 * The JSON answer: a backup stored nowhere claims no snapshot (the engine still names the id
 * it would have had, which the app's safety backups rely on).
 */
function backupDocument(r: BackupResult): Omit<BackupResult, 'snapshotId'> & {
  snapshotId: string | null;
} {
  return r.error ? { ...r, snapshotId: null } : r;
}

function backupExit(r: BackupResult): number {
  // Stored, but of a damaged database: the owner must hear of it however the places did.
  if (r.sourceDamage) return EXIT.damaged;
  if (r.destinations.every((d) => d.ok)) return EXIT.ok;
  // A place found tampered with (its encryption switched off, say) is damage, whatever else.
  if (r.destinations.some((d) => d.error?.code === 'DAMAGED')) return EXIT.damaged;
  const mistyped =
    r.error !== null && r.destinations.every((d) => MISTYPED_DESTINATION.has(d.error?.code ?? ''));
  return mistyped ? EXIT.input : EXIT.failed;
}

interface Common extends SecretOptions {
  json?: boolean;
}

function withSecrets(cmd: Command): Command {
  return cmd
    .option(
      '--passphrase-file <file>',
      'read the passphrase from this file (default: $TILLVAULT_PASSPHRASE)',
    )
    .option('--recovery-key-file <file>', 'open the backups with the printed recovery key instead');
}

/** Whether every destination already holds backups (so none would be created). */
async function allRepositories(dests: readonly string[]): Promise<boolean> {
  const states = await Promise.all(
    dests.map((d) => inspectDestination(path.resolve(d)).catch(() => null)),
  );
  return states.every((s) => s === 'repository');
}

/**
 * Ctrl-C, or a service manager stopping the command, must not leave a copy of the shop's
 * database in the temp folder: work folders and half-written files go before the usual exit.
 */
function removeLeftoversOnSignals(): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      removeWorkDirsNow();
      process.exit(code);
    });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  removeLeftoversOnSignals();
  // A run killed outright (SIGKILL, power cut) left a copy of the shop's database behind.
  await sweepAtStart();
  let exitCode: number = EXIT.ok;
  // Known before parsing, so that a command line commander rejects still gets a JSON answer.
  const json = argv.includes('--json');
  const parserText = parserOutput(json);
  // Subcommands inherit exitOverride and the output configuration from here.
  const program = new Command('tillvault')
    .description('Backups of a live SQLite POS database that are proven to restore.')
    .version(APP_VERSION)
    .option('--json', 'print exactly one JSON document on stdout (progress goes to stderr)')
    .exitOverride()
    .configureOutput(parserText);

  // Each action sets exitCode; commander's own parsing errors become exit 2.
  const run =
    (fn: Action) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const out = makeOut(Boolean((cmd.optsWithGlobals() as Common).json));
      try {
        exitCode = await (fn as (out: Out, ...a: unknown[]) => Promise<number>)(
          out,
          ...args.slice(0, -1),
        );
      } catch (err) {
        exitCode = reportError(out, err);
      }
    };

  const demo = program.command('demo').description('a demo shop database to try Tillvault on');
  demo
    .command('create <db>')
    .description('generate a realistic shop database (WAL mode)')
    .option('--members <n>', 'number of members', int)
    .option('--days <n>', 'days of sales history', int)
    .option('--seed <n>', 'random seed', int)
    .option(
      '--search-indexes',
      'add full-text (FTS5, FTS4) and R*Tree tables, as real POS software has',
    )
    .action(
      run(
        async (
          out,
          db: string,
          o: { members?: number; days?: number; seed?: number; searchIndexes?: boolean },
        ) => {
          const summary = createDemoShop(path.resolve(db), {
            ...o,
            onProgress: (f) => out.progress('Generating', f, 1),
          });
          out.result(
            summary,
            () =>
              `Created ${db}: ${summary.members} members, ${summary.orders} sales, ${summary.products} products.`,
          );
          return EXIT.ok;
        },
      ),
    );
  demo
    .command('sell <db>')
    .description('simulate the till: commit sales as a separate writer')
    .option('--seconds <n>', 'how long to sell', int, 10)
    .option('--rate <n>', 'sales per second', int, 5)
    .option('--seed <n>', 'random seed', int)
    .action(
      run(async (out, db: string, o: { seconds: number; rate: number; seed?: number }) => {
        const stats = await runTill(path.resolve(db), o);
        out.result(
          stats,
          () =>
            `Sold ${stats.sales} times (p50 ${stats.p50Ms.toFixed(1)} ms, p99 ${stats.p99Ms.toFixed(1)} ms per sale).`,
        );
        return stats.errors > 0 ? EXIT.failed : EXIT.ok;
      }),
    );
  demo
    .command('start')
    .description('create the demo shop if needed and back it up into ./tillvault-demo/backups')
    .action(
      run(async (out) => {
        const r = await runDemo(path.resolve('tillvault-demo'), (label, d, t) =>
          out.progress(label, d, t),
        );
        out.result({ ...r, backup: backupDocument(r.backup) }, () =>
          [
            humanBackup(r.backup),
            '',
            `Demo shop: ${r.database}`,
            `Passphrase of the demo backups: ${r.passphrase}`,
          ].join('\n'),
        );
        return r.backup.destinations.every((d) => d.ok) ? EXIT.ok : EXIT.failed;
      }),
    );

  program
    .command('find [roots...]')
    .description('Tillvault backups in these folders, or on removable drives and in cloud folders')
    .action(
      run(async (out, roots: string[]) => {
        const where =
          roots.length > 0
            ? roots
            : [
                ...(await listSystemDrives()).filter((d) => d.removable).map((d) => d.mount),
                ...(await cloudFoldersHere()).map((c) => c.path),
              ];
        const found = await findRepositories(where);
        out.result({ searched: where, found }, () => humanFound(where, found));
        return EXIT.ok;
      }),
    );

  program
    .command('types <db>')
    .description('how each table is classified into data types, with row counts')
    .action(
      run(async (out, db: string) => {
        const tables = (await describeDatabase(path.resolve(db))).map((t) => ({
          ...t,
          reason: describeWhy(t.why),
        }));
        out.result({ database: path.resolve(db), tables }, () => humanTypes(tables));
        return EXIT.ok;
      }),
    );

  withSecrets(
    program
      .command('backup <db>')
      .description('one consistent snapshot, written to every destination')
      .addOption(
        new Option('--to <dest>', 'destination folder (repeat for several)')
          .argParser(collect)
          .makeOptionMandatory(),
      )
      .addOption(typesOption('data types to include: members,sales,products,staff,logs,other'))
      .option('--label <text>', 'a note to recognise this backup by')
      .option('--no-encryption', 'store without encryption (not recommended)')
      .addOption(
        new Option('--trigger <trigger>')
          .choices(['manual', 'scheduled'])
          .default('manual')
          .hideHelp(),
      ),
  ).action(
    run(
      async (
        out,
        db: string,
        o: Common & {
          to: string[];
          types?: DataType[];
          label?: string;
          encryption: boolean;
          trigger: 'manual' | 'scheduled';
        },
      ) => {
        const credential = credentialFrom(o);
        if (!o.encryption) {
          out.warn(
            '--no-encryption: anyone who can read the backup folder can read the shop data.',
          );
        } else if (credential.kind === 'none' && !(await allRepositories(o.to))) {
          // Without a passphrase a new place would be made unencrypted: only places that
          // already hold backups (unencrypted ones open without one) may go on.
          throw new TillvaultError(
            'PASSPHRASE_REQUIRED',
            'Backups are encrypted: set TILLVAULT_PASSPHRASE or use --passphrase-file (or --no-encryption).',
          );
        }
        const result = await backup({
          source: db,
          destinations: o.to,
          credential: o.encryption ? credential : { kind: 'none' },
          types: o.types ?? null,
          label: o.label ?? null,
          trigger: o.trigger,
          onProgress: (p) => out.progress(backupPhase(p.phase), p.done, p.total),
        });
        out.result(backupDocument(result), () => humanBackup(result));
        return backupExit(result);
      },
    ),
  );

  withSecrets(
    program.command('snapshots <dest>').description('list the backups in a destination'),
  ).action(
    run(async (out, dest: string, o: Common) => {
      const list = await listSnapshots(dest, credentialFrom(o));
      out.result(list, () => humanSnapshots(list));
      return list.damaged.length > 0 ? EXIT.damaged : EXIT.ok;
    }),
  );

  withSecrets(
    program
      .command('verify <dest>')
      .description('prove the backups restore')
      .addOption(
        new Option('--level <level>', 'quick, full or drill')
          .choices(VERIFY_LEVELS)
          .default('quick'),
      )
      .option('--snapshot <id>', 'only this backup (default: all; drill uses the newest)'),
  ).action(
    run(async (out, dest: string, o: Common & { level: VerifyLevel; snapshot?: string }) => {
      const result = await verify(dest, credentialFrom(o), {
        level: o.level,
        ...(o.snapshot ? { snapshot: o.snapshot } : {}),
        onProgress: (p) => out.progress('Checking', p.done, p.total),
      });
      out.result(result, () => humanVerify(result));
      return result.ok ? EXIT.ok : EXIT.damaged;
    }),
  );

  withSecrets(
    program
      .command('restore <dest>')
      .description(
        'rebuild a database file (--to) or put a backup back into the live database (--into)',
      )
      .option('--snapshot <id>', "backup id or 'latest'", 'latest')
      .option('--to <newdb>', 'write a new database file')
      .option('--into <livedb>', 'restore into the live database (a safety backup is taken first)')
      .addOption(typesOption('with --into: only these data types'))
      .addOption(
        new Option(
          '--records <table=key,...>',
          'with --into: only these records, with the rows that belong to them (repeat for several tables)',
        ).argParser(recordsArg),
      )
      .addOption(
        new Option(
          '--keep-new <list>',
          'with --into: keep the rows of these data types added since the backup (e.g. sales)',
        ).argParser((csv: string) => parseDataTypes(csv)),
      )
      .option('--force', 'with --into: wait for the database even if another program holds it')
      .option('--dry-run', 'with --into: only show what the restore would change; write nothing'),
  ).action(
    run(
      async (
        out,
        dest: string,
        o: Common & {
          snapshot: string;
          to?: string;
          into?: string;
          types?: DataType[];
          records?: RecordRef[];
          keepNew?: DataType[];
          force?: boolean;
          dryRun?: boolean;
        },
      ) => {
        const credential = credentialFrom(o);
        const progress = (p: { phase: string; done: number; total: number }): void =>
          out.progress(p.phase, p.done, p.total);
        if (Boolean(o.to) === Boolean(o.into)) {
          throw new TillvaultError('BAD_INPUT', 'Give exactly one of --to NEWDB or --into LIVEDB.');
        }
        if (o.to) {
          if (o.types || o.records || o.keepNew || o.dryRun || o.force) {
            // A new file changes nothing that exists: there is nothing to preview or wait for.
            throw new TillvaultError(
              'BAD_INPUT',
              '--types, --records, --keep-new, --dry-run and --force go with --into.',
            );
          }
          const r = await restoreToFile(dest, credential, o.snapshot, o.to, progress);
          out.result(r, () =>
            [
              `Restored backup ${r.snapshotId} into ${r.file} in ${(r.durationMs / 1000).toFixed(1)} s.`,
              ...r.warnings,
            ].join('\n'),
          );
          return EXIT.ok;
        }
        if (o.dryRun) {
          const preview = await previewFromBackup({
            dest,
            credential,
            ref: o.snapshot,
            liveDb: o.into!,
            types: o.types ?? null,
            records: o.records ?? null,
            keepNew: o.keepNew ?? null,
          });
          out.result(preview, () => humanPreview(preview));
          return EXIT.ok;
        }
        const r = await restoreInto({
          dest,
          credential,
          ref: o.snapshot,
          liveDb: o.into!,
          types: o.types ?? null,
          records: o.records ?? null,
          keepNew: o.keepNew ?? null,
          force: o.force ?? false,
          onProgress: progress,
        });
        out.result(r, () =>
          [
            `Restored backup ${r.snapshotId} into ${r.liveDb}.`,
            ...(r.records ?? []).map(
              (p) =>
                `  ${p.table}: ${p.rows} row(s) ${p.role === 'record' ? 'put back' : p.role === 'belongs' ? 'that belong to them put back' : 'they need put back'}`,
            ),
            ...humanKept(r.kept ?? [], r.clashes ?? [], r.clashesCsv),
            `Safety backup of the state before: ${r.safetySnapshotId} (restore it to undo).`,
            ...r.warnings,
          ].join('\n'),
        );
        return EXIT.ok;
      },
    ),
  );

  withSecrets(
    program
      .command('diff <dest>')
      .description('rows added, removed and changed per table between a backup and a database')
      .requiredOption('--snapshot <id>', "backup id or 'latest'")
      .requiredOption('--against <db>', 'the database to compare with')
      .addOption(typesOption('only these data types')),
  ).action(
    run(
      async (
        out,
        dest: string,
        o: Common & { snapshot: string; against: string; types?: DataType[] },
      ) => {
        const r = await diff(dest, credentialFrom(o), o.snapshot, o.against, o.types ?? null);
        out.result(r, () => humanDiff(r));
        return EXIT.ok;
      },
    ),
  );

  withSecrets(
    program
      .command('changes <dest>')
      .description('what changed between each backup and the one before it')
      .option('--snapshot <id>', "only this backup (an id or 'latest')"),
  ).action(
    run(async (out, dest: string, o: Common & { snapshot?: string }) => {
      const r = await changes(dest, credentialFrom(o), o.snapshot);
      out.result({ destination: path.resolve(dest), changes: r }, () => humanChanges(r));
      return EXIT.ok;
    }),
  );

  withSecrets(
    program
      .command('record <dest>')
      .description("a record's values in every backup (--key), or records found by text (--find)")
      .option('--table <table>', 'the table the record is in')
      .option('--key <key>', 'the record by its key (repeat for several)', collect)
      .option('--find <text>', 'find records by name, card number, phone, SKU, barcode or key')
      .addOption(
        new Option('--type <type>', 'with --find: only this data type').choices(DATA_TYPES),
      )
      .option('--live <livedb>', 'also the values now, in the live database'),
  ).action(
    run(
      async (
        out,
        dest: string,
        o: Common & {
          table?: string;
          key?: string[];
          find?: string;
          type?: DataType;
          live?: string;
        },
      ) => {
        const credential = credentialFrom(o);
        if (Boolean(o.key) === Boolean(o.find)) {
          throw new TillvaultError(
            'BAD_INPUT',
            'Give either --key KEY (with --table) or --find TEXT.',
          );
        }
        if (o.find !== undefined) {
          const r = await searchBackup(
            dest,
            credential,
            {
              text: o.find,
              ...(o.type ? { type: o.type } : {}),
              ...(o.table ? { table: o.table } : {}),
            },
            o.live ? { liveDb: o.live } : {},
          );
          out.result(r, () => humanRecordSearch(r));
          return EXIT.ok;
        }
        if (!o.table) throw new TillvaultError('BAD_INPUT', '--key needs --table TABLE.');
        const r = await recordHistory(dest, credential, {
          table: o.table,
          keys: o.key!,
          ...(o.live ? { liveDb: o.live } : {}),
          onProgress: (p) => out.progress('Reading backups', p.done, p.total),
        });
        out.result(r, () => humanRecordHistory(r));
        return EXIT.ok;
      },
    ),
  );

  withSecrets(
    program
      .command('prune <dest>')
      .description(`forget old backups (default: ${describePolicy(DEFAULT_POLICY)})`)
      .option('--keep-last <n>', 'keep the newest n', int)
      .option('--keep-within <duration>', 'keep everything newer than this, e.g. 30d, 12m, 1y')
      .option('--keep-hourly <n>', 'one per hour for n hours', int)
      .option('--keep-daily <n>', 'one per day for n days', int)
      .option('--keep-weekly <n>', 'one per week for n weeks', int)
      .option('--keep-monthly <n>', 'one per month for n months', int)
      .option('--keep-yearly <n>', 'one per year for n years', int)
      .option('--dry-run', 'only say what would be removed'),
  ).action(
    run(async (out, dest: string, o: Common & RetentionPolicy & { dryRun?: boolean }) => {
      const given: RetentionPolicy = {};
      for (const k of [
        'keepLast',
        'keepWithin',
        'keepHourly',
        'keepDaily',
        'keepWeekly',
        'keepMonthly',
        'keepYearly',
      ] as const) {
        if (o[k] !== undefined) Object.assign(given, { [k]: o[k] });
      }
      const policy = Object.keys(given).length > 0 ? given : DEFAULT_POLICY;
      const r = await prune(dest, credentialFrom(o), policy, { dryRun: o.dryRun ?? false });
      out.result({ policy, ...r }, () => humanPrune(r, describePolicy(policy)));
      return EXIT.ok;
    }),
  );

  withSecrets(
    program
      .command('repair <dest>')
      .description('replace damaged or missing parts with good copies from another destination')
      .requiredOption('--from <otherdest>', 'a destination of the same backups'),
  ).action(
    run(async (out, dest: string, o: Common & { from: string }) => {
      const r = await repair(dest, o.from, credentialFrom(o));
      out.result(r, () =>
        [
          r.settingsReplaced ? 'The settings file (tillvault.json) was damaged: replaced.' : '',
          `Replaced ${r.chunksReplaced} damaged or missing part(s) and ${r.snapshotsReplaced.length} backup record(s).`,
          r.unrepairable.length > 0 ? `Could not repair: ${r.unrepairable.join(', ')}` : '',
          humanVerify(r.after),
        ]
          .filter(Boolean)
          .join('\n'),
      );
      return r.after.ok ? EXIT.ok : EXIT.damaged;
    }),
  );

  withSecrets(
    program.command('log <dest>').description('the audit log kept in the destination'),
  ).action(
    run(async (out, dest: string, o: Common) => {
      const entries = await readLog(dest, credentialFrom(o));
      out.result({ entries }, () => humanLog(entries));
      return EXIT.ok;
    }),
  );

  const configOption = (): Option =>
    new Option('--config <dir>', "the app's settings folder").default(defaultConfigDir());

  program
    .command('schedule')
    .description('the backup plans set up in the app, and when each runs next')
    .addOption(configOption())
    .option('--count <n>', 'how many next runs per plan', int, 5)
    .action(
      run(async (out, o: Common & { config: string; count: number }) => {
        // Loaded here: the app core and the cron libraries would slow every other command's start.
        const { openJobs } = await import('./jobs.js');
        const { cronOf, nextRuns } = await import('../engine/schedule/schedule.js');
        const { default: cronstrue } = await import('cronstrue');
        const plans = openJobs(path.resolve(o.config));
        const now = new Date();
        const jobs = plans.jobs().map((j) => ({
          id: j.id,
          name: j.name,
          schedule: j.schedule,
          cron: cronOf(j.schedule),
          next: nextRuns(j.schedule, now, o.count).map((d) => d.toISOString()),
        }));
        out.result({ config: path.resolve(o.config), jobs }, () =>
          jobs.length === 0
            ? `No backup plans in ${o.config} (set one up in the app).`
            : jobs
                .map(
                  (j) =>
                    `${j.name} (${j.id}): ${j.cron ? cronstrue.toString(j.cron, { use24HourTimeFormat: true }) : 'only by hand'}` +
                    j.next.map((n) => `\n  ${new Date(n).toLocaleString()}`).join(''),
                )
                .join('\n'),
        );
        return EXIT.ok;
      }),
    );

  withSecrets(
    program
      .command('run <plan>')
      .description(
        'run one backup plan of the app now (for cron or Task Scheduler): backup, retention, quick check',
      )
      .addOption(configOption()),
  ).action(
    run(async (out, plan: string, o: Common & { config: string }) => {
      const { openJobs } = await import('./jobs.js');
      const plans = openJobs(path.resolve(o.config), (f) => out.progress('Backing up', f, 1));
      const r = await plans.run(plan, credentialFrom(o));
      out.result(r, () =>
        [
          `${r.outcome === 'ok' ? 'Backup finished' : r.outcome === 'partial' ? 'Backup finished, but a place was skipped' : 'Backup failed'}${r.error ? `: ${r.error.message}` : ''}`,
          ...(r.sourceDamage
            ? [
                `DAMAGED DATABASE (SOURCE_DAMAGED): ${r.sourceDamage.detail}; the last good backup is ${r.sourceDamage.lastGoodAt ?? 'not here'}.`,
              ]
            : []),
          ...r.destinations.map(
            (d) =>
              `  ${d.label}: ${d.ok ? `saved (${formatBytes(d.newBytes)} new), ${d.removed} old removed, check ${d.verified === false ? 'FOUND DAMAGE' : d.verified ? 'passed' : 'not run'}` : `skipped: ${d.message ?? d.code}`}`,
          ),
        ].join('\n'),
      );
      if (r.sourceDamage || r.destinations.some((d) => d.verified === false)) return EXIT.damaged;
      return r.outcome === 'ok' ? EXIT.ok : EXIT.failed;
    }),
  );

  withSecrets(
    program
      .command('adopt <dest>')
      .description(
        'make found backups (a new or repaired computer) a backup plan of the app again: same keys and history',
      )
      .requiredOption(
        '--database <db>',
        'the shop database on this computer (e.g. restored with --to)',
      )
      .option('--name <name>', 'the plan name', 'Shop')
      .option('--also <dir...>', 'other copies of the same backups to keep backing up to')
      .option(
        '--new-passphrase-file <file>',
        'with --recovery-key-file: the new passphrase for the backups from now on',
      )
      .option('--nightly <hh:mm>', 'back up every night at this time (default: only by hand)')
      .addOption(configOption()),
  ).action(
    run(
      async (
        out,
        dest: string,
        o: Common & {
          database: string;
          name: string;
          also?: string[];
          newPassphraseFile?: string;
          nightly?: string;
          config: string;
        },
      ) => {
        const { openJobs } = await import('./jobs.js');
        const credential = credentialFrom(o);
        const newPassphrase = o.newPassphraseFile
          ? credentialFrom({ passphraseFile: o.newPassphraseFile }, {})
          : null;
        if (o.nightly !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(o.nightly)) {
          throw new TillvaultError(
            'BAD_INPUT',
            `--nightly takes a time like 23:00, not "${o.nightly}".`,
          );
        }
        const job = await openJobs(path.resolve(o.config)).adopt({
          dest: path.resolve(dest),
          database: path.resolve(o.database),
          name: o.name,
          credential,
          newPassphrase: newPassphrase?.kind === 'passphrase' ? newPassphrase.value : null,
          roots: (o.also ?? []).map((a) => path.resolve(a)),
          schedule: o.nightly ? { preset: 'nightly', time: o.nightly } : { preset: 'manual' },
        });
        out.result({ job }, () =>
          [
            `"${job.name}" (${job.id}) backs up ${job.source} again, to:`,
            ...job.destinations.map((d) => `  ${d.label}: ${d.path}`),
            `Run it now: tillvault run ${job.id}`,
          ].join('\n'),
        );
        return EXIT.ok;
      },
    ),
  );

  withSecrets(
    program
      .command('recovery-key <dest...>')
      .description(
        'a new printed recovery key for these places (name every place of the plan); the old one opens none of them after',
      ),
  ).action(
    run(async (out, dests: string[], o: Common) => {
      const recoveryKey = await newRecoveryKey(dests, credentialFrom(o));
      const destinations = dests.map((d) => path.resolve(d));
      out.result({ destinations, recoveryKey }, () => humanRecoveryKey(destinations, recoveryKey));
      return EXIT.ok;
    }),
  );

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return reportParseExit(json, err, parserText, APP_VERSION);
    // A value an option's parser refused (--types, a whole number) is bad input.
    return reportError(makeOut(json), err);
  }
  return exitCode;
}
