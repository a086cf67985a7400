/**
 * Desktop notifications in the owner's language, when they are switched on. The texts come
 * from messages.ts, and for a backup unlike the one before from changeNotification here; a
 * finished backup says too what the status rule still finds (Home's colour). The platform only
 * shows them.
 */
import type { Language, RunRecord } from '../ipc/contract.js';
import {
  checkNotification,
  findingText,
  isolate,
  resolveLanguage,
  runNotification,
  spaceNotification,
  staleNotification,
  weekdayTime,
} from './messages.js';
import type { Platform } from './platform.js';
import type { CheckRecord, JobState } from './run-state.js';
import { planVerdict } from './status-rule.js';
import type { Job, SettingsStore } from './settings.js';
import type { SpaceOutlook } from './space.js';
import { LOCALES, tr } from './translations.js';

/**
 * "Shop: this backup is unlike the one before — 38 fewer members…": the most telling finding and
 * which backup is kept to go back to. Null when the run found nothing of the kind.
 */
export function changeNotification(
  lang: Language,
  job: Job,
  run: RunRecord,
  now = new Date(),
): { title: string; body: string } | null {
  if (!run.change) return null;
  const t = tr(lang);
  const num = (n: number): string => new Intl.NumberFormat(LOCALES[lang]).format(n);
  const first = findingText(t, run.change.findings[0]!, num);
  return {
    title: t('notify.changeTitle', { job: isolate(job.name) }),
    body: `${first} ${t('notify.changeBody', { when: weekdayTime(lang, run.change.before.time, now) })}`,
  };
}

export class Notifier {
  constructor(
    private readonly settings: SettingsStore,
    private readonly platform: Platform,
  ) {}

  language(): Language {
    const chosen = this.settings.read().language;
    return chosen === 'system' ? resolveLanguage(this.platform.preferredLanguages()) : chosen;
  }

  /**
   * Success, failure, a skipped place, damage found by the check after the run; a backup unlike
   * the one before comes after a damaged database or place, and before everything else.
   */
  run(job: Job, run: RunRecord, state: JobState): void {
    const lang = this.language();
    const damage = run.sourceDamage || run.destinations.some((d) => d.verified === false);
    const verdict = planVerdict(job, state, new Date());
    this.show(
      (!damage && changeNotification(lang, job, run)) ||
        runNotification(lang, job, run, new Date(), verdict.reason),
    );
  }

  /** "No backup for 3 days" (counted to `now`). */
  stale(job: Job, lastSuccessAt: string | null, now: Date): void {
    this.show(staleNotification(this.language(), job, lastSuccessAt, now));
  }

  /** The weekly check found damage. */
  check(job: Job, check: CheckRecord): void {
    this.show(checkNotification(this.language(), job, check));
  }

  /** A place is running out of room. */
  space(job: Job, label: string, outlook: SpaceOutlook): void {
    this.show(spaceNotification(this.language(), job, label, outlook));
  }

  private show(text: { title: string; body: string } | null): void {
    if (text && this.settings.read().notifications) this.platform.notify(text);
  }
}
