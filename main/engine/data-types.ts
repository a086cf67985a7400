/**
 * The kinds of shop data a table can hold: the words the owner chooses by, what every backup
 * records its contents in, and what a restore can bring back on its own.
 */
import { TillvaultError } from './errors.js';

export const DATA_TYPES = ['members', 'sales', 'products', 'staff', 'logs', 'other'] as const;
export type DataType = (typeof DATA_TYPES)[number];

/** Parses a comma-separated list such as "members,sales" from the CLI or a saved setting. */
export function parseDataTypes(csv: string): DataType[] {
  const parts = csv
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p.length > 0);
  if (parts.length === 0) {
    throw new TillvaultError('BAD_INPUT', `No data types given; use ${DATA_TYPES.join(', ')}.`);
  }
  for (const part of parts) {
    if (!(DATA_TYPES as readonly string[]).includes(part)) {
      throw new TillvaultError(
        'BAD_INPUT',
        `Unknown data type "${part}"; use ${DATA_TYPES.join(', ')}.`,
      );
    }
  }
  return [...new Set(parts as DataType[])];
}
