/**
 * The one IPC contract between the window and the rest of Tillvault: channel names, the schema
 * of every request and response, and the events main pushes. Main validates every request
 * against it (the renderer is untrusted), preload exposes only these channels, and the renderer
 * calls them typed. Browser-safe: imports nothing but zod and the engine's error codes and
 * schedule schema.
 */
import { z } from 'zod';
import { ERROR_CODES } from '../engine/errors.js';
import { scheduleSchema } from '../engine/schedule/spec.js';

export { scheduleSchema, type Schedule } from '../engine/schedule/spec.js';

export const LANGUAGES = ['en', 'zh', 'sv', 'nb', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

export const DATA_TYPE_NAMES = ['members', 'sales', 'products', 'staff', 'logs', 'other'] as const;
const dataType = z.enum(DATA_TYPE_NAMES);

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** A path the renderer got from main (dialog, listing); main checks it was granted. */
const grantedPath = z.string().min(1).max(4096);

export const destinationKinds = ['folder', 'removable', 'cloud'] as const;

const destinationView = z.object({
  id,
  kind: z.enum(destinationKinds),
  label: z.string(),
  path: z.string(),
  /** A removable place: the sticks it rotates between. */
  sticks: z.array(z.object({ device: z.string(), label: z.string() })).optional(),
  ejectWhenDone: z.boolean().optional(),
});
export type DestinationView = z.infer<typeof destinationView>;

/**
 * A drop in members or products of more than `dropPercent`, or more than `pricePercent` of the
 * prices changed at once, makes a backup "unlike the one before" (engine/backup/anomaly.ts).
 */
const changeAlarm = z
  .object({
    dropPercent: z.number().int().min(1).max(100),
    pricePercent: z.number().int().min(1).max(100),
  })
  .strict();

const jobView = z.object({
  id,
  name: z.string(),
  source: z.string(),
  types: z.array(dataType),
  typeOverrides: z.record(z.string(), dataType),
  destinations: z.array(destinationView),
  schedule: scheduleSchema,
  /** When the full read and restore drill runs (default Sundays at 03:00). */
  checkSchedule: scheduleSchema,
  /** False for backups that are not encrypted: no passphrase, no recovery key. */
  encrypted: z.boolean(),
  /** When a backup counts as unlike the one before it: the plan's own, or the defaults. */
  changeAlarm: changeAlarm,
  createdAt: z.string(),
});
export type JobView = z.infer<typeof jobView>;

const summary = z.object({
  members: z.number().nullable(),
  sales: z.number().nullable(),
  lastSaleAt: z.string().nullable(),
});

const destinationOutcome = z.object({
  destinationId: id,
  label: z.string(),
  ok: z.boolean(),
  newBytes: z.number(),
  code: z.string().nullable(),
  message: z.string().nullable(),
  /** Old backups the retention policy removed after this run. */
  removed: z.number(),
  /** The quick check after the run: true good, false damage found, null not checked. */
  verified: z.boolean().nullable(),
  /** The USB stick that took this backup, when the place rotates between several. */
  stick: z.object({ device: z.string(), label: z.string() }).optional(),
  /** "Eject when done": true the stick may be unplugged, false not (`message` says why). */
  ejected: z.boolean().optional(),
  /** A cloud folder whose sync client is not running: the copy has not left the shop yet. */
  syncing: z.boolean().optional(),
});
export type DestinationOutcome = z.infer<typeof destinationOutcome>;

/** What makes a backup look like a mistake; `prices` `exact` false: estimated from a sample. */
const changeFinding = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('unreadable') }),
  z.object({ kind: z.literal('members'), before: z.number(), now: z.number() }),
  z.object({ kind: z.literal('products'), before: z.number(), now: z.number() }),
  z.object({ kind: z.literal('prices'), changed: z.number(), of: z.number(), exact: z.boolean() }),
  z.object({ kind: z.literal('emptied'), table: z.string(), rowsBefore: z.number() }),
  z.object({ kind: z.literal('rows'), before: z.number(), now: z.number() }),
]);

