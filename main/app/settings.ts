/**
 * What the owner chose (jobs, places, language, preferences), with a schema and migrations.
 * Stored in any Conf-like file: electron-store in the app, `conf` in the CLI and the test host.
 * Passphrases are never here (see secrets.ts).
 */
import { z } from 'zod';
import {
  DATA_TYPE_NAMES,
  LANGUAGES,
  destinationKinds,
  scheduleSchema,
  type Schedule,
} from '../ipc/contract.js';

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

const jobSchema = z.object({
  id: z.string(),
  name: z.string(),
  source: z.string(),
  types: z.array(z.enum(DATA_TYPE_NAMES)),
  typeOverrides: z.record(z.string(), z.enum(DATA_TYPE_NAMES)).default({}),
  destinations: z.array(destinationSchema),
  schedule: scheduleSchema,
  checkSchedule: scheduleSchema.default(DEFAULT_CHECK_SCHEDULE),
  createdAt: z.string(),
});
export type Job = z.infer<typeof jobSchema>;

export const settingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  language: z.enum(['system', ...LANGUAGES]),
  startAtLogin: z.boolean(),
  notifications: z.boolean(),
  jobs: z.array(jobSchema),
});
export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  version: SETTINGS_VERSION,
  language: 'system',
  startAtLogin: false,
  notifications: true,
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
