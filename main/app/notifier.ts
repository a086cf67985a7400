/**
 * Desktop notifications in the owner's language, when they are switched on. The texts come
 * from messages.ts; the platform only shows them.
 */
import type { Language, RunRecord } from '../ipc/contract.js';
import {
  checkNotification,
  resolveLanguage,
  runNotification,
  spaceNotification,
  staleNotification,
} from './messages.js';
import type { Platform } from './platform.js';
import type { CheckRecord } from './run-state.js';
import type { Job, SettingsStore } from './settings.js';
import type { SpaceOutlook } from './space.js';

export class Notifier {
  constructor(
    private readonly settings: SettingsStore,
    private readonly platform: Platform,
  ) {}

  language(): Language {
    const chosen = this.settings.read().language;
    return chosen === 'system' ? resolveLanguage(this.platform.preferredLanguages()) : chosen;
  }

  /** Success, failure, a skipped place, damage found by the check after the run. */
  run(job: Job, run: RunRecord): void {
    this.show(runNotification(this.language(), job, run));
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