export const runRecordSchema = z.object({
  runId: id,
  jobId: id,
  startedAt: z.string(),
  finishedAt: z.string(),
  outcome: z.enum(['ok', 'partial', 'failed', 'cancelled']),
  snapshotId: z.string().nullable(),
  summary: summary.nullable(),
  bytes: z.number(),
  destinations: z.array(destinationOutcome),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /**
   * The database was already damaged when copied (SOURCE_DAMAGED): stored, but not a good backup.
   * `lastGoodAt`: when the newest backup from before the damage was taken, if there is one.
   */
  sourceDamage: z.object({ detail: z.string(), lastGoodAt: z.string().nullable() }).optional(),
  /**
   * This backup is unlike the one before it (engine/backup/anomaly.ts): a mass delete, a bulk
   * price change. `before` is the backup to go back to; retention keeps it.
   */
  change: z
    .object({
      before: z.object({ snapshotId: z.string(), time: z.string() }),
      findings: z.array(changeFinding).min(1),
    })
    .optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;
export type ChangeFindingView = z.infer<typeof changeFinding>;

/** A full read of every place and a restore drill of the newest backup, per place. */
export const checkRecordSchema = z.object({
  at: z.string(),
  places: z.array(
    z.object({
      destinationId: z.string(),
      label: z.string(),
      /** null: the place could not be reached. */
      ok: z.boolean().nullable(),
      restoreMs: z.number().nullable(),
      code: z.string().nullable(),
    }),
  ),
});
export type CheckRecord = z.infer<typeof checkRecordSchema>;

const runProgress = z.object({
  runId: id,
  jobId: id,
  phase: z.enum(['starting', 'snapshot', 'store', 'finish']),
  /** 0..1 over the whole run. */
  fraction: z.number(),
  bytesDone: z.number(),
  bytesTotal: z.number(),
  etaSeconds: z.number().nullable(),
  destinations: z.array(
    z.object({
      destinationId: id,
      label: z.string(),
      state: z.enum(['waiting', 'writing', 'done', 'skipped']),
      message: z.string().nullable(),
    }),
  ),
});
export type RunProgress = z.infer<typeof runProgress>;

const settingsView = z.object({
  language: z.enum(['system', ...LANGUAGES]),
  /** The language the OS asks for, resolved to one Tillvault speaks. */
  systemLanguage: z.enum(LANGUAGES),
  startAtLogin: z.boolean(),
  notifications: z.boolean(),
  jobs: z.array(jobView),
});
export type SettingsView = z.infer<typeof settingsView>;

/**
 * Why a plan is not green: the one reason that matters most (main/app/status-rule.ts). Place
 * names are the places' labels.
 */
export const statusReason = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('source-damaged'), lastGoodAt: z.string().nullable() }),
  z.object({ kind: z.literal('damaged'), places: z.array(z.string()) }),
  z.object({ kind: z.literal('failed'), code: z.string() }),
  /** Behind its schedule; `lastSuccessAt` null: no backup since the plan was made. */
  z.object({ kind: z.literal('stale'), lastSuccessAt: z.string().nullable() }),
  z.object({ kind: z.literal('never') }),
  /** Places that did not take the newest backup. */
  z.object({ kind: z.literal('missed'), places: z.array(z.string()) }),
  /** Cloud folders whose sync client was not running: the copy has not left the shop. */
  z.object({ kind: z.literal('not-uploaded'), places: z.array(z.string()) }),
  z.object({ kind: z.literal('space'), place: z.string(), full: z.boolean() }),
  z.object({ kind: z.literal('no-schedule') }),
  /** The passphrase is not kept on this computer (no keychain): no backup runs until typed. */
  z.object({ kind: z.literal('no-passphrase') }),
  /**
   * A recent backup is unlike the one before it (a mass delete, a bulk price change): `at` when
   * it was taken, `finding` the most telling change, `before` the kept backup to go back to.
   */
  z.object({
    kind: z.literal('changed'),
    at: z.string(),
    finding: changeFinding,
    before: z.object({ snapshotId: z.string(), time: z.string() }),
  }),
]);
export type StatusReason = z.infer<typeof statusReason>;

const planStatus = z.object({
  jobId: id,
  name: z.string(),
  level: z.enum(['ok', 'warn', 'bad']),
  /** null when green. */
  reason: statusReason.nullable(),
  lastSuccessAt: z.string().nullable(),
  /** Places of this plan that took its newest good backup, of all its places. */
  placesOk: z.number(),
  placesTotal: z.number(),
  /** The passphrase is not on this computer: Home asks for it, nothing runs until then. */
  passphraseMissing: z.boolean(),
  /** 90 days since the passphrase was last typed: the owner is asked whether they still know it. */
  passphraseCheckDue: z.boolean(),
});
export type PlanStatus = z.infer<typeof planStatus>;

const statusView = z.object({
  /**
   * The headline: the plan that matters most (the worst; usually the only one). `level` is the
   * worst plan's, 'none' without plans; the tray icon shows it too.
   */
  level: z.enum(['none', 'ok', 'warn', 'bad']),
  reason: statusReason.nullable(),
  lastSuccessAt: z.string().nullable(),
  placesOk: z.number(),
  placesTotal: z.number(),
  /** Every plan, in the order of the settings: one line each when there are several. */
  plans: z.array(planStatus),
  lastRun: runRecordSchema.nullable(),
  running: runProgress.nullable(),
  /** The next scheduled backup of any job; null when every job runs by hand only. */
  nextRunAt: z.string().nullable(),
  /** The last weekly full check and restore drill of each job: ok, and the restore time. */
  checks: z.array(
    z.object({
      jobId: id,
      at: z.string(),
      ok: z.boolean().nullable(),
      restoreMs: z.number().nullable(),
    }),
  ),
  /**
   * How passphrases are kept: sealed by the OS's keychain; only in memory because the OS offers
   * just Linux's fixed-password fallback (basic_text), which the owner is told; or only in
   * memory because it offers nothing.
   */
  passphrases: z.enum(['os', 'basic_text', 'none']),
  /** Every backup place of every job, and when it last received a good backup. */
  places: z.array(
    z.object({
      jobId: id,
      destinationId: id,
      label: z.string(),
      kind: z.enum(destinationKinds),
      lastOkAt: z.string().nullable(),
      /** Got a good backup within the last week: counts as a copy for the 3-2-1 rule. */
      recent: z.boolean(),
      /** Measured after the last run there; null before the first. */
      freeBytes: z.number().nullable(),
      /** At the rate backups have been growing; null until there is a rate. */
      daysLeft: z.number().nullable(),
      /** 'low': running out within two weeks; 'full': the next backup may not fit. */
      space: z.enum(['ok', 'low', 'full']).nullable(),
      /** The last check (after a run, or the weekly one) found damage here. */
      damaged: z.boolean(),
      /** A cloud folder whose sync client was not running at the last backup: not left the shop. */
      notUploaded: z.boolean(),
      /** A place rotating between USB sticks: when each one last took a good backup. */
      sticks: z.array(z.object({ label: z.string(), lastOkAt: z.string().nullable() })),
    }),
  ),
  jobs: z.array(jobView),
});
export type StatusView = z.infer<typeof statusView>;

