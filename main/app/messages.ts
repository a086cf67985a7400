/**
 * The few texts main shows itself (desktop notifications, the tray menu), from the same
 * translation files as the window.
 */
import type { TFunction } from 'i18next';
import {
  LANGUAGES,
  type ChangeFindingView,
  type Language,
  type RunRecord,
  type StatusReason,
  type StatusView,
} from '../ipc/contract.js';
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

/** A plan or table name keeps its own direction inside an Arabic sentence. */
export const isolate = (name: string): string => `\u2068${name}\u2069`;

/** One thing found, as a sentence (the window says the same: SavedSummary.tsx). */
export function findingText(
  t: TFunction,
  f: ChangeFindingView,
  num: (n: number) => string,
): string {
  switch (f.kind) {
    case 'unreadable':
      return t('change.unreadable');
    case 'members':
    case 'products':
      return t(`change.${f.kind}`, { count: f.before - f.now, n: num(f.before - f.now) });
    case 'prices':
      return t(f.exact ? 'change.prices' : 'change.pricesAbout', {
        count: f.changed,
        n: num(f.changed),
      });
    case 'emptied':
      return t('change.emptied', {
        table: isolate(f.table),
        count: f.rowsBefore,
        n: num(f.rowsBefore),
      });
    case 'rows':
      return t('change.rows', { now: num(f.now), before: num(f.before) });
  }
}

/**
 * The status rule's reason in one sentence, as Home's headline says it first (Headline.tsx
 * adds what to do): for the tray menu and a notification that says a plan still needs a look.
 */
export function reasonLine(lang: Language, reason: StatusReason): string {
  const t = tr(lang);
  const places = (labels: string[]): { places: string; count: number } => ({
    places: new Intl.ListFormat(LOCALES[lang], { type: 'conjunction' }).format(labels.map(isolate)),
    count: labels.length,
  });
  switch (reason.kind) {
    case 'source-damaged':
      return t('home.reason.sourceDamaged.what');
    case 'no-passphrase':
      return t('home.reason.noPassphrase.what');
    case 'damaged':
      return t('home.reason.damaged.what', places(reason.places));
    case 'failed':
      return t('home.reason.failed.what');
    case 'changed':
      return findingText(t, reason.finding, (n) => new Intl.NumberFormat(LOCALES[lang]).format(n));
    case 'stale':
      return t(reason.lastSuccessAt ? 'home.reason.stale.what' : 'home.reason.never.what');
    case 'never':
      return t('home.reason.never.what');
    case 'no-schedule':
      return t('home.reason.noSchedule.what');
    case 'missed':
      return t('home.reason.missed.what', places(reason.places));
    case 'not-uploaded':
      return t('home.reason.notUploaded.what', places(reason.places));
    case 'space':
      return t(reason.full ? 'notify.spaceFullTitle' : 'notify.spaceLowTitle', {
        label: isolate(reason.place),
      });
  }
}

/**
 * Success, failure and "a place was skipped" (e.g. the USB drive was not connected); first of
 * all a damaged database, since every backup from now on copies the damage. `after`: what the
 * status rule still finds once the run is recorded, said with a success.
 */
export function runNotification(
  lang: Language,
  job: Job,
  run: RunRecord,
  now = new Date(),
  after: StatusReason | null = null,
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
    case 'ok': {
      const body = t('notify.okBody', { job: job.name, count: run.destinations.length });
      // "Finished" alone would read as "safe" while Home is amber (no schedule, not uploaded).
      return after
        ? { title: t('notify.okLookTitle'), body: `${body} ${reasonLine(lang, after)}` }
        : { title: t('notify.okTitle'), body };
    }
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
  const level = t(`home.level.${status.level}`);
  // The colour alone says little in a menu: the one reason that matters most goes with it.
  const line = status.reason ? `${level} ${reasonLine(lang, status.reason)}` : level;
  return {
    tooltip: `Tillvault — ${line}`,
    status: line,
    backUpNow: t('home.backUpNow'),
    restore: t('tray.restore'),
    open: t('tray.open'),
    quit: t('tray.quit'),
  };
}
