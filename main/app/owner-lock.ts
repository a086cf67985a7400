/**
 * Who is at the window: staff, or the owner for a few minutes after the PIN. Main enforces it
 * (dispatch.ts refuses the owner's channels while locked); the window only asks. Without a PIN
 * everyone may do everything, as the owner chose.
 */
import type { OwnerStatus } from '../ipc/contract.js';
import { AppFailure } from '../ipc/errors.js';
import { hashPin, pinMatches, waitAfterFailures } from './owner-pin.js';
import type { SettingsStore } from './settings.js';

/** Unlocked this long after the owner's last action, then locked again. */
export const OWNER_IDLE_MS = 5 * 60_000;

export type Actor = 'owner' | 'staff';

export class OwnerLock {
  private unlockedUntil = 0;
  /** PIN checks one at a time: parallel guesses would all pass before the first failure counts. */
  private checking: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settings: SettingsStore,
    private readonly now: () => Date,
  ) {}

  private get pin() {
    return this.settings.read().owner.pin;
  }

  private waitMs(): number {
    const { failures, lastFailureAt } = this.settings.read().owner;
    if (!lastFailureAt) return 0;
    const until = Date.parse(lastFailureAt) + waitAfterFailures(failures);
    return Math.max(0, until - this.now().getTime());
  }

  private unlockedNow(): boolean {
    return this.pin === null || this.now().getTime() < this.unlockedUntil;
  }

  status(): OwnerStatus {
    return { pinSet: this.pin !== null, unlocked: this.unlockedNow(), waitMs: this.waitMs() };
  }

  /** Who does what the window asks now, for the audit log. */
  actor(): Actor {
    return this.pin !== null && this.unlockedNow() ? 'owner' : 'staff';
  }

  /** An owner's action: refused while locked, and keeps the window unlocked a while longer. */
  require(): void {
    if (!this.unlockedNow()) {
      throw new AppFailure('OWNER_LOCKED', "This needs the owner's PIN.");
    }
    if (this.pin !== null) this.unlockedUntil = this.now().getTime() + OWNER_IDLE_MS;
  }

  unlock(pin: string): Promise<OwnerStatus> {
    const run = this.checking.then(async () => {
      const stored = this.pin;
      if (stored === null) return this.status();
      if (this.waitMs() > 0) return { ...this.status(), unlocked: false };
      if (await pinMatches(stored, pin)) {
        this.settings.update((s) => ({
          ...s,
          owner: { ...s.owner, failures: 0, lastFailureAt: null },
        }));
        this.unlockedUntil = this.now().getTime() + OWNER_IDLE_MS;
      } else {
        this.settings.update((s) => ({
          ...s,
          owner: {
            ...s.owner,
            failures: s.owner.failures + 1,
            lastFailureAt: this.now().toISOString(),
          },
        }));
      }
      return this.status();
    });
    this.checking = run.catch(() => undefined);
    return run;
  }

  lock(): OwnerStatus {
    this.unlockedUntil = 0;
    return this.status();
  }

  /** A new PIN (or none): the caller made sure it is the owner. Leaves the window unlocked. */
  async setPin(pin: string | null): Promise<OwnerStatus> {
    const hash = pin === null ? null : await hashPin(pin);
    this.settings.update((s) => ({
      ...s,
      owner: { pin: hash, failures: 0, lastFailureAt: null },
    }));
    this.unlockedUntil = hash ? this.now().getTime() + OWNER_IDLE_MS : 0;
    return this.status();
  }
}