const names = z.array(z.string()).max(200);
/** Why a table got its type (engine/source/classify/why.ts), for the owner to judge. */
const whyView = z.discriminatedUnion('by', [
  z.object({ by: z.literal('name'), word: z.string() }),
  z.object({ by: z.literal('columns'), columns: names }),
  z.object({ by: z.literal('settings') }),
  z.object({ by: z.literal('links'), table: z.string(), columns: names }),
  z.object({ by: z.literal('part-of'), table: z.string() }),
  z.object({ by: z.literal('list-of'), table: z.string() }),
  z.object({ by: z.literal('searches'), table: z.string() }),
  z.object({ by: z.literal('belongs'), table: z.string() }),
  z.object({ by: z.literal('owner') }),
  z.object({ by: z.literal('nothing') }),
]);
export type WhyView = z.infer<typeof whyView>;

const tableView = z.object({
  table: z.string(),
  type: dataType,
  rows: z.number(),
  bytes: z.number().nullable(),
  why: whyView,
});

const candidateView = z.object({
  path: z.string(),
  name: z.string(),
  bytes: z.number(),
  modified: z.string(),
  reasons: z.array(z.string()),
});

const snapshotView = z.object({
  id: z.string(),
  time: z.string(),
  trigger: z.enum(['manual', 'scheduled', 'pre-restore']),
  label: z.string().nullable(),
  types: z.array(dataType),
  complete: z.boolean(),
  summary,
  bytes: z.number(),
  newBytes: z.number(),
});
export type SnapshotView = z.infer<typeof snapshotView>;

const historyPlace = z.object({
  destinationId: id,
  label: z.string(),
  path: z.string(),
  snapshots: z.array(snapshotView),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type HistoryPlace = z.infer<typeof historyPlace>;

const counts = { added: z.number(), removed: z.number(), changed: z.number() };
/** What a backup changed since the one before it (engine/restore/changes.ts). */
const changeView = z.object({
  snapshotId: z.string(),
  time: z.string(),
  previousId: z.string().nullable(),
  summary,
  delta: z.object({ members: z.number().nullable(), sales: z.number().nullable() }),
  types: z.array(z.object({ type: dataType, ...counts })),
  tables: z.array(
    z.object({ table: z.string(), type: dataType, ...counts, note: z.string().nullable() }),
  ),
});
export type ChangeView = z.infer<typeof changeView>;

/** A backup on the restore timeline: once, however many places hold it. */
const restorePoint = snapshotView.omit({ bytes: true, newBytes: true }).extend({
  places: z.array(z.object({ destinationId: id, label: z.string() })),
});
export type RestorePoint = z.infer<typeof restorePoint>;

/** What a restore puts back: the whole database, some data types, or single records. */
const restoreWhat = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('types'), types: z.array(dataType).min(1) }).strict(),
  z
    .object({
      kind: z.literal('records'),
      records: z
        .array(
          z
            .object({
              table: z.string().min(1).max(200),
              keys: z.array(z.string().min(1).max(200)).min(1).max(100),
            })
            .strict(),
        )
        .min(1)
        .max(20),
    })
    .strict(),
]);
export type RestoreWhat = z.infer<typeof restoreWhat>;

/** A cell of a record as the window shows it: blobs as "<N bytes>", long text cut. */
const cell = z.union([z.string(), z.number(), z.null()]);
const recordValues = z.record(z.string(), cell);
export type RecordValues = z.infer<typeof recordValues>;

const recordMatch = z.object({
  table: z.string(),
  type: dataType,
  key: z.union([z.string(), z.number()]),
  label: z.string(),
  /** The column the search text was found in. */
  matched: z.string(),
  values: recordValues,
});
export type RecordMatch = z.infer<typeof recordMatch>;

/** A table in the preview, from the owner's side: what happens to the live database. */
const previewTable = z.object({
  table: z.string(),
  type: dataType,
  rowsNow: z.number(),
  rowsAfter: z.number(),
  /** Rows the restore brings back (in the backup, not in the database now). */
  added: z.number(),
  /** Rows there now that the restore takes away. */
  removed: z.number(),
  changed: z.number(),
  /** Rows added since the backup that "keep today's sales" keeps: in rowsAfter, not removed. */
  kept: z.number(),
  examples: z.array(
    z.object({
      kind: z.enum(['back', 'gone', 'changed']),
      key: z.union([z.string(), z.number(), z.null()]),
      label: z.string(),
      fields: z.array(z.object({ column: z.string(), now: cell, then: cell })).optional(),
    }),
  ),
});

