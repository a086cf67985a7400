/**
 * A snapshot's manifest: everything needed to recognise, verify and rebuild one database state.
 * Written last, so a snapshot exists only once it is complete. Nothing in it is trusted as a
 * path: chunk ids are checked as hex, and the source path is only shown, never opened.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import { DATA_TYPES } from './classify.js';

export const TRIGGERS = ['manual', 'scheduled', 'pre-restore'] as const;
export type Trigger = (typeof TRIGGERS)[number];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const manifestSchema = z.object({
  version: z.literal(1),
  id: z.string().regex(/^\d{8}T\d{6}Z-[0-9a-f]{8}$/),
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
  /** The data types this snapshot holds; `complete` is true when no table was left out. */
  types: z.array(z.enum(DATA_TYPES)),
  complete: z.boolean(),
  tables: z.array(z.object({ name: z.string(), type: z.enum(DATA_TYPES), rows: z.number() })),
  summary: z.object({
    members: z.number().nullable(),
    sales: z.number().nullable(),
    lastSaleAt: z.string().nullable(),
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

function stamp(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Sorts by time as text; the random tail keeps ids unique across machines. */
export function newSnapshotId(at: Date): string {
  return `${stamp(at)}-${crypto.randomBytes(4).toString('hex')}`;
}

export function newLogId(at: Date): string {
  const ms = String(at.getUTCMilliseconds()).padStart(3, '0');
  return `${stamp(at).replace('Z', '')}${ms}Z-${crypto.randomBytes(4).toString('hex')}`;
}
