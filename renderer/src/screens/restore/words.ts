/** The preview's warnings and the restore's result, from their structured kinds into words. */
import type { TFunction } from 'i18next';
import type { PreviewWarning, RestoreResult } from '../../../../main/ipc/contract.js';
import { isolate } from '../../bidi.js';
import { formatList, formatNumber, formatWeekdayTime } from '../../i18n.js';

const names = (tables: readonly string[]): string => formatList(tables.map(isolate));

export function warningText(t: TFunction, w: PreviewWarning): string {
  switch (w.kind) {
    case 'sales-lost':
      return t('restore.warnings.salesLost', {
        count: w.rows,
        n: formatNumber(w.rows),
        since: formatWeekdayTime(w.since),
      });
    case 'counter-back':
      return t('restore.warnings.counterBack', {
        table: isolate(w.table),
        then: formatNumber(w.then),
        now: formatNumber(w.now),
      });
    case 'receipt-back':
      return t('restore.warnings.receiptBack', {
        table: isolate(w.table),
        column: isolate(w.column),
        then: formatNumber(w.then),
        now: formatNumber(w.now),
      });
    case 'fewer-types':
      return t('restore.warnings.fewerTypes', {
        types: formatList(w.missing.map((ty) => t(`types.${ty}`))),
      });
    case 'tables-gone':
      return t('restore.warnings.tablesGone', { tables: names(w.tables) });
    case 'tables-back':
      return t('restore.warnings.tablesBack', { tables: names(w.tables) });
  }
}

/** "Members are back as they were on Tuesday 17:58." */
export function resultHeadline(t: TFunction, r: RestoreResult): string {
  const when = formatWeekdayTime(r.time);
  switch (r.what.kind) {
    case 'all':
      return t('restore.result.all', { when });
    case 'types':
      return t('restore.result.types', {
        types: formatList(r.what.types.map((ty) => t(`types.${ty}`))),
        when,
      });
    case 'records': {
      const count = (r.records ?? [])
        .filter((x) => x.role === 'record')
        .reduce((n, x) => n + x.rows, 0);
      return t('restore.result.records', { count, n: formatNumber(count), when });
    }
  }
}

/**
 * "412 sales made since were kept" where the sales are counted as receipts, else "412 new rows of
 * Sales and transactions", per data type.
 */
export function keptTexts(t: TFunction, r: RestoreResult): string[] {
  const byType = new Map<string, number>();
  for (const k of r.kept ?? []) byType.set(k.type, (byType.get(k.type) ?? 0) + k.kept);
  return [...byType]
    .filter(([, count]) => count > 0)
    .map(([type, count]) =>
      type === 'sales' && r.keptSales !== null
        ? t('restore.result.keptSales', { count: r.keptSales, n: formatNumber(r.keptSales) })
        : t('restore.result.kept', { count, n: formatNumber(count), type: t(`types.${type}`) }),
    );
}

/** "With them came back: 12 rows of points_ledger and 1 row of cards." */
export function cameWithText(t: TFunction, r: RestoreResult): string | null {
  const rows = new Map<string, number>();
  for (const x of r.records ?? []) {
    if (x.role !== 'record' && x.rows > 0) rows.set(x.table, (rows.get(x.table) ?? 0) + x.rows);
  }
  if (rows.size === 0) return null;
  return t('restore.result.cameWith', {
    rows: formatList(
      [...rows].map(([table, count]) =>
        t('restore.result.rowsOf', { count, n: formatNumber(count), table: isolate(table) }),
      ),
    ),
  });
}

export function clashCount(r: RestoreResult): number {
  return (r.kept ?? []).reduce((n, k) => n + k.clashes, 0);
}

export interface CheckLine {
  ok: boolean;
  text: string;
}

export function checkLines(t: TFunction, r: RestoreResult): CheckLine[] {
  const {
    integrity,
    foreignKeyProblems: fk,
    foreignKeyProblemsBefore: before,
    countMismatches: counts,
  } = r.checks;
  return [
    {
      ok: integrity,
      text: t(integrity ? 'restore.checks.integrityOk' : 'restore.checks.integrityBad'),
    },
    linksLine(t, fk, before),
    {
      ok: counts.length === 0,
      text:
        counts.length === 0
          ? t('restore.checks.countsOk')
          : t('restore.checks.countsBad', {
              tables: formatList(
                counts.map((c) =>
                  t('restore.checks.countOf', {
                    table: isolate(c.table),
                    expected: formatNumber(c.expected),
                    actual: formatNumber(c.actual),
                  }),
                ),
              ),
            }),
    },
  ];
}

/**
 * Rows pointing at nothing are only the restore's fault when there are more than before: many
 * shops' databases have some, and a file restored whole has exactly the backup's.
 */
export function linksLine(t: TFunction, fk: number, before: number | null): CheckLine {
  if (fk === 0) return { ok: true, text: t('restore.checks.linksOk') };
  const bad = t('restore.checks.linksBad', { count: fk, n: formatNumber(fk) });
  if (before === null) return { ok: true, text: `${bad} ${t('restore.checks.linksInBackup')}` };
  return fk <= before
    ? { ok: true, text: `${bad} ${t('restore.checks.linksSame')}` }
    : { ok: false, text: bad };
}