const previewWarning = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('sales-lost'),
    rows: z.number(),
    since: z.string(),
    lastSaleNow: z.string().nullable(),
  }),
  z.object({
    kind: z.literal('counter-back'),
    table: z.string(),
    then: z.number(),
    now: z.number(),
  }),
  z.object({
    kind: z.literal('receipt-back'),
    table: z.string(),
    column: z.string(),
    then: z.number(),
    now: z.number(),
  }),
  z.object({ kind: z.literal('fewer-types'), missing: z.array(dataType) }),
  z.object({ kind: z.literal('tables-gone'), tables: z.array(z.string()) }),
  z.object({ kind: z.literal('tables-back'), tables: z.array(z.string()) }),
]);
export type PreviewWarning = z.infer<typeof previewWarning>;

const restorePreview = z.object({
  snapshotId: z.string(),
  time: z.string(),
  tables: z.array(previewTable),
  types: z.array(
    z.object({
      type: dataType,
      rowsNow: z.number(),
      rowsAfter: z.number(),
      added: z.number(),
      removed: z.number(),
      changed: z.number(),
    }),
  ),
  warnings: z.array(previewWarning),
});
export type RestorePreview = z.infer<typeof restorePreview>;

/** What a restore into the live database did, and what was checked after it. */
const restoreResult = z.object({
  snapshotId: z.string(),
  time: z.string(),
  /**
   * The state just before, kept as a backup: restoring it undoes this restore. Null when the
   * database was gone or damaged and was restored as a new file (see `setAside`).
   */
  safetySnapshotId: z.string().nullable(),
  /** A damaged database found at the path, moved aside (kept, never deleted) before the restore. */
  setAside: z.string().nullable(),
  what: restoreWhat,
  tables: z.array(z.string()),
  records: z
    .array(
      z.object({
        table: z.string(),
        rows: z.number(),
        role: z.enum(['record', 'belongs', 'needed']),
      }),
    )
    .nullable(),
  /** Rows made since the backup that were kept (keep today's sales). */
  kept: z
    .array(z.object({ table: z.string(), type: dataType, kept: z.number(), clashes: z.number() }))
    .nullable(),
  /** Of those, the sales as the owner counts them (receipts, not their lines); null if unknown. */
  keptSales: z.number().nullable(),
  /** Kept rows that clashed with the backup's: not written, listed in this CSV. */
  clashesCsv: z.string().nullable(),
  checks: z.object({
    integrity: z.boolean(),
    foreignKeyProblems: z.number(),
    /** The same before a restore into the database (null for a new file): only more is worse. */
    foreignKeyProblemsBefore: z.number().nullable(),
    /** Tables whose row count is not what the preview said. */
    countMismatches: z.array(
      z.object({ table: z.string(), expected: z.number(), actual: z.number() }),
    ),
  }),
  /** The engine's notes, in English (details for a helper). */
  notes: z.array(z.string()),
  durationMs: z.number(),
});
export type RestoreResult = z.infer<typeof restoreResult>;

const restoreProgress = z.object({
  sessionId: id,
  phase: z.enum(['rebuild', 'safety-backup', 'apply', 'check']),
  /** 0..1 over the whole restore. */
  fraction: z.number(),
  etaSeconds: z.number().nullable(),
});
export type RestoreProgressView = z.infer<typeof restoreProgress>;

const passphrase = z.string().min(10).max(1024);
const pin = z.string().regex(/^\d{4,8}$/, '4 to 8 digits');

const ownerStatus = z.object({
  pinSet: z.boolean(),
  unlocked: z.boolean(),
  /** Milliseconds before another PIN may be tried, after wrong ones. */
  waitMs: z.number(),
});
export type OwnerStatus = z.infer<typeof ownerStatus>;

/** The printable recovery plan's facts (app/recovery-sheet.ts); the window puts them in words. */
const recoverySheet = z.object({
  jobId: id,
  plan: z.string(),
  /** The computer's name: which till the database lives on. */
  computer: z.string(),
  database: z.string(),
  madeAt: z.string(),
  types: z.array(dataType),
  encrypted: z.boolean(),
  places: z.array(
    z.object({
      kind: z.enum(destinationKinds),
      label: z.string(),
      path: z.string(),
      /** A removable place's sticks, by their labels. */
      sticks: z.array(z.string()),
    }),
  ),
  schedule: scheduleSchema,
  /** The schedule as one cron expression, for its description in words; null by hand only. */
  cron: z.string().nullable(),
  /** The longest time between two scheduled backups (RPO); null by hand only. */
  rpoMs: z.number().nullable(),
  retention: z.object({
    everyForDays: z.number(),
    monthlyFor: z.number(),
    yearlyFor: z.number(),
  }),
  /** The last check's restore drill (RTO); null: not measured yet. */
  rto: z.object({ restoreMs: z.number(), measuredAt: z.string() }).nullable(),
  lastBackupAt: z.string().nullable(),
  /** Main can print this window to a PDF file (Electron); otherwise only the print dialog. */
  canSavePdf: z.boolean(),
});
export type RecoverySheet = z.infer<typeof recoverySheet>;
/** Table name → the data type the owner put it in. */
const typeOverrides = z
  .record(z.string().min(1).max(200), dataType)
  .refine((o) => Object.keys(o).length <= 2000, 'too many tables');

