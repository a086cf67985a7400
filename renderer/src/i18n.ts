/**
 * Every string the window shows goes through i18next; numbers, sizes, dates and "2 hours ago"
 * through the browser's Intl in the same language. Arabic turns the whole page right to left.
 */
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Language } from '../../main/ipc/contract.js';
import ar from '../../locales/ar.json';
import en from '../../locales/en.json';
import nb from '../../locales/nb.json';
import sv from '../../locales/sv.json';
import zh from '../../locales/zh.json';

const LOCALES: Record<Language, string> = { en: 'en', zh: 'zh-CN', sv: 'sv', nb: 'nb', ar: 'ar' };

export function isRtl(lang: string): boolean {
  return lang === 'ar';
}

void i18next.use(initReactI18next).init({
  resources: {
    en: { translation: en },
    zh: { translation: zh },
    sv: { translation: sv },
    nb: { translation: nb },
    ar: { translation: ar },
  },
  lng: 'en',
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  initAsync: false,
});

export function applyLanguage(lang: Language): void {
  void i18next.changeLanguage(lang);
  document.documentElement.lang = LOCALES[lang];
  document.documentElement.dir = isRtl(lang) ? 'rtl' : 'ltr';
}

const locale = (): string => LOCALES[(i18next.language as Language) ?? 'en'] ?? 'en';

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** From kilobytes up: "0 byte" reads oddly, and nobody needs byte precision here. */
export function formatBytes(bytes: number): string {
  let value = bytes / 1000;
  let unit = 1;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(locale(), {
    style: 'unit',
    unit: UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: value > 0 && value < 10 ? 1 : 0,
  }).format(value);
}

/** "Members, Sales and Products" with the language's own commas and "and". */
export function formatList(items: readonly string[]): string {
  return new Intl.ListFormat(locale(), { style: 'long', type: 'conjunction' }).format(items);
}

export function formatDateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(iso),
  );
}

/** "Tuesday 22:00"; further back than six days with the date, so it says which Tuesday. */
export function formatWeekdayTime(iso: string, now = Date.now()): string {
  const recent = now - Date.parse(iso) < 6 * 86_400_000;
  return new Intl.DateTimeFormat(locale(), {
    weekday: 'long',
    ...(recent ? {} : { day: 'numeric', month: 'long' }),
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

/** "17:58" (or "5:58 PM"), the language's own way. */
export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), { hour: 'numeric', minute: '2-digit' }).format(
    new Date(iso),
  );
}

/** A day heading: "Tuesday 7 December 2026". */
export function formatDay(iso: string): string {
  return new Intl.DateTimeFormat(locale(), {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(new Date(iso));
}

export function formatShortDateTime(iso: string): string {
  return new Intl.DateTimeFormat(locale(), {
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
  }).format(new Date(iso));
}

export function formatPercent(fraction: number): string {
  return new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }).format(
    Math.floor(fraction * 100) / 100,
  );
}

const STEPS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

export function formatAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (Math.abs(seconds) < 60) return i18next.t('time.justNow');
  const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  for (const [unit, size] of STEPS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return rtf.format(Math.round(seconds / size), unit);
    }
  }
  return rtf.format(0, 'second');
}

export function formatDuration(seconds: number): string {
  const unit = seconds >= 3600 ? 'hour' : seconds >= 60 ? 'minute' : 'second';
  const value = unit === 'hour' ? seconds / 3600 : unit === 'minute' ? seconds / 60 : seconds;
  return new Intl.NumberFormat(locale(), {
    style: 'unit',
    unit,
    unitDisplay: 'long',
    maximumFractionDigits: 0,
  }).format(Math.max(1, Math.round(value)));
}

export default i18next;
