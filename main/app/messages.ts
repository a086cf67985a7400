/**
 * The few texts main shows itself (desktop notifications, the tray menu), from the same
 * translation files as the window.
 */
import { LANGUAGES, type Language, type RunRecord, type StatusView } from '../ipc/contract.js';
import type { CheckRecord } from './run-state.js';
import type { Job } from './settings.js';
import type { SpaceOutlook } from './space.js';
import { LOCALES, tr } from './translations.js';

/** The first of the OS's preferred languages that Tillvault speaks; English otherwise. */
export function resolveLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split(/[-_]/)[0];
    // Norwegian "no" and Nynorsk readers get Bokmål rather than English.
    const mapped = base === 'no' || base === 'nn' ? 'nb' : base;
    if ((LANGUAGES as readonly string[]).includes(mapped ?? '')) return mapped as Language;
  }
  return 'en';
}

/**
 * "Tuesday 22:00": the weekday is enough within the last six days; further back the date is
 * added, so the owner can tell which Tuesday.
 */
export function weekdayTime(lang: Language, iso: string, now: Date): string {
  const at = new Date(iso);
  const recent = now.getTime() - at.getTime() < 6 * 86_400_000;
  return new Intl.DateTimeFormat(LOCALES[lang], {
    weekday: 'long',
    ...(recent ? {} : { day: 'numeric', month: 'long' }),
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
}

/**
 * Success, failure and "a place was skipped" (e.g. the USB drive was not connected); first of
 * all a damaged database, since every backup from now on copies the damage.
 */
export function runNotification(
  lang: Language,
  job: Job,
  run: RunRecord,
  now = new Date(),
): { title: string; body: string } | null {
  const t = tr(lang);
  if (run.sourceDamage) {
    const last = run.sourceDamage.lastGoodAt;
    return {
      title: t('notify.sourceDamagedTitle', { job: job.name }),
      body: last
        ? t('notify.sourceDamagedBody', { when: weekdayTime(lang, last, now) })
        : t('notify.sourceDamagedNoGoodBody'),
    };
  }
  const skipped = run.destinations.filter((d) => !d.ok);
  const list = (items: string[]): string =>
    new Intl.ListFormat(LOCALES[lang], { type: 'conjunction' }).format(items);
  const damaged = run.destinations.filter((d) => d.verified === false);
  if (damaged.length > 0) {
    return {
      title: t('notify.damagedTitle'),
      body: t('notify.damagedBody', { job: job.name, places: list(damaged.map((d) => d.label)) }),
    };
  }
  switch (run.outcome) {
    case 'cancelled':
      return null;
    case 'ok':
      return {
        title: t('notify.okTitle'),
        body: t('notify.okBody', { job: job.name, count: run.destinations.length }),
      };
    case 'partial': {
      // The most common skip gets its own words: the USB stick was not plugged in.
      const usb = skipped.find(
        (d) =>
          d.code === 'DEST_MISSING' &&
          job.destinations.find((x) => x.id === d.destinationId)?.kind === 'removable',
      );
      if (usb && skipped.length === 1) {
        return {
          title: t('notify.usbMissingTitle', { label: usb.label }),
          body: t('notify.usbMissingBody', { job: job.name }),
        };
      }
      return {
        title: t('notify.partialTitle'),
        body: t('notify.partialBody', {
          job: job.name,
          places: list(skipped.map((d) => `${d.label} (${t(`errors.${d.code ?? 'INTERNAL'}`)})`)),
        }),
      };
    }
    case 'failed':
      return {
        title: t('notify.failedTitle'),
        body: t('notify.failedBody', {
          job: job.name,
          reason: t(`errors.${run.error?.code ?? skipped[0]?.code ?? 'INTERNAL'}`),
        }),
      };
  }
}

/** "No backup for 3 days" (or "never backed up") for a plan whose schedule has fallen behind. */
export function staleNotification(
  lang: Language,
  job: Job,
  lastSuccessAt: string | null,
  now: Date,
): { title: string; body: string } {
  const t = tr(lang);
  if (!lastSuccessAt) {
    return { title: t('notify.neverTitle'), body: t('notify.staleBody', { job: job.name }) };
  }
  const days = Math.max(1, Math.floor((now.getTime() - Date.parse(lastSuccessAt)) / 86_400_000));
  return {
    title: t('notify.staleTitle', { count: days }),
    body: t('notify.staleBody', { job: job.name }),
  };
}

/** The weekly check found damage: which places, and what to do. */
export function checkNotification(
  lang: Language,
  job: Job,
  check: CheckRecord,
): { title: string; body: string } {
  const t = tr(lang);
  const damaged = check.places.filter((p) => p.ok === false).map((p) => p.label);
  return {
    title: t('notify.damagedTitle'),
    body: t('notify.damagedBody', {
      job: job.name,
      places: new Intl.ListFormat(LOCALES[lang], { type: 'conjunction' }).format(damaged),
    }),
  };
}

/** A place is running out of room: how much is free and how long it lasts at this rate. */
export function spaceNotification(
  lang: Language,
  job: Job,
  label: string,
  outlook: SpaceOutlook,
): { title: string; body: string } {
  const t = tr(lang);
  const free = formatBytes(lang, outlook.freeBytes);
  const body =
    outlook.daysLeft === null
      ? t('notify.spaceBody', { job: job.name, free })
      : t('notify.spaceDaysBody', { job: job.name, free, count: outlook.daysLeft });
  return {
    title: t(outlook.level === 'full' ? 'notify.spaceFullTitle' : 'notify.spaceLowTitle', {
      label,
    }),
    body,
  };
}

function formatBytes(lang: Language, bytes: number): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;
  const step = Math.min(units.length - 1, Math.floor(Math.log10(Math.max(bytes, 1)) / 3));
  return new Intl.NumberFormat(LOCALES[lang], {
    style: 'unit',
    unit: units[step],
    maximumFractionDigits: 1,
  }).format(bytes / 1000 ** step);
}

export function trayLabels(
  lang: Language,
  status: StatusView,
): {
  tooltip: string;
  status: string;
  backUpNow: string;
  restore: string;
  open: string;
  quit: string;
} {
  const t = tr(lang);
  const line = t(`home.level.${status.level}`);
  return {
    tooltip: `Tillvault — ${line}`,
    status: line,
    backUpNow: t('home.backUpNow'),
    restore: t('tray.restore'),
    open: t('tray.open'),
    quit: t('tray.quit'),
  };
}