/**
 * The audit log screen. `undo` is a restore of the safety backup an earlier restore made; `other`
 * an entry this version cannot name (or one that is damaged).
 */
export const AUDIT_KINDS = [
  'backup',
  'check',
  'restore',
  'undo',
  'prune',
  'repair',
  'plan',
  'settings',
  'pin',
  'other',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];
/** `unknown`: written before Tillvault recorded who. */
export const AUDIT_ACTORS = ['owner', 'staff', 'schedule', 'cli', 'unknown'] as const;
/** What a plan or settings change changed. */
export const AUDIT_FIELDS = [
  'name',
  'types',
  'typeOverrides',
  'schedule',
  'checkSchedule',
  'places',
  'changeAlarm',
  'language',
  'startAtLogin',
  'notifications',
  'other',
] as const;
export type AuditField = (typeof AUDIT_FIELDS)[number];
/** Each is one sentence of the window's translations (audit.what.*), filled from the fields. */
export const AUDIT_MESSAGES = [
  'backup',
  'backupDamaged',
  'check',
  'checkDamaged',
  'restoreAll',
  'restoreTypes',
  'restoreRecords',
  'restoreCopy',
  'restoreRecreate',
  'undo',
  'prune',
  'pruneFailed',
  'repair',
  'passphrase',
  'recoveryKey',
  'setup',
  'planCreated',
  'planUpdated',
  'planRemoved',
  'settings',
  'pinUnlocked',
  'pinFailed',
  'pinLocked',
  'pinSet',
  'pinRemoved',
  'pinReset',
  'unreadable',
  'other',
] as const;
export type AuditMessage = (typeof AUDIT_MESSAGES)[number];

const auditWhat = z.object({
  message: z.enum(AUDIT_MESSAGES),
  count: z.number().optional(),
  /** A file's name (the database, a copy), never a whole path. */
  file: z.string().optional(),
  /** The place good copies came from (repair). */
  from: z.string().optional(),
  plan: z.string().optional(),
  types: z.array(dataType).optional(),
  tables: z.array(z.string()).optional(),
  fields: z.array(z.enum(AUDIT_FIELDS)).optional(),
  /** The engine's own words, in English: the sentence of an `other` entry. */
  summary: z.string().optional(),
});
export type AuditWhat = z.infer<typeof auditWhat>;

/** One event, once, however many places hold it. */
const auditEntry = z.object({
  id: z.string(),
  time: z.string(),
  kind: z.enum(AUDIT_KINDS),
  result: z.enum(['ok', 'failed', 'damaged']),
  actor: z.enum(AUDIT_ACTORS),
  /** The computer's user and name it was done on. */
  user: z.string(),
  host: z.string(),
  what: auditWhat,
  /** The plan it is about; null for the app's own settings and the PIN. */
  plan: z.object({ jobId: id, name: z.string() }).nullable(),
  places: z.array(z.object({ jobId: id, destinationId: id, label: z.string() })),
});
export type AuditEntryView = z.infer<typeof auditEntry>;

/** `from` inclusive, `to` exclusive; no plan: every plan's places. */
const auditFilter = z
  .object({
    jobId: id.optional(),
    kinds: z.array(z.enum(AUDIT_KINDS)).max(AUDIT_KINDS.length).optional(),
    from: z.iso.datetime().optional(),
    to: z.iso.datetime().optional(),
  })
  .strict();
export type AuditFilter = z.infer<typeof auditFilter>;

/**
 * Every invokable channel: its request schema and its response schema. Adding a channel here is
 * the whole of declaring it; main registers a handler per entry and preload forwards no others.
 */
