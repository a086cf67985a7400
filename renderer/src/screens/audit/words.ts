/**
 * An audit entry in words, from the same translations main's CSV uses (main/app/audit-csv.ts);
 * names from the shop's data (files, places, plans, tables) isolated in their own direction.
 */
import type { TFunction } from 'i18next';
import type { AuditWhat } from '../../../../main/ipc/contract.js';
import { isolate } from '../../bidi.js';
import { formatList, formatNumber } from '../../i18n.js';

export function whatText(t: TFunction, what: AuditWhat): string {
  return t(`audit.what.${what.message}`, {
    count: what.count ?? 0,
    n: formatNumber(what.count ?? 0),
    file: isolate(what.file ?? ''),
    from: isolate(what.from ?? ''),
    plan: isolate(what.plan ?? ''),
    summary: what.summary ?? '',
    types: formatList((what.types ?? []).map((x) => t(`types.${x}`))),
    tables: formatList((what.tables ?? []).map(isolate)),
    fields: formatList((what.fields ?? []).map((f) => t(`audit.field.${f}`))),
  });
}

/** The local day a date field names, as the instant it starts; `next` the day after. */
export function dayStart(day: string, next = false): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y!, m! - 1, d! + (next ? 1 : 0)).toISOString();
}
