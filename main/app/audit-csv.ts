/**
 * The audit log as a CSV file for spreadsheets, in the app's language, in the same words as the
 * log screen (the window's translations). csv-stringify quotes and escapes; the BOM makes Excel
 * read UTF-8 (Chinese, Arabic) rather than the system's code page; cells starting with = + - @
 * get a leading ' so a plan or place name can never run as a formula.
 */
import type { TFunction } from 'i18next';
import { stringify } from 'csv/sync';
import type { AuditEntryView, AuditWhat, Language } from '../ipc/contract.js';
import { LOCALES, tr } from './translations.js';

const listIn =
  (lang: Language) =>
  (items: string[]): string =>
    new Intl.ListFormat(LOCALES[lang], { type: 'conjunction' }).format(items);

/** The sentence of an entry; the screen builds the same from the same keys (screens/audit). */
function whatWords(t: TFunction, lang: Language, what: AuditWhat): string {
  const list = listIn(lang);
  return t(`audit.what.${what.message}`, {
    count: what.count ?? 0,
    n: new Intl.NumberFormat(LOCALES[lang]).format(what.count ?? 0),
    file: what.file ?? '',
    from: what.from ?? '',
    plan: what.plan ?? '',
    summary: what.summary ?? '',
    types: list((what.types ?? []).map((x) => t(`types.${x}`))),
    tables: list(what.tables ?? []),
    fields: list((what.fields ?? []).map((f) => t(`audit.field.${f}`))),
  });
}

/** "2026-05-02 14:03:11" in this computer's time: what Excel and LibreOffice read as a date. */
function localTime(iso: string): string {
  const d = new Date(iso);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function auditCsv(lang: Language, entries: readonly AuditEntryView[]): string {
  const t = tr(lang);
  const header = ['when', 'who', 'kind', 'what', 'result', 'plan', 'places', 'computer'].map((c) =>
    t(`audit.column.${c}`),
  );
  const rows = entries.map((e) => [
    localTime(e.time),
    t(`audit.actor.${e.actor}`),
    t(`audit.kind.${e.kind}`),
    whatWords(t, lang, e.what),
    t(`audit.result.${e.result}`),
    e.plan?.name ?? '',
    listIn(lang)(e.places.map((p) => p.label)),
    e.user && e.host ? `${e.user}@${e.host}` : '',
  ]);
  return stringify([header, ...rows], {
    bom: true,
    escape_formulas: true,
    record_delimiter: 'windows',
  });
}
