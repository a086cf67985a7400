/**
 * A snapshot's manifest: everything needed to recognise, verify and rebuild one database state.
 * Written last, so a snapshot exists only once it is complete. Nothing in it is trusted as a
 * path: chunk ids are checked as hex, and the source path is only shown, never opened.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { DATA_TYPES } from '../data-types.js';

/**
 * Snapshot and log ids: UTC time to the millisecond, then a random tail that keeps ids unique
 * across machines. Sorting ids as text sorts them by time, so "latest" is the last name.
 */
export const TIME_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

export function newTimeId(at: Date): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${crypto.randomBytes(4).toString('hex')}`;
}

export const TRIGGERS = ['manual', 'scheduled', 'pre-restore'] as const;
export type Trigger = (typeof TRIGGERS)[number];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const manifestSchema = z.object({
  version: z.literal(1),
  id: z.string().regex(TIME_ID),
  time: z.string(),
  label: z.string().max(200).nullable(),
  trigger: z.enum(TRIGGERS),
  host: z.string(),
  user: z.string(),
  appVersion: z.string(),
  source: z.object({ path: z.string(), name: z.string() }),
  database: z.object({
    pageSize: z.number().int().min(512).max(65536),
    pageCount: z.number().int().min(0),
    bytes: z.number().int().min(0),
    sha256: hex64,
    journalMode: z.string(),
    schemaFingerprint: hex64,
  }),
  /**
   * SQLite's quick_check of the copy: `ok` false means the shop's database was already damaged
   * when it was copied (the backup is kept: it may be the best there is). Absent in manifests
   * written before the check; those count as good.
   */
  sourceCheck: z.object({ ok: z.boolean(), detail: z.string().max(4000) }).optional(),
  /** The data types this snapshot holds; `complete` is true when no table was left out. */
  types: z.array(z.enum(DATA_TYPES)),
  complete: z.boolean(),
  tables: z.array(z.object({ name: z.string(), type: z.enum(DATA_TYPES), rows: z.number() })),
  summary: z.object({
    members: z.number().nullable(),
    sales: z.number().nullable(),
    lastSaleAt: z.string().nullable(),
    /** Absent in manifests written before products were counted, and without a products table. */
    products: z
      .object({
        count: z.number(),
        priceSum: z.number().nullable(),
        priceSample: z.string().max(4096).nullable(),
      })
      .optional(),
  }),
  /** Page chunk ids, in groups stored as chunks of their own (32 bytes per page id). */
  pageGroups: z.array(hex64),
  pagesPerGroup: z.number().int().min(1),
  stats: z.object({
    newBytes: z.number(),
    newChunks: z.number(),
    durationMs: z.number(),
  }),
});

export type Manifest = z.infer<typeof manifestSchema>;

/** The largest database a manifest may describe; far above any shop's, far below a hang. */
export const MAX_DATABASE_BYTES = 256 * 1024 ** 3;
/** SQLite's own limit on pages in one database file. */
const MAX_PAGE_COUNT = 2 ** 32 - 2;
const MAX_PAGES_PER_GROUP = 1 << 20;

/**
 * Why an authentic manifest still cannot be acted on, or null. The schema checks each field
 * alone; these are the format's limits and the fields against each other, checked before a
 * verify or restore reads a page list or sizes a file by them (a manifest naming 200,000 page
 * groups for a small database, or pages of 1000 bytes, was written by someone with the key,
 * not by Tillvault).
 */
export function manifestProblem(m: Manifest): string | null {
  const { pageSize, pageCount, bytes } = m.database;
  if ((pageSize & (pageSize - 1)) !== 0) return `its page size ${pageSize} is not SQLite's`;
  if (pageCount > MAX_PAGE_COUNT || bytes > MAX_DATABASE_BYTES) {
    return `it describes a database of ${bytes} bytes in ${pageCount} pages, beyond the format's limits`;
  }
  if (bytes !== pageCount * pageSize) {
    return `its size (${bytes} bytes) is not its ${pageCount} pages of ${pageSize} bytes`;
  }
  if (m.pagesPerGroup > MAX_PAGES_PER_GROUP) return `its page groups are too large`;
  const groups = Math.ceil(pageCount / m.pagesPerGroup);
  if (m.pageGroups.length !== groups) {
    return `it lists ${m.pageGroups.length} page groups where ${pageCount} pages need ${groups}`;
  }
  return null;
}
