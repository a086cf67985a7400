/** Lengths of time on the recovery plan, in the language's own units (Intl, no plural keys). */

const HOUR_MS = 3_600_000;

/** "30 days", "12 months": a count with its unit, the language's way. */
export function unitInWords(
  n: number,
  unit: 'hour' | 'day' | 'month' | 'year',
  lang: string,
): string {
  return new Intl.NumberFormat(lang, { style: 'unit', unit, unitDisplay: 'long' }).format(n);
}

/** The longest wait between backups: hours up to two days ("36 hours"), then days ("7 days"). */
export function spanInWords(ms: number, lang: string): string {
  const hours = ms / HOUR_MS;
  if (hours < 1) {
    return new Intl.NumberFormat(lang, {
      style: 'unit',
      unit: 'minute',
      unitDisplay: 'long',
    }).format(Math.max(1, Math.round(ms / 60_000)));
  }
  if (hours < 48) return unitInWords(Math.round(hours), 'hour', lang);
  return unitInWords(Math.round((hours / 24) * 10) / 10, 'day', lang);
}