export const CHANNELS = {
  'app:info': {
    request: z.object({}).strict(),
    response: z.object({ version: z.string(), platform: z.string(), demoShop: z.boolean() }),
  },
  'status:get': { request: z.object({}).strict(), response: statusView },
  'settings:get': { request: z.object({}).strict(), response: settingsView },
  'settings:update': {
    request: z
      .object({
        language: z.enum(['system', ...LANGUAGES]).optional(),
        startAtLogin: z.boolean().optional(),
        notifications: z.boolean().optional(),
      })
      .strict(),
    response: settingsView,
  },
  'dialog:pick-database': {
    request: z.object({}).strict(),
    response: z.object({ path: z.string().nullable() }),
  },
  'dialog:pick-folder': {
    request: z.object({}).strict(),
    response: z.object({ path: z.string().nullable() }),
  },
  'setup:candidates': {
    request: z.object({}).strict(),
    response: z.object({ candidates: z.array(candidateView) }),
  },
  'setup:demo-shop': {
    request: z.object({}).strict(),
    response: z.object({ path: z.string() }),
  },
  'setup:describe-source': {
    request: z.object({ path: grantedPath }).strict(),
    response: z.object({ tables: z.array(tableView), bytes: z.number() }),
  },
  'setup:suggest-places': {
    request: z.object({}).strict(),
    response: z.object({
      places: z.array(
        z.object({
          kind: z.enum(destinationKinds),
          label: z.string(),
          path: z.string(),
          freeBytes: z.number().nullable(),
          /** A cloud folder: whether its sync client is running now (null: cannot tell). */
          clientRunning: z.boolean().nullable().optional(),
        }),
      ),
    }),
  },
  'setup:check-places': {
    request: z.object({ source: grantedPath, places: z.array(grantedPath).max(16) }).strict(),
    response: z.object({
      places: z.array(
        z.object({
          path: z.string(),
          /** On the same disk as the database: no help when that disk dies. */
          sameDiskAsSource: z.boolean(),
          freeBytes: z.number().nullable(),
        }),
      ),
    }),
  },
  'jobs:create': {
    request: z
      .object({
        name: z.string().min(1).max(80),
        source: grantedPath,
        types: z.array(dataType).min(1),
        typeOverrides: typeOverrides.optional(),
        destinations: z
          .array(
            z.object({
              kind: z.enum(destinationKinds),
              label: z.string().max(80),
              path: grantedPath,
            }),
          )
          .min(1)
          .max(8),
        passphrase,
      })
      .strict(),
    response: z.object({
      job: jobView,
      /** Shown once; null when the places already held backups (their key still holds). */
      recoveryKey: z.string().nullable(),
      skipped: z.array(z.object({ label: z.string(), code: z.string(), message: z.string() })),
    }),
  },
  'jobs:update': {
    request: z
      .object({
        jobId: id,
        name: z.string().min(1).max(80).optional(),
        types: z.array(dataType).min(1).optional(),
        typeOverrides: typeOverrides.optional(),
        schedule: scheduleSchema.optional(),
        checkSchedule: scheduleSchema.optional(),
        changeAlarm: changeAlarm.optional(),
      })
      .strict(),
    response: jobView,
  },
  /** Another USB stick for a removable place, to rotate (a Monday, a Wednesday, a Friday one). */
  'places:add-stick': {
    request: z.object({ jobId: id, destinationId: id, path: grantedPath }).strict(),
    response: jobView,
  },
  'places:update': {
    request: z.object({ jobId: id, destinationId: id, ejectWhenDone: z.boolean() }).strict(),
    response: jobView,
  },
  /** Damaged backups in one place replaced with good copies from another place of the plan. */
  'places:repair': {
    request: z.object({ jobId: id, destinationId: id }).strict(),
    response: z.object({
      ok: z.boolean(),
      /** The place the good copies came from. */
      from: z.string(),
      chunksReplaced: z.number(),
    }),
  },
  /** The weekly check now: every place read in full and the newest backup restored and tested. */
  'check:run': {
    request: z.object({ jobId: id }).strict(),
    response: checkRecordSchema,
  },
  'jobs:remove': {
    request: z.object({ jobId: id }).strict(),
    response: z.object({ removed: z.boolean() }),
  },
  'backup:run': {
    request: z.object({ jobId: id }).strict(),
    response: z.object({ runId: id }),
  },
  'backup:cancel': {
    request: z.object({ runId: id }).strict(),
    response: z.object({ cancelled: z.boolean() }),
  },
  'history:list': {
    request: z.object({ jobId: id }).strict(),
    response: z.object({ places: z.array(historyPlace) }),
  },
  /** Every place's audit log merged, newest first; the newest 2000 at most (`truncated`). */
  'audit:list': {
    request: auditFilter,
    response: z.object({
      entries: z.array(auditEntry),
      truncated: z.boolean(),
      /** Places whose log could not be read now (a stick not plugged in). */
      unreachable: z.array(
        z.object({ jobId: id, destinationId: id, label: z.string(), code: z.string() }),
      ),
    }),
  },
  /**
   * The same entries as a CSV file where the owner chooses in main's save dialog, in the app's
   * language; `file` null when the owner cancelled.
   */
  'audit:export-csv': {
    request: auditFilter,
    response: z.object({ file: z.string().nullable(), rows: z.number() }),
  },
  /** What each backup changed since the one before it, read from the first reachable place. */
  'restore:changes': {
    request: z.object({ jobId: id, snapshotId: z.string().max(64).nullable() }).strict(),
    response: z.object({ destinationId: id, changes: z.array(changeView) }),
  },
  /** The restore wizard's "When?": every reachable place's backups as one timeline. */
  'restore:points': {
    request: z.object({ jobId: id }).strict(),
    response: z.object({
      points: z.array(restorePoint),
      unreachable: z.array(
        z.object({ destinationId: id, label: z.string(), code: z.string(), message: z.string() }),
      ),
    }),
  },
  /**
   * Opens the restore of one backup of a plan: the wizard's later steps name it by `sessionId`.
   * The backup is rebuilt once, on the side, the first time a step needs its rows.
   */
  'restore:open': {
    request: z.object({ jobId: id, snapshotId: z.string().min(1).max(64) }).strict(),
    response: z.object({
      sessionId: id,
      point: restorePoint,
      /** The live database: whether it is there, and its rows per data type then and now. */
      live: z.object({
        path: z.string(),
        exists: z.boolean(),
        /** Why its rows could not be counted (damaged, not SQLite), or null. */
        problem: z.object({ code: z.string(), message: z.string() }).nullable(),
      }),
      types: z.array(
        z.object({ type: dataType, rowsThen: z.number(), rowsNow: z.number().nullable() }),
      ),
    }),
  },
  'restore:close': {
    request: z.object({ sessionId: id }).strict(),
    response: z.object({ closed: z.boolean() }),
  },
  /** Records of the backup by name, card number, phone, SKU, barcode, or key. */
  'restore:find-records': {
    request: z
      .object({
        sessionId: id,
        text: z.string().min(1).max(200),
        type: dataType.nullable(),
      })
      .strict(),
    response: z.object({ matches: z.array(recordMatch) }),
  },
  /** One record then (in this backup) and now, and its values in every backup of the place. */
  'restore:record': {
    request: z
      .object({ sessionId: id, table: z.string().min(1).max(200), key: z.string().min(1).max(200) })
      .strict(),
    response: z.object({
      table: z.string(),
      keyColumn: z.string(),
      columns: z.array(z.string()),
      then: recordValues.nullable(),
      now: recordValues.nullable(),
      history: z.array(
        z.object({ snapshotId: z.string(), time: z.string(), values: recordValues.nullable() }),
      ),
    }),
  },
  /** What the restore would change, before anything is written. */
  'restore:preview': {
    request: z
      .object({ sessionId: id, what: restoreWhat, keepNew: z.array(dataType).nullable() })
      .strict(),
    response: restorePreview,
  },
  /** Whether the POS has let go of its database (a restore into it needs that). */
  'restore:check-live': {
    request: z.object({ sessionId: id }).strict(),
    response: z.object({ free: z.boolean() }),
  },
  /** Puts the backup into the live database: safety backup first, one transaction, checks. */
  'restore:run': {
    request: z
      .object({ sessionId: id, what: restoreWhat, keepNew: z.array(dataType).nullable() })
      .strict(),
    response: restoreResult,
  },
  /** "Only look": the backup as a new file where the owner chose (dialog:save-database). */
  'restore:to-copy': {
    request: z.object({ sessionId: id, path: grantedPath }).strict(),
    response: z.object({ file: z.string(), bytes: z.number() }),
  },
  'dialog:save-database': {
    request: z.object({ name: z.string().min(1).max(200) }).strict(),
    response: z.object({ path: z.string().nullable() }),
  },
  /** Opens the file manager at a file main handed out. */
  'shell:show-in-folder': {
    request: z.object({ path: grantedPath }).strict(),
    response: z.object({}),
  },
  /**
   * A new or repaired computer: Tillvault backups on USB drives, in cloud folders, or under
   * folders the owner picked (dialog:pick-folder), each with where it is and its newest backup.
   */
  'recover:find': {
    request: z.object({ roots: z.array(grantedPath).max(8) }).strict(),
    response: z.object({
      found: z.array(
        z.object({
          path: z.string(),
          repositoryId: z.string(),
          encrypted: z.boolean(),
          backups: z.number(),
          newestAt: z.string().nullable(),
          where: z.object({ kind: z.enum(destinationKinds), label: z.string() }),
        }),
      ),
    }),
  },
  /**
   * Opens found backups with the passphrase or the printed recovery key; `secret` null for
   * backups that are not encrypted (main refuses null for encrypted ones).
   */
  'recover:unlock': {
    request: z
      .object({
        path: grantedPath,
        secret: z
          .object({
            kind: z.enum(['passphrase', 'recovery-key']),
            value: z.string().min(1).max(1024),
          })
          .nullable(),
      })
      .strict(),
    response: z.object({
      recoveryId: id,
      /** The shop database's file name when it was backed up (shown, never used as a path). */
      sourceName: z.string(),
      /**
       * Where it was, when that folder exists here and holds no file of that name: offered (and
       * granted) as the place to put it back.
       */
      suggestedPath: z.string().nullable(),
      points: z.array(restorePoint),
      /** Other copies of the same backups found (another stick, a cloud folder). */
      otherPlaces: z.array(z.object({ path: z.string(), label: z.string() })),
    }),
  },
  /** The chosen backup as a new database file where the owner said, then checked. */
  'recover:restore': {
    request: z
      .object({ recoveryId: id, snapshotId: z.string().min(1).max(64), to: grantedPath })
      .strict(),
    response: z.object({
      file: z.string(),
      bytes: z.number(),
      checks: restoreResult.shape.checks,
    }),
  },
  /**
   * "Keep backing up here": the found backups become a plan again (same keys and history), its
   * other copies re-attached. Opened with the recovery key, a new passphrase is set everywhere;
   * `passphrase` null keeps the one they were opened with (or none, when not encrypted).
   */
  'recover:adopt': {
    request: z
      .object({
        recoveryId: id,
        database: grantedPath,
        name: z.string().min(1).max(80),
        passphrase: passphrase.nullable(),
        schedule: scheduleSchema,
      })
      .strict(),
    response: z.object({ job: jobView }),
  },
  /** Everything the printable recovery plan of one plan says. */
  'plan:recovery-sheet': { request: z.object({ jobId: id }).strict(), response: recoverySheet },
  /**
   * The recovery plan on screen printed to a PDF file where the owner chooses in main's save
   * dialog; `file` null when cancelled. Only where main can print (`canSavePdf`).
   */
  'plan:recovery-pdf': {
    request: z.object({ jobId: id }).strict(),
    response: z.object({ file: z.string().nullable() }),
  },
  /**
   * The plan's passphrase typed by the owner, checked against one of its places. When this
   * computer does not keep it (no keychain, or after a restart without one), it is kept from now
   * on, for this session or in the keychain; otherwise it only proves the owner still knows it.
   * A wrong one is refused with WRONG_PASSPHRASE.
   */
  'passphrase:check': {
    request: z.object({ jobId: id, passphrase: z.string().min(1).max(1024) }).strict(),
    response: z.object({ kept: z.boolean() }),
  },
  /**
   * A new printed recovery key for the plan: the master keys wrapped again in every place, so
   * the old key opens none of them. Every place must be here (a stick plugged in), or none
   * changes. The key is in this answer only; the window prints it on the recovery plan.
   */
  'plan:new-recovery-key': {
    request: z.object({ jobId: id }).strict(),
    response: z.object({ recoveryKey: z.string() }),
  },
  /** The owner saw the warning about a backup unlike the one before it, and it was meant. */
  'status:dismiss-change': { request: z.object({ jobId: id }).strict(), response: z.object({}) },
  /** Whether an owner PIN is set and the window is unlocked; `waitMs` before the next try. */
  'owner:status': { request: z.object({}).strict(), response: ownerStatus },
  /** A wrong PIN answers `unlocked: false` with the wait before the next try (0 at first). */
  'owner:unlock': { request: z.object({ pin }).strict(), response: ownerStatus },
  'owner:lock': { request: z.object({}).strict(), response: ownerStatus },
  /** Sets, changes or (null) removes the PIN: only the owner, or anyone while none is set. */
  'owner:set-pin': { request: z.object({ pin: pin.nullable() }).strict(), response: ownerStatus },
  /** A forgotten PIN: the backup passphrase or the recovery key of a plan proves the owner. */
  'owner:reset-pin': {
    request: z
      .object({
        jobId: id,
        secret: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('passphrase'), value: z.string().min(1).max(1024) }),
          z.object({ kind: z.literal('recovery-key'), value: z.string().min(1).max(200) }),
        ]),
        pin,
      })
      .strict(),
    response: ownerStatus,
  },
} as const;

