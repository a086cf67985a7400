/** What the restore wizard's steps hand each other, and which steps a restore goes through. */
import type { DATA_TYPE_NAMES, Response, RestoreWhat } from '../../../../main/ipc/contract.js';

export type DataType = (typeof DATA_TYPE_NAMES)[number];
export type Reason = 'mistake' | 'damaged' | 'new-computer' | 'look';
export type Opened = Response<'restore:open'>;
export type Preview = Response<'restore:preview'>;

export interface ChosenRecord {
  table: string;
  key: string;
  label: string;
}

export interface Choice {
  kind: RestoreWhat['kind'];
  types: DataType[];
  records: ChosenRecord[];
}

export type StepId = 'reason' | 'when' | 'what' | 'preview' | 'keep' | 'safely' | 'copy';

/** The answer to "What happened?" sets where the wizard starts on "What?". */
export function defaultKind(reason: Reason): Choice['kind'] {
  return reason === 'mistake' ? 'records' : 'all';
}

/** A live database that is gone or unreadable can only get the whole backup back. */
export function liveUsable(opened: Opened | null): boolean {
  return !opened || (opened.live.exists && opened.live.problem === null);
}

/** The contract's request, or null while the choice is not complete. */
export function whatOf(choice: Choice): RestoreWhat | null {
  switch (choice.kind) {
    case 'all':
      return { kind: 'all' };
    case 'types':
      return choice.types.length ? { kind: 'types', types: choice.types } : null;
    case 'records': {
      const byTable = new Map<string, string[]>();
      for (const r of choice.records)
        byTable.set(r.table, [...(byTable.get(r.table) ?? []), r.key]);
      return byTable.size
        ? { kind: 'records', records: [...byTable].map(([table, keys]) => ({ table, keys })) }
        : null;
    }
  }
}

/** "Keep today's sales" is for putting back whole data types over a database that is there. */
export function keepApplies(choice: Choice, opened: Opened | null): boolean {
  return choice.kind !== 'records' && (opened?.live.exists ?? true);
}

/**
 * The data types whose new rows can be kept: those the restore replaces. The others are not
 * touched, so what was added to them since stays anyway.
 */
export function keepOffered(choice: Choice, opened: Opened | null): DataType[] {
  const all = opened?.types.map((x) => x.type) ?? [];
  return choice.kind === 'types' ? all.filter((t) => choice.types.includes(t)) : all;
}

export function stepsFor(reason: Reason | null, choice: Choice, opened: Opened | null): StepId[] {
  if (reason === 'look') return ['reason', 'when', 'copy'];
  return [
    'reason',
    'when',
    'what',
    'preview',
    ...(keepApplies(choice, opened) ? (['keep'] as const) : []),
    'safely',
  ];
}

/** "shop 2026-12-07 17-58.db": the database's name and the backup's local time, no colons. */
export function copyName(livePath: string, time: string): string {
  const base = livePath.split(/[\\/]/).pop() ?? 'database';
  const stem = base.replace(/\.(db|sqlite3?|db3)$/i, '') || 'database';
  const d = new Date(time);
  const two = (n: number): string => String(n).padStart(2, '0');
  const when = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}-${two(d.getMinutes())}`;
  return `${stem} ${when}.db`;
}
