/**
 * What the owner chose (jobs, places, language, preferences), with a schema and migrations.
 * Stored in any Conf-like file: electron-store in the app, `conf` in the CLI and the test host.
 * Passphrases are never here (see secrets.ts); the owner's PIN only as a slow hash.
 */
import { z } from 'zod';
import { DEFAULT_THRESHOLDS, type ChangeThresholds } from '../engine/backup/anomaly.js';
import {
  DATA_TYPE_NAMES,
  LANGUAGES,
  destinationKinds,
  scheduleSchema,
  type Schedule,
} from '../ipc/contract.js';
import { pinHashSchema } from './owner-pin.js';

export const SETTINGS_VERSION = 2;

const destinationSchema = z.object({
  id: z.string(),
  kind: z.enum(destinationKinds),
  label: z.string(),
  /** Where it was set up; for a removable drive only a hint, the id below decides. */
  path: z.string(),
  /** A removable place is its repository's id on whichever drive holds it... */
  repositoryId: z.string().optional(),
  /** ...in this folder inside the drive (relative, never leaving the drive). */
  within: z
    .string()
    .refine((p) => !p.split(/[\\/]/).includes('..') && !/^([\\/]|[A-Za-z]:)/.test(p))
    .optional(),
  /** The USB sticks this place rotates between (e.g. a Monday, a Wednesday, a Friday stick). */
  sticks: z.array(z.object({ device: z.string(), label: z.string() })).optional(),
  /** Safely eject the stick after each backup, so it can be pulled out and taken home. */
  ejectWhenDone: z.boolean().optional(),
});
export type Destination = z.infer<typeof destinationSchema>;

/** The full read and restore drill: weekly, at a quiet time (Sunday 03:00). */
export const DEFAULT_CHECK_SCHEDULE: Schedule = { preset: 'custom', cron: '0 3 * * 0' };

/**
 * When a backup counts as unlike the one before it (a mass delete, a bulk price change). A value
 * that does not parse falls back to the defaults rather than losing the plan.
 */
const changeAlarmSchema = z.object({
  dropPercent: z.number().int().min(1).max(100),
  pricePercent: z.number().int().min(1).max(100),
}) satisfies z.ZodType<ChangeThresholds>;

const jobSchema = z.object({
  id: z.string(),
  name: z.string(),
  source: z.string(),
  types: z.array(z.enum(DATA_TYPE_NAMES)),
  typeOverrides: z.record(z.string(), z.enum(DATA_TYPE_NAMES)).default({}),
  destinations: z.array(destinationSchema),
  /** False for a plan of backups that are not encrypted (found so on a new computer). */
  encrypted: z.boolean().optional(),
  schedule: scheduleSchema,
  checkSchedule: scheduleSchema.default(DEFAULT_CHECK_SCHEDULE),
  /** Absent: the defaults, which a plan made before this setting has too. */
  changeAlarm: changeAlarmSchema.optional().catch(undefined),
  createdAt: z.string(),
  /** When the owner last typed the passphrase (absent: not since the plan was made). */
  passphraseCheckedAt: z.string().optional(),
});
export type Job = z.infer<typeof jobSchema>;

/** The plan's own thresholds, or the defaults. */
export function changeThresholds(job: Job): ChangeThresholds {
  return job.changeAlarm ?? DEFAULT_THRESHOLDS;
}

const ownerSchema = z.object({
  /** Null: no PIN, anyone at the till may do everything (the owner chose so, warned). */
  pin: pinHashSchema.nullable(),
  /** Wrong PINs in a row and the time of the last: the wait survives a restart. */
  failures: z.number().int().min(0),
  lastFailureAt: z.string().nullable(),
});
export type OwnerSettings = z.infer<typeof ownerSchema>;

export const settingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  language: z.enum(['system', ...LANGUAGES]),
  startAtLogin: z.boolean(),
  notifications: z.boolean(),
  owner: ownerSchema,
  jobs: z.array(jobSchema),
});
export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  version: SETTINGS_VERSION,
  language: 'system',
  startAtLogin: false,
  notifications: true,
  owner: { pin: null, failures: 0, lastFailureAt: null },
  jobs: [],
};

type Migration = (old: Record<string, unknown>) => Record<string, unknown>;

/** MIGRATIONS[n] turns version n into n + 1. */
const MIGRATIONS: Record<number, Migration> = {
  // Version 1 kept one `lang` code and no notification switch.
  1: ({ lang, ...rest }) => ({
    ...rest,
    language: typeof lang === 'string' ? lang : 'system',
    notifications: true,
    version: 2,
  }),
};

/**
 * Brings stored settings up to date. Anything unreadable falls back to the defaults for that
 * part, never to an exception: a damaged settings file must not stop the backups.
 */
export function migrateSettings(raw: unknown): Settings {
  let data: Record<string, unknown> =
    typeof raw === 'object' && raw !== null ? { ...(raw as Record<string, unknown>) } : {};
  if (Object.keys(data).length === 0) return structuredClone(DEFAULT_SETTINGS);
  let version = typeof data['version'] === 'number' ? data['version'] : 1;
  while (version < SETTINGS_VERSION) {
    const step = MIGRATIONS[version];
    if (!step) break;
    data = step(data);
    version += 1;
  }
  const merged = { ...DEFAULT_SETTINGS, ...data, version: SETTINGS_VERSION };
  const parsed = settingsSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  // Keep the jobs that still parse; a broken one is dropped rather than blocking all others.
  const jobs = Array.isArray(data['jobs'])
    ? data['jobs'].flatMap((j) => {
        const r = jobSchema.safeParse(j);
        return r.success ? [r.data] : [];
      })
    : [];
  const base = settingsSchema.omit({ jobs: true }).safeParse(merged);
  return { ...(base.success ? base.data : DEFAULT_SETTINGS), jobs };
}

/** The part of electron-store and conf that Tillvault uses: the whole document at once. */
export interface DocumentFile {
  store: Record<string, unknown>;
}

export class SettingsStore {
  constructor(private readonly file: DocumentFile) {}

  read(): Settings {
    return migrateSettings(this.file.store);
  }

  update(change: (s: Settings) => Settings): Settings {
    const next = settingsSchema.parse(change(this.read()));
    this.file.store = next;
    return next;
  }
}