export type Channel = keyof typeof CHANNELS;

/**
 * What staff may not do once the owner set a PIN: restore, change or remove plans and places,
 * change settings. Main refuses these with OWNER_LOCKED while the window is locked (dispatch.ts);
 * the window only asks for the PIN.
 */
export const OWNER_CHANNELS: ReadonlySet<Channel> = new Set<Channel>([
  'settings:update',
  'jobs:create',
  'jobs:update',
  'jobs:remove',
  'places:add-stick',
  'places:update',
  'places:repair',
  'restore:open',
  'restore:find-records',
  'restore:record',
  'restore:preview',
  'restore:check-live',
  'restore:run',
  'restore:to-copy',
  'audit:export-csv',
  'plan:recovery-sheet',
  'plan:recovery-pdf',
  'status:dismiss-change',
  'plan:new-recovery-key',
]);
export type Request<C extends Channel> = z.input<(typeof CHANNELS)[C]['request']>;
export type Response<C extends Channel> = z.infer<(typeof CHANNELS)[C]['response']>;

/** Events main pushes to the window. */
export const EVENTS = {
  'backup:progress': runProgress,
  'backup:finished': runRecordSchema,
  'status:changed': z.object({}),
  'restore:progress': restoreProgress,
  /** The tray asks the window to show a screen. */
  'window:open-screen': z.object({ screen: z.enum(['restore']) }),
} as const;

export type EventName = keyof typeof EVENTS;
export type EventPayload<E extends EventName> = z.infer<(typeof EVENTS)[E]>;

/** Errors that the window translates by code; `message` is the human detail in English. */
export const APP_ERROR_CODES = [
  'INVALID_REQUEST',
  'PATH_NOT_GRANTED',
  'NOT_FOUND',
  'BUSY',
  /** An owner's action while the window is locked: the window asks for the PIN. */
  'OWNER_LOCKED',
] as const;

export const USER_ERROR_CODES = [...ERROR_CODES, ...APP_ERROR_CODES] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

export const ipcErrorSchema = z.object({ code: z.enum(USER_ERROR_CODES), message: z.string() });
export type IpcError = z.infer<typeof ipcErrorSchema>;

/** What crosses the bridge for an invoke: a result or an error, never a thrown stack trace. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: IpcError };

/** The object preload exposes as `window.tillvault` (and the test host's shim imitates). */
export interface TillvaultBridge {
  invoke(channel: Channel, request: unknown): Promise<Envelope<unknown>>;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
}

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(CHANNELS, name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(EVENTS, name);
}
