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
});
export type RunRecord = z.infer<typeof runRecordSchema>;

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

const statusView = z.object({
  level: z.enum(['none', 'ok', 'warn', 'bad']),
  lastSuccessAt: z.string().nullable(),
  lastRun: runRecordSchema.nullable(),
  placesOk: z.number(),
  placesTotal: z.number(),
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
  /** Jobs whose last backup found their database damaged, and when their last good backup was. */
  sourceDamage: z.array(z.object({ jobId: id, lastGoodAt: z.string().nullable() })),
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

const passphrase = z.string().min(10).max(1024);
/** Table name → the data type the owner put it in. */
const typeOverrides = z
  .record(z.string().min(1).max(200), dataType)
  .refine((o) => Object.keys(o).length <= 2000, 'too many tables');

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
} as const;

export type Channel = keyof typeof CHANNELS;
export type Request<C extends Channel> = z.input<(typeof CHANNELS)[C]['request']>;
export type Response<C extends Channel> = z.infer<(typeof CHANNELS)[C]['response']>;

/** Events main pushes to the window. */
export const EVENTS = {
  'backup:progress': runProgress,
  'backup:finished': runRecordSchema,
  'status:changed': z.object({}),
} as const;

export type EventName = keyof typeof EVENTS;
export type EventPayload<E extends EventName> = z.infer<(typeof EVENTS)[E]>;

/** Errors that the window translates by code; `message` is the human detail in English. */
export const APP_ERROR_CODES = [
  'INVALID_REQUEST',
  'PATH_NOT_GRANTED',
  'NOT_FOUND',
  'BUSY',
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
